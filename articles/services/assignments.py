"""Assignment writes: handing claims to annotators by hand or by the desk's load balancing, and
closing an assignment when its annotator submits.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from articles import roles
from articles.exceptions import ApplicationError
from articles.models import Annotation, Assignment, Claim
from articles.selectors.claims import claim_staffed_annotator_ids
from articles.selectors.queues import annotator_open_load


def assignment_create(*, user: AbstractBaseUser, claim_id: int, annotator_id: int) -> Assignment:
    """Assign one claim to one annotator by hand.

    The annotator must be an active member of Annotators, must not already be assigned to (or
    have annotated) the claim, and the claim must not be published.
    Raises PermissionDenied for non-editors, ApplicationError for any rule above.
    """
    roles.require_editor(user, "assign claims")
    annotator = get_user_model().objects.filter(pk=annotator_id).first()
    if annotator is None or not roles.is_annotator(annotator):
        raise ApplicationError("Claims can only be assigned to active annotators.")
    with transaction.atomic():
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        if claim.status == Claim.Status.PUBLISHED:
            raise ApplicationError("This claim's verdict is published; send it back first.")
        if Assignment.objects.filter(claim=claim, annotator_id=annotator_id).exists():
            raise ApplicationError(f"{annotator} is already assigned to this claim.")
        already_annotated = Annotation.objects.filter(
            claim=claim, annotator_id=annotator_id
        ).exists()
        assignment = Assignment(
            claim=claim,
            annotator_id=annotator_id,
            assigned_by_id=user.pk,
            # Someone who already rated the claim has nothing left to do on it.
            completed_at=timezone.now() if already_annotated else None,
        )
        assignment.full_clean()
        assignment.save()
    return assignment


def claims_auto_assign(*, user: AbstractBaseUser, claim_ids: Iterable[int]) -> list[Assignment]:
    """Staff each claim up to its `required_annotations` with the least-loaded annotators.

    Eligible annotators are active members of Annotators. Each open slot goes to the eligible
    annotator with the fewest open assignments (counting the ones made in this call), ties
    broken by user id; nobody gets the same claim twice, and whoever already annotated a claim
    counts towards it. Published claims are skipped. Claims are processed in id order under
    row locks, so concurrent calls cannot over-staff a claim.
    Returns the assignments created (possibly none). Raises PermissionDenied for non-editors.
    """
    roles.require_editor(user, "assign claims")
    created: list[Assignment] = []
    with transaction.atomic():
        claims = list(
            Claim.objects.select_for_update()
            .filter(pk__in=list(claim_ids), status=Claim.Status.OPEN)
            .order_by("id")
        )
        if not claims:
            return created
        load = annotator_open_load()
        staffed = claim_staffed_annotator_ids(claim_ids=[c.pk for c in claims])
        for claim in claims:
            taken = staffed.get(claim.pk, set())
            needed = claim.required_annotations - len(taken)
            while needed > 0:
                candidates = [uid for uid in load if uid not in taken]
                if not candidates:
                    break
                chosen = min(candidates, key=lambda uid: (load[uid], uid))
                assignment = Assignment(claim=claim, annotator_id=chosen, assigned_by_id=user.pk)
                assignment.full_clean()
                created.append(assignment)
                taken.add(chosen)
                load[chosen] += 1
                needed -= 1
        Assignment.objects.bulk_create(created)
    return created


def claim_staff(
    *,
    user: AbstractBaseUser,
    claim_id: int,
    required_annotations: int,
    annotator_ids: Iterable[int] = (),
) -> list[Assignment]:
    """Set how many annotators the claim needs and staff it, in one step: to the annotators
    named in `annotator_ids` when there are any, otherwise by load (`claims_auto_assign`).
    Returns the assignments created. Raises PermissionDenied for non-editors, ValidationError
    for a bad count, ApplicationError for an annotator who cannot take the claim (nothing is
    saved then)."""
    from articles.services.claims import claims_set_required_annotations

    roles.require_editor(user, "assign claims")
    chosen = list(dict.fromkeys(annotator_ids))
    with transaction.atomic():
        claims_set_required_annotations(
            user=user, claim_ids=[claim_id], required_annotations=required_annotations
        )
        if not chosen:
            return claims_auto_assign(user=user, claim_ids=[claim_id])
        return [
            assignment_create(user=user, claim_id=claim_id, annotator_id=annotator_id)
            for annotator_id in chosen
        ]


def assignment_complete(*, claim_id: int, annotator_id: int) -> int:
    """Close the annotator's open assignment of the claim (called when they submit); returns
    how many rows changed (0 when there was none or it was already closed)."""
    return Assignment.objects.filter(
        claim_id=claim_id, annotator_id=annotator_id, completed_at__isnull=True
    ).update(completed_at=timezone.now())


def assignments_close_open(*, claim_id: int, reason: str) -> list[Assignment]:
    """Close every open assignment of the claim unrated, with `reason` (an editor published the
    verdict): they leave the annotators' queues and loads, recorded as closed, not deleted.
    Returns the closed assignments with their annotators."""
    now = timezone.now()
    closing = list(
        Assignment.objects.filter(Assignment.open_q(), claim_id=claim_id)
        .select_related("annotator")
        .order_by("id")
    )
    Assignment.objects.filter(pk__in=[a.pk for a in closing]).update(
        closed_at=now, close_reason=reason
    )
    for assignment in closing:
        assignment.closed_at, assignment.close_reason = now, reason
    return closing


def assignments_reopen_closed(*, claim_id: int) -> int:
    """Reopen the claim's assignments closed unrated (the claim went back to annotators)."""
    return Assignment.objects.filter(
        claim_id=claim_id, completed_at__isnull=True, closed_at__isnull=False
    ).update(closed_at=None, close_reason="")


def assignment_reopen(*, claim_id: int, annotator_id: int) -> int:
    """Put the claim back in the annotator's queue (their annotation was deleted)."""
    return Assignment.objects.filter(
        claim_id=claim_id, annotator_id=annotator_id, completed_at__isnull=False
    ).update(completed_at=None)


def assignment_delete(*, user: AbstractBaseUser, assignment_id: int) -> None:
    """Withdraw an assignment. A completed one is kept: it records who rated the claim.
    Raises PermissionDenied for non-editors and ValidationError for a completed assignment."""
    roles.require_editor(user, "withdraw assignments")
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().get(pk=assignment_id)
        if assignment.completed_at is not None:
            raise ValidationError("This assignment is done: the annotator already rated it.")
        assignment.delete()
