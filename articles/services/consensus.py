"""Consensus orchestration: scheduling recomputes when annotations change, the per-claim
recompute, the sweep of stale claims and the full recompute. The math lives in
`articles.consensus` (pure, no Django; methods come from its registry), the settings in
`consensus_config`, the reads in `articles.selectors.consensus` and the bulk writes in
`consensus_writes`: this module loads annotations as arrays, calls the math and hands the results
to the writers.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from articles import roles
from articles.consensus import (
    Posteriors,
    Reliability,
    accuracy_on_known,
    agreement_with_consensus,
    codes_in,
    decide,
    id_codes,
    item_agreement,
    krippendorff_alpha,
    sort_annotations,
    with_known_answers,
)
from articles.consensus.fingerprint import fingerprint_hex, item_fingerprints
from articles.models import Claim, ConsensusRun
from articles.selectors.consensus import (
    LABELS,
    RecomputeClaims,
    claim_annotation_arrays,
    claims_for_recompute,
    full_recompute_snapshot,
    known_answer_arrays,
    reliability_for_annotators,
)
from articles.selectors.dashboards import annotators_screening_refresh
from articles.services.consensus_config import (
    ConsensusConfig,
    stale_sweep_batch,
    stale_sweep_budget,
)
from articles.services.consensus_writes import (
    ConsensusArrays,
    consensus_bulk_upsert,
    consensus_orphans_delete,
    consensus_rows_upsert,
    reliability_bulk_upsert,
    stale_flags_clear,
    sweep_batch_write,
)

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int, int], None]

CONNECTION_ERRORS = (OperationalError, InterfaceError)
"""A lost database connection: the sweep's job retries (articles/tasks/transient.py), while
any other failure of a batch is a bad claim, isolated by recomputing the batch one by one."""

# --- scheduling ----------------------------------------------------------------------------------


def claim_consensus_schedule(*, claim_id: int) -> None:
    """Mark a claim's consensus stale and ask for a sweep once the transaction commits.

    Call this inside the transaction that changes the claim's annotations, *before* writing
    them: the UPDATE takes the claim's row lock and moves its `consensus_version`, so a sweep
    that read the claim before the change neither clears its flag nor writes its row (it checks
    the version and skips locked claims), and a per-claim recompute waits for the change (it
    locks the same row): a recompute always ends on the latest annotations.

    The stale flag is written in the caller's transaction; only a recompute clears it. The
    sweep it asks for recomputes every stale claim in batches (coalesced: see
    articles/tasks/coalescing.py). If the broker cannot be reached after commit, the flag stays
    and the periodic sweep (beat) catches the claim up; the annotation write is never lost.
    """
    Claim.objects.filter(pk=claim_id).update(
        consensus_stale=True,
        consensus_version=F("consensus_version") + 1,
        updated_at=timezone.now(),
    )
    transaction.on_commit(_request_sweep)


def _request_sweep() -> bool:
    from articles.tasks.coalescing import sweep_request

    try:
        sweep_request()
    except Exception:
        # Broker down or unreachable: the claim is already marked stale in the committed
        # transaction, so the periodic sweep will recompute it. Never fail the user's save.
        logger.warning("could not queue the consensus sweep", exc_info=True)
        return False
    return True


# --- per-claim recompute -------------------------------------------------------------------------


def _posteriors(
    config: ConsensusConfig,
    item_idx: npt.NDArray[np.int64],
    worker_idx: npt.NDArray[np.int64],
    label_idx: npt.NDArray[np.int64],
    *,
    n_items: int,
    annotator_ids: npt.NDArray[np.int64],
) -> tuple[Posteriors, int | None, str]:
    """Posteriors for a few claims with the stored reliabilities (the sweep, one claim's
    recompute); also the reliability run used and its model hash (None and "" for a method that
    uses none)."""
    method = config.method
    run_id: int | None = None
    model_hash = ""
    reliability: Reliability | None = None
    if method.uses_reliability:
        model = reliability_for_annotators(annotator_ids)
        run_id, model_hash = model.run_id, model.model_hash
        reliability = Reliability(
            confusion=model.confusion,
            priors=model.priors,
            history=model.history,
            temperature=model.temperature,
        )
    posteriors = method.score(
        item_idx,
        worker_idx,
        label_idx,
        n_items=n_items,
        n_labels=len(LABELS),
        reliability=reliability,
        min_history=config.min_history,
    )
    return posteriors, run_id, model_hash


def claim_consensus_recompute(*, claim_id: int) -> dict[str, Any]:
    """Recompute one claim's consensus from its current annotations and the stored reliabilities
    (and the last full run's calibration temperature). A claim with a known answer (gold, or a
    published verdict) gets that answer with certainty once it has annotations.

    Locks the claim row for the duration (waiting for a write in progress), so it is serialised
    with annotation writes and with other recomputes of the claim. Writes the Consensus row only
    when the fingerprint of its inputs changed, and clears the claim's stale flag. Returns a
    small JSON summary; a missing claim is logged and reported, not raised.
    """
    config = ConsensusConfig.from_settings()
    with transaction.atomic():
        claims = claims_for_recompute(claim_ids=[claim_id])
        if not len(claims):
            logger.info("consensus recompute: claim %s no longer exists", claim_id)
            return {"claim_id": claim_id, "result": "missing"}
        outcome = _compute(config, claims)
        _write(config, claims.ids, outcome, outcome.changed)
        Claim.objects.filter(pk=claim_id, consensus_stale=True).update(consensus_stale=False)
    return {"claim_id": claim_id, "result": "written" if outcome.changed.any() else "unchanged"}


@dataclass(frozen=True)
class _Outcome:
    """The recomputed consensus of some claims, and which of them differ from their rows."""

    computed: ConsensusArrays
    changed: npt.NDArray[np.bool_]
    run_id: int | None


def _compute(config: ConsensusConfig, claims: RecomputeClaims) -> _Outcome:
    """Recompute claims from their annotations and the stored reliabilities: two reads (the
    annotations, the reliabilities of their annotators) whatever the number of claims."""
    ids = claims.ids
    n_items = len(claims)
    arrays = (
        claims.annotations
        if claims.annotations is not None
        else claim_annotation_arrays(claim_ids=ids.tolist())
    )
    item_idx = codes_in(arrays.claim_ids, ids)
    annotator_ids, worker_idx = id_codes(arrays.annotator_ids)
    posteriors, run_id, model_hash = _posteriors(
        config,
        item_idx,
        worker_idx,
        arrays.label_codes,
        n_items=n_items,
        annotator_ids=annotator_ids,
    )
    posteriors = with_known_answers(posteriors, claims.known)
    min_votes = config.min_votes(claims.required)
    fingerprints = item_fingerprints(
        item_idx,
        arrays.annotator_ids,
        arrays.label_codes,
        n_items=n_items,
        params=config.fingerprint_key(model_hash),
        known=claims.known,
        min_votes=min_votes,
    )
    computed = _consensus_arrays(
        config,
        posteriors,
        item_idx,
        arrays.label_codes,
        n_items=n_items,
        fingerprints=fingerprints,
        min_votes=min_votes,
    )
    changed = np.array(fingerprint_hex(fingerprints), dtype=object) != np.array(
        claims.stored, dtype=object
    )
    return _Outcome(computed=computed, changed=changed.astype(np.bool_), run_id=run_id)


def _write(
    config: ConsensusConfig,
    ids: npt.NDArray[np.int64],
    outcome: _Outcome,
    which: npt.NDArray[np.bool_],
) -> int:
    """Upsert the Consensus rows of the claims selected by `which`; returns how many."""
    index = np.flatnonzero(which)
    if index.size:
        consensus_rows_upsert(
            ids[index],
            outcome.computed.take(index),
            config,
            run_id=outcome.run_id,
            now=timezone.now(),
        )
    return int(index.size)


def _recompute_batch(config: ConsensusConfig, claims: RecomputeClaims) -> tuple[int, int]:
    """The sweep's batch: compute without holding any lock, then in one short transaction clear
    the flags of the claims not changed since they were read (their version is the one read)
    and not locked right now (a write in progress), and write those claims' changed rows.
    A claim changed meanwhile keeps its flag for the next pass or sweep (its writer queues one
    when it commits). Returns (flags cleared, rows written)."""
    outcome = _compute(config, claims)
    return sweep_batch_write(
        claims.ids,
        claims.versions,
        outcome.computed,
        outcome.changed,
        config,
        run_id=outcome.run_id,
        now=timezone.now(),
    )


def _consensus_arrays(
    config: ConsensusConfig,
    posteriors: Posteriors,
    item_idx: npt.NDArray[np.int64],
    label_idx: npt.NDArray[np.int64],
    *,
    n_items: int,
    fingerprints: npt.NDArray[np.uint64],
    min_votes: npt.NDArray[np.int64],
) -> ConsensusArrays:
    n_votes = np.bincount(item_idx, minlength=n_items).astype(np.int64)
    outcome = decide(posteriors, n_votes, min_votes=min_votes, threshold=config.threshold)
    return ConsensusArrays(
        labels=np.asarray(outcome.labels, dtype=np.int64),
        status=np.asarray(outcome.status, dtype=np.int64),
        probs=np.round(posteriors.probs, 6),
        agreement=np.round(
            item_agreement(item_idx, label_idx, n_items=n_items, n_labels=len(LABELS)), 6
        ),
        n_votes=n_votes,
        fingerprints=fingerprints,
    )


@dataclass(frozen=True)
class SweepResult:
    """What one run of the sweep did."""

    recomputed: int
    written: int
    batches: int
    more: bool  # stale claims may remain (the time budget ran out): run the sweep again

    def as_json(self) -> dict[str, Any]:
        return {
            "recomputed": self.recomputed,
            "written": self.written,
            "batches": self.batches,
            "more": self.more,
        }


def claims_stale_recompute(
    *, batch: int | None = None, budget_seconds: float | None = None
) -> SweepResult:
    """Recompute every claim marked stale, in batches, until none is left or the time budget
    is spent: the one way stale claims are caught up, whether one rating just marked its claim
    or a broker outage left a hundred thousand.

    Walks the stale claims once in id order, `batch` at a time (default
    FACTCHECK_STALE_SWEEP_BATCH), each batch one transaction that locks its claims (skipping
    claims another transaction holds: a write in progress queues its own run when it commits),
    recomputes them together with the stored reliabilities and clears their flags. Stops after
    `budget_seconds` (default FACTCHECK_STALE_SWEEP_BUDGET_SECONDS) and then says `more`; the
    caller runs it again. A batch that fails on something other than a lost connection is
    redone claim by claim, so one bad claim stays stale (and logged) without holding back the
    others.
    """
    size = batch if batch is not None else stale_sweep_batch()
    budget = budget_seconds if budget_seconds is not None else stale_sweep_budget()
    config = ConsensusConfig.from_settings()
    deadline = time.monotonic() + budget
    after = 0
    recomputed = written = batches = 0
    while True:
        claims = claims_for_recompute(stale_after=after, limit=size)
        if not len(claims):
            return SweepResult(recomputed, written, batches, more=False)
        try:
            cleared, rows = _recompute_batch(config, claims)
        except CONNECTION_ERRORS:
            raise
        except Exception:
            logger.exception(
                "consensus sweep: a batch of %d claims failed; one by one", len(claims)
            )
            cleared, rows = _recompute_one_by_one(claims.ids.tolist())
        recomputed += cleared
        written += rows
        batches += 1
        after = int(claims.ids[-1])
        if len(claims) < size:
            # None left past this one: a claim marked stale from now on is marked by a change
            # that asks for a sweep when it commits.
            return SweepResult(recomputed, written, batches, more=False)
        if time.monotonic() >= deadline:
            return SweepResult(recomputed, written, batches, more=True)


def _recompute_one_by_one(claim_ids: list[int]) -> tuple[int, int]:
    recomputed = written = 0
    for claim_id in claim_ids:
        try:
            result = claim_consensus_recompute(claim_id=claim_id)
        except CONNECTION_ERRORS:
            raise
        except Exception:
            logger.exception("consensus recompute of claim %s failed; it stays stale", claim_id)
            continue
        recomputed += 1
        written += result["result"] == "written"
    return recomputed, written


# --- full recompute ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FullRecomputeResult:
    run: ConsensusRun
    claims: int
    written: int

    def as_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run.pk,
            "claims": self.claims,
            "annotations": self.run.n_annotations,
            "written": self.written,
            "alpha": self.run.alpha,
        }


def consensus_full_recompute_request(*, user: AbstractBaseUser) -> bool:
    """An editor asks for a full recompute now (instead of waiting for the hourly run): queue
    the job once the current transaction commits. Returns False when the broker could not be
    reached (the hourly run still comes). Raises PermissionDenied for anyone but editors."""
    roles.require_editor(user, "start a full consensus recompute")
    from articles.tasks import consensus_full_recompute_task

    try:
        consensus_full_recompute_task.delay()
    except Exception:
        logger.warning("could not queue the full consensus recompute", exc_info=True)
        return False
    return True


def consensus_full_recompute(*, progress: ProgressCallback | None = None) -> dict[str, Any]:
    """Re-estimate annotator reliability over all annotations and rewrite every claim's consensus.

    Loads every annotation as arrays (one binary query on PostgreSQL), runs the configured method
    (Dawid-Skene by default) over all of them, then in one transaction writes the Consensus rows
    whose fingerprint changed and every annotator's reliability, and records a ConsensusRun.
    Claims marked stale when it read the annotations get their rows and their flags cleared;
    a claim marked stale again after that read keeps its flag and its row (the sweep reads the
    change), and a row a per-claim recompute or the sweep wrote after the run started is left.
    Idempotent: a second run over the same annotations writes no consensus row.
    `progress(stage, done, total)` is called between stages.
    """
    result = _full_recompute(progress=progress).as_json()
    # The annotators page screens every annotator from the reliabilities just written: recount
    # its snapshot now rather than at the next periodic recount.
    transaction.on_commit(annotators_screening_refresh)
    return result


def _full_recompute(*, progress: ProgressCallback | None = None) -> FullRecomputeResult:
    report = progress or (lambda stage, done, total: None)
    config = ConsensusConfig.from_settings()
    started = timezone.now()
    n_labels = len(LABELS)
    stages = 4

    report("load", 0, stages)
    snapshot = full_recompute_snapshot()
    annotations, claim_ids = snapshot.annotations, snapshot.claim_ids
    n_items = int(claim_ids.size)
    item_idx = codes_in(annotations.claim_ids, claim_ids)
    labels = annotations.label_codes
    known = item_idx >= 0
    annotator_ids, worker_idx = id_codes(annotations.annotator_ids[known])
    if not known.all():  # cannot happen within one snapshot; never index past the claims
        item_idx, labels = item_idx[known], labels[known]
    n_workers = int(annotator_ids.size)
    # One canonical order (claim, annotator) makes the estimate (float sums) independent of the
    # table's physical order.
    item_idx, worker_idx, labels = sort_annotations(
        item_idx, worker_idx, labels, n_workers=n_workers, n_labels=n_labels
    )
    n_annotations = int(item_idx.size)
    history = np.bincount(worker_idx, minlength=n_workers)
    # Known answers (gold claims, published verdicts) per claim, -1 where unknown.
    answers = np.full(n_items, -1, dtype=np.int64)
    known_claims, known_codes = known_answer_arrays()
    at = codes_in(known_claims, claim_ids)
    answers[at[at >= 0]] = known_codes[at >= 0]

    report("estimate", 1, stages)
    method = config.method
    estimate = method.fit(
        item_idx,
        worker_idx,
        labels,
        n_items=n_items,
        n_workers=n_workers,
        n_labels=n_labels,
        known=answers,
    )
    posteriors = method.posteriors_after_fit(
        estimate,
        item_idx,
        worker_idx,
        labels,
        n_items=n_items,
        n_labels=n_labels,
        history=history,
        min_history=config.min_history,
        known=answers,
    )
    confusion, priors = estimate.confusion, estimate.priors

    alpha = krippendorff_alpha(
        item_idx, worker_idx, labels, n_items=n_items, n_workers=n_workers, n_labels=n_labels
    )
    with_consensus = agreement_with_consensus(
        item_idx, worker_idx, labels, posteriors.labels, n_workers=n_workers
    )

    gold_accuracy, n_gold = accuracy_on_known(
        item_idx, worker_idx, labels, answers, n_workers=n_workers
    )
    model_hash = (
        _model_hash(annotator_ids, confusion, priors, estimate.temperature)
        if method.uses_reliability
        else ""
    )

    report("write", 2, stages)
    finished = timezone.now()
    with transaction.atomic():
        run = ConsensusRun.objects.create(
            method=method.name,
            parameters=config.parameters(None),
            labels=list(LABELS),
            priors=[round(float(p), 8) for p in priors],
            model_hash=model_hash,
            n_claims=n_items,
            n_annotators=n_workers,
            n_annotations=n_annotations,
            alpha=None if np.isnan(alpha) else float(alpha),
            iterations=estimate.n_iter,
            converged=estimate.converged,
            calibration=dict(estimate.calibration),
            started_at=started,
            finished_at=finished,
        )
        min_votes = config.min_votes(snapshot.claim_required)
        fingerprints = item_fingerprints(
            item_idx,
            annotator_ids[worker_idx],
            labels,
            n_items=n_items,
            params=config.fingerprint_key(model_hash),
            known=answers,
            min_votes=min_votes,
        )
        # Claims stale in the snapshot were recomputed from their annotations as the snapshot
        # saw them: their flags are cleared unless they were marked again since (a change after
        # the snapshot, which this run has not read and which the sweep will) or are locked
        # now (a change in progress, or a sweep writing them). The cleared rows stay locked to
        # the end of the transaction, so a change to one of them waits for it.
        stale = snapshot.claim_stale
        cleared = stale_flags_clear(
            claim_ids[stale], snapshot.claim_versions[stale], skip_locked=True
        )
        current = ~stale
        current[codes_in(cleared, claim_ids)] = True
        # Only rows whose inputs changed are written, and none for claims still marked stale.
        stored = np.zeros(n_items, dtype=np.uint64)
        has_row = np.zeros(n_items, dtype=np.bool_)
        row_item = codes_in(snapshot.consensus_claim_ids, claim_ids)
        found = row_item >= 0
        stored[row_item[found]] = snapshot.consensus_fingerprints[found]
        has_row[row_item[found]] = True
        changed = np.flatnonzero((~has_row | (stored != fingerprints)) & current)
        computed = _consensus_arrays(
            config,
            posteriors,
            item_idx,
            labels,
            n_items=n_items,
            fingerprints=fingerprints,
            min_votes=min_votes,
        ).take(changed)
        written = consensus_bulk_upsert(
            claim_ids[changed],
            computed,
            config,
            run_id=run.pk,
            now=finished,
            started=started,
            has_row=has_row[changed],
        )
        consensus_orphans_delete(snapshot.consensus_claim_ids[~found])
        reliability_bulk_upsert(
            annotator_ids.astype(np.int64),
            confusion,
            estimate.accuracy,
            with_consensus,
            history,
            finished,
            gold_accuracy=gold_accuracy,
            n_gold=n_gold,
        )
        run.n_written = written
        run.save(update_fields=["n_written"])
    report("done", stages, stages)
    return FullRecomputeResult(run=run, claims=n_items, written=written)


def _model_hash(
    annotator_ids: npt.NDArray[np.int64],
    confusion: npt.NDArray[np.float64] | None,
    priors: npt.NDArray[np.float64],
    temperature: float,
) -> str:
    """Content hash of a reliability model and its calibration temperature, rounded so float
    noise does not change it."""
    digest = hashlib.sha256()
    digest.update(np.round(priors, 6).tobytes())
    digest.update(np.round(np.array([temperature]), 6).tobytes())
    digest.update(annotator_ids.tobytes())
    if confusion is not None:
        digest.update(np.round(confusion, 6).tobytes())
    return digest.hexdigest()
