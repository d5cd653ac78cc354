"""Known-answer writes: editors mark a claim's known answer (a gold claim) or clear it.

A gold claim stays an ordinary claim everywhere an annotator looks: it is assigned and rated like
any other. The consensus engine fixes its truth to the known label, which anchors the annotators'
reliability estimates and the calibration of the desk's confidence.
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from articles import roles
from articles.models import Claim, KnownAnswer, Label
from articles.services.consensus import claim_consensus_schedule


def claim_known_answer_set(*, user: AbstractBaseUser, claim_id: int, label: str) -> KnownAnswer:
    """Mark `label` as the known answer of the claim (replacing an earlier one) and queue its
    consensus recompute. `user` is the acting editor.
    Raises PermissionDenied for non-editors, ValidationError for a label that is not one of the
    desk's, Claim.DoesNotExist for a missing claim."""
    roles.require_editor(user, "mark known answers")
    if label not in Label.values:
        raise ValidationError({"label": f"Choose one of {', '.join(Label.values)}."})
    with transaction.atomic():
        claim = Claim.objects.select_for_update().only("id").get(pk=claim_id)
        answer = KnownAnswer.objects.filter(claim_id=claim.pk).first()
        if answer is not None and answer.label == label:
            return answer
        claim_consensus_schedule(claim_id=claim.pk)
        if answer is None:
            answer = KnownAnswer(claim=claim, label=label, set_by_id=user.pk, set_at=timezone.now())
            answer.full_clean()
            answer._history_user = user  # type: ignore[attr-defined]
            answer.save()
            return answer
        answer.label = label
        answer.set_by_id = user.pk
        answer.set_at = timezone.now()
        answer.full_clean()
        answer._history_user = user  # type: ignore[attr-defined]
        answer.save(update_fields=["label", "set_by", "set_at"])
        return answer


def claim_known_answer_clear(*, user: AbstractBaseUser, claim_id: int) -> bool:
    """Remove the claim's known answer, if any, and queue its consensus recompute; True when
    there was one. `user` is the acting editor. Raises PermissionDenied for non-editors."""
    roles.require_editor(user, "mark known answers")
    with transaction.atomic():
        claim = Claim.objects.select_for_update().only("id").filter(pk=claim_id).first()
        if claim is None:
            return False
        answer = KnownAnswer.objects.filter(claim_id=claim.pk).first()
        if answer is None:
            return False
        claim_consensus_schedule(claim_id=claim.pk)
        answer._history_user = user  # type: ignore[attr-defined]
        answer.delete()
        return True
