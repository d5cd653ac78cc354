from unittest import mock

import numpy as np
import pytest
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from articles.consensus import DEFAULT_METHOD, METHOD_NAMES, METHODS
from articles.models import AnnotatorReliability, Claim, Consensus, ConsensusRun, Label
from articles.selectors.consensus import LABELS, claim_annotation_arrays, full_recompute_snapshot
from articles.services import consensus as consensus_services
from tests.factories import AnnotationFactory, AnnotatorFactory, ClaimFactory

pytestmark = pytest.mark.django_db


def annotate(claim, labels, annotators=None):
    annotators = annotators or [AnnotatorFactory() for _ in labels]
    for annotator, label in zip(annotators, labels, strict=True):
        AnnotationFactory(claim=claim, annotator=annotator, label=label)
    return annotators


@pytest.mark.parametrize(
    ("labels", "status", "label"),
    [
        ([Label.FALSE] * 3, "settled", "false"),
        ([Label.VERIFIED] * 2, "pending", "verified"),
        ([], "pending", ""),
        ([Label.VERIFIED, Label.DISPUTED, Label.FALSE], "contested", ""),
    ],
)
def test_claim_consensus_recompute_status(settings, labels, status, label):
    claim = ClaimFactory(consensus_stale=True)
    annotate(claim, labels)

    result = consensus_services.claim_consensus_recompute(claim_id=claim.pk)

    consensus = Consensus.objects.get(claim=claim)
    assert result == {"claim_id": claim.pk, "result": "written"}
    assert consensus.status == status
    assert consensus.label == label
    assert consensus.n_annotations == len(labels)
    assert consensus.method == settings.FACTCHECK_CONSENSUS_METHOD == DEFAULT_METHOD
    assert len(consensus.fingerprint) == 16
    assert set(consensus.probabilities) == set(LABELS)
    claim.refresh_from_db()
    assert claim.consensus_stale is False


def test_claim_consensus_recompute_twice_writes_once():
    claim = ClaimFactory()
    annotate(claim, [Label.VERIFIED] * 3)
    consensus_services.claim_consensus_recompute(claim_id=claim.pk)
    first = Consensus.objects.get(claim=claim)

    again = consensus_services.claim_consensus_recompute(claim_id=claim.pk)

    assert again["result"] == "unchanged"
    assert Consensus.objects.get(claim=claim).computed_at == first.computed_at


def test_claim_consensus_recompute_follows_changed_annotations():
    claim = ClaimFactory()
    annotators = annotate(claim, [Label.VERIFIED] * 3)
    consensus_services.claim_consensus_recompute(claim_id=claim.pk)
    claim.annotations.filter(annotator__in=annotators).update(
        label=Label.FALSE, counted_label=Label.FALSE
    )

    consensus_services.claim_consensus_recompute(claim_id=claim.pk)

    assert Consensus.objects.get(claim=claim).label == "false"


def test_claim_consensus_recompute_missing_claim_is_reported():
    assert consensus_services.claim_consensus_recompute(claim_id=999_999) == {
        "claim_id": 999_999,
        "result": "missing",
    }


def test_claim_consensus_recompute_majority_method(settings):
    settings.FACTCHECK_CONSENSUS_METHOD = "majority"
    claim = ClaimFactory()
    annotate(claim, [Label.VERIFIED, Label.VERIFIED, Label.FALSE])

    consensus_services.claim_consensus_recompute(claim_id=claim.pk)

    consensus = Consensus.objects.get(claim=claim)
    assert consensus.method == "majority"
    assert consensus.probabilities["verified"] == pytest.approx(2 / 3, abs=1e-6)
    assert consensus.status == "contested"  # 0.67 < threshold 0.8


def test_claim_consensus_schedule_enqueues_after_commit(django_capture_on_commit_callbacks):
    claim = ClaimFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            consensus_services.claim_consensus_schedule(claim_id=claim.pk)
            annotate(claim, [Label.FALSE] * 3)
        claim.refresh_from_db()
        assert claim.consensus_stale is True
        assert not Consensus.objects.filter(claim=claim).exists()

    assert len(callbacks) == 1
    callbacks[0]()  # eager Celery: the job runs in process
    claim.refresh_from_db()
    assert claim.consensus_stale is False
    assert Consensus.objects.get(claim=claim).label == "false"


