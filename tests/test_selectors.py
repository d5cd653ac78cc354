import pytest
from django.utils import timezone

from articles.models import Claim, Consensus, ConsensusStatus, Label
from articles.presentation import claim_passages, segments_for_spans
from articles.selectors.claims import claim_detail, claims_for_user
from articles.selectors.counts import annotator_queue_count, desk_counts
from articles.selectors.outcomes import claims_ready_to_publish, consensus_for_user, contested_queue
from articles.selectors.queues import annotator_open_load, annotator_queue, annotator_queue_next
from articles.selectors.visibility import annotations_for_user, claim_outcome_visible
from tests.factories import (
    AnnotationFactory,
    AnnotatorFactory,
    ArticleFactory,
    AssignmentFactory,
    ClaimAppearanceFactory,
    ClaimFactory,
)

pytestmark = pytest.mark.django_db


def _consensus(claim, status, label=Label.FALSE):
    return Consensus.objects.create(
        claim=claim,
        label=label,
        status=status,
        method="m",
        n_annotations=3,
        fingerprint="f",
        computed_at=timezone.now(),
    )


def test_annotator_queue_is_open_unannotated_assignments_oldest_first(annotator):
    first = AssignmentFactory(annotator=annotator)
    second = AssignmentFactory(annotator=annotator)
    done = AssignmentFactory(annotator=annotator)
    AnnotationFactory(claim=done.claim, annotator=annotator)
    AssignmentFactory(annotator=annotator, claim=ClaimFactory(status=Claim.Status.PUBLISHED))
    AssignmentFactory(annotator=annotator, completed_at=timezone.now())
    AssignmentFactory()  # someone else's
    queue = list(annotator_queue(user=annotator))
    assert [a.pk for a in queue] == [first.pk, second.pk]
    assert annotator_queue_next(user=annotator) == first.claim_id
    assert annotator_queue_next(user=annotator, exclude_claim_id=first.claim_id) == second.claim_id
    assert annotator_queue_count(user=annotator) == 2


def test_contested_queue(editor):
    contested = ClaimFactory()
    _consensus(contested, ConsensusStatus.CONTESTED)
    enough_pending = ClaimFactory(required_annotations=2)
    AnnotationFactory.create_batch(2, claim=enough_pending)
    _consensus(enough_pending, ConsensusStatus.PENDING)
    enough_missing = ClaimFactory(required_annotations=1)
    AnnotationFactory(claim=enough_missing)
    too_few = ClaimFactory(required_annotations=3)
    AnnotationFactory(claim=too_few)
    settled = ClaimFactory(required_annotations=1)
    AnnotationFactory(claim=settled)
    _consensus(settled, ConsensusStatus.SETTLED)
    published = ClaimFactory(status=Claim.Status.PUBLISHED)
    _consensus(published, ConsensusStatus.CONTESTED)
    ids = set(contested_queue().values_list("pk", flat=True))
    assert ids == {contested.pk, enough_pending.pk, enough_missing.pk}
    assert list(claims_ready_to_publish().values_list("pk", flat=True)) == [settled.pk]


def test_claims_for_user_masks_consensus_for_blind_annotators(editor, annotator):
    seen, unseen = ClaimFactory(), ClaimFactory()
    for claim in (seen, unseen):
        _consensus(claim, ConsensusStatus.SETTLED)
        AnnotationFactory.create_batch(2, claim=claim)
    me = annotator
    AnnotationFactory(claim=seen, annotator=me, label=Label.DISPUTED)
    rows = {c.pk: c for c in claims_for_user(user=me)}
    assert rows[seen.pk].consensus_status == "settled"
    assert rows[seen.pk].my_label == "disputed"
    assert rows[seen.pk].n_annotations == 3
    assert rows[unseen.pk].consensus_status == ""
    assert rows[unseen.pk].consensus_label == ""
    assert rows[unseen.pk].n_annotations is None
    assert rows[unseen.pk].my_label == ""
    editor_rows = {c.pk: c for c in claims_for_user(user=editor)}
    assert editor_rows[unseen.pk].consensus_status == "settled"
    assert editor_rows[unseen.pk].n_annotations == 2


