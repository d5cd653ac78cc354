"""Reads for the consensus engine: annotations as integer arrays ("load, then compute").

On PostgreSQL the full load is one query that aggregates the three columns on the server into
fixed-width binary records, parsed straight into numpy without a Python object per row;
elsewhere (SQLite, the embedded default) it falls back to the ORM.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import psycopg
from django.db import connection, transaction

from articles.models import Annotation, AnnotatorReliability, Claim, ConsensusRun, Label

LABELS: tuple[str, ...] = tuple(Label.values)
LABEL_CODE: dict[str, int] = {label: code for code, label in enumerate(LABELS)}


@dataclass(frozen=True)
class AnnotationArrays:
    """Every annotation as parallel arrays of database ids and label codes (LABELS order)."""

    claim_ids: npt.NDArray[np.int64]
    annotator_ids: npt.NDArray[np.int64]
    label_codes: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.claim_ids.size)

    def take(self, index: npt.NDArray[np.int64] | npt.NDArray[np.bool_]) -> AnnotationArrays:
        """The annotations at `index` (positions or a mask), all three arrays alike."""
        return AnnotationArrays(
            self.claim_ids[index], self.annotator_ids[index], self.label_codes[index]
        )


_ANNOTATION_RECORD = np.dtype([("claim", ">i8"), ("annotator", ">i8"), ("label", ">i2")])


def annotations_and_claims() -> tuple[AnnotationArrays, npt.NDArray[np.int64]]:
    """Every annotation as arrays, and the sorted ids of every claim (annotated or not), read
    from one snapshot, for the full recompute.

    On PostgreSQL one statement aggregates both on the server into bytea values of fixed-width
    big-endian records, parsed with numpy: no protocol message or Python object per row, which
    is what makes loading a million annotations fast, and one statement means one snapshot.
    """
    if connection.vendor == "postgresql":
        cases = " ".join(f"WHEN '{label}' THEN {code}" for label, code in LABEL_CODE.items())
        query = (
            "SELECT (SELECT string_agg(int8send(claim_id) || int8send(annotator_id) || "  # noqa: S608 - labels are our own constants
            f"int2send((CASE label {cases} END)::int2), ''::bytea) "
            f"FROM {Annotation._meta.db_table}), "
            f"(SELECT string_agg(int8send(id), ''::bytea) FROM {Claim._meta.db_table})"
        )
        connection.ensure_connection()
        # Django's cursors bind client side, which cannot return binary results: use a plain
        # psycopg cursor on the same connection (and so the same transaction).
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(query, binary=True)
            packed_annotations, packed_claims = cursor.fetchone() or (None, None)
        rows = np.frombuffer(packed_annotations or b"", dtype=_ANNOTATION_RECORD)
        claim_ids = np.frombuffer(packed_claims or b"", dtype=">i8").astype(np.int64)
        arrays = AnnotationArrays(
            claim_ids=rows["claim"].astype(np.int64),
            annotator_ids=rows["annotator"].astype(np.int64),
            label_codes=rows["label"].astype(np.int64),
        )
        return arrays, np.sort(claim_ids)
    with transaction.atomic():
        triples = list(Annotation.objects.values_list("claim_id", "annotator_id", "label"))
        claim_ids = np.fromiter(Claim.objects.values_list("id", flat=True), dtype=np.int64)
    return _arrays_from_rows(triples), np.sort(claim_ids)


def claim_annotation_arrays(*, claim_id: int) -> AnnotationArrays:
    """One claim's annotations, for the per-claim job."""
    rows = Annotation.objects.filter(claim_id=claim_id)
    triples = list(rows.values_list("claim_id", "annotator_id", "label"))
    return _arrays_from_rows(triples)


def _arrays_from_rows(triples: list[tuple[int, int, str]]) -> AnnotationArrays:
    if not triples:
        empty = np.zeros(0, dtype=np.int64)
        return AnnotationArrays(empty, empty.copy(), empty.copy())
    claims, annotators, labels = zip(*triples, strict=True)
    return AnnotationArrays(
        claim_ids=np.fromiter(claims, dtype=np.int64, count=len(triples)),
        annotator_ids=np.fromiter(annotators, dtype=np.int64, count=len(triples)),
        label_codes=np.fromiter((LABEL_CODE[x] for x in labels), np.int64, count=len(triples)),
    )


@dataclass(frozen=True)
class ReliabilityModel:
    """What the per-claim job needs from the last full recompute."""

    run_id: int | None
    model_hash: str
    priors: npt.NDArray[np.float64]
    confusion: npt.NDArray[np.float64]  # (n_annotators, L, L) in `annotator_ids` order
    history: npt.NDArray[np.int64]  # annotations each annotator had in that run
    annotator_ids: npt.NDArray[np.int64]


def reliability_for_annotators(annotator_ids: npt.NDArray[np.int64]) -> ReliabilityModel:
    """The latest run's priors and the given annotators' confusion matrices (uniform and zero
    history for annotators the run has not seen)."""
    n_labels = len(LABELS)
    run = ConsensusRun.objects.order_by("-finished_at", "-id").first()
    priors = np.full(n_labels, 1.0 / n_labels)
    if run is not None and run.labels == list(LABELS) and len(run.priors) == n_labels:
        priors = np.asarray(run.priors, dtype=np.float64)
    confusion = np.full((annotator_ids.size, n_labels, n_labels), 1.0 / n_labels)
    history = np.zeros(annotator_ids.size, dtype=np.int64)
    position = {int(a): i for i, a in enumerate(annotator_ids.tolist())}
    for rel in AnnotatorReliability.objects.filter(annotator_id__in=list(position)):
        i = position[rel.annotator_id]
        matrix = _confusion_from_json(rel.confusion)
        if matrix is not None:
            confusion[i] = matrix
            history[i] = rel.n_annotations
    return ReliabilityModel(
        run_id=run.pk if run is not None else None,
        model_hash=run.model_hash if run is not None else "",
        priors=priors,
        confusion=confusion,
        history=history,
        annotator_ids=annotator_ids,
    )


def _confusion_from_json(data: object) -> npt.NDArray[np.float64] | None:
    if not isinstance(data, dict):
        return None
    try:
        return np.array(
            [[float(data[true][given]) for given in LABELS] for true in LABELS], dtype=np.float64
        )
    except (KeyError, TypeError, ValueError):
        return None


def confusion_to_json(matrix: npt.NDArray[np.float64]) -> dict[str, dict[str, float]]:
    return {
        true: {given: round(float(matrix[i, j]), 6) for j, given in enumerate(LABELS)}
        for i, true in enumerate(LABELS)
    }
