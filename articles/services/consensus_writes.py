"""Consensus bulk writes: the Consensus and AnnotatorReliability rows a recompute produces,
written in bulk. The write-side partner of `articles.selectors.consensus`; the orchestration
(what to compute, when, under which locks) is `articles.services.consensus`.

On PostgreSQL the rows travel by COPY (binary where every column is fixed-width) into a
temporary table and are merged from there; elsewhere (SQLite, the embedded default) through the
ORM's `bulk_create(update_conflicts=True)`. Both paths write the same values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction

from articles.consensus import STATUS_NAMES
from articles.consensus.fingerprint import fingerprint_hex
from articles.models import AnnotatorReliability, Claim, Consensus
from articles.selectors.consensus import LABELS, confusions_to_json
from articles.services.consensus_config import ConsensusConfig


@dataclass(frozen=True)
class ConsensusArrays:
    """The computed consensus of n claims, column by column."""

    labels: npt.NDArray[np.int64]  # label code, -1 for none (pending without votes, ties)
    status: npt.NDArray[np.int64]  # rules.PENDING / SETTLED / CONTESTED
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


def consensus_row_values(
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
            "status": STATUS_NAMES[status],
            "method": config.method.name,
            "parameters": parameters,
            "n_annotations": votes[i],
            "fingerprint": fingerprints[i],
            "computed_at": now,
        }
        for i, status in enumerate(computed.status.tolist())
    ]


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


def consensus_bulk_upsert(
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

    A row whose fingerprint changed but whose shown output did not (label, status, agreement,
    method, parameters other than the reliability run, count of annotations, and probabilities
    to SHOWN_DECIMALS) is left as it is: after any one rating changes, the re-estimated
    reliabilities move every fingerprint and most posteriors in their last digits, and
    rewriting 200k rows that read the same every hour costs more than the recompute. Its
    fingerprint then describes older inputs with the same output; the next run compares
    outputs again.

    `has_row` says which claims had a row in the run's snapshot (those are updated, the others
    inserted).

    Leaves alone what the run's snapshot may no longer describe: claims marked stale (changed
    after the snapshot; the sweep will read the change) and rows a per-claim recompute or the
    sweep wrote after the run started (it held the claim's lock, so its inputs are at least as
    new).
    """
    if not claim_ids.size:
        return 0
    if connection.vendor == "postgresql":
        return _consensus_upsert_postgres(
            claim_ids, computed, config, run_id=run_id, now=now, started=started, has_row=has_row
        )
    values = consensus_row_values(computed, config, run_id=run_id, now=now)
    existing = {
        row["claim_id"]: row
        for row in Consensus.objects.values("claim_id", *_VISIBLE, "fingerprint", "computed_at")
    }
    live = set(Claim.objects.filter(consensus_stale=False).values_list("id", flat=True))
    changed = [
        Consensus(claim_id=cid, **row)
        for cid, row in zip(claim_ids.tolist(), values, strict=True)
        if cid in live
        and (
            cid not in existing
            or (
                existing[cid]["fingerprint"] != row["fingerprint"]
                and existing[cid]["computed_at"] < started
                and _visible(existing[cid]) != _visible(row)
            )
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


_VISIBLE = (
    "label",
    "probabilities",
    "agreement",
    "status",
    "method",
    "parameters",
    "n_annotations",
)


SHOWN_DECIMALS = 3
"""Probabilities are compared to this many decimals when deciding whether a row's output
changed: a tenth of a percentage point, finer than any page shows (whole percentages) and
coarser than the noise a re-estimated model leaves in the last of the six stored digits."""


def _visible(row: dict[str, Any]) -> tuple[Any, ...]:
    """A row's output as shown, for comparison: probabilities rounded to SHOWN_DECIMALS, the
    reliability run it came from left out."""
    parameters = {k: v for k, v in row["parameters"].items() if k != "reliability_run"}
    probabilities = {
        label: round(float(p), SHOWN_DECIMALS) for label, p in row["probabilities"].items()
    }
    fixed = (row[field] for field in _VISIBLE if field not in ("parameters", "probabilities"))
    return (*fixed, parameters, probabilities)


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


def _consensus_upsert_postgres(
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
    status_array = "ARRAY[" + ", ".join(f"'{name}'" for name in STATUS_NAMES) + "]"
    probabilities = ", ".join(f"'{label}', i.p{k}" for k, label in enumerate(LABELS))
    # The value of every column but claim_id, in _CONSENSUS_COLUMNS order, spelled on the server.
    values = (
        f"COALESCE(({label_array})[i.label_code + 1], ''), "
        f"jsonb_build_object({probabilities}), NULLIF(i.agreement, 'NaN'), "
        f"({status_array})[i.status_code + 1], %s, %s::jsonb, i.n_votes, "
        "lpad(to_hex(i.fingerprint), 16, '0'), %s"
    )
    # What is compared with a stored row: its output as shown (see consensus_bulk_upsert).
    shown = SHOWN_DECIMALS
    visible_old = (
        "t.label, t.agreement, t.status, t.method, t.parameters - 'reliability_run', "
        "t.n_annotations, "
        + ", ".join(f"round((t.probabilities->>'{label}')::numeric, {shown})" for label in LABELS)
    )
    visible_new = (
        f"COALESCE(({label_array})[i.label_code + 1], ''), NULLIF(i.agreement, 'NaN'), "
        f"({status_array})[i.status_code + 1], %s, %s::jsonb - 'reliability_run', i.n_votes, "
        + ", ".join(f"round(i.p{k}::numeric, {shown})" for k in range(n_labels))
    )
    constants: list[str | datetime] = [
        config.method.name,
        json.dumps(config.parameters(run_id)),
        now,
    ]
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
            "AND t.fingerprint <> lpad(to_hex(i.fingerprint), 16, '0') AND t.computed_at < %s "
            # ... and only when the output as shown changed (see consensus_bulk_upsert).
            f"AND ({visible_old}) IS DISTINCT FROM ({visible_new})",
            [*constants, started, config.method.name, json.dumps(config.parameters(None))],
        )
        updated = int(cursor.rowcount)
        # Claims without a row in the snapshot. ON CONFLICT only guards against a sweep
        # inserting the same claim's first row meanwhile (its row is then at least as new).
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(_CONSENSUS_COLUMNS)}) SELECT i.claim_id, {values} "  # noqa: S608
            f"FROM consensus_incoming i JOIN {claims} c ON c.id = i.claim_id "
            "AND NOT c.consensus_stale WHERE NOT i.has_row ON CONFLICT (claim_id) DO NOTHING",
            constants,
        )
        return updated + int(cursor.rowcount)


