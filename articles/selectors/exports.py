"""Reads for the API and its exports: claims with their visible consensus, verdicts (current
version or every version, with retractions) as each user may read them, and flat export rows.

Blindness is never decided here: every queryset goes through `articles.selectors.visibility`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from articles.models import (
    Annotation,
    Article,
    Assignment,
    Claim,
    ClaimAppearance,
    Consensus,
    ImportBatch,
    Verdict,
)
from articles.roles import AnyUser
from articles.selectors.claims import claims_for_user
from articles.selectors.visibility import (
    annotations_for_user,
    assignments_for_user,
    verdicts_visible,
    visible_claim_outcomes,
)


def _appearances_with_articles() -> Prefetch[Any]:
    return Prefetch(
        "appearances",
        queryset=ClaimAppearance.objects.select_related("article")
        .only(
            "id",
            "claim_id",
            "article_id",
            "start",
            "end",
            "quote",
            "article__id",
            "article__url",
            "article__title",
            "article__publisher",
            "article__published_at",
        )
        .order_by("article__published_at", "article_id", "start"),
    )


def articles_for_api() -> QuerySet[Article]:
    """Articles, newest first (every desk role reads articles)."""
    return Article.objects.order_by("-created_at", "-id")


def claims_for_api(*, user: AnyUser) -> QuerySet[Claim]:
    """Claims with their appearances (and articles) and, in `visible_consensus` (a row or
    None), the consensus `user` may see under the blind rule."""
    return claims_for_user(user=user).prefetch_related(
        _appearances_with_articles(),
        Prefetch(
            "consensus",
            queryset=visible_claim_outcomes(Consensus.objects.all(), user=user),
            to_attr="visible_consensus",
        ),
    )


def annotations_for_api(*, user: AnyUser) -> QuerySet[Annotation]:
    """The annotations `user` may read (editors all, annotators their own), newest first."""
    return annotations_for_user(user=user).order_by("-created_at", "-id")


def assignments_for_api(*, user: AnyUser) -> QuerySet[Assignment]:
    """Editors: every assignment; annotators: their own queue (open and done)."""
    return assignments_for_user(user=user).order_by("created_at", "id")


def import_batches_for_api() -> QuerySet[ImportBatch]:
    return ImportBatch.objects.select_related("created_by").order_by("-created_at", "-id")


def _newer_version_exists() -> Exists:
    return Exists(
        Verdict.objects.filter(claim_id=OuterRef("claim_id"), version__gt=OuterRef("version"))
    )


def verdicts_for_api(
    *, user: AnyUser, public: bool, all_versions: bool = False, with_appearances: bool = True
) -> QuerySet[Verdict]:
    """Verdicts `user` may read (see `visibility.verdicts_visible`), newest first: only each
    claim's current (latest) version unless `all_versions`. Retracted versions are included
    (`retracted_at` set) so that syncing clients learn of them. With `with_appearances`, each
    verdict's claim carries its appearances and their articles (prefetched)."""
    qs = Verdict.objects.select_related("claim")
    if not all_versions:
        qs = qs.exclude(_newer_version_exists())
    if with_appearances:
        qs = qs.prefetch_related(
            Prefetch(
                "claim__appearances",
                queryset=_appearances_with_articles().queryset,
            )
        )
    return verdicts_visible(qs, user=user, public=public).order_by("-published_at", "-id")


def verdicts_standing(qs: QuerySet[Verdict]) -> QuerySet[Verdict]:
    """Only verdicts that are not retracted."""
    return qs.filter(retracted_at__isnull=True)


def verdicts_with_status(qs: QuerySet[Verdict], *, status: str) -> QuerySet[Verdict]:
    """`published` (standing) or `retracted` verdicts."""
    if status == "retracted":
        return qs.filter(retracted_at__isnull=False)
    return verdicts_standing(qs)


def verdicts_changed_since(qs: QuerySet[Verdict], *, since: datetime) -> QuerySet[Verdict]:
    """Verdicts published or retracted at or after `since` (incremental sync)."""
    return qs.filter(Q(published_at__gte=since) | Q(retracted_at__gte=since))


def verdicts_in_article(qs: QuerySet[Verdict], *, article_id: int) -> QuerySet[Verdict]:
    return qs.filter(
        Exists(ClaimAppearance.objects.filter(claim_id=OuterRef("claim_id"), article_id=article_id))
    )


def verdicts_by_publisher(qs: QuerySet[Verdict], *, publisher: str) -> QuerySet[Verdict]:
    """Verdicts on claims appearing in an article of `publisher` (case-insensitive)."""
    return qs.filter(
        Exists(
            ClaimAppearance.objects.filter(
                claim_id=OuterRef("claim_id"), article__publisher__iexact=publisher
            )
        )
    )


def verdicts_tombstones(*, user: AnyUser, public: bool, since: datetime | None) -> QuerySet[Any]:
    """Deleted verdicts (their claim was deleted), from the verdict history: one row per deleted
    version with `id`, `claim_id`, `version` and `history_date` (when it was deleted), oldest
    first. Visible to the same users as verdicts; for blind annotators, none (the claims they
    rated are gone, so the blind rule cannot be checked and nothing is revealed)."""
    from articles.roles import OutcomeScope, outcome_scope

    history: QuerySet[Any] = Verdict.history.model.objects.filter(history_type="-")
    scope = outcome_scope(user)
    if scope is OutcomeScope.RATED or (scope is OutcomeScope.NONE and not public):
        history = history.none()
    if since is not None:
        history = history.filter(history_date__gte=since)
    return history.order_by("history_date", "history_id").values(
        "id", "claim_id", "version", "history_date"
    )


EXPORT_COLUMNS: tuple[str, ...] = (
    "id",
    "claim_id",
    "version",
    "label",
    "status",
    "is_override",
    "reason",
    "consensus_label",
    "claim_text",
    "claimant",
    "published_at",
    "retracted_at",
)


def verdict_export_values(qs: QuerySet[Verdict]) -> QuerySet[Any]:
    """The flat SELECT of the export: `EXPORT_COLUMNS`, with `retracted_at` standing in for
    `status` (see `verdict_export_rows`). The benchmark COPYs this same query."""
    return (
        qs.prefetch_related(None)
        .select_related(None)
        .values_list(
            "id",
            "claim_id",
            "version",
            "label",
            "retracted_at",
            "is_override",
            "reason",
            "consensus_label",
            "claim__text",
            "claim__claimant",
            "published_at",
            "retracted_at",
        )
    )


def verdict_export_rows(qs: QuerySet[Verdict], *, chunk_size: int) -> Iterator[tuple[Any, ...]]:
    """The verdicts of `qs` as flat tuples in `EXPORT_COLUMNS` order (`status` is `published`
    or `retracted`), read through a server-side cursor `chunk_size` rows at a time on PostgreSQL,
    so memory does not grow with the number of rows."""
    for row in verdict_export_values(qs).iterator(chunk_size=chunk_size):
        yield (*row[:4], "retracted" if row[4] is not None else "published", *row[5:])
