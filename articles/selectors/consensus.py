"""Reads for the consensus engine: annotations as integer arrays ("load, then compute").

On PostgreSQL the full load is one query that aggregates the three columns on the server into
fixed-width binary records, parsed straight into numpy without a Python object per row;
elsewhere (SQLite, the embedded default) it falls back to the ORM.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction
from django.db.models import OuterRef, Q, Subquery

from articles.consensus import alpha_by_group
from articles.models import (
    Annotation,
    AnnotatorReliability,
    Claim,
    Consensus,
    ConsensusRun,
    Label,
)
from articles.selectors.outcomes import standing_verdict_label

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


@dataclass(frozen=True)
class RecomputeSnapshot:
    """What the full recompute reads, all from one snapshot.

    Attributes:
        annotations: every annotation.
        claim_ids: every claim's id (annotated or not), sorted.
        claim_stale: per entry of ``claim_ids``, whether its consensus is marked stale.
        claim_versions: per entry of ``claim_ids``, its ``consensus_version`` (how many times
            it was marked stale), to clear the flag only if the claim has not changed since.
        claim_required: per entry of ``claim_ids``, how many annotators the claim needs.
        consensus_claim_ids: the claims that have a Consensus row.
        consensus_fingerprints: those rows' fingerprints as 64-bit integers (0 for a value that
            is not 16 hex digits, which then never matches a computed one).
    """

    annotations: AnnotationArrays
    claim_ids: npt.NDArray[np.int64]
    claim_stale: npt.NDArray[np.bool_]
    claim_versions: npt.NDArray[np.int64]
    claim_required: npt.NDArray[np.int64]
    consensus_claim_ids: npt.NDArray[np.int64]
    consensus_fingerprints: npt.NDArray[np.uint64]


_ANNOTATION_RECORD = np.dtype([("claim", ">i8"), ("annotator", ">i8"), ("label", ">i2")])
_CLAIM_RECORD = np.dtype([("id", ">i8"), ("stale", ">i2"), ("version", ">i8"), ("required", ">i2")])
_CONSENSUS_RECORD = np.dtype([("claim", ">i8"), ("fingerprint", ">u8")])


def full_recompute_snapshot() -> RecomputeSnapshot:
    """Every annotation, claim and stored fingerprint as arrays, for the full recompute.

    On PostgreSQL one statement aggregates each table on the server into a bytea value of
    fixed-width big-endian records, parsed with numpy: no protocol message or Python object per
    row, which is what makes loading a million annotations fast, and one statement means one
    snapshot.
    """
    if connection.vendor == "postgresql":
        cases = " ".join(f"WHEN '{label}' THEN {code}" for label, code in LABEL_CODE.items())
        query = (
            "SELECT (SELECT string_agg(int8send(claim_id) || int8send(annotator_id) || "  # noqa: S608 - labels are our own constants
            f"int2send((CASE counted_label {cases} END)::int2), ''::bytea) "
            f"FROM {Annotation._meta.db_table}), "
            "(SELECT string_agg(int8send(id) || int2send(consensus_stale::int::int2) || "
            "int8send(consensus_version) || int2send(required_annotations::int2), ''::bytea) "
            f"FROM {Claim._meta.db_table}), "
            "(SELECT string_agg(int8send(claim_id) || int8send(CASE WHEN fingerprint ~ "
            "'^[0-9a-f]{16}$' THEN ('x' || fingerprint)::bit(64)::int8 ELSE 0 END), ''::bytea) "
            f"FROM {Consensus._meta.db_table})"
        )
        # Imported here: a desk on SQLite (and every process that never reads this) does without.
        import psycopg

        connection.ensure_connection()
        # Django's cursors bind client side, which cannot return binary results: use a plain
        # psycopg cursor on the same connection (and so the same transaction).
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(query, binary=True)
            packed = cursor.fetchone() or (None, None, None)
        rows = np.frombuffer(packed[0] or b"", dtype=_ANNOTATION_RECORD)
        claims = np.frombuffer(packed[1] or b"", dtype=_CLAIM_RECORD)
        stored = np.frombuffer(packed[2] or b"", dtype=_CONSENSUS_RECORD)
        annotations = AnnotationArrays(
            claim_ids=rows["claim"].astype(np.int64),
            annotator_ids=rows["annotator"].astype(np.int64),
            label_codes=rows["label"].astype(np.int64),
        )
        claim_ids = claims["id"].astype(np.int64)
        claim_stale = claims["stale"] != 0
        claim_versions = claims["version"].astype(np.int64)
        claim_required = claims["required"].astype(np.int64)
        consensus_claim_ids = stored["claim"].astype(np.int64)
        consensus_fingerprints = stored["fingerprint"].astype(np.uint64)
    else:
        with transaction.atomic():
            triples = list(
                Annotation.objects.values_list("claim_id", "annotator_id", "counted_label")
            )
            claim_rows = list(
                Claim.objects.values_list(
                    "id", "consensus_stale", "consensus_version", "required_annotations"
                )
            )
            consensus_rows = list(Consensus.objects.values_list("claim_id", "fingerprint"))
        annotations = _arrays_from_rows(triples)
        claim_ids = np.array([row[0] for row in claim_rows], dtype=np.int64)
        claim_stale = np.array([row[1] for row in claim_rows], dtype=np.bool_)
        claim_versions = np.array([row[2] for row in claim_rows], dtype=np.int64)
        claim_required = np.array([row[3] for row in claim_rows], dtype=np.int64)
        consensus_claim_ids = np.array([c for c, _ in consensus_rows], dtype=np.int64)
        consensus_fingerprints = np.array(
            [_fingerprint_value(f) for _, f in consensus_rows], dtype=np.uint64
        )
    order = np.argsort(claim_ids, kind="stable")
    return RecomputeSnapshot(
        annotations=annotations,
        claim_ids=claim_ids[order],
        claim_stale=claim_stale[order],
        claim_versions=claim_versions[order],
        claim_required=claim_required[order],
        consensus_claim_ids=consensus_claim_ids,
        consensus_fingerprints=consensus_fingerprints,
    )


_HEX_DIGITS = frozenset("0123456789abcdef")


def _fingerprint_value(text: str) -> int:
    """A stored fingerprint as an integer, as the PostgreSQL query reads it."""
    return int(text, 16) if len(text) == 16 and set(text) <= _HEX_DIGITS else 0


def claim_annotation_arrays(*, claim_ids: Iterable[int]) -> AnnotationArrays:
    """The annotations of a few claims (one claim's recompute and the sweep's batches)."""
    rows = Annotation.objects.filter(claim_id__in=list(claim_ids))
    triples = list(rows.values_list("claim_id", "annotator_id", "counted_label"))
    return _arrays_from_rows(triples)


@dataclass(frozen=True)
class RecomputeClaims:
    """Claims to recompute, sorted by id, with what their recompute reads besides annotations.

    Attributes:
        ids: the claims' ids, ascending.
        versions: each one's ``consensus_version`` when read (see `stale_flags_clear`).
        required: how many annotators each needs.
        known: each one's known answer as a label code, -1 where none.
        stored: the fingerprint of each one's Consensus row, "" where it has none.
        annotations: their annotations when read with them (the sweep on PostgreSQL), else None
            (read them with `claim_annotation_arrays`).
    """

    ids: npt.NDArray[np.int64]
    versions: npt.NDArray[np.int64]
    required: npt.NDArray[np.int64]
    known: npt.NDArray[np.int64]
    stored: list[str]
    annotations: AnnotationArrays | None = None

    def __len__(self) -> int:
        return int(self.ids.size)


def claims_for_recompute(
    *, claim_ids: Iterable[int] | None = None, stale_after: int = 0, limit: int = 1
) -> RecomputeClaims:
    """Claims to recompute and what their recompute reads of them, in one query.

    Either the given `claim_ids`, locked FOR UPDATE (waiting for a write in progress; call
    inside a transaction), or, read without a lock, up to `limit` claims marked stale with an
    id above `stale_after` (the sweep; it checks their versions when it writes). On PostgreSQL
    the sweep's claims come with their annotations (two array subqueries), a round trip less.
    """
    claims = Claim.objects.all()
    with_annotations = claim_ids is None and connection.vendor == "postgresql"
    if claim_ids is not None:
        claims = claims.filter(pk__in=list(claim_ids)).select_for_update(of=("self",))
    else:
        claims = claims.filter(consensus_stale=True, pk__gt=stale_after)
    stored = Consensus.objects.filter(claim_id=OuterRef("pk")).values("fingerprint")[:1]
    claims = claims.order_by("pk").annotate(
        verdict_label=standing_verdict_label(), stored_fingerprint=Subquery(stored)
    )
    fields = [
        "id",
        "consensus_version",
        "required_annotations",
        "known_answer__label",
        "status",
        "verdict_label",
        "stored_fingerprint",
    ]
    if with_annotations:
        from django.contrib.postgres.expressions import ArraySubquery

        # One annotator once per claim: both arrays in annotator order line up.
        theirs = Annotation.objects.filter(claim_id=OuterRef("pk")).order_by("annotator_id")
        claims = claims.annotate(
            annotator_list=ArraySubquery(theirs.values("annotator_id")),
            label_list=ArraySubquery(theirs.values("counted_label")),
        )
        fields += ["annotator_list", "label_list"]
    rows = list(claims.values_list(*fields)[: None if claim_ids is not None else limit])
    ids = np.array([row[0] for row in rows], dtype=np.int64)
    annotations = None
    if with_annotations:
        annotations = _arrays_from_rows(
            [
                (claim_id, annotator_id, label)
                for claim_id, annotators, labels in ((row[0], row[7], row[8]) for row in rows)
                for annotator_id, label in zip(annotators, labels, strict=True)
            ]
        )
    return RecomputeClaims(
        ids=ids,
        versions=np.array([row[1] for row in rows], dtype=np.int64),
        required=np.array([row[2] for row in rows], dtype=np.int64),
        known=np.array([_known_code(row[3], row[4], row[5]) for row in rows], dtype=np.int64),
        stored=[row[6] or "" for row in rows],
        annotations=annotations,
    )


def _known_code(gold: str | None, status: str, verdict: str | None) -> int:
    """A claim's known answer as a label code (see `known_answer_arrays`), -1 when none."""
    label = gold or (verdict if status == Claim.Status.PUBLISHED else None)
    return LABEL_CODE.get(label, -1) if label else -1


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