def test_role_filtered_querysets(editor, viewer):
    me, other = AnnotatorFactory.create_batch(2)
    mine = AnnotationFactory(annotator=me)
    theirs = AnnotationFactory(annotator=other)
    _consensus(mine.claim, ConsensusStatus.SETTLED)
    _consensus(theirs.claim, ConsensusStatus.SETTLED)
    assert [a.pk for a in annotations_for_user(user=me)] == [mine.pk]
    assert {a.pk for a in annotations_for_user(user=editor)} == {mine.pk, theirs.pk}
    assert not annotations_for_user(user=viewer).exists()
    assert [c.claim_id for c in consensus_for_user(user=me)] == [mine.claim_id]
    assert consensus_for_user(user=viewer).count() == 2
    assert claim_outcome_visible(user=me, claim_id=mine.claim_id)
    assert not claim_outcome_visible(user=me, claim_id=theirs.claim_id)
    assert claim_outcome_visible(user=viewer, claim_id=theirs.claim_id)


def test_annotator_open_load_counts_only_open_work():
    a, b = AnnotatorFactory.create_batch(2)
    AssignmentFactory.create_batch(2, annotator=a)
    AssignmentFactory(annotator=a, completed_at=timezone.now())
    AssignmentFactory(annotator=b, claim=ClaimFactory(status=Claim.Status.PUBLISHED))
    AnnotatorFactory(is_active=False)
    assert annotator_open_load() == {b.pk: 0, a.pk: 2}


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([], [("abcdefghij", ())]),
        ([(2, 5, 1)], [("ab", ()), ("cde", (1,)), ("fghij", ())]),
        ([(0, 4, 1), (2, 6, 2)], [("ab", (1,)), ("cd", (1, 2)), ("ef", (2,)), ("ghij", ())]),
        ([(0, 10, 1)], [("abcdefghij", (1,))]),
    ],
)
def test_segments_for_spans_split_at_every_boundary(spans, expected):
    segments = segments_for_spans("abcdefghij", spans)
    assert [(s.text, s.claim_ids) for s in segments] == expected
    assert "".join(s.text for s in segments) == "abcdefghij"


def test_claim_passages_window_and_focus():
    body = (
        ("Intro paragraph. " * 40)
        + "\n\nMusk said OpenAI used Twitter data.\n\n"
        + ("Outro. " * 80)
    )
    article = ArticleFactory(body=body)
    start = body.index("OpenAI")
    appearance = ClaimAppearanceFactory(article=article, start=start, end=start + 6, quote="OpenAI")
    claim = claim_detail(claim_id=appearance.claim_id)
    (passage,) = claim_passages(claim=claim)
    text = "".join(s.text for s in passage.segments)
    assert text == "Musk said OpenAI used Twitter data."
    assert [s.text for s in passage.segments if s.focus] == ["OpenAI"]
    assert passage.clipped_start
    assert passage.clipped_end


def test_desk_counts_by_role(editor, annotator):
    AssignmentFactory(annotator=annotator)
    assert desk_counts(user=annotator) == {"my_queue": 1, "my_done": 0}
    counts = desk_counts(user=editor)
    assert counts["open_claims"] == 1
    assert counts["unassigned"] == 1


def test_queue_totals_shape_selects_the_same_claims(editor):
    contested = ClaimFactory()
    _consensus(contested, ConsensusStatus.CONTESTED)
    enough_missing = ClaimFactory(required_annotations=1)
    AnnotationFactory(claim=enough_missing)
    too_few = ClaimFactory(required_annotations=3)
    AnnotationFactory.create_batch(2, claim=too_few)
    _consensus(too_few, ConsensusStatus.PENDING)
    settled = ClaimFactory(required_annotations=2)
    AnnotationFactory.create_batch(2, claim=settled)
    _consensus(settled, ConsensusStatus.SETTLED)
    for queue in (contested_queue, claims_ready_to_publish):
        paged = list(queue().values_list("pk", "n_annotations"))
        totals = list(queue(for_total=True).values_list("pk", "n_annotations"))
        assert paged == totals
        assert queue(for_total=True).count() == len(paged)
    assert {pk for pk, _ in contested_queue().values_list("pk", "n_annotations")} == {
        contested.pk,
        enough_missing.pk,
    }


def test_claimfinding_reads_consecutive_articles_by_range():
    from articles.selectors.claimfinding import _id_filter

    assert _id_filter("article_id", [5, 3, 4, 4]) == {"article_id__gte": 3, "article_id__lte": 5}
    assert _id_filter("article_id", [3, 5]) == {"article_id__in": [3, 5]}
    assert _id_filter("pk", []) == {"pk__in": []}