def test_claim_consensus_schedule_broker_down_keeps_write_and_sweep_catches_up(
    django_capture_on_commit_callbacks,
):
    claim = ClaimFactory()
    task = "articles.tasks.claims_stale_recompute_task.delay"
    with (
        mock.patch(task, side_effect=BrokerError("connection refused")) as delay,
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        consensus_services.claim_consensus_schedule(claim_id=claim.pk)
        annotate(claim, [Label.VERIFIED] * 3)

    delay.assert_called_once_with()
    claim.refresh_from_db()
    assert claim.annotations.count() == 3
    assert claim.consensus_stale is True
    assert not Consensus.objects.filter(claim=claim).exists()

    assert consensus_services.claims_stale_recompute().recomputed == 1
    claim.refresh_from_db()
    assert claim.consensus_stale is False
    assert Consensus.objects.get(claim=claim).label == "verified"


def test_claim_consensus_schedule_counts_each_change():
    claim = ClaimFactory()
    for _ in range(3):
        with transaction.atomic():
            consensus_services.claim_consensus_schedule(claim_id=claim.pk)
    claim.refresh_from_db()
    assert claim.consensus_version == 3
    assert claim.consensus_stale is True


def _crowd(n_claims=60, seed=3):
    """Claims rated by a reliable pair and one annotator who always answers 'verified'."""
    rng = np.random.default_rng(seed)
    good = [AnnotatorFactory() for _ in range(2)]
    biased = AnnotatorFactory()
    truth = {}
    for _ in range(n_claims):
        claim = ClaimFactory()
        true = LABELS[int(rng.integers(0, 3))]
        truth[claim.pk] = true
        for annotator in good:
            AnnotationFactory(claim=claim, annotator=annotator, label=true)
        AnnotationFactory(claim=claim, annotator=biased, label=Label.VERIFIED)
    return truth, good, biased


def test_consensus_full_recompute_writes_all_and_reliability():
    truth, good, biased = _crowd()
    unannotated = ClaimFactory()

    summary = consensus_services.consensus_full_recompute()

    assert summary["claims"] == len(truth) + 1
    assert summary["written"] == len(truth) + 1
    labels = dict(Consensus.objects.values_list("claim_id", "label"))
    assert all(labels[cid] == label for cid, label in truth.items())
    assert Consensus.objects.get(claim=unannotated).status == "pending"
    reliability = {r.annotator_id: r for r in AnnotatorReliability.objects.all()}
    # The calibrated method's Dirichlet prior keeps an estimate from a few dozen ratings modest.
    assert reliability[good[0].pk].accuracy > 0.7
    assert reliability[biased.pk].accuracy < 0.6
    assert reliability[biased.pk].confusion["false"]["verified"] > 0.7
    run = ConsensusRun.objects.get()
    assert run.n_annotations == 3 * len(truth)
    assert run.model_hash
    assert run.alpha is not None


def test_consensus_full_recompute_is_idempotent():
    _crowd(n_claims=30)
    consensus_services.consensus_full_recompute()
    before = dict(Consensus.objects.values_list("claim_id", "computed_at"))

    again = consensus_services.consensus_full_recompute()

    assert again["written"] == 0
    assert dict(Consensus.objects.values_list("claim_id", "computed_at")) == before


def test_claim_job_after_full_recompute_does_not_rewrite():
    _crowd(n_claims=30)
    consensus_services.consensus_full_recompute()
    claim = Claim.objects.first()

    assert consensus_services.claim_consensus_recompute(claim_id=claim.pk)["result"] == "unchanged"


def test_consensus_full_recompute_leaves_rows_written_after_it_started():
    _crowd(n_claims=10)
    newer = Claim.objects.order_by("id").first()
    future = timezone.now() + timezone.timedelta(hours=1)
    Consensus.objects.create(
        claim=newer,
        label="false",
        status="settled",
        method="dawid-skene",
        fingerprint="written-by-a-newer-job",
        computed_at=future,
    )

    consensus_services.consensus_full_recompute()

    assert Consensus.objects.get(claim=newer).fingerprint == "written-by-a-newer-job"


def test_consensus_full_recompute_clears_the_stale_flags_of_what_it_recomputed():
    _crowd(n_claims=10)
    consensus_services.consensus_full_recompute()
    claims = list(Claim.objects.order_by("id")[:3])
    # Their jobs were lost (the broker was down): marked stale, one of them with a new rating.
    for claim in claims:
        with transaction.atomic():
            consensus_services.claim_consensus_schedule(claim_id=claim.pk)
    AnnotationFactory(claim=claims[0], annotator=AnnotatorFactory(), label=Label.DISPUTED)

    result = consensus_services.consensus_full_recompute()

    assert not Claim.objects.filter(consensus_stale=True).exists()
    assert Consensus.objects.get(claim=claims[0]).n_annotations == 4
    assert result["written"] >= 1
    # Nothing left for the sweep.
    assert consensus_services.claims_stale_recompute().recomputed == 0


def test_full_recompute_keeps_the_flag_of_a_claim_rated_after_it_read_the_annotations(
    monkeypatch,
):
    _crowd(n_claims=10)
    consensus_services.consensus_full_recompute()
    rated_late, untouched = Claim.objects.order_by("id")[:2]
    for claim in (rated_late, untouched):
        with transaction.atomic():
            consensus_services.claim_consensus_schedule(claim_id=claim.pk)
    before = Consensus.objects.get(claim=rated_late)
    read_snapshot = consensus_services.full_recompute_snapshot

    def snapshot_then_a_rating():
        snapshot = read_snapshot()
        # A rating commits after the run read the annotations, before it writes.
        with transaction.atomic():
            consensus_services.claim_consensus_schedule(claim_id=rated_late.pk)
            AnnotationFactory(claim=rated_late, annotator=AnnotatorFactory(), label=Label.FALSE)
        return snapshot

    monkeypatch.setattr(consensus_services, "full_recompute_snapshot", snapshot_then_a_rating)
    consensus_services.consensus_full_recompute()

    assert Claim.objects.get(pk=rated_late.pk).consensus_stale is True
    assert Consensus.objects.get(claim=rated_late).computed_at == before.computed_at
    assert Claim.objects.get(pk=untouched.pk).consensus_stale is False
    assert consensus_services.claims_stale_recompute().recomputed == 1
    assert Consensus.objects.get(claim=rated_late).n_annotations == 4
    assert not Claim.objects.filter(consensus_stale=True).exists()


def test_claim_consensus_uses_reliabilities_after_full_recompute(settings):
    settings.FACTCHECK_RELIABILITY_MIN_HISTORY = 10
    _truth, good, biased = _crowd(n_claims=40)
    consensus_services.consensus_full_recompute()
    # A new claim where the biased annotator says 'verified' and one good annotator 'false':
    # the good annotator's word should carry it.
    claim = ClaimFactory()
    AnnotationFactory(claim=claim, annotator=biased, label=Label.VERIFIED)
    AnnotationFactory(claim=claim, annotator=good[0], label=Label.FALSE)

    consensus_services.claim_consensus_recompute(claim_id=claim.pk)

    consensus = Consensus.objects.get(claim=claim)
    assert consensus.label == "false"
    assert consensus.status == "pending"  # two annotations, minimum three


def test_annotation_arrays_postgres_copy_matches_orm(postgres):
    _crowd(n_claims=15)
    unannotated = ClaimFactory()
    snapshot = full_recompute_snapshot()
    fast, claim_ids = snapshot.annotations, snapshot.claim_ids
    assert claim_ids.tolist() == sorted(Claim.objects.values_list("id", flat=True))
    assert unannotated.pk in claim_ids
    rows = sorted(
        (c, a, LABELS.index(lab))
        for c, a, lab in Claim.objects.values_list(
            "annotations__claim_id", "annotations__annotator_id", "annotations__label"
        )
        if c is not None
    )
    got = sorted(
        zip(
            fast.claim_ids.tolist(),
            fast.annotator_ids.tolist(),
            fast.label_codes.tolist(),
            strict=True,
        )
    )
    assert got == rows
    assert len(claim_annotation_arrays(claim_ids=[int(fast.claim_ids[0])])) == 3
    assert len(claim_annotation_arrays(claim_ids=[unannotated.pk])) == 0
    assert len(claim_annotation_arrays(claim_ids=claim_ids.tolist())) == len(rows)


def test_weighted_method_per_claim_job_uses_estimated_accuracy(settings):
    settings.FACTCHECK_CONSENSUS_METHOD = "weighted"
    _truth, good, biased = _crowd(n_claims=40)
    consensus_services.consensus_full_recompute()
    reliability = AnnotatorReliability.objects.get(annotator=good[0])
    assert reliability.confusion["false"]["false"] == pytest.approx(reliability.accuracy, abs=1e-6)
    claim = ClaimFactory()
    AnnotationFactory(claim=claim, annotator=biased, label=Label.VERIFIED)
    AnnotationFactory(claim=claim, annotator=good[0], label=Label.FALSE)

    consensus_services.claim_consensus_recompute(claim_id=claim.pk)

    assert Consensus.objects.get(claim=claim).label == "false"


def test_full_recompute_snapshot_reads_stale_flags_and_stored_fingerprints():
    _crowd(n_claims=6)
    consensus_services.consensus_full_recompute()
    stale = Claim.objects.order_by("id").first()
    Claim.objects.filter(pk=stale.pk).update(consensus_stale=True, consensus_version=7)
    odd = Consensus.objects.exclude(claim=stale).order_by("claim_id").first()
    Consensus.objects.filter(pk=odd.pk).update(fingerprint="not-a-fingerprint")

    snapshot = full_recompute_snapshot()

    flags = dict(zip(snapshot.claim_ids.tolist(), snapshot.claim_stale.tolist(), strict=True))
    assert flags == dict(Claim.objects.values_list("id", "consensus_stale"))
    versions = zip(snapshot.claim_ids.tolist(), snapshot.claim_versions.tolist(), strict=True)
    assert dict(versions) == dict(Claim.objects.values_list("id", "consensus_version"))
    stored = dict(
        zip(
            snapshot.consensus_claim_ids.tolist(),
            snapshot.consensus_fingerprints.tolist(),
            strict=True,
        )
    )
    expected = {
        claim_id: 0 if claim_id == odd.pk else int(fingerprint, 16)
        for claim_id, fingerprint in Consensus.objects.values_list("claim_id", "fingerprint")
    }
    assert stored == expected


def test_consensus_full_recompute_rewrites_a_row_whose_stored_fingerprint_differs():
    _crowd(n_claims=8)
    consensus_services.consensus_full_recompute()
    tampered = Consensus.objects.order_by("claim_id").first()
    Consensus.objects.filter(pk=tampered.pk).update(fingerprint="0" * 16, label="")

    again = consensus_services.consensus_full_recompute()

    assert again["written"] == 1
    tampered.refresh_from_db()
    assert tampered.fingerprint != "0" * 16
    assert tampered.label != ""


def test_deleting_a_claim_deletes_its_consensus():
    claim = ClaimFactory()
    annotate(claim, [Label.FALSE] * 3)
    consensus_services.claim_consensus_recompute(claim_id=claim.pk)
    assert Consensus.objects.filter(claim_id=claim.pk).exists()

    claim.delete()

    assert not Consensus.objects.filter(claim_id=claim.pk).exists()


def test_consensus_full_recompute_removes_rows_of_claims_deleted_behind_its_back():
    # Consensus has no database foreign key (see the model); a claim deleted with raw SQL
    # leaves its row behind, and the next full recompute removes it.
    _crowd(n_claims=4)
    gone = ClaimFactory()
    consensus_services.consensus_full_recompute()
    assert Consensus.objects.filter(claim_id=gone.pk).exists()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM articles_claim WHERE id = %s", [gone.pk])

    consensus_services.consensus_full_recompute()

    assert not Consensus.objects.filter(claim_id=gone.pk).exists()
    assert Consensus.objects.count() == Claim.objects.count()


# --- every registered method through the desk -------------------------------------------------


@pytest.mark.parametrize("name", METHOD_NAMES)
def test_every_method_runs_through_the_per_claim_job_and_the_full_recompute(settings, name):
    settings.FACTCHECK_CONSENSUS_METHOD = name
    method = METHODS[name]
    truth, _good, _biased = _crowd(n_claims=20)
    claim = Claim.objects.order_by("id").first()

    # Per-claim job before any full run (no reliability model stored yet).
    assert consensus_services.claim_consensus_recompute(claim_id=claim.pk)["result"] == "written"
    assert Consensus.objects.get(claim=claim).method == name

    summary = consensus_services.consensus_full_recompute()

    run = ConsensusRun.objects.get()
    assert run.method == name
    assert bool(run.model_hash) == method.uses_reliability
    assert (run.iterations > 0) == method.iterative
    assert summary["claims"] == len(truth)
    labels = dict(Consensus.objects.values_list("claim_id", "label"))
    assert labels == truth  # two reliable annotators outvote the biased one under any method
    assert set(Consensus.objects.values_list("method", flat=True)) == {name}
    reliability = AnnotatorReliability.objects.all()
    assert len(reliability) == 3
    assert all(bool(row.confusion) == method.uses_reliability for row in reliability)
    # Nothing changed: neither a second full run nor the per-claim job rewrites anything.
    assert consensus_services.consensus_full_recompute()["written"] == 0
    assert consensus_services.claim_consensus_recompute(claim_id=claim.pk)["result"] == "unchanged"


def test_every_method_name_fits_the_stored_method_fields():
    longest = max(len(name) for name in METHOD_NAMES)
    assert longest <= Consensus._meta.get_field("method").max_length
    assert longest <= ConsensusRun._meta.get_field("method").max_length


def _stale_claims(n, labels=(Label.FALSE,) * 3):
    claims = [ClaimFactory() for _ in range(n)]
    for claim in claims:
        annotate(claim, list(labels))
    Claim.objects.filter(pk__in=[c.pk for c in claims]).update(consensus_stale=True)
    return claims


def test_the_sweep_recomputes_the_whole_backlog_in_batches(settings):
    settings.FACTCHECK_STALE_SWEEP_BATCH = 2
    claims = _stale_claims(5)

    result = consensus_services.claims_stale_recompute()

    # 2 + 2 + 1: the short last batch says there is none left.
    assert (result.recomputed, result.batches, result.more) == (5, 3, False)
    assert result.written == 5
    assert not Claim.objects.filter(consensus_stale=True).exists()
    assert Consensus.objects.filter(claim__in=claims, label="false").count() == 5
    again = consensus_services.claims_stale_recompute()
    assert (again.recomputed, again.written, again.batches) == (0, 0, 0)


def test_the_sweep_stops_at_its_time_budget_and_says_there_is_more():
    _stale_claims(5)

    first = consensus_services.claims_stale_recompute(batch=2, budget_seconds=0)

    assert (first.recomputed, first.batches, first.more) == (2, 1, True)
    assert Claim.objects.filter(consensus_stale=True).count() == 3
    rest = consensus_services.claims_stale_recompute(batch=2, budget_seconds=60)
    assert (rest.recomputed, rest.more) == (3, False)


def test_a_sweep_batch_costs_the_same_queries_for_one_claim_or_many():
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (1, 40):
        _stale_claims(n)
        with CaptureQueriesContext(connection) as queries:
            assert consensus_services.claims_stale_recompute(batch=500).recomputed == n
        counts.append(len(queries))
    assert counts[0] == counts[1]
    if connection.vendor == "postgresql":
        # The claims with their annotations, the reliability run and its rows, then one
        # statement that clears the flags and writes the rows.
        assert counts[0] == 4


def test_a_batch_gives_each_claim_what_its_own_recompute_gives(settings):
    settings.FACTCHECK_RELIABILITY_MIN_HISTORY = 5
    _crowd(n_claims=30)
    consensus_services.consensus_full_recompute()
    claims = list(Claim.objects.order_by("id"))
    # Change some ratings, mark every claim stale, recompute all in one batch.
    for claim in claims[::3]:
        AnnotationFactory(claim=claim, annotator=AnnotatorFactory(), label=Label.DISPUTED)
    Claim.objects.update(consensus_stale=True)
    assert consensus_services.claims_stale_recompute(batch=500).batches == 1
    fields = ("claim_id", "label", "probabilities", "agreement", "status", "n_annotations")
    batched = list(Consensus.objects.order_by("claim_id").values(*fields, "fingerprint"))

    Consensus.objects.update(fingerprint="")
    for claim in claims:
        consensus_services.claim_consensus_recompute(claim_id=claim.pk)

    assert list(Consensus.objects.order_by("claim_id").values(*fields, "fingerprint")) == batched


def test_the_sweep_leaves_a_failing_claim_stale_and_recomputes_the_others(monkeypatch, caplog):
    claims = _stale_claims(4)
    bad = claims[1].pk
    compute = consensus_services._compute

    def fails_on_bad(config, claims):
        if bad in claims.ids.tolist():
            raise ValueError("a bug in one claim's data")
        return compute(config, claims)

    monkeypatch.setattr(consensus_services, "_compute", fails_on_bad)

    result = consensus_services.claims_stale_recompute(batch=10)

    assert result.recomputed == 3
    assert list(Claim.objects.filter(consensus_stale=True).values_list("id", flat=True)) == [bad]
    assert Consensus.objects.filter(claim__in=claims).count() == 3
    assert f"claim {bad} failed" in caplog.text


def test_a_claim_needing_two_annotators_settles_on_two_ratings(settings, editor):
    from articles.services.claims import claim_update

    settings.FACTCHECK_CONSENSUS_MIN_ANNOTATIONS = 3
    claim = ClaimFactory(required_annotations=2)
    annotate(claim, [Label.VERIFIED] * 2)
    consensus_services.claim_consensus_recompute(claim_id=claim.pk)
    assert Consensus.objects.get(claim=claim).status == "settled"
    consensus_services.consensus_full_recompute()
    assert Consensus.objects.get(claim=claim).status == "settled"
    # Raising what it needs makes it pending again (the change alone triggers the recompute).
    claim_update(user=editor, claim_id=claim.pk, required_annotations=3)
    consensus_services.claim_consensus_recompute(claim_id=claim.pk)
    assert Consensus.objects.get(claim=claim).status == "pending"
    consensus_services.consensus_full_recompute()
    assert Consensus.objects.get(claim=claim).status == "pending"


def test_consensus_full_recompute_leaves_rows_whose_output_is_unchanged():
    """Fingerprints can all move while no claim's output does (re-estimated reliabilities after
    one rating changed): such rows are not rewritten; rows whose output changed are."""
    _crowd(n_claims=12)
    consensus_services.consensus_full_recompute()
    before = dict(Consensus.objects.values_list("claim_id", "computed_at"))
    Consensus.objects.update(fingerprint="f" * 16)
    changed, nudged = Consensus.objects.order_by("claim_id")[:2]
    Consensus.objects.filter(pk=changed.pk).update(probabilities={"verified": 1.0})
    # A difference in the last stored digits only (what re-estimation leaves) is not a change.
    last_digit = {
        k: round(v + 1e-6 if v < 0.5 else v - 1e-6, 6) for k, v in nudged.probabilities.items()
    }
    Consensus.objects.filter(pk=nudged.pk).update(probabilities=last_digit)

    again = consensus_services.consensus_full_recompute()

    assert again["written"] == 1
    after = dict(Consensus.objects.values_list("claim_id", "computed_at"))
    assert {cid for cid in before if after[cid] != before[cid]} == {changed.pk}
    assert Consensus.objects.exclude(pk=changed.pk).filter(fingerprint="f" * 16).count() == 11


def test_consensus_full_recompute_rewrites_every_row_when_the_rule_changes(settings):
    _crowd(n_claims=12)
    consensus_services.consensus_full_recompute()

    settings.FACTCHECK_CONSENSUS_THRESHOLD = 0.75
    again = consensus_services.consensus_full_recompute()

    assert again["written"] == 12
    assert set(Consensus.objects.values_list("parameters__threshold", flat=True)) == {0.75}


def test_the_sweep_leaves_stale_a_claim_rated_after_it_read_it(monkeypatch):
    rated_late, other = _stale_claims(2)
    compute = consensus_services._compute

    def compute_then_a_rating(config, claims):
        outcome = compute(config, claims)
        # A rating commits after the sweep read the claims, before it writes.
        with transaction.atomic():
            consensus_services.claim_consensus_schedule(claim_id=rated_late.pk)
            AnnotationFactory(claim=rated_late, annotator=AnnotatorFactory(), label=Label.VERIFIED)
        return outcome

    monkeypatch.setattr(consensus_services, "_compute", compute_then_a_rating)
    first = consensus_services.claims_stale_recompute(batch=10)

    assert first.recomputed == 1
    assert Claim.objects.get(pk=rated_late.pk).consensus_stale is True
    assert not Consensus.objects.filter(claim=rated_late).exists()  # not the outdated result
    assert Consensus.objects.get(claim=other).n_annotations == 3
    monkeypatch.setattr(consensus_services, "_compute", compute)
    assert consensus_services.claims_stale_recompute(batch=10).recomputed == 1
    assert Consensus.objects.get(claim=rated_late).n_annotations == 4


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_sweep_skips_a_claim_whose_write_is_in_progress(postgres, monkeypatch):
    """A claim another transaction holds (a rating being written) keeps its flag: that write
    asks for a sweep when it commits."""
    import psycopg

    from tests.conftest import _database_url_for_worker

    busy, other = _stale_claims(2)
    compute = consensus_services._compute
    writer = psycopg.connect(_database_url_for_worker())

    def compute_while_a_write_holds_busy(config, claims):
        outcome = compute(config, claims)
        writer.execute("SELECT id FROM articles_claim WHERE id = %s FOR UPDATE", [busy.pk])
        return outcome

    monkeypatch.setattr(consensus_services, "_compute", compute_while_a_write_holds_busy)
    try:
        result = consensus_services.claims_stale_recompute(batch=10)
    finally:
        writer.rollback()
        writer.close()

    assert result.recomputed == 1
    assert Claim.objects.get(pk=busy.pk).consensus_stale is True
    assert Claim.objects.get(pk=other.pk).consensus_stale is False