def known_answer_arrays() -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Every claim with a known answer and its label code: ``(claim_ids, label_codes)``.

    A claim's known answer is its gold label (KnownAnswer) when an editor marked one, else the
    label of its latest published verdict when the claim is published (a claim sent back for
    more annotations is open again: its verdict is then in doubt and does not count). One
    query.
    """
    rows = list(
        Claim.objects.filter(Q(known_answer__isnull=False) | Q(status=Claim.Status.PUBLISHED))
        .annotate(verdict_label=standing_verdict_label())
        .values_list("id", "known_answer__label", "status", "verdict_label")
    )
    claim_ids: list[int] = []
    codes: list[int] = []
    for claim_id, gold, status, verdict in rows:
        label = gold or (verdict if status == Claim.Status.PUBLISHED else None)
        if label in LABEL_CODE:
            claim_ids.append(claim_id)
            codes.append(LABEL_CODE[label])
    return np.asarray(claim_ids, dtype=np.int64), np.asarray(codes, dtype=np.int64)


def claim_known_answer(*, claim_id: int) -> int:
    """One claim's known answer as a label code (see `known_answer_arrays`), -1 when none."""
    row = (
        Claim.objects.filter(pk=claim_id)
        .annotate(verdict_label=standing_verdict_label())
        .values_list("known_answer__label", "status", "verdict_label")
        .first()
    )
    if row is None:
        return -1
    return _known_code(*row)


