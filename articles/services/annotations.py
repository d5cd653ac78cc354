"""Annotation writes. Every change schedules the claim's consensus recompute in the same
transaction (see `claim_consensus_schedule`).

Who may annotate: an active member of Annotators who has been **assigned** the claim (by an
editor or by the desk). Assignment is required, not just group membership, so annotators rate
what the desk hands them and cannot pick a claim just to see its consensus. Someone who already
annotated a claim may revise that annotation even if the assignment was later withdrawn, until
the claim's verdict is published.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from articles import roles
from articles.exceptions import ApplicationError, PermissionDenied
from articles.models import LABELS_NEEDING_RATIONALE, Annotation, Assignment, Claim, Label
from articles.services.assignments import assignment_complete, assignment_reopen
from articles.services.consensus import claim_consensus_schedule

MAX_EVIDENCE_LINKS = 20

_url_validator = URLValidator(schemes=["http", "https"])


def _clean_evidence_links(links: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    errors: list[str] = []
    for raw in links:
        link = raw.strip()
        if link and "://" not in link:
            # A link typed without a scheme ("example.org/report") is meant as a web address.
            link = f"https://{link}"
        if not link or link in cleaned:
            continue
        try:
            _url_validator(link)
        except ValidationError:
            errors.append(f"“{link[:200]}” is not a valid http(s) URL.")
            continue
        cleaned.append(link)
    if errors:
        raise ValidationError({"evidence_links": errors})
    if len(cleaned) > MAX_EVIDENCE_LINKS:
        raise ValidationError(
            {"evidence_links": f"At most {MAX_EVIDENCE_LINKS} evidence links per annotation."}
        )
    return cleaned


def annotation_submit(
    *,
    user: AbstractBaseUser,
    claim_id: int,
    label: str,
    confidence: int | None = None,
    rationale: str = "",
    evidence_links: Iterable[str] = (),
) -> Annotation:
    """Create or revise `user`'s annotation of a claim (one per claim and annotator).

    Inputs: `label` is one of `Label`; `confidence` 0-100 or None; `rationale` is required for
    the labels in LABELS_NEEDING_RATIONALE; `evidence_links` must be http(s) URLs (blanks and
    duplicates dropped; a link without a scheme gets https://).
    Side effects, in one transaction: the claim's consensus is marked stale and its recompute
    queued on commit (before the annotation row is written, to take the claim's row lock
    first); the annotator's assignment of the claim is marked complete; history records the
    change with `user` as author.
    Raises PermissionDenied when `user` is not an active annotator assigned to the claim;
    ApplicationError once the claim's verdict is published; ValidationError for bad input.
    """
    if not roles.is_annotator(user):
        raise PermissionDenied("Only annotators can annotate claims.")
    if label not in Label.values:
        raise ValidationError({"label": "Choose verified, disputed or false."})
    rationale = rationale.strip()
    if label in LABELS_NEEDING_RATIONALE and not rationale:
        raise ValidationError(
            {"rationale": f"Explain why the claim is {Label(label).label.lower()}."}
        )
    if confidence is not None and not 0 <= confidence <= 100:
        raise ValidationError({"confidence": "Confidence is a percentage from 0 to 100."})
    links = _clean_evidence_links(evidence_links)

    with transaction.atomic():
        if not Claim.objects.filter(pk=claim_id).exists():
            raise ApplicationError("This claim no longer exists.")
        # First: takes the claim's row lock, so the checks below and the write are serialised
        # with concurrent submissions, publications and the recompute job. A refusal below
        # rolls the stale flag and the queued job back with everything else.
        claim_consensus_schedule(claim_id=claim_id)
        claim = Claim.objects.only("id", "status").get(pk=claim_id)
        if claim.status == Claim.Status.PUBLISHED:
            raise ApplicationError(
                "This claim's verdict is published; annotations can no longer change."
            )
        existing = Annotation.objects.filter(claim_id=claim_id, annotator_id=user.pk).first()
        if (
            existing is None
            and not Assignment.objects.filter(claim_id=claim_id, annotator_id=user.pk).exists()
        ):
            raise PermissionDenied("This claim is not assigned to you.")

        annotation = existing or Annotation(claim_id=claim_id, annotator_id=user.pk)
        annotation.label = label
        if annotation.revealed_at is None:
            # Not yet seen the claim's outcome: this label is the one the consensus counts.
            # After the reveal a revision is kept (and shown to editors) but not counted.
            annotation.counted_label = label
        annotation.confidence = confidence
        annotation.rationale = rationale
        annotation.evidence_links = links
        # The fields' own rules (choices, ranges, lengths). Not the checks that cost a query
        # each: the claim and the annotator exist (checked above, the claim locked), the one
        # annotation per claim and annotator (looked up above under the claim's lock) and the
        # check constraints (the same rules as the fields'); the database enforces them all.
        annotation.full_clean(
            exclude=["claim", "annotator"], validate_unique=False, validate_constraints=False
        )
        annotation._history_user = user  # type: ignore[attr-defined]
        annotation.save()
        assignment_complete(claim_id=claim_id, annotator_id=user.pk)
    return annotation


def annotation_outcome_seen(*, user: AbstractBaseUser, claim_id: int) -> None:
    """Record that the claim's outcome (a consensus with a label, or a verdict) was shown to
    `user`, who rated it: from now on a change of their label is a revision after the reveal,
    which the consensus does not count. One UPDATE; only the first reveal is recorded."""
    Annotation.objects.filter(
        claim_id=claim_id, annotator_id=user.pk, revealed_at__isnull=True
    ).update(revealed_at=timezone.now())


def annotation_delete(*, user: AbstractBaseUser, annotation_id: int) -> None:
    """Delete an annotation: its annotator may, until the verdict is published; editors may.

    Side effects: the claim's consensus is marked stale and recomputed on commit (scheduled
    before the row is deleted); the annotator's assignment reopens so the claim returns to their
    queue; history records the deletion.
    Raises PermissionDenied for anyone else, ApplicationError once the verdict is published.
    """
    with transaction.atomic():
        found = Annotation.objects.filter(pk=annotation_id).values_list("claim_id", flat=True)
        claim_id = found.first()
        if claim_id is None:
            raise ApplicationError("This annotation no longer exists.")
        claim_consensus_schedule(claim_id=claim_id)
        annotation = Annotation.objects.select_related("claim").get(pk=annotation_id)
        is_own = annotation.annotator_id == user.pk and roles.is_annotator(user)
        if not (is_own or roles.is_editor(user)):
            raise PermissionDenied("You can only delete your own annotations.")
        if annotation.claim.status == Claim.Status.PUBLISHED:
            raise ApplicationError(
                "This claim's verdict is published; annotations can no longer change."
            )
        annotation._history_user = user  # type: ignore[attr-defined]
        annotation.delete()
        assignment_reopen(claim_id=annotation.claim_id, annotator_id=annotation.annotator_id)
