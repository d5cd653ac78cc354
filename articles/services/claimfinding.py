"""Claim-finding writes: the job that stores suggestions and proposed appearances for imported
articles, the editors' decisions on them, and the contradiction flags of claims.

Load, then compute: rows are read through `articles.selectors.claimfinding`, the finding itself
is the pure `articles.claimfinding` package, and the results are written here in bulk.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from articles import roles
from articles.claimfinding import (
    Passage,
    find_contradictions,
    plan_batch,
    score_sentence,
    score_sentences,
)
from articles.claimfinding import sentence_key as key_of
from articles.claimfinding.finding import collector_paused
from articles.exceptions import ApplicationError, PermissionDenied
from articles.models import (
    Article,
    Claim,
    ClaimAppearance,
    ClaimSuggestion,
    ContradictionFlag,
    ProposedAppearance,
    SuggestionGroup,
)
from articles.selectors import claimfinding as selectors
from articles.services.claims import appearance_add, claim_create
from articles.services.rows import rows_insert

logger = logging.getLogger(__name__)


def _require_editor(user: AbstractBaseUser, action: str) -> None:
    if not roles.is_editor(user):
        raise PermissionDenied(f"Only editors can {action}.")


# --- the job ------------------------------------------------------------------------------


def claims_find_for_articles(*, article_ids: Sequence[int]) -> dict[str, Any]:
    """Find claims in the articles of one import: propose sentences that restate claims on file
    as appearances of them, group the other check-worthy sentences across the articles (one
    group per proposed new claim, its sentences stored as suggestions), flag contradictions of
    the claims that got proposals, and mark the articles as gone over (`claims_found_at`).

    Idempotent: articles gone over already are skipped, and within the others sentences already
    suggested, decided, proposed or anchored, so a second run writes nothing. Returns counts:
    articles gone over, appearances proposed, sentences found worth suggesting, those stored
    as members of groups, groups, and the contradiction flags of the matched claims.
    """
    # Python's cycle collector paused for the whole job, not only while sentences are scored and
    # matched: the rows built and read around that (millions of small objects alive, none in a
    # cycle) would trigger hundreds of collections that walk them all.
    with collector_paused():
        return _find_for_articles(article_ids)


def _find_for_articles(article_ids: Sequence[int]) -> dict[str, Any]:
    # Articles the job has gone over already are left alone: a second run writes nothing.
    ids = selectors.articles_to_find_claims_in(article_ids=article_ids)
    found: dict[str, Any] = {
        "articles": len(ids),
        "proposed": 0,
        "suggested": 0,
        "grouped": 0,
        "groups": 0,
        "flags": 0,
    }
    if not ids:
        return found
    candidates = selectors.candidates_for_matching(article_ids=ids)
    plan = plan_batch(candidates, selectors.claim_texts(), thresholds=selectors.thresholds())
    now = timezone.now()
    proposed = ProposedAppearance.Status.PROPOSED.value
    proposals = [
        (
            match.claim_id,
            match.candidate.article_id,
            match.candidate.key,
            match.candidate.start,
            match.candidate.end,
            match.candidate.text,
            round(match.similarity, 4),
            proposed,
            now,
        )
        for match in plan.matches
    ]
    # Stored: the groups across articles (one proposed claim each, which only this job can
    # know). A sentence suggested in its own article alone is not: the article page and
    # `suggest_claims` score sentences when they are shown, and a decision on one stores it.
    groups = [g for g in plan.groups if len({m.article_id for m in g.members}) > 1]
    members = [
        (member, similarity, number)
        for number, g in enumerate(groups)
        for member, similarity in zip(g.members, g.similarities, strict=True)
    ]
    scored = score_sentences([member.text for member, _, _ in members])
    reasons = scored.reason_texts(range(len(members)))
    with transaction.atomic():
        # Plain inserts: a large import gives thousands of rows, and model instances would
        # cost more than finding them (see `rows_insert`).
        rows_insert(
            ProposedAppearance,
            fields=(
                "claim",
                "article",
                "sentence_key",
                "start",
                "end",
                "quote",
                "similarity",
                "status",
                "created_at",
            ),
            rows=proposals,
            ignore_conflicts=True,
        )
        stored = SuggestionGroup.objects.bulk_create(
            [SuggestionGroup(text=g.members[0].text) for g in groups]
        )
        group_ids = [row.pk for row in stored]
        # Read once: an enum member's value is Python code.
        status = ClaimSuggestion.Status.OPEN.value
        suggestions = [
            (
                member.article_id,
                member.key,
                member.start,
                member.end,
                member.text,
                member.score,
                list(reasons[i]),
                status,
                group_ids[number],
                similarity,
                now,
            )
            for i, (member, similarity, number) in enumerate(members)
        ]
        rows_insert(
            ClaimSuggestion,
            fields=(
                "article",
                "sentence_key",
                "start",
                "end",
                "text",
                "score",
                "reasons",
                "status",
                "group",
                "similarity",
                "created_at",
            ),
            rows=suggestions,
            ignore_conflicts=True,
        )
        flags = claims_contradictions_recompute(claim_ids=[m.claim_id for m in plan.matches])
        for start in range(0, len(ids), _MARK_CHUNK):
            Article.objects.filter(pk__in=ids[start : start + _MARK_CHUNK]).update(
                claims_found_at=now
            )
    found.update(
        proposed=len(proposals),
        suggested=sum(len(g.members) for g in plan.groups),
        grouped=len(suggestions),
        groups=len(stored),
        flags=flags,
    )
    return found


# Articles marked as gone over per UPDATE (an IN list of ids: SQLite takes at most 32,766
# parameters in a statement).
_MARK_CHUNK = 10_000


def claims_find_after_import(*, article_ids: Sequence[int]) -> None:
    """Queue the claim-finding job for newly imported articles once the transaction commits
    (immediately when there is none). Does nothing when FACTCHECK_CLAIMFINDING_ON_IMPORT is off
    or there are no articles. A broker that cannot be reached is logged, not raised: the
    import has succeeded, and `suggest_claims`/the article page still compute suggestions live.
    """
    ids = sorted({int(i) for i in article_ids})
    if not ids or not settings.FACTCHECK_CLAIMFINDING_ON_IMPORT:
        return
    from articles.tasks.claimfinding import claims_find_for_articles_task

    def enqueue() -> None:
        try:
            claims_find_for_articles_task.delay(ids)
        except Exception:  # the broker's errors are many types (kombu, redis, socket)
            logger.exception("could not queue claim finding for %d articles", len(ids))

    transaction.on_commit(enqueue)


# --- contradictions ---------------------------------------------------------------------------


def claims_contradictions_recompute(*, claim_ids: Sequence[int]) -> int:
    """Replace the contradiction flags of the claims with those of their passages now
    (appearances and open proposed appearances): two reads, one delete and one bulk insert
    whatever the number of claims. Returns how many flags the claims have in all."""
    ids = sorted(set(claim_ids))
    if not ids:
        return 0
    now = timezone.now()
    flags: list[tuple[object, ...]] = []
    for claim_id, passages in selectors.claims_passages(claim_ids=ids).items():
        found = find_contradictions([Passage(source=i, text=p[3]) for i, p in enumerate(passages)])
        for contradiction in found:
            first = passages[cast(int, contradiction.first)]
            second = passages[cast(int, contradiction.second)]
            flags.append(
                (
                    claim_id,
                    contradiction.kind,
                    first[0],
                    first[1],
                    first[2],
                    list(contradiction.first_values),
                    first[4],
                    second[0],
                    second[1],
                    second[2],
                    list(contradiction.second_values),
                    second[4],
                    now,
                )
            )
    with transaction.atomic():
        ContradictionFlag.objects.filter(claim_id__in=ids).delete()
        rows_insert(
            ContradictionFlag,
            fields=(
                "claim",
                "kind",
                "first_article",
                "first_start",
                "first_end",
                "first_values",
                "first_proposed",
                "second_article",
                "second_start",
                "second_end",
                "second_values",
                "second_proposed",
                "created_at",
            ),
            rows=flags,
        )
    return len(flags)


def claim_contradictions_recompute(*, claim_id: int) -> int:
    """Replace one claim's contradiction flags (see `claims_contradictions_recompute`).
    Returns how many flags the claim has."""
    return claims_contradictions_recompute(claim_ids=[claim_id])


# --- editors' decisions -----------------------------------------------------------------------


def _sentence(article: Article, start: int, end: int) -> str:
    if not 0 <= start < end <= len(article.body):
        raise ValidationError("That passage is not in the article; reload the page.")
    text = article.body[start:end]
    if not text.strip() or text != text.strip():
        raise ValidationError("A suggestion is a whole sentence; reload the page.")
    return text


def _suggestion_row(*, article: Article, start: int, end: int) -> ClaimSuggestion:
    """The stored suggestion of that sentence, created (from a live suggestion) if needed."""
    text = _sentence(article, start, end)
    key = key_of(text)
    row = (
        ClaimSuggestion.objects.select_for_update()
        .filter(article_id=article.pk, sentence_key=key)
        .first()
    )
    if row is not None:
        return row
    worthiness = score_sentence(text)
    row = ClaimSuggestion(
        article=article,
        sentence_key=key,
        start=start,
        end=end,
        text=text,
        score=worthiness.score,
        reasons=[str(r) for r in worthiness.reasons],
    )
    row.full_clean(validate_unique=False, validate_constraints=False)
    row.save()
    return row


def suggestion_accept(
    *,
    user: AbstractBaseUser,
    article_id: int,
    start: int,
    end: int,
    text: str = "",
    claimant: str = "",
    with_group: bool = True,
) -> Claim:
    """Make the suggested sentence `body[start:end]` of the article a claim in one step.

    The claim's wording is `text` or, by default, the sentence; it is anchored to the sentence
    through `claim_create`. With `with_group`, the open sentences of other articles grouped
    with this one by the claim-finding job become appearances of the same claim. The
    suggestions are marked accepted (so they are not suggested again) and the claim's
    contradictions computed.
    Raises PermissionDenied for non-editors, ApplicationError when the sentence was accepted
    already, ValidationError for a span that is not a sentence of the article.
    """
    _require_editor(user, "accept suggested claims")
    article = Article.objects.only("id", "body").get(pk=article_id)
    now = timezone.now()
    with transaction.atomic():
        row = _suggestion_row(article=article, start=start, end=end)
        if row.status == ClaimSuggestion.Status.ACCEPTED:
            raise ApplicationError("This sentence has already been made a claim.")
        claim = claim_create(
            user=user,
            text=text.strip() or row.text,
            claimant=claimant,
            article_id=article.pk,
            start=row.start,
            end=row.end,
            quote=row.text,
        )
        accepted = [row]
        if with_group and row.group_id is not None:
            siblings = list(
                ClaimSuggestion.objects.select_for_update()
                .filter(group_id=row.group_id, status=ClaimSuggestion.Status.OPEN)
                .exclude(pk=row.pk)
                .order_by("article_id", "start")
            )
            for sibling in siblings:
                appearance_add(
                    user=user,
                    claim_id=claim.pk,
                    article_id=sibling.article_id,
                    start=sibling.start,
                    end=sibling.end,
                    text=sibling.text,
                )
            accepted.extend(siblings)
        for suggestion in accepted:
            suggestion.status = ClaimSuggestion.Status.ACCEPTED
            suggestion.claim = claim
            suggestion.decided_by_id = user.pk
            suggestion.decided_at = now
        ClaimSuggestion.objects.bulk_update(
            accepted, ["status", "claim", "decided_by", "decided_at"]
        )
        claim_contradictions_recompute(claim_id=claim.pk)
    return claim


def suggestion_reject(
    *, user: AbstractBaseUser, article_id: int, start: int, end: int
) -> ClaimSuggestion:
    """Reject the suggested sentence `body[start:end]`: it is remembered (by article and
    normalised wording) and not suggested again. Raises PermissionDenied for non-editors,
    ApplicationError when it was already made a claim, ValidationError for a bad span."""
    _require_editor(user, "reject suggested claims")
    article = Article.objects.only("id", "body").get(pk=article_id)
    with transaction.atomic():
        row = _suggestion_row(article=article, start=start, end=end)
        if row.status == ClaimSuggestion.Status.ACCEPTED:
            raise ApplicationError("This sentence has already been made a claim.")
        row.status = ClaimSuggestion.Status.REJECTED
        row.decided_by_id = user.pk
        row.decided_at = timezone.now()
        row.save(update_fields=["status", "decided_by", "decided_at"])
    return row


def _open_proposal(proposal_id: int) -> ProposedAppearance:
    proposal = ProposedAppearance.objects.select_for_update().filter(pk=proposal_id).first()
    if proposal is None:
        raise ApplicationError("That proposed appearance no longer exists.")
    if proposal.status != ProposedAppearance.Status.PROPOSED:
        raise ApplicationError(f"That proposed appearance was {proposal.status} already.")
    return proposal


def match_confirm(*, user: AbstractBaseUser, proposal_id: int) -> ClaimAppearance:
    """Confirm a proposed appearance: the sentence becomes an appearance of its claim (through
    `appearance_add`), the proposal is marked confirmed and the claim's contradictions are
    recomputed. Raises PermissionDenied for non-editors, ApplicationError when the proposal is
    gone or decided, ValidationError when the passage no longer fits the article."""
    _require_editor(user, "confirm proposed appearances")
    with transaction.atomic():
        proposal = _open_proposal(proposal_id)
        appearance = appearance_add(
            user=user,
            claim_id=proposal.claim_id,
            article_id=proposal.article_id,
            start=proposal.start,
            end=proposal.end,
            text=proposal.quote,
        )
        proposal.status = ProposedAppearance.Status.CONFIRMED
        proposal.appearance = appearance
        proposal.decided_by_id = user.pk
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["status", "appearance", "decided_by", "decided_at"])
        claim_contradictions_recompute(claim_id=proposal.claim_id)
    return appearance


def match_reject(*, user: AbstractBaseUser, proposal_id: int) -> ProposedAppearance:
    """Reject a proposed appearance: it is kept as rejected (the sentence is not proposed for
    that claim again) and the claim's contradictions are recomputed without it."""
    _require_editor(user, "reject proposed appearances")
    with transaction.atomic():
        proposal = _open_proposal(proposal_id)
        proposal.status = ProposedAppearance.Status.REJECTED
        proposal.decided_by_id = user.pk
        proposal.decided_at = timezone.now()
        proposal.save(update_fields=["status", "decided_by", "decided_at"])
        claim_contradictions_recompute(claim_id=proposal.claim_id)
    return proposal
