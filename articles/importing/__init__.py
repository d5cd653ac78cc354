"""Parsing and cleaning of imported articles: files, folders and zips in; `ParsedArticle`s out.

Pure Python (no ORM, no settings): the caller passes the limits in. Services in
`articles.services.imports` save the results. The formats the desk reads are one table,
`articles.importing.formats.FORMATS`.
"""

from articles.importing.formats import parse_source
from articles.importing.sources import count_sources, iter_path_sources, iter_sources_in_bytes
from articles.importing.types import Limits, ParsedArticle, Rejection, SourceFile

__all__ = [
    "Limits",
    "ParsedArticle",
    "Rejection",
    "SourceFile",
    "count_sources",
    "iter_path_sources",
    "iter_sources_in_bytes",
    "parse_source",
]
