import pytest

from articles.exceptions import ApplicationError, PermissionDenied
from articles.models import Assignment, Claim
from articles.services.assignments import (
    assignment_create,
    assignment_delete,
    claims_auto_assign,
)
from tests.factories import (
    AnnotationFactory,
    AnnotatorFactory,
    AssignmentFactory,
    ClaimFactory,
    EditorFactory,
)

pytestmark = pytest.mark.django_db


def test_assignment_create_by_hand(editor, annotator):
    claim = ClaimFactory()
    assignment = assignment_create(user=editor, claim_id=claim.pk, annotator_id=annotator.pk)
    assert assignment.annotator == annotator
    assert assignment.assigned_by == editor
    assert assignment.completed_at is None


def test_assignment_create_refuses_twice_and_non_annotators(editor, annotator):
    claim = ClaimFactory()
    assignment_create(user=editor, claim_id=claim.pk, annotator_id=annotator.pk)
    with pytest.raises(ApplicationError, match="already assigned"):
        assignment_create(user=editor, claim_id=claim.pk, annotator_id=annotator.pk)
    with pytest.raises(ApplicationError, match="active annotators"):
        assignment_create(user=editor, claim_id=claim.pk, annotator_id=EditorFactory().pk)
    inactive = AnnotatorFactory(is_active=False)
    with pytest.raises(ApplicationError):
        assignment_create(user=editor, claim_id=claim.pk, annotator_id=inactive.pk)


def test_assignment_create_refuses_published_claims_and_non_editors(editor, annotator):
    claim = ClaimFactory(status=Claim.Status.PUBLISHED)
    with pytest.raises(ApplicationError, match="published"):
        assignment_create(user=editor, claim_id=claim.pk, annotator_id=annotator.pk)
    with pytest.raises(PermissionDenied):
        assignment_create(user=annotator, claim_id=ClaimFactory().pk, annotator_id=annotator.pk)


def test_claims_auto_assign_picks_least_loaded_then_lowest_id(editor):
    a, b, c, d = AnnotatorFactory.create_batch(4)
    # a has two open assignments, b one; c and d none.
    AssignmentFactory.create_batch(2, annotator=a)
    AssignmentFactory(annotator=b)
    claim = ClaimFactory(required_annotations=3)
    created = claims_auto_assign(user=editor, claim_ids=[claim.pk])
    assert [x.annotator_id for x in created] == [c.pk, d.pk, b.pk]
    assert all(x.assigned_by_id == editor.pk for x in created)


def test_claims_auto_assign_balances_across_claims_and_never_repeats(editor):
    annotators = AnnotatorFactory.create_batch(3)
    claims = ClaimFactory.create_batch(2, required_annotations=2)
    created = claims_auto_assign(user=editor, claim_ids=[c.pk for c in claims])
    assert len(created) == 4
    loads = [Assignment.objects.filter(annotator=a).count() for a in annotators]
    assert sorted(loads) == [1, 1, 2]
    for claim in claims:
        ids = list(Assignment.objects.filter(claim=claim).values_list("annotator_id", flat=True))
        assert len(ids) == len(set(ids)) == 2


def test_claims_auto_assign_counts_existing_staff_and_is_idempotent(editor):
    a, b, c = AnnotatorFactory.create_batch(3)
    claim = ClaimFactory(required_annotations=3)
    AssignmentFactory(claim=claim, annotator=a)
    AnnotationFactory(claim=claim, annotator=b)  # rated without an assignment
    created = claims_auto_assign(user=editor, claim_ids=[claim.pk])
    assert [x.annotator_id for x in created] == [c.pk]
    assert claims_auto_assign(user=editor, claim_ids=[claim.pk]) == []


def test_claims_auto_assign_skips_inactive_non_annotators_and_published(editor):
    AnnotatorFactory(is_active=False)
    EditorFactory()
    active = AnnotatorFactory()
    open_claim = ClaimFactory(required_annotations=3)
    published = ClaimFactory(status=Claim.Status.PUBLISHED)
    created = claims_auto_assign(user=editor, claim_ids=[open_claim.pk, published.pk])
    assert [(x.claim_id, x.annotator_id) for x in created] == [(open_claim.pk, active.pk)]


def test_claims_auto_assign_ignores_completed_work_in_the_load(editor):
    busy, idle = AnnotatorFactory.create_batch(2)
    AssignmentFactory.create_batch(3, annotator=busy, completed_at="2024-01-01T00:00:00Z")
    AssignmentFactory(annotator=idle)
    claim = ClaimFactory(required_annotations=1)
    (created,) = claims_auto_assign(user=editor, claim_ids=[claim.pk])
    assert created.annotator == busy


def test_claims_auto_assign_refuses_non_editors(annotator):
    with pytest.raises(PermissionDenied):
        claims_auto_assign(user=annotator, claim_ids=[ClaimFactory().pk])


def test_assignment_delete_only_open_ones(editor):
    open_one = AssignmentFactory()
    done = AssignmentFactory(completed_at="2024-01-01T00:00:00Z")
    assignment_delete(user=editor, assignment_id=open_one.pk)
    assert not Assignment.objects.filter(pk=open_one.pk).exists()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        assignment_delete(user=editor, assignment_id=done.pk)