@dataclass(frozen=True)
class ReliabilityModel:
    """What the sweep (and one claim's recompute) needs from the last full recompute."""

    run_id: int | None
    model_hash: str
    priors: npt.NDArray[np.float64]
    confusion: npt.NDArray[np.float64]  # (n_annotators, L, L) in `annotator_ids` order
    history: npt.NDArray[np.int64]  # annotations each annotator had in that run
    temperature: float = 1.0  # the run's calibration temperature


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
        temperature=_run_temperature(run),
    )


def _run_temperature(run: ConsensusRun | None) -> float:
    """The run's calibration temperature (1 without one, or for a malformed value)."""
    value = run.calibration.get("temperature") if run is not None and run.calibration else None
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return 1.0


def _confusion_from_json(data: object) -> npt.NDArray[np.float64] | None:
    if not isinstance(data, dict):
        return None
    try:
        return np.array(
            [[float(data[true][given]) for given in LABELS] for true in LABELS], dtype=np.float64
        )
    except (KeyError, TypeError, ValueError):
        return None


def confusions_to_json(cube: npt.NDArray[np.float64]) -> list[dict[str, dict[str, float]]]:
    """Confusion matrices ``(n, L, L)`` as stored: true label -> given label -> probability,
    rounded to 6 decimals (the form `_confusion_from_json` reads back)."""
    return [
        {
            true: dict(zip(LABELS, row, strict=True))
            for true, row in zip(LABELS, matrix, strict=True)
        }
        for matrix in np.round(cube, 6).tolist()
    ]


