from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from articles.exceptions import ApplicationError, PermissionDenied
from articles.models import Annotation, Assignment, Claim, Label
from articles.services.annotations import annotation_delete, annotation_submit
from tests.factories import AnnotatorFactory, AssignmentFactory, ClaimFactory

pytestmark = pytest.mark.django_db


def _new_annotator():
    return AnnotatorFactory()


@pytest.fixture
def assignment(annotator):
    return AssignmentFactory(annotator=annotator)


@pytest.fixture
def delay():
    with mock.patch("articles.tasks.claims_stale_recompute_task.delay") as delay:
        yield delay


def test_annotation_submit_creates_marks_stale_and_enqueues_on_commit(
    annotator, assignment, delay, django_capture_on_commit_callbacks
):
    claim = assignment.claim
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        annotation = annotation_submit(
            user=annotator,
            claim_id=claim.pk,
            label=Label.FALSE,
            confidence=70,
            rationale=" The API fee was $42,000 a month. ",
            evidence_links=["https://example.org/a", " ", "https://example.org/a"],
        )
        claim.refresh_from_db()
        assert claim.consensus_stale is True
        delay.assert_not_called()  # not before the commit
    assert len(callbacks) == 1
    delay.assert_called_once_with()
    assert annotation.rationale == "The API fee was $42,000 a month."
    assert annotation.evidence_links == ["https://example.org/a"]
    assignment.refresh_from_db()
    assert assignment.completed_at is not None
    record = annotation.history.get()
    assert (record.history_type, record.history_user) == ("+", annotator)


def test_annotation_submit_revises_the_same_row(
    annotator, assignment, delay, django_capture_on_commit_callbacks
):
    claim = assignment.claim
    first = annotation_submit(user=annotator, claim_id=claim.pk, label=Label.VERIFIED)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = annotation_submit(
            user=annotator,
            claim_id=claim.pk,
            label=Label.DISPUTED,
            rationale="Dates differ between outlets.",
        )
    assert len(callbacks) == 1
    assert first.pk == second.pk
    assert Annotation.objects.get().label == Label.DISPUTED
    assert [h.label for h in second.history.order_by("history_date")] == ["verified", "disputed"]


@pytest.mark.parametrize("label", [Label.DISPUTED, Label.FALSE])
def test_annotation_submit_requires_a_rationale_for_disputed_and_false(
    annotator, assignment, label, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError) as err:
        annotation_submit(user=annotator, claim_id=assignment.claim_id, label=label, rationale="  ")
    assert "rationale" in err.value.message_dict
    assert callbacks == []
    assert not Annotation.objects.exists()


@pytest.mark.parametrize(
    ("links", "ok"),
    [
        (["https://example.org/x?y=1"], True),
        (["http://example.org"], True),
        (["ftp://example.org/file"], False),
        (["javascript:alert(1)"], False),
        (["not a url"], False),
    ],
)
def test_annotation_submit_validates_evidence_links(annotator, assignment, links, ok, delay):
    if ok:
        annotation = annotation_submit(
            user=annotator, claim_id=assignment.claim_id, label=Label.VERIFIED, evidence_links=links
        )
        assert annotation.evidence_links == links
    else:
        with pytest.raises(ValidationError) as err:
            annotation_submit(
                user=annotator,
                claim_id=assignment.claim_id,
                label=Label.VERIFIED,
                evidence_links=links,
            )
        assert "evidence_links" in err.value.message_dict


@pytest.mark.parametrize(("label", "confidence"), [("maybe", None), ("verified", 101)])
def test_annotation_submit_rejects_bad_label_and_confidence(
    annotator, assignment, label, confidence
):
    with pytest.raises(ValidationError):
        annotation_submit(
            user=annotator, claim_id=assignment.claim_id, label=label, confidence=confidence
        )


def test_annotation_submit_needs_an_assignment(annotator):
    claim = ClaimFactory()
    with pytest.raises(PermissionDenied, match="not assigned"):
        annotation_submit(user=annotator, claim_id=claim.pk, label=Label.VERIFIED)
    claim.refresh_from_db()
    assert claim.consensus_stale is False  # the refusal rolled the stale flag back


def test_annotation_submit_refuses_non_annotators(editor):
    assignment = AssignmentFactory()
    with pytest.raises(PermissionDenied):
        annotation_submit(user=editor, claim_id=assignment.claim_id, label=Label.VERIFIED)


def test_annotation_submit_refused_once_published(annotator, assignment, delay):
    annotation_submit(user=annotator, claim_id=assignment.claim_id, label=Label.VERIFIED)
    Claim.objects.filter(pk=assignment.claim_id).update(status=Claim.Status.PUBLISHED)
    with pytest.raises(ApplicationError, match="published"):
        annotation_submit(
            user=annotator, claim_id=assignment.claim_id, label=Label.FALSE, rationale="x"
        )
    assert Annotation.objects.get().label == Label.VERIFIED


def test_annotation_submit_keeps_annotators_apart(assignment, delay):
    other = _new_annotator()
    AssignmentFactory(claim=assignment.claim, annotator=other)
    annotation_submit(user=assignment.annotator, claim_id=assignment.claim_id, label=Label.VERIFIED)
    annotation_submit(
        user=other, claim_id=assignment.claim_id, label=Label.FALSE, rationale="Wrong."
    )
    assert Annotation.objects.count() == 2
    assert Annotation.objects.get(annotator=assignment.annotator).label == Label.VERIFIED


def test_annotation_delete_schedules_and_reopens_the_assignment(
    annotator, assignment, delay, django_capture_on_commit_callbacks
):
    annotation = annotation_submit(
        user=annotator, claim_id=assignment.claim_id, label=Label.VERIFIED
    )
    Claim.objects.filter(pk=assignment.claim_id).update(consensus_stale=False)
    delay.reset_mock()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        annotation_delete(user=annotator, annotation_id=annotation.pk)
    assert len(callbacks) == 1
    delay.assert_called_once_with()
    assert Claim.objects.get(pk=assignment.claim_id).consensus_stale is True
    assert not Annotation.objects.exists()
    assert Assignment.objects.get(pk=assignment.pk).completed_at is None
    assert annotation.history.filter(history_type="-").get().history_user == annotator


def test_annotation_delete_only_own_or_editor(annotator, assignment, editor, delay):
    annotation = annotation_submit(
        user=annotator, claim_id=assignment.claim_id, label=Label.VERIFIED
    )
    with pytest.raises(PermissionDenied):
        annotation_delete(user=_new_annotator(), annotation_id=annotation.pk)
    annotation_delete(user=editor, annotation_id=annotation.pk)
    assert not Annotation.objects.exists()