def consensus_rows_upsert(
    claim_ids: npt.NDArray[np.int64],
    computed: ConsensusArrays,
    config: ConsensusConfig,
    *,
    run_id: int | None,
    now: datetime,
) -> None:
    """Insert or overwrite the Consensus rows of claims the caller's transaction holds locked
    (the per-claim recompute and the sweep's batches): one INSERT ... ON CONFLICT DO UPDATE."""
    values = consensus_row_values(computed, config, run_id=run_id, now=now)
    Consensus.objects.bulk_create(
        [
            Consensus(claim_id=cid, **row)
            for cid, row in zip(claim_ids.tolist(), values, strict=True)
        ],
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["claim"],
        update_fields=[c for c in _CONSENSUS_COLUMNS if c != "claim_id"],
    )


def sweep_batch_write(
    claim_ids: npt.NDArray[np.int64],
    versions: npt.NDArray[np.int64],
    computed: ConsensusArrays,
    changed: npt.NDArray[np.bool_],
    config: ConsensusConfig,
    *,
    run_id: int | None,
    now: datetime,
) -> tuple[int, int]:
    """Write a sweep batch computed from claims read at `versions`: clear the flags of those
    still at their version and not locked by anyone (`stale_flags_clear` with skip_locked), and
    upsert the rows of the cleared claims among `changed`, atomically. Returns (flags cleared,
    rows written).

    On PostgreSQL it is one statement (its CTEs lock, clear and upsert together): a batch costs
    one round trip to write, however many claims it holds. Elsewhere, the same in a transaction.
    """
    if not claim_ids.size:
        return 0, 0
    index = np.flatnonzero(changed)
    if connection.vendor != "postgresql":
        with transaction.atomic():
            cleared = stale_flags_clear(claim_ids, versions, skip_locked=True)
            mine = index[np.isin(claim_ids[index], cleared)]
            if mine.size:
                consensus_rows_upsert(
                    claim_ids[mine], computed.take(mine), config, run_id=run_id, now=now
                )
        return int(cleared.size), int(mine.size)
    rows = consensus_row_values(computed.take(index), config, run_id=run_id, now=now)
    claims, table = Claim._meta.db_table, Consensus._meta.db_table
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in _CONSENSUS_COLUMNS if c != "claim_id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH target AS (SELECT c.id FROM {claims} c "  # noqa: S608 - our own identifiers
            "JOIN unnest(%s::bigint[], %s::bigint[]) AS s(id, version) "
            "ON c.id = s.id AND c.consensus_version = s.version "
            "WHERE c.consensus_stale ORDER BY c.id FOR UPDATE OF c SKIP LOCKED), "
            f"cleared AS (UPDATE {claims} SET consensus_stale = false FROM target "
            f"WHERE {claims}.id = target.id RETURNING {claims}.id), "
            f"written AS (INSERT INTO {table} ({', '.join(_CONSENSUS_COLUMNS)}) "
            "SELECT r.claim_id, r.label, r.probabilities::jsonb, r.agreement, r.status, %s, "
            "%s::jsonb, r.n_annotations, r.fingerprint, %s "
            "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::float8[], %s::text[], "
            "%s::int[], %s::text[]) AS r(claim_id, label, probabilities, agreement, status, "
            "n_annotations, fingerprint) JOIN cleared ON cleared.id = r.claim_id "
            f"ON CONFLICT (claim_id) DO UPDATE SET {updates} RETURNING 1) "
            "SELECT (SELECT count(*) FROM cleared), (SELECT count(*) FROM written)",
            [
                claim_ids.tolist(),
                versions.tolist(),
                config.method.name,
                json.dumps(config.parameters(run_id)),
                now,
                claim_ids[index].tolist(),
                [row["label"] for row in rows],
                [json.dumps(row["probabilities"]) for row in rows],
                [row["agreement"] for row in rows],
                [row["status"] for row in rows],
                [row["n_annotations"] for row in rows],
                [row["fingerprint"] for row in rows],
            ],
        )
        n_cleared, n_written = cursor.fetchone() or (0, 0)
    return int(n_cleared), int(n_written)


