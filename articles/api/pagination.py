"""Pagination: page numbers for browsing lists, a cursor for the verdict export (stable while
rows are added, and cheap at any depth because it seeks on the indexed ordering)."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination, PageNumberPagination


class DeskPageNumberPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


class VerdictCursorPagination(CursorPagination):
    ordering = ("-published_at", "-id")
    page_size_query_param = "page_size"
    max_page_size = 1000
