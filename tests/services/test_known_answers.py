"""Known answers on the desk: editors mark gold claims; gold claims and published verdicts
anchor the consensus (truth fixed), calibrate it, and measure each annotator."""

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from articles.exceptions import PermissionDenied
from articles.models import AnnotatorReliability, Claim, Consensus, ConsensusRun, KnownAnswer, Label
from articles.selectors.consensus import (
    LABEL_CODE,
    claim_known_answer,
    known_answer_arrays,
)
from articles.services import consensus as consensus_services
from articles.services.known_answers import claim_known_answer_clear, claim_known_answer_set
from articles.services.verdicts import verdict_publish
from tests.factories import AnnotationFactory, AnnotatorFactory, ClaimFactory

pytestmark = pytest.mark.django_db


def test_claim_known_answer_set_replace_and_clear(editor, django_capture_on_commit_callbacks):
    claim = ClaimFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        answer = claim_known_answer_set(user=editor, claim_id=claim.pk, label=Label.FALSE)
    assert len(callbacks) == 1  # the claim's consensus recompute is queued
    assert (answer.label, answer.set_by_id) == ("false", editor.pk)
    claim.refresh_from_db()
    assert claim.consensus_stale
    with django_capture_on_commit_callbacks() as callbacks:
        same = claim_known_answer_set(user=editor, claim_id=claim.pk, label=Label.FALSE)
    assert same.pk == answer.pk
    assert callbacks == []  # nothing changed, nothing queued
    claim_known_answer_set(user=editor, claim_id=claim.pk, label=Label.VERIFIED)
    assert KnownAnswer.objects.get(claim=claim).label == "verified"
    assert KnownAnswer.history.filter(claim_id=claim.pk).count() == 2
    assert claim_known_answer_clear(user=editor, claim_id=claim.pk) is True
    assert claim_known_answer_clear(user=editor, claim_id=claim.pk) is False
    assert not KnownAnswer.objects.filter(claim=claim).exists()


def test_claim_known_answer_rules(editor, annotator):
    claim = ClaimFactory()
    with pytest.raises(PermissionDenied, match="Only editors can mark known answers"):
        claim_known_answer_set(user=annotator, claim_id=claim.pk, label=Label.FALSE)
    with pytest.raises(PermissionDenied):
        claim_known_answer_clear(user=annotator, claim_id=claim.pk)
    with pytest.raises(ValidationError, match="Choose one of"):
        claim_known_answer_set(user=editor, claim_id=claim.pk, label="maybe")
    assert not KnownAnswer.objects.exists()


def test_known_answers_are_gold_then_published_verdicts(editor):
    gold, published, reopened, plain = ClaimFactory.create_batch(4)
    claim_known_answer_set(user=editor, claim_id=gold.pk, label=Label.DISPUTED)
    for claim in (published, reopened):
        verdict_publish(user=editor, claim_id=claim.pk, label=Label.VERIFIED, reason="checked")
    verdict_publish(user=editor, claim_id=published.pk, label=Label.FALSE, reason="new evidence")
    Claim.objects.filter(pk=reopened.pk).update(status=Claim.Status.OPEN)  # sent back
    claim_ids, codes = known_answer_arrays()
    assert dict(zip(claim_ids.tolist(), codes.tolist(), strict=True)) == {
        gold.pk: LABEL_CODE["disputed"],
        published.pk: LABEL_CODE["false"],  # the latest version counts
    }
    assert claim_known_answer(claim_id=gold.pk) == LABEL_CODE["disputed"]
    assert claim_known_answer(claim_id=published.pk) == LABEL_CODE["false"]
    assert claim_known_answer(claim_id=reopened.pk) == -1
    assert claim_known_answer(claim_id=plain.pk) == -1
    assert claim_known_answer(claim_id=999_999) == -1


