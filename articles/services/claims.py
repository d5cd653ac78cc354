"""Claim writes: creating claims, editing their wording, anchoring them to spans of articles and
sending them back for more annotations.

Anchors (`ClaimAppearance`) are immutable offsets into an article's cleaned body: editing a
claim's wording never touches them, and a span is only stored when `quote == body[start:end]`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction

from articles import roles
from articles.exceptions import ApplicationError
from articles.models import Article, Claim, ClaimAppearance
from articles.services.consensus import claim_consensus_schedule

logger = logging.getLogger(__name__)


def _record_history_user(instance: Any, user: AbstractBaseUser) -> None:
    # simple_history reads this attribute first, so writes outside a request (tasks,
    # commands) are attributed too.
    instance._history_user = user


def claim_create(
    *,
    user: AbstractBaseUser,
    text: str,
    claimant: str = "",
    required_annotations: int | None = None,
    article_id: int | None = None,
    start: int | None = None,
    end: int | None = None,
    quote: str | None = None,
) -> Claim:
    """Create a claim, optionally anchored to a span of an article in the same transaction.

    `text` is the claim's normalised wording (stripped). When `article_id` is given, `start`,
    `end` and `quote` describe the selected span and are resolved by `appearance_add`.
    `required_annotations` defaults to the FACTCHECK_ANNOTATORS_PER_CLAIM setting.
    Raises PermissionDenied for non-editors, ValidationError for bad input or spans.
    """
    roles.require_editor(user, "create claims")
    claim = Claim(text=text.strip(), claimant=claimant.strip(), created_by_id=user.pk)
    if required_annotations is not None:
        claim.required_annotations = required_annotations
    claim.full_clean()
    with transaction.atomic():
        _record_history_user(claim, user)
        claim.save()
        if article_id is not None:
            if start is None or end is None or quote is None:
                raise ValidationError("A span needs start, end and the selected text.")
            appearance_add(
                user=user,
                claim_id=claim.pk,
                article_id=article_id,
                start=start,
                end=end,
                text=quote,
            )
    return claim


def claim_update(
    *,
    user: AbstractBaseUser,
    claim_id: int,
    text: str | None = None,
    claimant: str | None = None,
    required_annotations: int | None = None,
) -> Claim:
    """Change a claim's wording, claimant or number of required annotators.

    Never touches the claim's appearances: anchors are offsets into article text, not into
    the claim's wording. Only the given fields are written (and recorded in history).
    Raises PermissionDenied for non-editors and ValidationError for invalid values.
    """
    roles.require_editor(user, "edit claims")
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        fields: list[str] = []
        if text is not None and text.strip() != claim.text:
            claim.text = text.strip()
            fields.append("text")
        if claimant is not None and claimant.strip() != claim.claimant:
            claim.claimant = claimant.strip()
            fields.append("claimant")
        if required_annotations is not None and required_annotations != (
            claim.required_annotations
        ):
            claim.required_annotations = required_annotations
            fields.append("required_annotations")
        if not fields:
            return claim
        claim.full_clean()
        _record_history_user(claim, user)
        claim.save(update_fields=[*fields, "updated_at"])
        if "required_annotations" in fields:
            # How many ratings it needs decides when its consensus can settle.
            claim_consensus_schedule(claim_id=claim.pk)
    return claim


def _resolve_span(body: str, start: int, end: int, text: str) -> tuple[int, int]:
    """The true offsets of `text` in `body`, trusting the browser's offsets only if they match.

    Browsers normalise newlines (a CRLF in the body is one character in the DOM) and collapse
    or re-encode whitespace in a selection, so the offsets they send can drift. When
    `body[start:end]` is not `text`, the nearest exact occurrence of `text` to `start` wins; failing
    that, the nearest occurrence that matches `text` with any run of whitespace standing for
    any other run of whitespace.
    """
    if 0 <= start < end <= len(body) and body[start:end] == text:
        return start, end

    candidates: list[tuple[int, int]] = []
    found = body.find(text)
    while found != -1:
        candidates.append((found, found + len(text)))
        found = body.find(text, found + 1)
    if not candidates:
        words = text.split()
        if words:
            pattern = r"\s+".join(re.escape(word) for word in words)
            candidates = [(m.start(), m.end()) for m in re.finditer(pattern, body)]
    if not candidates:
        raise ValidationError(
            {"quote": "The selected text was not found in the article; select it again."}
        )
    return min(candidates, key=lambda span: (abs(span[0] - start), span[0]))


def appearance_add(
    *,
    user: AbstractBaseUser,
    claim_id: int,
    article_id: int,
    start: int,
    end: int,
    text: str,
) -> ClaimAppearance:
    """Anchor a claim to the span of an article's body the editor selected.

    `start`/`end` are the offsets computed in the browser and `text` the selected text. The
    text is stripped of surrounding whitespace; if `body[start:end]` is not exactly the text,
    the nearest occurrence of the text in the body is used instead (see `_resolve_span`), so
    the stored quote always equals `body[start:end]`. Once the transaction commits, the claim's
    contradiction flags are recomputed by a Celery job (a broker that cannot be reached is
    logged: the flags are also refreshed by the next claim-finding run or decision).
    Raises PermissionDenied for non-editors; ValidationError when the text is empty, cannot be
    found in the article, or the claim is already anchored at that span.
    """
    roles.require_editor(user, "anchor claims to articles")
    stripped = text.strip()
    if not stripped:
        raise ValidationError({"quote": "Select some text of the article first."})
    lead = len(text) - len(text.lstrip())
    start += lead
    end = start + len(stripped)
    article = Article.objects.only("id", "body").get(pk=article_id)
    true_start, true_end = _resolve_span(article.body, start, end, stripped)
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        appearance = ClaimAppearance(
            claim=claim,
            article=article,
            start=true_start,
            end=true_end,
            quote=article.body[true_start:true_end],
            created_by_id=user.pk,
        )
        try:
            appearance.full_clean()
        except ValidationError as error:
            if "__all__" in error.message_dict:
                raise ValidationError(
                    "This claim is already anchored to exactly that passage."
                ) from error
            raise
        appearance.save()
        transaction.on_commit(partial(_refresh_contradictions, claim.pk))
    return appearance


def _refresh_contradictions(claim_id: int) -> None:
    from articles.tasks.claimfinding import claim_contradictions_recompute_task

    try:
        claim_contradictions_recompute_task.delay(claim_id)
    except Exception:  # the broker's errors are many types (kombu, redis, socket)
        logger.exception("could not queue the contradictions of claim %d", claim_id)


def claim_send_back(
    *,
    user: AbstractBaseUser,
    claim_id: int,
    extra_annotations: int = 1,
    auto_assign: bool = True,
) -> Claim:
    """Send a claim back for more annotations: raise `required_annotations` by
    `extra_annotations` and reopen it (status `open`; earlier verdicts stay in place and in
    history). Assignments closed unrated at publication reopen. With `auto_assign`, the desk
    immediately assigns the extra annotators by load.
    Raises PermissionDenied for non-editors and ApplicationError for a bad count.
    """
    roles.require_editor(user, "send claims back")
    if extra_annotations < 1:
        raise ApplicationError("Ask for at least one more annotation.")
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        claim.required_annotations += extra_annotations
        claim.status = Claim.Status.OPEN
        claim.full_clean()
        _record_history_user(claim, user)
        claim.save(update_fields=["required_annotations", "status", "updated_at"])
        claim_consensus_schedule(claim_id=claim.pk)
        from articles.services.assignments import assignments_reopen_closed, claims_auto_assign

        # Assignments closed when the verdict was published go back to their annotators.
        assignments_reopen_closed(claim_id=claim.pk)
        if auto_assign:
            claims_auto_assign(user=user, claim_ids=[claim.pk])
    return claim


def claims_set_required_annotations(
    *, user: AbstractBaseUser, claim_ids: Iterable[int], required_annotations: int
) -> int:
    """Set how many annotators each of the claims needs; returns how many claims changed."""
    roles.require_editor(user, "change how many annotators a claim needs")
    changed = 0
    with transaction.atomic():
        for claim in Claim.objects.select_for_update().filter(pk__in=list(claim_ids)):
            if claim.required_annotations == required_annotations:
                continue
            claim_update(user=user, claim_id=claim.pk, required_annotations=required_annotations)
            changed += 1
    return changed


def claims_delete(*, user: AbstractBaseUser, claim_ids: Iterable[int]) -> int:
    """Delete claims with everything that hangs off them (anchors, assignments, annotations,
    consensus, verdicts). Editors only. History records each deleted claim, annotation and
    verdict as deleted by `user`. Returns how many claims were deleted.
    Raises PermissionDenied for anyone but editors.
    """
    roles.require_editor(user, "delete claims")
    ids = sorted(set(claim_ids))
    deleted = 0
    with transaction.atomic():
        claims = Claim.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        for claim in claims:
            # Rows deleted by cascade record their history user too (simple_history reads it
            # from each instance), so attribute every annotation and verdict explicitly.
            for related in (*claim.annotations.all(), *claim.verdicts.all()):
                _record_history_user(related, user)
                related.delete()
            _record_history_user(claim, user)
            claim.delete()
            deleted += 1
    return deleted


def claim_delete(*, user: AbstractBaseUser, claim_id: int) -> None:
    """Delete one claim (see `claims_delete`). Raises ApplicationError if it does not exist."""
    if not claims_delete(user=user, claim_ids=[claim_id]):
        raise ApplicationError("This claim no longer exists.")
