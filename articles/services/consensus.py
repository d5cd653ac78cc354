"""Consensus writes: scheduling recomputes when annotations change, the per-claim recompute and the
full Dawid-Skene recompute. The math lives in `articles.consensus` (pure, no Django); this module
loads annotations as arrays, calls it, and writes the results in bulk.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from articles import consensus as math
from articles.consensus.fingerprint import fingerprint_hex, item_fingerprints
from articles.models import AnnotatorReliability, Claim, Consensus, ConsensusRun
from articles.selectors.consensus import (
    LABELS,
    claim_annotation_arrays,
    confusions_to_json,
    full_recompute_snapshot,
    reliability_for_annotators,
)

logger = logging.getLogger(__name__)

METHODS = ("majority", "weighted", "dawid-skene")
ProgressCallback = Callable[[str, int, int], None]

STALE_GRACE = timedelta(seconds=30)
STALE_SWEEP_BATCH = 500


@dataclass(frozen=True)
class ConsensusConfig:
    method: str
    threshold: float
    min_annotations: int
    min_history: int

    @classmethod
    def from_settings(cls) -> ConsensusConfig:
        method = str(settings.FACTCHECK_CONSENSUS_METHOD)
        if method not in METHODS:
            raise ValueError(f"FACTCHECK_CONSENSUS_METHOD must be one of {METHODS}, not {method!r}")
        return cls(
            method=method,
            threshold=float(settings.FACTCHECK_CONSENSUS_THRESHOLD),
            min_annotations=int(settings.FACTCHECK_CONSENSUS_MIN_ANNOTATIONS),
            min_history=int(settings.FACTCHECK_RELIABILITY_MIN_HISTORY),
        )

    def parameters(self, run_id: int | None) -> dict[str, Any]:
        return {
            "threshold": self.threshold,
            "min_annotations": self.min_annotations,
            "min_history": self.min_history,
            "reliability_run": run_id,
            "labels": list(LABELS),
        }

    def fingerprint_key(self, model_hash: str) -> str:
        """What besides a claim's own annotations its consensus depends on. The reliability model
        enters by content, not by run id, so re-estimating the same model rewrites nothing; the
        majority vote does not use it at all."""
        params = self.parameters(None)
        uses_model = model_hash if self.method != "majority" else ""
        return json.dumps([self.method, params, uses_model], sort_keys=True)


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
    from articles.tasks import claim_consensus_recompute_task

    try:
        claim_consensus_recompute_task.delay(claim_id)
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
) -> tuple[math.Posteriors, int | None, str]:
    """Posteriors for a few claims using the stored reliabilities (per-claim job); also the
    reliability run used and its model hash."""
    n_labels = len(LABELS)
    if config.method == "majority":
        return (
            math.majority_vote(item_idx, worker_idx, label_idx, n_items=n_items, n_labels=n_labels),
            None,
            "",
        )
    model = reliability_for_annotators(annotator_ids)
    # "weighted" never trusts a full confusion matrix: every annotator is a smoothed accuracy.
    min_history = config.min_history if config.method == "dawid-skene" else np.iinfo(np.int64).max
    posteriors = math.posteriors_from_reliability(
        item_idx,
        worker_idx,
        label_idx,
        n_items=n_items,
        n_labels=n_labels,
        confusion=model.confusion,
        priors=model.priors,
        history=model.history,
        min_history=int(min_history),
    )
    return posteriors, model.run_id, model.model_hash


def claim_consensus_recompute(*, claim_id: int) -> dict[str, Any]:
    """Recompute one claim's consensus from its current annotations and the stored reliabilities.

    Locks the claim row for the duration, so it is serialised with annotation writes and with
    other jobs for the same claim. Writes the Consensus row only when the fingerprint of its
    inputs changed, and clears the claim's stale flag. Returns a small JSON summary; a missing
    claim is logged and reported, not raised.
    """
    config = ConsensusConfig.from_settings()
    with transaction.atomic():
        claim = Claim.objects.select_for_update().filter(pk=claim_id).only("id").first()
        if claim is None:
            logger.info("consensus recompute: claim %s no longer exists", claim_id)
            return {"claim_id": claim_id, "result": "missing"}
        arrays = claim_annotation_arrays(claim_id=claim_id)
        annotator_ids, worker_idx = np.unique(arrays.annotator_ids, return_inverse=True)
        item_idx = np.zeros(len(arrays), dtype=np.int64)
        posteriors, run_id, model_hash = _posteriors(
            config,
            item_idx,
            worker_idx.astype(np.int64),
            arrays.label_codes,
            n_items=1,
            annotator_ids=annotator_ids.astype(np.int64),
        )
        fingerprints = item_fingerprints(
            item_idx,
            arrays.annotator_ids,
            arrays.label_codes,
            n_items=1,
            params=config.fingerprint_key(model_hash),
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
            )
            values = _consensus_rows(computed, config, run_id=run_id, now=timezone.now())[0]
            Consensus.objects.update_or_create(claim_id=claim_id, defaults=values)
            written = True
        Claim.objects.filter(pk=claim_id, consensus_stale=True).update(consensus_stale=False)
    return {"claim_id": claim_id, "result": "written" if written else "unchanged"}


@dataclass(frozen=True)
class ConsensusArrays:
    """The computed consensus of n claims, column by column."""

    labels: npt.NDArray[np.int64]  # label code, -1 for none (pending without votes, ties)
    status: npt.NDArray[np.int64]  # math.PENDING / SETTLED / CONTESTED
    probs: npt.NDArray[np.float64]  # (n, L), rounded to 6 decimals
    agreement: npt.NDArray[np.float64]  # nan where undefined
    n_votes: npt.NDArray[np.int64]
    fingerprints: npt.NDArray[np.uint64]

    def take(self, index: npt.NDArray[np.int64]) -> ConsensusArrays:
        """The claims at positions `index`, every column alike."""
        return ConsensusArrays(
            labels=self.labels[index],
            status=self.status[index],
            probs=self.probs[index],
            agreement=self.agreement[index],
            n_votes=self.n_votes[index],
            fingerprints=self.fingerprints[index],
        )


def _consensus_arrays(
    config: ConsensusConfig,
    posteriors: math.Posteriors,
    item_idx: npt.NDArray[np.int64],
    label_idx: npt.NDArray[np.int64],
    *,
    n_items: int,
    fingerprints: npt.NDArray[np.uint64],
) -> ConsensusArrays:
    n_votes = np.bincount(item_idx, minlength=n_items).astype(np.int64)
    outcome = math.decide(
        posteriors, n_votes, min_votes=config.min_annotations, threshold=config.threshold
    )
    return ConsensusArrays(
        labels=np.asarray(outcome.labels, dtype=np.int64),
        status=np.asarray(outcome.status, dtype=np.int64),
        probs=np.round(posteriors.probs, 6),
        agreement=np.round(
            math.item_agreement(item_idx, label_idx, n_items=n_items, n_labels=len(LABELS)), 6
        ),
        n_votes=n_votes,
        fingerprints=fingerprints,
    )


def _consensus_rows(
    computed: ConsensusArrays, config: ConsensusConfig, *, run_id: int | None, now: datetime
) -> list[dict[str, Any]]:
    """Field values of each claim's Consensus row, in order (the ORM write paths)."""
    probabilities = computed.probs.tolist()
    labels = computed.labels.tolist()
    agreements = computed.agreement.tolist()
    votes = computed.n_votes.tolist()
    fingerprints = fingerprint_hex(computed.fingerprints)
    parameters = config.parameters(run_id)
    return [
        {
            "label": LABELS[labels[i]] if labels[i] >= 0 else "",
            "probabilities": dict(zip(LABELS, probabilities[i], strict=True)),
            "agreement": None if np.isnan(agreements[i]) else agreements[i],
            "status": math.STATUS_NAMES[status],
            "method": config.method,
            "parameters": parameters,
            "n_annotations": votes[i],
            "fingerprint": fingerprints[i],
            "computed_at": now,
        }
        for i, status in enumerate(computed.status.tolist())
    ]


