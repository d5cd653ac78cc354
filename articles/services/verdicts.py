"""Verdict writes: an editor publishes the desk's final word on a claim."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from articles import roles
from articles.exceptions import ApplicationError, PermissionDenied
from articles.models import Claim, Consensus, ConsensusStatus, Label, Verdict, WebhookEvent
from articles.services.webhooks import verdict_event_schedule


def verdict_publish(
    *,
    user: AbstractBaseUser,
    claim_id: int,
    label: str | None = None,
    reason: str = "",
) -> Verdict:
    """Publish a verdict on a claim as a new version; earlier versions are kept.

    `label` defaults to the consensus label. Publishing the label of a *settled*, up-to-date
    consensus needs no reason; anything else is an override and needs a written `reason`: a
    label other than the consensus, or a claim whose consensus is pending, contested, missing or
    being recomputed (stale). The verdict records the consensus it was published against. The
    new version is previous max + 1, computed under the claim's row lock. Sets the claim's
    status to published, which freezes its annotations.
    Raises PermissionDenied for non-editors and ValidationError for a missing label or reason.
    """
    if not roles.is_editor(user):
        raise PermissionDenied("Only editors can publish verdicts.")
    reason = reason.strip()
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        consensus = Consensus.objects.filter(claim_id=claim_id).first()
        consensus_label = consensus.label if consensus else ""
        consensus_status = consensus.status if consensus else ""
        settled = (
            consensus is not None
            and consensus.status == ConsensusStatus.SETTLED
            and bool(consensus.label)
            and not claim.consensus_stale
        )
        label = label or consensus_label
        if not label:
            raise ValidationError({"label": "There is no consensus yet: choose a verdict."})
        if label not in Label.values:
            raise ValidationError({"label": "Choose verified, disputed or false."})
        is_override = not settled or label != consensus_label
        if is_override and not reason:
            why = (
                "differs from the consensus"
                if settled
                else "is published without a settled consensus"
            )
            raise ValidationError(
                {"reason": f"This verdict {why}: write the reason for the override."}
            )
        previous = Verdict.objects.filter(claim_id=claim_id).order_by("-version").first()
        verdict = Verdict(
            claim=claim,
            version=(previous.version if previous else 0) + 1,
            label=label,
            is_override=is_override,
            reason=reason,
            consensus_label=consensus_label,
            consensus_status=consensus_status,
            published_by_id=user.pk,
            published_at=timezone.now(),
        )
        verdict.full_clean()
        verdict._history_user = user  # type: ignore[attr-defined]
        verdict.save()
        if claim.status != Claim.Status.PUBLISHED:
            claim.status = Claim.Status.PUBLISHED
            claim._history_user = user  # type: ignore[attr-defined]
            claim.save(update_fields=["status", "updated_at"])
        standing = previous is not None and previous.retracted_at is None
        event = WebhookEvent.VERDICT_CHANGED if standing else WebhookEvent.VERDICT_PUBLISHED
        verdict_event_schedule(verdict=verdict, event=event)
    return verdict


def verdict_retract(*, user: AbstractBaseUser, claim_id: int, reason: str) -> Verdict:
    """Withdraw a claim's current verdict: the version stays on file marked retracted (with
    `reason` and the time), the claim reopens (status open), and webhooks subscribed to
    `verdict.retracted` are told once the transaction commits.
    Raises PermissionDenied for non-editors; ValidationError without a reason;
    ApplicationError when the claim has no standing verdict.
    """
    if not roles.is_editor(user):
        raise PermissionDenied("Only editors can retract verdicts.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Write why the verdict is retracted."})
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        current = Verdict.objects.filter(claim_id=claim_id).order_by("-version").first()
        if current is None or current.retracted_at is not None:
            raise ApplicationError("This claim has no published verdict to retract.")
        current.retracted_at = timezone.now()
        current.retraction_reason = reason
        current._history_user = user  # type: ignore[attr-defined]
        current.save(update_fields=["retracted_at", "retraction_reason"])
        claim.status = Claim.Status.OPEN
        claim._history_user = user  # type: ignore[attr-defined]
        claim.save(update_fields=["status", "updated_at"])
        verdict_event_schedule(verdict=current, event=WebhookEvent.VERDICT_RETRACTED)
    return current
