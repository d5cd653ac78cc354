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
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
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
from articles.models import Claim, Consensus, ConsensusRun
from articles.selectors.consensus import (
    LABELS,
    claim_annotation_arrays,
    claim_known_answer,
    full_recompute_snapshot,
    known_answer_arrays,
    reliability_for_annotators,
)
from articles.services.consensus_config import ConsensusConfig, stale_sweep_batch
from articles.services.consensus_writes import (
    ConsensusArrays,
    consensus_bulk_upsert,
    consensus_orphans_delete,
    consensus_row_values,
    reliability_bulk_upsert,
)

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[str, int, int], None]

STALE_GRACE = timedelta(seconds=30)
"""A stale claim younger than this is left to the job its change queued."""


# --- scheduling ----------------------------------------------------------------------------------


def claim_consensus_schedule(*, claim_id: int) -> None:
    """Mark a claim's consensus stale and queue its recompute once the transaction commits.

    Call this inside the transaction that changes the claim's annotations, *before* writing
    them: the UPDATE takes the claim's row lock, which serialises annotation writes with the
    recompute job (it locks the same row), so racing jobs always end on the latest annotations.

    The stale flag is written in the caller's transaction; only a successful recompute clears
    it. If the broker cannot be reached after commit, the flag stays and the periodic sweep
    (`claims_stale_recompute_task`) catches the claim up; the annotation write is never lost.
    """
    Claim.objects.filter(pk=claim_id).update(consensus_stale=True, updated_at=timezone.now())
    transaction.on_commit(lambda: _enqueue_claim_recompute(claim_id))


def _enqueue_claim_recompute(claim_id: int) -> bool:
    # Not queued again while an earlier job for the claim waits in the queue (it has not read
    # the annotations yet): see articles/tasks/coalescing.py.
    from articles.tasks.coalescing import claim_recompute_enqueue

    try:
        claim_recompute_enqueue(claim_id)
    except Exception:
        # Broker down or unreachable: the claim is already marked stale in the committed
        # transaction, so the sweep will recompute it. Never fail the user's save for this.
        logger.warning("could not queue consensus recompute for claim %s", claim_id, exc_info=True)
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
    """Posteriors for a few claims with the stored reliabilities (per-claim job); also the
    reliability run used and its model hash (None and "" for a method that uses none)."""
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

    Locks the claim row for the duration, so it is serialised with annotation writes and with
    other jobs for the same claim. Writes the Consensus row only when the fingerprint of its
    inputs changed, and clears the claim's stale flag. Returns a small JSON summary; a missing
    claim is logged and reported, not raised.
    """
    config = ConsensusConfig.from_settings()
    with transaction.atomic():
        claim = (
            Claim.objects.select_for_update()
            .filter(pk=claim_id)
            .only("id", "required_annotations")
            .first()
        )
        if claim is None:
            logger.info("consensus recompute: claim %s no longer exists", claim_id)
            return {"claim_id": claim_id, "result": "missing"}
        arrays = claim_annotation_arrays(claim_id=claim_id)
        annotator_ids, worker_idx = np.unique(arrays.annotator_ids, return_inverse=True)
        item_idx = np.zeros(len(arrays), dtype=np.int64)
        known = np.array([claim_known_answer(claim_id=claim_id)], dtype=np.int64)
        posteriors, run_id, model_hash = _posteriors(
            config,
            item_idx,
            worker_idx.astype(np.int64),
            arrays.label_codes,
            n_items=1,
            annotator_ids=annotator_ids.astype(np.int64),
        )
        posteriors = with_known_answers(posteriors, known)
        min_votes = config.min_votes(np.array([claim.required_annotations], dtype=np.int64))
        fingerprints = item_fingerprints(
            item_idx,
            arrays.annotator_ids,
            arrays.label_codes,
            n_items=1,
            params=config.fingerprint_key(model_hash),
            known=known,
            min_votes=min_votes,
        )
        fingerprint = fingerprint_hex(fingerprints)[0]
        existing = Consensus.objects.filter(claim_id=claim_id).only("fingerprint").first()
        written = False
        if existing is None or existing.fingerprint != fingerprint:
            computed = _consensus_arrays(
                config,
                posteriors,
                item_idx,
                arrays.label_codes,
                n_items=1,
                fingerprints=fingerprints,
                min_votes=min_votes,
            )
            values = consensus_row_values(computed, config, run_id=run_id, now=timezone.now())[0]
            Consensus.objects.update_or_create(claim_id=claim_id, defaults=values)
            written = True
        Claim.objects.filter(pk=claim_id, consensus_stale=True).update(consensus_stale=False)
    return {"claim_id": claim_id, "result": "written" if written else "unchanged"}


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


def claims_stale_recompute(*, limit: int | None = None) -> dict[str, Any]:
    """Periodic sweep: recompute claims still marked stale a while after their last change
    (their job could not be queued, or a worker died with it), at most `limit` of them
    (default FACTCHECK_STALE_SWEEP_BATCH). Returns how many it did."""
    cutoff = timezone.now() - STALE_GRACE
    claim_ids = list(
        Claim.objects.filter(consensus_stale=True, updated_at__lte=cutoff)
        .order_by("updated_at")
        .values_list("id", flat=True)[: limit if limit is not None else stale_sweep_batch()]
    )
    for claim_id in claim_ids:
        claim_consensus_recompute(claim_id=claim_id)
    return {"recomputed": len(claim_ids)}


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
    It leaves alone claims marked stale (their own job will read their current annotations) and
    rows a per-claim job wrote after the run started. Idempotent: a second run over the same
    annotations writes no consensus row.
    `progress(stage, done, total)` is called between stages.
    """
    return _full_recompute(progress=progress).as_json()


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
        # Only rows whose inputs changed are written, and none for claims marked stale (their
        # own job is queued and will read their current annotations).
        stored = np.zeros(n_items, dtype=np.uint64)
        has_row = np.zeros(n_items, dtype=np.bool_)
        row_item = codes_in(snapshot.consensus_claim_ids, claim_ids)
        found = row_item >= 0
        stored[row_item[found]] = snapshot.consensus_fingerprints[found]
        has_row[row_item[found]] = True
        changed = np.flatnonzero((~has_row | (stored != fingerprints)) & ~snapshot.claim_stale)
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