def stale_flags_clear(
    claim_ids: npt.NDArray[np.int64],
    versions: npt.NDArray[np.int64],
    *,
    skip_locked: bool = False,
) -> npt.NDArray[np.int64]:
    """Clear the stale flag of each claim still marked stale at the given `consensus_version`
    (the one its recompute read); return the ids cleared, sorted.

    A claim marked stale again since (its version moved on) keeps its flag: its change came
    after the read, and the recompute that reads it clears the flag. With `skip_locked`, a
    claim whose row another transaction holds keeps its flag too, without waiting: a change in
    progress (it will be marked again and asks for a sweep when it commits) or another
    recompute writing it. The cleared rows stay locked until the transaction ends, so a change
    to one of them waits, then marks it stale again. On PostgreSQL the rows are locked in id
    order (one statement), so two transactions locking several claims cannot deadlock on them.
    """
    if not claim_ids.size:
        return np.zeros(0, dtype=np.int64)
    claims = Claim._meta.db_table
    if connection.vendor == "postgresql":
        lock = "FOR UPDATE OF c SKIP LOCKED" if skip_locked else "FOR UPDATE OF c"
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH target AS (SELECT c.id FROM {claims} c "  # noqa: S608 - our own table name
                "JOIN unnest(%s::bigint[], %s::bigint[]) AS s(id, version) "
                "ON c.id = s.id AND c.consensus_version = s.version "
                f"WHERE c.consensus_stale ORDER BY c.id {lock}) "
                f"UPDATE {claims} SET consensus_stale = false FROM target "
                f"WHERE {claims}.id = target.id RETURNING {claims}.id",
                [claim_ids.tolist(), versions.tolist()],
            )
            cleared = [row[0] for row in cursor.fetchall()]
    else:
        # SQLite has no row locks: a writing transaction holds the whole database.
        cleared = []
        by_version: dict[int, list[int]] = {}
        for claim_id, version in zip(claim_ids.tolist(), versions.tolist(), strict=True):
            by_version.setdefault(version, []).append(claim_id)
        for version, ids in by_version.items():
            for start in range(0, len(ids), 500):
                chunk = Claim.objects.filter(
                    pk__in=ids[start : start + 500], consensus_stale=True, consensus_version=version
                )
                found = list(chunk.values_list("id", flat=True))
                Claim.objects.filter(pk__in=found).update(consensus_stale=False)
                cleared += found
    return np.sort(np.asarray(cleared, dtype=np.int64))