@dataclass(frozen=True)
class ArticleAgreement:
    """How much annotators agree on the claims anchored in one article.

    Attributes:
        alpha: Krippendorff's alpha (nominal) over those claims; None when undefined (fewer
            than two annotations on every claim, or one label used throughout).
        n_claims: claims with at least two annotations, the ones alpha is computed from.
        n_annotations: annotations on the article's claims.
    """

    alpha: float | None
    n_claims: int
    n_annotations: int

    RELIABLE = 0.8
    TENTATIVE = 2 / 3
    MIN_CLAIMS = 3
    """Alpha over one or two claims says little (over one it is 0 whenever anyone disagrees):
    below this many rated claims the desk shows no figure."""

    @property
    def measurable(self) -> bool:
        return self.alpha is not None and self.n_claims >= self.MIN_CLAIMS

    @property
    def reading(self) -> str:
        """Krippendorff's rule of thumb: at least 0.8 reliable, at least 0.667 tentative."""
        if self.alpha is None or not self.measurable:
            return "not enough ratings"
        if self.alpha >= self.RELIABLE:
            return "reliable"
        if self.alpha >= self.TENTATIVE:
            return "tentative"
        return "low"


def article_agreement(*, article_ids: Iterable[int]) -> dict[int, ArticleAgreement]:
    """Annotator agreement per article, for each of `article_ids` (one query).

    A claim anchored in several articles counts in each of them; anchored twice in one
    article, once.
    """
    ids = sorted(set(article_ids))
    if not ids:
        return {}
    # No ordering: a DISTINCT query selects its ORDER BY columns too, and the model's default
    # (the rating's time) would load a timestamp per row and defeat the DISTINCT.
    rows = list(
        Annotation.objects.filter(claim__appearances__article_id__in=ids)
        .order_by()
        .values_list("claim__appearances__article_id", "claim_id", "annotator_id", "counted_label")
        .distinct()
    )
    empty = ArticleAgreement(alpha=None, n_claims=0, n_annotations=0)
    if not rows:
        return dict.fromkeys(ids, empty)
    articles = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    claims = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
    annotators = np.fromiter((r[2] for r in rows), dtype=np.int64, count=len(rows))
    labels = np.fromiter((LABEL_CODE[r[3]] for r in rows), dtype=np.int64, count=len(rows))
    group_ids, group_idx = np.unique(articles, return_inverse=True)
    # One item per (article, claim): the same claim is a separate item in each article.
    pairs, item_idx = np.unique(np.stack([group_idx, claims], axis=1), axis=0, return_inverse=True)
    item_idx = item_idx.reshape(-1)
    worker_ids, worker_idx = np.unique(annotators, return_inverse=True)
    n_items, n_groups = int(pairs.shape[0]), int(group_ids.size)
    alpha = alpha_by_group(
        item_idx,
        worker_idx.reshape(-1),
        labels,
        n_items=n_items,
        n_workers=int(worker_ids.size),
        n_labels=len(LABELS),
        group_of_item=pairs[:, 0],
        n_groups=n_groups,
    )
    rated = np.bincount(item_idx, minlength=n_items) >= 2
    n_claims = np.bincount(pairs[:, 0], weights=rated, minlength=n_groups).astype(np.int64)
    n_annotations = np.bincount(group_idx, minlength=n_groups)
    result = dict.fromkeys(ids, empty)
    for g, article_id in enumerate(group_ids.tolist()):
        value = float(alpha[g])
        result[article_id] = ArticleAgreement(
            alpha=None if np.isnan(value) else value,
            n_claims=int(n_claims[g]),
            n_annotations=int(n_annotations[g]),
        )
    return result
