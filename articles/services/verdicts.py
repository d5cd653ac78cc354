"""Verdict writes: an editor publishes the desk's final word on a claim."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from articles import roles
from articles.exceptions import ApplicationError
from articles.models import Claim, Consensus, ConsensusStatus, Label, Verdict, WebhookEvent
from articles.services.assignments import assignments_close_open
from articles.services.webhooks import verdict_event_schedule


def override_needs_reason(*, label: str, consensus_label: str) -> bool:
    """The override rule: publishing a label other than the consensus label, or publishing
    while the claim has no consensus label, needs a written reason."""
    return not consensus_label or label != consensus_label


def verdict_publish(
    *,
    user: AbstractBaseUser,
    claim_id: int,
    label: str | None = None,
    reason: str = "",
) -> Verdict:
    """Publish a verdict on a claim as a new version; earlier versions are kept.

    `label` defaults to the consensus label (none while the consensus is pending or
    being recomputed). A verdict that differs from the consensus label,
    or a claim with no consensus label yet, is an override and needs a written `reason`
    (`override_needs_reason`); publishing the consensus label needs none. The verdict records
    the consensus it was published against. The new version is previous max + 1, computed under
    the claim's row lock. Sets the claim's status to published, which freezes its annotations,
    and closes the open assignments of annotators who had not rated it.
    Raises PermissionDenied for non-editors and ValidationError for a missing label or reason
    (keyed by the field it concerns).
    """
    roles.require_editor(user, "publish verdicts")
    reason = reason.strip()
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        consensus = Consensus.objects.filter(claim_id=claim_id).first()
        consensus_status = consensus.status if consensus else ""
        # A pending consensus (too few ratings) is no consensus yet, whatever label it leads;
        # nor is a stale one (its ratings changed and its recompute has not run yet).
        pending = consensus_status in {"", ConsensusStatus.PENDING} or claim.consensus_stale
        consensus_label = "" if pending or consensus is None else consensus.label
        label = label or consensus_label
        if not label:
            raise ValidationError({"label": "There is no consensus yet: choose a verdict."})
        if label not in Label.values:
            raise ValidationError({"label": "Choose one of the verdicts."})
        is_override = override_needs_reason(label=label, consensus_label=consensus_label)
        if is_override and not reason:
            why = "differs from the consensus" if consensus_label else "has no consensus yet"
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
        # Annotators who had not rated it yet: their assignments close, recorded as such.
        assignments_close_open(claim_id=claim_id, reason=f"verdict v{verdict.version} published")
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
    roles.require_editor(user, "retract verdicts")
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