def claims_stale_recompute(*, limit: int = STALE_SWEEP_BATCH) -> dict[str, Any]:
    """Periodic sweep: recompute claims still marked stale a while after their last change
    (their job could not be queued, or a worker died with it). Returns how many it did."""
    cutoff = timezone.now() - STALE_GRACE
    claim_ids = list(
        Claim.objects.filter(consensus_stale=True, updated_at__lte=cutoff)
        .order_by("updated_at")
        .values_list("id", flat=True)[:limit]
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
    item_idx = math.codes_in(annotations.claim_ids, claim_ids)
    labels = annotations.label_codes
    known = item_idx >= 0
    annotator_ids, worker_idx = math.id_codes(annotations.annotator_ids[known])
    if not known.all():  # cannot happen within one snapshot; never index past the claims
        item_idx, labels = item_idx[known], labels[known]
    n_workers = int(annotator_ids.size)
    # One canonical order (claim, annotator) makes the estimate (float sums) independent of the
    # table's physical order.
    item_idx, worker_idx, labels = math.sort_annotations(
        item_idx, worker_idx, labels, n_workers=n_workers, n_labels=n_labels
    )
    n_annotations = int(item_idx.size)
    history = np.bincount(worker_idx, minlength=n_workers)

    report("estimate", 1, stages)
    confusion: npt.NDArray[np.float64] | None = None
    priors = np.full(n_labels, 1.0 / n_labels)
    iterations, converged = 0, True
    accuracy: npt.NDArray[np.float64]
    if config.method == "dawid-skene":
        ds = math.dawid_skene(
            item_idx, worker_idx, labels, n_items=n_items, n_workers=n_workers, n_labels=n_labels
        )
        confusion, priors = ds.confusion, ds.priors
        iterations, converged = int(ds.n_iter), bool(ds.converged)
        # Final posteriors as the per-claim job computes them: full confusion matrices only for
        # annotators with enough history, a smoothed accuracy for the rest. On a young desk
        # (few annotations each) plain EM is overconfident; on a mature one this is one more
        # E-step with the converged estimate.
        posteriors = math.posteriors_from_reliability(
            item_idx,
            worker_idx,
            labels,
            n_items=n_items,
            n_labels=n_labels,
            confusion=confusion,
            priors=priors,
            history=history,
            min_history=config.min_history,
        )
        accuracy = math.estimated_accuracy(confusion, priors)
    elif config.method == "weighted":
        weighted = math.weighted_vote(
            item_idx, worker_idx, labels, n_items=n_items, n_labels=n_labels, n_workers=n_workers
        )
        posteriors, accuracy = weighted.posteriors, weighted.accuracy
        # Stored as the symmetric confusion its accuracy implies, so the per-claim jobs weigh
        # each annotator by the accuracy this run estimated.
        confusion = math.symmetric_confusion(accuracy, n_labels)
    else:
        posteriors = math.majority_vote(
            item_idx, worker_idx, labels, n_items=n_items, n_labels=n_labels
        )
        accuracy = np.full(n_workers, np.nan)

    alpha = math.krippendorff_alpha(
        item_idx, worker_idx, labels, n_items=n_items, n_workers=n_workers, n_labels=n_labels
    )
    with_consensus = math.agreement_with_consensus(
        item_idx, worker_idx, labels, posteriors.labels, n_workers=n_workers
    )

    uses_model = config.method != "majority"
    model_hash = _model_hash(annotator_ids, confusion, priors) if uses_model else ""

    report("write", 2, stages)
    finished = timezone.now()
    with transaction.atomic():
        run = ConsensusRun.objects.create(
            method=config.method,
            parameters=config.parameters(None),
            labels=list(LABELS),
            priors=[round(float(p), 8) for p in priors],
            model_hash=model_hash,
            n_claims=n_items,
            n_annotators=n_workers,
            n_annotations=n_annotations,
            alpha=None if np.isnan(alpha) else float(alpha),
            iterations=iterations,
            converged=converged,
            started_at=started,
            finished_at=finished,
        )
        fingerprints = item_fingerprints(
            item_idx,
            annotator_ids[worker_idx],
            labels,
            n_items=n_items,
            params=config.fingerprint_key(model_hash),
        )
        # Only rows whose inputs changed are written, and none for claims marked stale (their
        # own job is queued and will read their current annotations).
        stored = np.zeros(n_items, dtype=np.uint64)
        has_row = np.zeros(n_items, dtype=np.bool_)
        row_item = math.codes_in(snapshot.consensus_claim_ids, claim_ids)
        found = row_item >= 0
        stored[row_item[found]] = snapshot.consensus_fingerprints[found]
        has_row[row_item[found]] = True
        changed = np.flatnonzero((~has_row | (stored != fingerprints)) & ~snapshot.claim_stale)
        computed = _consensus_arrays(
            config, posteriors, item_idx, labels, n_items=n_items, fingerprints=fingerprints
        ).take(changed)
        written = _upsert_consensus(
            claim_ids[changed],
            computed,
            config,
            run_id=run.pk,
            now=finished,
            started=started,
            has_row=has_row[changed],
        )
        _delete_orphans(snapshot.consensus_claim_ids[~found])
        _upsert_reliability(
            annotator_ids.astype(np.int64), confusion, accuracy, with_consensus, history, finished
        )
        run.n_written = written
        run.save(update_fields=["n_written"])
    report("done", stages, stages)
    return FullRecomputeResult(run=run, claims=n_items, written=written)


def _model_hash(
    annotator_ids: npt.NDArray[np.int64],
    confusion: npt.NDArray[np.float64] | None,
    priors: npt.NDArray[np.float64],
) -> str:
    """Content hash of a reliability model, rounded so float noise does not change it."""
    digest = hashlib.sha256()
    digest.update(np.round(priors, 6).tobytes())
    digest.update(annotator_ids.tobytes())
    if confusion is not None:
        digest.update(np.round(confusion, 6).tobytes())
    return digest.hexdigest()


_CONSENSUS_COLUMNS = (
    "claim_id",
    "label",
    "probabilities",
    "agreement",
    "status",
    "method",
    "parameters",
    "n_annotations",
    "fingerprint",
    "computed_at",
)


def _upsert_consensus(
    claim_ids: npt.NDArray[np.int64],
    computed: ConsensusArrays,
    config: ConsensusConfig,
    *,
    run_id: int,
    now: datetime,
    started: datetime,
    has_row: npt.NDArray[np.bool_],
) -> int:
    """Insert or update the Consensus rows whose fingerprint changed; return how many.

    `has_row` says which claims had a row in the run's snapshot (those are updated, the others
    inserted).

    Leaves alone what the run's snapshot may no longer describe: claims marked stale (their own
    job is queued and will read the current annotations) and rows a per-claim job wrote after
    the run started (that job held the claim's lock, so its inputs are at least as new).
    """
    if not claim_ids.size:
        return 0
    if connection.vendor == "postgresql":
        return _upsert_consensus_postgres(
            claim_ids, computed, config, run_id=run_id, now=now, started=started, has_row=has_row
        )
    values = _consensus_rows(computed, config, run_id=run_id, now=now)
    existing = {
        claim_id: (fingerprint, computed_at)
        for claim_id, fingerprint, computed_at in Consensus.objects.values_list(
            "claim_id", "fingerprint", "computed_at"
        )
    }
    live = set(Claim.objects.filter(consensus_stale=False).values_list("id", flat=True))
    changed = [
        Consensus(claim_id=cid, **row)
        for cid, row in zip(claim_ids.tolist(), values, strict=True)
        if cid in live
        and (
            cid not in existing
            or (existing[cid][0] != row["fingerprint"] and existing[cid][1] < started)
        )
    ]
    Consensus.objects.bulk_create(
        changed,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["claim"],
        update_fields=[c for c in _CONSENSUS_COLUMNS if c != "claim_id"],
    )
    return len(changed)


_PG_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + (0).to_bytes(4, "big") + (0).to_bytes(4, "big")
_PG_COPY_TRAILER = (-1).to_bytes(2, "big", signed=True)


def _pg_binary_rows(columns: list[tuple[str, str, npt.NDArray[Any]]]) -> bytes:
    """PostgreSQL binary COPY data for fixed-width, non-null columns, built with numpy.

    Each row is an int16 field count, then an int32 length and the big-endian value per field.
    """
    n_rows = len(columns[0][2])
    fields: list[tuple[str, str]] = [("n_fields", ">i2")]
    for name, dtype, _ in columns:
        fields += [(f"{name}_len", ">i4"), (name, dtype)]
    rows = np.empty(n_rows, dtype=np.dtype(fields))
    rows["n_fields"] = len(columns)
    for name, dtype, values in columns:
        rows[f"{name}_len"] = np.dtype(dtype).itemsize
        rows[name] = values
    return _PG_COPY_HEADER + rows.tobytes() + _PG_COPY_TRAILER


def _upsert_consensus_postgres(
    claim_ids: npt.NDArray[np.int64],
    computed: ConsensusArrays,
    config: ConsensusConfig,
    *,
    run_id: int,
    now: datetime,
    started: datetime,
    has_row: npt.NDArray[np.bool_],
) -> int:
    """Binary-COPY the computed columns into a temporary table, then an UPDATE of the existing
    rows whose fingerprint differs and an INSERT of the claims that had no row in the snapshot;
    labels, statuses and JSON are spelled on the server. An unchanged claim is not rewritten."""
    table = Consensus._meta.db_table
    claims = Claim._meta.db_table
    n_labels = len(LABELS)
    prob_columns = [f"p{k}" for k in range(n_labels)]
    payload = _pg_binary_rows(
        [
            ("claim_id", ">i8", claim_ids),
            ("label_code", ">i2", computed.labels),
            *[(f"p{k}", ">f8", computed.probs[:, k]) for k in range(n_labels)],
            ("agreement", ">f8", computed.agreement),
            ("status_code", ">i2", computed.status),
            ("n_votes", ">i4", computed.n_votes),
            ("fingerprint", ">u8", computed.fingerprints),
            ("has_row", "?", has_row),
        ]
    )
    label_array = "ARRAY[" + ", ".join(f"'{label}'" for label in LABELS) + "]"
    status_array = "ARRAY[" + ", ".join(f"'{name}'" for name in math.STATUS_NAMES) + "]"
    probabilities = ", ".join(f"'{label}', i.p{k}" for k, label in enumerate(LABELS))
    # The value of every column but claim_id, in _CONSENSUS_COLUMNS order, spelled on the server.
    values = (
        f"COALESCE(({label_array})[i.label_code + 1], ''), "
        f"jsonb_build_object({probabilities}), NULLIF(i.agreement, 'NaN'), "
        f"({status_array})[i.status_code + 1], %s, %s::jsonb, i.n_votes, "
        "lpad(to_hex(i.fingerprint), 16, '0'), %s"
    )
    constants: list[str | datetime] = [config.method, json.dumps(config.parameters(run_id)), now]
    with connection.cursor() as cursor:
        # Consensus rows are derived data that the next recompute rewrites, so this transaction
        # need not wait for its WAL to reach disk (it stays atomic; only a crash in the next
        # instant could lose it, and the stale sweep and the next full run redo it).
        cursor.execute("SET LOCAL synchronous_commit TO OFF")
        cursor.execute("SET LOCAL work_mem TO '64MB'")
        # Dropped at commit; also dropped here in case one transaction runs two recomputes.
        cursor.execute("DROP TABLE IF EXISTS pg_temp.consensus_incoming")
        cursor.execute(
            "CREATE TEMP TABLE consensus_incoming (claim_id int8, label_code int2, "
            + "".join(f"{c} float8, " for c in prob_columns)
            + "agreement float8, status_code int2, n_votes int4, fingerprint int8, has_row bool) "
            "ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY consensus_incoming FROM STDIN (FORMAT binary)") as copy:
            copy.write(payload)
        # Existing rows whose inputs changed. A plain UPDATE and a plain INSERT are much cheaper
        # per row than INSERT … ON CONFLICT's speculative insertion.
        cursor.execute(
            f"UPDATE {table} t SET ({', '.join(_CONSENSUS_COLUMNS[1:])}) = ({values}) "  # noqa: S608 - our own identifiers and label constants
            f"FROM consensus_incoming i JOIN {claims} c ON c.id = i.claim_id "
            "AND NOT c.consensus_stale "
            "WHERE t.claim_id = i.claim_id "
            "AND t.fingerprint <> lpad(to_hex(i.fingerprint), 16, '0') AND t.computed_at < %s",
            [*constants, started],
        )
        updated = int(cursor.rowcount)
        # Claims without a row in the snapshot. ON CONFLICT only guards against a per-claim job
        # inserting the same claim's first row meanwhile (its row is then at least as new).
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(_CONSENSUS_COLUMNS)}) SELECT i.claim_id, {values} "  # noqa: S608
            f"FROM consensus_incoming i JOIN {claims} c ON c.id = i.claim_id "
            "AND NOT c.consensus_stale WHERE NOT i.has_row ON CONFLICT (claim_id) DO NOTHING",
            constants,
        )
        return updated + int(cursor.rowcount)


