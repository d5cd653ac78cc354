"""The /api/v1 endpoints. Each view reads through one selector or validates its input and calls
one service; roles are checked by `articles.api.permissions`, blindness by the selectors."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, QuerySet
from django.http import HttpResponseBase, StreamingHttpResponse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotAuthenticated
from rest_framework.filters import OrderingFilter
from rest_framework.pagination import BasePagination
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, BaseThrottle, UserRateThrottle

from articles.api import claimreview, filters, permissions, streaming
from articles.api import serializers as s
from articles.api.pagination import DeskPageNumberPagination, VerdictCursorPagination
from articles.api.renderers import (
    STREAMED_FORMATS,
    ClaimReviewRenderer,
    CSVRenderer,
    JSONLinesRenderer,
)
from articles.api.throttling import ExportRateThrottle
from articles.exceptions import PermissionDenied
from articles.models import Annotation, Article, Assignment, Claim, ImportBatch, Verdict
from articles.selectors import exports
from articles.services import annotations as annotation_services
from articles.services import assignments as assignment_services
from articles.services import claims as claim_services
from articles.services import imports as import_services
from articles.services import verdicts as verdict_services
from articles.services.api_imports import article_import_one

ID_PATTERN = r"\d+"


class ETagMixin:
    """Detail views answer with an ETag of the representation and 304 to a matching
    If-None-Match, so clients polling an object do not download it again."""

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response: Response = super().retrieve(request, *args, **kwargs)  # type: ignore[misc]
        return with_etag(request, response)


M = TypeVar("M", bound=Model)


class DeskViewSet(ETagMixin, viewsets.ReadOnlyModelViewSet[M]):
    """What every collection of the API shares: numeric ids in URLs, page-number pagination,
    filters from each view's `filterset_class` and `?ordering=` over its `ordering_fields`,
    newest first unless the view says otherwise, and ETags on detail views."""

    pagination_class: type[BasePagination] | None = DeskPageNumberPagination
    filter_backends = (DjangoFilterBackend, OrderingFilter)
    ordering_fields: tuple[str, ...] = ("created_at", "id")
    ordering: tuple[str, ...] = ("-created_at", "-id")
    lookup_value_regex = ID_PATTERN


def with_etag(request: Request, response: Response) -> Response:
    if response.status_code != status.HTTP_200_OK:
        return response
    body = json.dumps(response.data, sort_keys=True, cls=DjangoJSONEncoder)
    digest = hashlib.sha256(f"{request.accepted_media_type}\n{body}".encode()).hexdigest()
    etag = f'"{digest[:32]}"'
    candidates = {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}
    if etag in candidates or "*" in candidates:
        not_modified = Response(status=status.HTTP_304_NOT_MODIFIED)
        not_modified["ETag"] = etag
        return not_modified
    response["ETag"] = etag
    return response


def _actor(request: Request) -> AbstractBaseUser:
    """The signed-in user of a write (permission classes have already refused anonymous)."""
    user = request.user
    if not isinstance(user, AbstractBaseUser):
        raise NotAuthenticated()
    return user


def _created_or_ok(created: bool) -> int:
    return status.HTTP_201_CREATED if created else status.HTTP_200_OK


# --- articles and import jobs -----------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List articles", responses=s.ArticleOutputSerializer(many=True)),
    retrieve=extend_schema(
        summary="One article with its cleaned body", responses=s.ArticleDetailOutputSerializer
    ),
    create=extend_schema(
        summary="Import one article",
        description="Through the importer: the same cleaning and the same specific reasons for "
        "a rejected article (400, in `detail`). A duplicate of an article on file answers 200 "
        "with that article.",
        request={
            "application/json": s.ArticleCreateInputSerializer,
            "multipart/form-data": s.ArticleCreateInputSerializer,
        },
        responses={201: s.ArticleImportOutputSerializer, 200: s.ArticleImportOutputSerializer},
    ),
)
class ArticleViewSet(DeskViewSet[Article]):
    permission_classes = (permissions.IsDeskMember,)
    filterset_class = filters.ArticleFilter
    ordering_fields = ("created_at", "published_at", "id")

    def get_queryset(self) -> QuerySet[Article]:
        qs = exports.articles_for_api()
        return qs if self.action == "retrieve" else qs.defer("body", "raw")

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        if self.action == "retrieve":
            return s.ArticleDetailOutputSerializer
        return s.ArticleOutputSerializer

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = s.ArticleCreateInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        upload = data.pop("file", None)
        publisher = data.get("publisher", "") if upload is not None else ""
        if upload is not None:
            name, content = upload.name or "upload", upload.read()
        else:
            name, content = "article.json", json.dumps(data).encode("utf-8")
        result = article_import_one(
            name=name, data=content, imported_by=_actor(request), publisher=publisher
        )
        article = exports.articles_for_api().get(pk=result.article_id or 0)
        out = s.ArticleImportOutputSerializer({"status": result.status, "article": article})
        return Response(out.data, status=_created_or_ok(result.status == "imported"))


@extend_schema_view(
    list=extend_schema(summary="List import jobs"),
    retrieve=extend_schema(summary="An import job: progress and one result per file"),
    create=extend_schema(
        summary="Import many articles as a job",
        description="Answers 202 with the job; poll its URL for progress and per-item results.",
        request={
            "application/json": s.ImportJobCreateInputSerializer,
            "multipart/form-data": s.ImportJobCreateInputSerializer,
        },
        responses={202: s.ImportJobOutputSerializer},
    ),
)
class ImportJobViewSet(DeskViewSet[ImportBatch]):
    permission_classes = (permissions.IsEditor,)
    serializer_class = s.ImportJobOutputSerializer

    def get_queryset(self) -> QuerySet[ImportBatch]:
        return exports.import_batches_for_api()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = s.ImportJobCreateInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        uploads: list[tuple[str, Any]] = [
            (upload.name or "upload", upload) for upload in form.validated_data.get("files", [])
        ]
        # One file per record, so the job reports progress and a result per record.
        for number, record in enumerate(form.validated_data.get("records") or [], start=1):
            encoded = json.dumps(record).encode("utf-8")
            uploads.append((f"record-{number:05d}.json", io.BytesIO(encoded)))
        batch = import_services.import_batch_create(
            uploads=uploads,
            created_by=_actor(request),
            publisher=form.validated_data.get("publisher", ""),
        )
        response = Response(
            s.ImportJobOutputSerializer(batch).data, status=status.HTTP_202_ACCEPTED
        )
        response["Location"] = request.build_absolute_uri(f"{batch.pk}/")
        return response


# --- claims -----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="List claims (consensus only where the caller may see it)"),
    retrieve=extend_schema(summary="One claim with appearances and visible consensus"),
    create=extend_schema(
        summary="Create a claim, optionally from a span of an article",
        request=s.ClaimCreateInputSerializer,
        responses={201: s.ClaimOutputSerializer},
    ),
)
class ClaimViewSet(DeskViewSet[Claim]):
    permission_classes = (permissions.IsDeskMember,)
    serializer_class = s.ClaimOutputSerializer
    filterset_class = filters.ClaimFilter
    ordering_fields = ("created_at", "updated_at", "id")

    def get_queryset(self) -> QuerySet[Claim]:
        return exports.claims_for_api(user=self.request.user)

    def _claim_response(self, claim_id: int, code: int = status.HTTP_200_OK) -> Response:
        claim = exports.claims_for_api(user=self.request.user).get(pk=claim_id)
        return Response(s.ClaimOutputSerializer(claim).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = s.ClaimCreateInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        article = data.get("article")
        claim = claim_services.claim_create(
            user=_actor(request),
            text=data["text"],
            claimant=data.get("claimant", ""),
            required_annotations=data.get("required_annotations"),
            article_id=article.pk if article is not None else None,
            start=data.get("start"),
            end=data.get("end"),
            quote=data.get("quote"),
        )
        return self._claim_response(claim.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Anchor the claim to another span of an article",
        request=s.AppearanceAddInputSerializer,
        responses={201: s.ClaimOutputSerializer},
    )
    @action(detail=True, methods=["post"])
    def appearances(self, request: Request, pk: str) -> Response:
        claim = self.get_object()
        form = s.AppearanceAddInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        claim_services.appearance_add(
            user=_actor(request),
            claim_id=claim.pk,
            article_id=data["article"].pk,
            start=data["start"],
            end=data["end"],
            text=data["quote"],
        )
        return self._claim_response(claim.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Set how many annotators the claim needs",
        request=s.RequiredAnnotationsInputSerializer,
        responses={200: s.ClaimOutputSerializer},
    )
    @action(detail=True, methods=["post"], url_path="required-annotations")
    def required_annotations(self, request: Request, pk: str) -> Response:
        claim = self.get_object()
        form = s.RequiredAnnotationsInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        claim_services.claim_update(
            user=_actor(request),
            claim_id=claim.pk,
            required_annotations=form.validated_data["required_annotations"],
        )
        return self._claim_response(claim.pk)

    @extend_schema(
        summary="Assign the claim to an annotator, or staff it by load",
        request=s.ClaimAssignInputSerializer,
        responses={201: s.AssignmentOutputSerializer(many=True)},
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        claim = self.get_object()
        form = s.ClaimAssignInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        annotator = form.validated_data.get("annotator")
        if annotator is not None:
            created = [
                assignment_services.assignment_create(
                    user=_actor(request), claim_id=claim.pk, annotator_id=annotator.pk
                )
            ]
        else:
            created = assignment_services.claims_auto_assign(
                user=_actor(request), claim_ids=[claim.pk]
            )
        return Response(
            s.AssignmentOutputSerializer(created, many=True).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Publish a verdict on the claim (a new version)",
        request=s.ClaimPublishInputSerializer,
        responses={201: s.VerdictOutputSerializer},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str) -> Response:
        claim = self.get_object()
        form = s.ClaimPublishInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        verdict = verdict_services.verdict_publish(
            user=_actor(request),
            claim_id=claim.pk,
            label=form.validated_data.get("label"),
            reason=form.validated_data.get("reason", ""),
        )
        return Response(s.VerdictOutputSerializer(verdict).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Retract the claim's current verdict",
        request=s.ClaimRetractInputSerializer,
        responses={200: s.VerdictOutputSerializer},
    )
    @action(detail=True, methods=["post"])
    def retract(self, request: Request, pk: str) -> Response:
        claim = self.get_object()
        form = s.ClaimRetractInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        verdict = verdict_services.verdict_retract(
            user=_actor(request), claim_id=claim.pk, reason=form.validated_data["reason"]
        )
        return Response(s.VerdictOutputSerializer(verdict).data)


# --- annotations and assignments --------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Annotations the caller may read (editors all, annotators own)"),
    retrieve=extend_schema(summary="One annotation"),
    create=extend_schema(
        summary="Rate a claim assigned to you (or revise your rating of it)",
        request=s.AnnotationSubmitInputSerializer,
        responses={201: s.AnnotationOutputSerializer},
    ),
    update=extend_schema(
        summary="Revise your annotation",
        request=s.AnnotationReviseInputSerializer,
        responses={200: s.AnnotationOutputSerializer},
    ),
)
class AnnotationViewSet(DeskViewSet[Annotation]):
    permission_classes = (permissions.IsEditorOrAnnotator,)
    serializer_class = s.AnnotationOutputSerializer
    filterset_class = filters.AnnotationFilter
    ordering_fields = ("created_at", "updated_at", "id")
    http_method_names = ("get", "post", "put", "head", "options")

    def get_queryset(self) -> QuerySet[Annotation]:
        return exports.annotations_for_api(user=self.request.user)

    def _submit(self, claim_id: int, data: dict[str, Any]) -> Annotation:
        return annotation_services.annotation_submit(
            user=_actor(self.request),
            claim_id=claim_id,
            label=data["label"],
            confidence=data.get("confidence"),
            rationale=data.get("rationale", ""),
            evidence_links=data.get("evidence_links", []),
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        form = s.AnnotationSubmitInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        annotation = self._submit(form.validated_data["claim"].pk, dict(form.validated_data))
        out = self.get_queryset().get(pk=annotation.pk)
        return Response(self.get_serializer(out).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        annotation = self.get_object()
        if annotation.annotator_id != _actor(request).pk:
            raise PermissionDenied("You can only revise your own annotations.")
        form = s.AnnotationReviseInputSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        revised = self._submit(annotation.claim_id, dict(form.validated_data))
        return Response(self.get_serializer(self.get_queryset().get(pk=revised.pk)).data)


@extend_schema_view(
    list=extend_schema(summary="Assignments: an annotator's own queue (editors see all)"),
    retrieve=extend_schema(summary="One assignment"),
)
class AssignmentViewSet(DeskViewSet[Assignment]):
    permission_classes = (permissions.IsEditorOrAnnotatorReadOnly,)
    serializer_class = s.AssignmentOutputSerializer
    filterset_class = filters.AssignmentFilter
    ordering = ("created_at", "id")

    def get_queryset(self) -> QuerySet[Assignment]:
        return exports.assignments_for_api(user=self.request.user)


# --- verdicts (the export) --------------------------------------------------------------------

FORMAT_PARAMETER = OpenApiParameter(
    "format",
    str,
    enum=["json", "csv", "jsonl", "claimreview"],
    description="Output format (or send the matching Accept header). csv and jsonl stream every "
    "matching row unpaginated; json and claimreview are cursor-paginated.",
)
ALL_VERSIONS_PARAMETER = OpenApiParameter(
    "all_versions", bool, description="Every published version, not only each claim's current one."
)
CLAIMREVIEW_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": [
        "@context",
        "@type",
        "claimReviewed",
        "reviewRating",
        "itemReviewed",
        "author",
        "datePublished",
        "url",
    ],
    "properties": {
        "@context": {"type": "string"},
        "@type": {"type": "string", "enum": ["ClaimReview"]},
        "claimReviewed": {"type": "string"},
        "reviewRating": {"type": "object"},
        "itemReviewed": {"type": "object"},
        "author": {"type": "object"},
        "datePublished": {"type": "string"},
        "url": {"type": "string"},
    },
}


@extend_schema_view(
    list=extend_schema(
        summary="Published verdicts: the export",
        description="Each claim's current version (retracted ones included, marked `retracted`, "
        "so syncing clients see withdrawals; claimreview lists standing verdicts only). "
        "Throttled per token.",
        parameters=[FORMAT_PARAMETER, ALL_VERSIONS_PARAMETER],
        responses={
            (200, "application/json"): s.VerdictOutputSerializer(many=True),
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/x-ndjson"): OpenApiTypes.STR,
            (200, "application/ld+json"): CLAIMREVIEW_SCHEMA,
        },
    ),
    retrieve=extend_schema(
        summary="One verdict version",
        parameters=[
            OpenApiParameter("format", str, enum=["json", "claimreview"]),
        ],
        responses={
            (200, "application/json"): s.VerdictOutputSerializer,
            (200, "application/ld+json"): CLAIMREVIEW_SCHEMA,
        },
    ),
)
class VerdictViewSet(DeskViewSet[Verdict]):
    permission_classes = (permissions.CanReadVerdicts,)
    serializer_class = s.VerdictOutputSerializer
    pagination_class = VerdictCursorPagination
    throttle_scope = "export"
    filterset_class = filters.VerdictFilter
    ordering_fields = ("published_at", "id")
    ordering = ("-published_at", "-id")

    def get_throttles(self) -> list[BaseThrottle]:
        return [AnonRateThrottle(), UserRateThrottle(), ExportRateThrottle()]

    def get_renderers(self) -> list[BaseRenderer]:
        if self.action == "list":
            return [JSONRenderer(), CSVRenderer(), JSONLinesRenderer(), ClaimReviewRenderer()]
        return [JSONRenderer(), ClaimReviewRenderer()]

    def _format(self) -> str:
        renderer = getattr(self.request, "accepted_renderer", None)
        return str(getattr(renderer, "format", "json"))

    def get_queryset(self) -> QuerySet[Verdict]:
        form = s.VerdictListQuerySerializer(data=self.request.query_params)
        form.is_valid(raise_exception=True)
        return exports.verdicts_for_api(
            user=self.request.user,
            public=permissions.verdicts_are_public(),
            all_versions=self.action != "list" or form.validated_data["all_versions"],
            with_appearances=self._format() not in STREAMED_FORMATS,
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]
        fmt = self._format()
        qs = self.filter_queryset(self.get_queryset())
        if fmt in STREAMED_FORMATS:
            chunks: Iterator[bytes]
            if exports.verdict_export_by_copy(qs):
                export_format: exports.ExportFormat = "csv" if fmt == "csv" else "jsonl"
                chunks = streaming.joined_chunks(exports.verdict_export_copy(qs, fmt=export_format))
            else:
                rows = exports.verdict_export_rows(
                    qs, chunk_size=int(settings.FACTCHECK_API_EXPORT_CHUNK_ROWS)
                )
                chunks = (
                    streaming.csv_chunks(rows) if fmt == "csv" else streaming.jsonl_chunks(rows)
                )
            media_type = CSVRenderer.media_type if fmt == "csv" else JSONLinesRenderer.media_type
            response = StreamingHttpResponse(chunks, content_type=f"{media_type}; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="verdicts.{fmt}"'
            return response
        if fmt == ClaimReviewRenderer.format:
            # The same cursor envelope as JSON; each result is a complete ClaimReview document.
            page = self.paginate_queryset(exports.verdicts_standing(qs)) or []
            return self.get_paginated_response([claimreview.claim_review(v) for v in page])
        return super().list(request, *args, **kwargs)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if self._format() == ClaimReviewRenderer.format:
            return with_etag(request, Response(claimreview.claim_review(self.get_object())))
        return super().retrieve(request, *args, **kwargs)

    def finalize_response(  # type: ignore[override]
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        # Errors (a bad filter, a throttle, a missing row) are answered in JSON in every format.
        is_error = response.status_code >= 400
        if isinstance(response, Response) and (is_error or self._format() in STREAMED_FORMATS):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[arg-type]

    @extend_schema(
        summary="Deleted verdicts (tombstones) for incremental sync",
        parameters=[
            OpenApiParameter(
                "since", OpenApiTypes.DATETIME, description="Deleted at or after this time."
            )
        ],
        responses=s.VerdictTombstoneSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=DeskPageNumberPagination)
    def deleted(self, request: Request) -> Response:
        form = s.TombstoneQuerySerializer(data=request.query_params)
        form.is_valid(raise_exception=True)
        rows = exports.verdicts_tombstones(
            user=request.user,
            public=permissions.verdicts_are_public(),
            since=form.validated_data.get("since"),
        )
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(s.VerdictTombstoneSerializer(page, many=True).data)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.action == "deleted":
            return queryset
        return super().filter_queryset(queryset)
