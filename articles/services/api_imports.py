"""Importing exactly one article from an API request: the same readers, cleaning and specific
errors as every other import (`articles.importing`, `services.imports.article_import`)."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError

from articles.exceptions import ImportRejected
from articles.importing import Rejection, iter_sources_in_bytes, parse_source
from articles.services.imports import ImportResult, article_import, import_limits


def article_import_one(
    *, name: str, data: bytes, imported_by: AbstractBaseUser, publisher: str = ""
) -> ImportResult:
    """Parse `data` (named `name`: its suffix picks the reader) and save the one article in it.

    Everything is parsed before anything is saved, so a file holding several articles (a zip, a
    JSON list, JSON Lines) saves none.
    Returns the "imported" or "duplicate" result. Raises ImportRejected with the importer's
    reason for a file it rejects, ValidationError for a file with several articles.
    """
    outcomes = []
    for source in iter_sources_in_bytes(name, data, import_limits()):
        if isinstance(source, Rejection):
            raise ImportRejected(source.reason)
        outcomes.extend(parse_source(source))
    if len(outcomes) != 1:
        raise ValidationError(
            f"This file holds {len(outcomes)} articles; import several through an import job."
        )
    outcome = outcomes[0]
    if isinstance(outcome, Rejection):
        raise ImportRejected(outcome.reason)
    result = article_import(parsed=outcome, imported_by=imported_by, publisher=publisher)
    if result.status == "rejected":
        raise ImportRejected(result.reason)
    return result