def _delete_orphans(claim_ids: npt.NDArray[np.int64]) -> None:
    """Delete Consensus rows of claims that no longer exist.

    There is no database foreign key (see the model). Deleting a claim through Django deletes
    its row, and the writers only write rows for claims that exist when their statement runs;
    a claim deleted by hand, or deleted while a recompute was writing its row, can still leave
    one behind. Readers join rows to their claims, so such a row is never shown; the full
    recompute notices them in its snapshot and removes them here.
    """
    if claim_ids.size:
        Consensus.objects.filter(claim_id__in=claim_ids.tolist()).exclude(
            claim_id__in=Claim.objects.values("id")
        ).delete()


def _upsert_reliability(
    annotator_ids: npt.NDArray[np.int64],
    confusion: npt.NDArray[np.float64] | None,
    accuracy: npt.NDArray[np.float64],
    with_consensus: npt.NDArray[np.float64],
    history: npt.NDArray[np.int64],
    now: datetime,
) -> None:
    """Insert or update every annotator's AnnotatorReliability row."""
    matrices = confusions_to_json(confusion) if confusion is not None else []
    accuracies = np.round(accuracy, 6).tolist()
    agreements = np.round(with_consensus, 6).tolist()
    counts = history.tolist()
    rows = [
        (
            annotator_id,
            matrices[i] if matrices else {},
            None if np.isnan(accuracies[i]) else accuracies[i],
            None if np.isnan(agreements[i]) else agreements[i],
            counts[i],
        )
        for i, annotator_id in enumerate(annotator_ids.tolist())
    ]
    fields = ["confusion", "accuracy", "agreement_with_consensus", "n_annotations", "computed_at"]
    if connection.vendor != "postgresql":
        AnnotatorReliability.objects.bulk_create(
            [
                AnnotatorReliability(
                    annotator_id=annotator_id,
                    confusion=matrix,
                    accuracy=acc,
                    agreement_with_consensus=agreement,
                    n_annotations=count,
                    computed_at=now,
                )
                for annotator_id, matrix, acc, agreement, count in rows
            ],
            batch_size=2000,
            update_conflicts=True,
            unique_fields=["annotator"],
            update_fields=fields,
        )
        return
    # PostgreSQL: COPY into a temporary table and one INSERT ... ON CONFLICT from it, instead of
    # a multi-row INSERT whose parameters are adapted one value at a time.
    table = AnnotatorReliability._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS pg_temp.reliability_incoming")
        cursor.execute(
            "CREATE TEMP TABLE reliability_incoming (annotator_id int8, confusion jsonb, "
            "accuracy float8, agreement_with_consensus float8, n_annotations int4) "
            "ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY reliability_incoming FROM STDIN") as copy:
            for annotator_id, matrix, acc, agreement, count in rows:
                copy.write_row((annotator_id, json.dumps(matrix), acc, agreement, count))
        cursor.execute(
            f"INSERT INTO {table} (annotator_id, {', '.join(fields)}) "  # noqa: S608 - our own identifiers
            f"SELECT annotator_id, {', '.join(fields[:-1])}, %s FROM reliability_incoming "
            "ON CONFLICT (annotator_id) DO UPDATE SET "
            + ", ".join(f"{field} = EXCLUDED.{field}" for field in fields),
            [now],
        )