def test_per_claim_job_fixes_a_gold_claims_truth_and_rewrites_when_it_changes(
    editor, django_capture_on_commit_callbacks
):
    claim = ClaimFactory()
    for label in (Label.VERIFIED, Label.VERIFIED, Label.DISPUTED):
        AnnotationFactory(claim=claim, label=label)
    consensus_services.claim_consensus_recompute(claim_id=claim.pk)
    before = Consensus.objects.get(claim=claim)
    assert before.label != "false"

    with django_capture_on_commit_callbacks(execute=True):  # the queued job runs (eager)
        claim_known_answer_set(user=editor, claim_id=claim.pk, label=Label.FALSE)

    after = Consensus.objects.get(claim=claim)
    assert after.label == "false"
    assert after.status == "settled"
    assert after.probabilities["false"] == 1.0
    assert after.fingerprint != before.fingerprint
    with django_capture_on_commit_callbacks(execute=True):
        claim_known_answer_clear(user=editor, claim_id=claim.pk)
    assert Consensus.objects.get(claim=claim).fingerprint == before.fingerprint


def _gold_crowd(editor, n_claims=60, seed=3):
    """Three good annotators and one who always says 'verified'; a third of the claims are
    gold."""
    rng = np.random.default_rng(seed)
    good = AnnotatorFactory.create_batch(3)
    sloppy = AnnotatorFactory()
    labels = list(Label.values)
    for i in range(n_claims):
        claim = ClaimFactory()
        truth = labels[int(rng.integers(0, 3))]
        for annotator in good:
            AnnotationFactory(claim=claim, annotator=annotator, label=truth)
        AnnotationFactory(claim=claim, annotator=sloppy, label=Label.VERIFIED)
        if i % 3 == 0:
            claim_known_answer_set(user=editor, claim_id=claim.pk, label=truth)
    Claim.objects.update(consensus_stale=False)  # as if the queued per-claim jobs had run
    return good, sloppy


def test_full_recompute_uses_known_answers_and_measures_annotators_on_them(editor):
    good, sloppy = _gold_crowd(editor)
    summary = consensus_services.consensus_full_recompute()
    run = ConsensusRun.objects.get(pk=summary["run_id"])
    assert run.calibration["n_known"] == 20
    assert run.calibration["source"] == "held-out ratings"  # fewer than MIN_KNOWN answers
    assert run.calibration["temperature"] > 0
    reliability = {r.annotator_id: r for r in AnnotatorReliability.objects.all()}
    assert reliability[good[0].pk].gold_accuracy == 1.0
    assert reliability[good[0].pk].n_gold == 20
    sloppy_row = reliability[sloppy.pk]
    assert sloppy_row.n_gold == 20
    assert 0 < sloppy_row.gold_accuracy < 0.7
    gold_claims = KnownAnswer.objects.values_list("claim_id", "label")
    stored = dict(Consensus.objects.values_list("claim_id", "label"))
    assert all(stored[claim_id] == label for claim_id, label in gold_claims)
    # The per-claim job computes what the full run stored, gold claims included.
    for claim_id, _ in gold_claims[:3]:
        assert consensus_services.claim_consensus_recompute(claim_id=claim_id)["result"] == (
            "unchanged"
        )
    assert consensus_services.consensus_full_recompute()["written"] == 0


def test_per_claim_job_applies_the_runs_temperature(editor):
    _gold_crowd(editor, n_claims=30)
    consensus_services.consensus_full_recompute()
    run = ConsensusRun.objects.get()
    claim = ClaimFactory()
    AnnotationFactory(claim=claim, label=Label.FALSE)
    consensus_services.claim_consensus_recompute(claim_id=claim.pk)
    first = Consensus.objects.get(claim=claim)
    ConsensusRun.objects.filter(pk=run.pk).update(
        calibration={**run.calibration, "temperature": 4.0}, model_hash="flattened"
    )
    consensus_services.claim_consensus_recompute(claim_id=claim.pk)
    flatter = Consensus.objects.get(claim=claim)
    assert flatter.probabilities["false"] < first.probabilities["false"]


@pytest.mark.parametrize("n", [3, 12])
def test_per_claim_job_query_count_is_flat(editor, django_assert_max_num_queries, n):
    claim = ClaimFactory()
    for _ in range(n):
        AnnotationFactory(claim=claim)
    claim_known_answer_set(user=editor, claim_id=claim.pk, label=Label.FALSE)
    with django_assert_max_num_queries(15):
        consensus_services.claim_consensus_recompute(claim_id=claim.pk)