def consensus_orphans_delete(claim_ids: npt.NDArray[np.int64]) -> None:
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


def reliability_bulk_upsert(
    annotator_ids: npt.NDArray[np.int64],
    confusion: npt.NDArray[np.float64] | None,
    accuracy: npt.NDArray[np.float64],
    with_consensus: npt.NDArray[np.float64],
    history: npt.NDArray[np.int64],
    now: datetime,
    *,
    gold_accuracy: npt.NDArray[np.float64],
    n_gold: npt.NDArray[np.int64],
) -> None:
    """Insert or update every annotator's AnnotatorReliability row (`gold_accuracy` and
    `n_gold`: their accuracy on, and ratings of, claims with a known answer)."""
    matrices = confusions_to_json(confusion) if confusion is not None else []
    accuracies = np.round(accuracy, 6).tolist()
    agreements = np.round(with_consensus, 6).tolist()
    gold = np.round(gold_accuracy, 6).tolist()
    counts = history.tolist()
    gold_counts = n_gold.tolist()
    rows = [
        (
            annotator_id,
            matrices[i] if matrices else {},
            None if np.isnan(accuracies[i]) else accuracies[i],
            None if np.isnan(agreements[i]) else agreements[i],
            None if np.isnan(gold[i]) else gold[i],
            gold_counts[i],
            counts[i],
        )
        for i, annotator_id in enumerate(annotator_ids.tolist())
    ]
    fields = [
        "confusion",
        "accuracy",
        "agreement_with_consensus",
        "gold_accuracy",
        "n_gold",
        "n_annotations",
        "computed_at",
    ]
    if connection.vendor != "postgresql":
        AnnotatorReliability.objects.bulk_create(
            [
                AnnotatorReliability(
                    annotator_id=annotator_id,
                    confusion=matrix,
                    accuracy=acc,
                    agreement_with_consensus=agreement,
                    gold_accuracy=on_gold,
                    n_gold=rated_gold,
                    n_annotations=count,
                    computed_at=now,
                )
                for annotator_id, matrix, acc, agreement, on_gold, rated_gold, count in rows
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
            "accuracy float8, agreement_with_consensus float8, gold_accuracy float8, "
            "n_gold int4, n_annotations int4) ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY reliability_incoming FROM STDIN") as copy:
            for annotator_id, matrix, acc, agreement, on_gold, rated_gold, count in rows:
                copy.write_row(
                    (annotator_id, json.dumps(matrix), acc, agreement, on_gold, rated_gold, count)
                )
        cursor.execute(
            f"INSERT INTO {table} (annotator_id, {', '.join(fields)}) "  # noqa: S608 - our own identifiers
            f"SELECT annotator_id, {', '.join(fields[:-1])}, %s FROM reliability_incoming "
            "ON CONFLICT (annotator_id) DO UPDATE SET "
            + ", ".join(f"{field} = EXCLUDED.{field}" for field in fields),
            [now],
        )
