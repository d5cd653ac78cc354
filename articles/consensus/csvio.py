"""Read annotation CSV files into integer-coded arrays, and write consensus CSV files.

Used by the offline ``aggregate`` management command; Django-free (csv, numpy and pyarrow) so it
can be tested and reused without settings. Files are read and written by `arrowcsv` (pyarrow,
column-wise, in bounded memory); this module's csv-module reader is the reference it falls back
to whenever a file has a problem to report, so every message below is the same on both paths.

Input: a header row naming at least the claim, annotator and label columns (names are
configurable; surrounding spaces are ignored), then one annotation per row. Blank lines are
skipped. Every problem is reported with the line number where its row starts:

* missing header columns (the header found is listed), an empty file, a header with no rows;
* a row whose field count differs from the header's, an empty claim/annotator/label field;
* bytes that are not UTF-8 or CSV the parser rejects;
* with ``duplicates="error"``, the same (claim, annotator) pair twice (both lines are named);
* with a declared label set (``labels``), a label outside it.

Labels are normalised before anything else: surrounding whitespace dropped, inner runs of
whitespace made one space, case folded (`` Verified`` and ``VERIFIED`` are ``verified``).

A pair rated more than once is otherwise not an error: real exports contain re-ratings. With
``duplicates="last"`` the annotator's last rating of the claim replaces the earlier ones (what
the desk does when an annotator revises a rating); with ``"all"`` every row counts as an
annotation (what crowd-kit does). Either way the table reports how many rows were repeats,
with the first few line numbers, so the caller can say so.

Up to ``max_errors`` problems are collected and raised together as one :class:`CsvFormatError`.

Codes: claims and annotators are numbered in order of first appearance; labels are any strings
(or the declared ones, used or not), numbered in sorted order, so ``label_names[code]`` is the
label.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, TypedDict

import numpy as np

from articles.consensus import arrowcsv
from articles.consensus.arrays import NO_LABEL, IntArray, Posteriors
from articles.consensus.rules import STATUS_NAMES, Outcome

DUPLICATE_POLICIES = ("error", "last", "all")


def normal_label(text: str) -> str:
    """A label as compared and reported: whitespace trimmed and collapsed, case folded."""
    return " ".join(text.split()).casefold()


class TextSink(Protocol):
    """Anything with ``write(str)``: an open text file, ``sys.stdout``, Django's OutputWrapper."""

    def write(self, text: str, /) -> object: ...


class CsvFormatError(ValueError):
    """The CSV cannot be used; ``problems`` lists each issue (line numbers included)."""

    def __init__(self, source: str, problems: Sequence[str], *, what: str = "annotation") -> None:
        self.source = source
        self.problems = tuple(problems)
        listed = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"{source}: invalid {what} CSV\n{listed}")


class TableSizes(TypedDict):
    """How many claims, annotators and labels a table codes: the keyword arguments every
    consensus function takes beside the code arrays."""

    n_items: int
    n_workers: int
    n_labels: int


@dataclass(frozen=True, eq=False)
class AnnotationTable:
    """Annotations as parallel code arrays plus the names behind the codes."""

    item_idx: IntArray
    worker_idx: IntArray
    label_idx: IntArray
    claim_ids: Sequence[str]  # a tuple, or Arrow-backed from the pyarrow reader
    annotator_ids: tuple[str, ...]
    label_names: tuple[str, ...]
    n_repeated: int = 0
    repeated_examples: tuple[str, ...] = ()

    @property
    def n_items(self) -> int:
        return len(self.claim_ids)

    @property
    def n_workers(self) -> int:
        return len(self.annotator_ids)

    @property
    def n_labels(self) -> int:
        return len(self.label_names)

    @property
    def n_annotations(self) -> int:
        return int(self.item_idx.size)

    @property
    def codes(self) -> tuple[IntArray, IntArray, IntArray]:
        """The claim, annotator and label code of each annotation, as the consensus functions
        take them: ``fit(*table.codes, **table.sizes)``."""
        return self.item_idx, self.worker_idx, self.label_idx

    @property
    def sizes(self) -> TableSizes:
        return TableSizes(n_items=self.n_items, n_workers=self.n_workers, n_labels=self.n_labels)

    @property
    def n_votes(self) -> IntArray:
        """Annotations per claim, ``(n_items,)``."""
        return np.bincount(self.item_idx, minlength=self.n_items).astype(np.int64)


def read_annotations(
    lines: Iterable[str],
    *,
    claim_column: str = "claim_id",
    annotator_column: str = "annotator_id",
    label_column: str = "label",
    source: str = "input",
    max_errors: int = 20,
    duplicates: str = "error",
    labels: Sequence[str] | None = None,
) -> AnnotationTable:
    """Parse annotation rows from ``lines`` (an open text file or any iterable of lines).

    ``duplicates`` is what to do with a (claim, annotator) pair rated again: ``"error"``,
    ``"last"`` or ``"all"`` (see the module docstring). ``labels``, when given, is the declared
    label set: a row with another label is a problem, and every declared label gets a code.
    Raises :class:`CsvFormatError` listing every problem found (up to ``max_errors``); nothing is
    returned from a file with any problem.
    """
    if duplicates not in DUPLICATE_POLICIES:
        raise ValueError(f"duplicates must be one of {DUPLICATE_POLICIES}, not {duplicates!r}")
    declared = _declared_labels(labels)
    reader = csv.reader(lines)
    problems: list[str] = []

    def fail() -> CsvFormatError:
        return CsvFormatError(source, problems)

    try:
        header = next(reader, None)
        while header is not None and not any(field.strip() for field in header):
            header = next(reader, None)  # leading blank lines
    except (csv.Error, UnicodeDecodeError) as exc:
        problems.append(f"line {reader.line_num + 1}: cannot parse header ({exc})")
        raise fail() from exc
    if header is None:
        problems.append("the file is empty (expected a header row)")
        raise fail()
    header_line = reader.line_num
    names = [name.strip() for name in header]
    wanted = (claim_column, annotator_column, label_column)
    missing = [name for name in wanted if name not in names]
    repeated = sorted({name for name in wanted if names.count(name) > 1})
    if missing or repeated:
        found = ", ".join(repr(name) for name in names)
        if missing:
            problems.append(
                f"line {header_line}: missing column(s) {', '.join(map(repr, missing))}; "
                f"header found: {found}"
            )
        if repeated:
            problems.append(
                f"line {header_line}: column(s) {', '.join(map(repr, repeated))} appear more "
                f"than once; header found: {found}"
            )
        raise fail()
    claim_at, annotator_at, label_at = (names.index(name) for name in wanted)
    n_fields = len(names)

    claim_codes: dict[str, int] = {}
    annotator_codes: dict[str, int] = {}
    label_codes: dict[str, int] = {}  # first-appearance codes, remapped to sorted order below
    first_seen: dict[tuple[int, int], tuple[int, int]] = {}  # pair -> (line, row index)
    n_repeated = 0
    repeated_examples: list[str] = []
    items: list[int] = []
    workers: list[int] = []
    label_rows: list[int] = []
    line = header_line
    while len(problems) < max_errors:
        start = reader.line_num + 1
        try:
            row = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as exc:
            problems.append(f"line {start}: cannot parse row ({exc})")
            break  # the reader cannot be trusted to resynchronise after this
        if row is None:
            break
        line = start
        if not row or (len(row) == 1 and not row[0].strip()):
            continue  # blank line
        if len(row) != n_fields:
            problems.append(f"line {line}: expected {n_fields} fields, found {len(row)}")
            continue
        claim = row[claim_at].strip()
        annotator = row[annotator_at].strip()
        label = normal_label(row[label_at])
        if not (claim and annotator and label):
            values = (claim, annotator, label)
            empty = [name for name, value in zip(wanted, values, strict=True) if not value]
            problems.append(f"line {line}: empty {', '.join(map(repr, empty))}")
            continue
        if declared is not None and label not in declared:
            allowed = ", ".join(map(repr, sorted(declared)))
            problems.append(f"line {line}: label {label!r} is not one of {allowed}")
            continue
        item = claim_codes.setdefault(claim, len(claim_codes))
        worker = annotator_codes.setdefault(annotator, len(annotator_codes))
        code = label_codes.setdefault(label, len(label_codes))
        first, index = first_seen.setdefault((item, worker), (line, len(items)))
        if first != line:
            if duplicates == "error":
                problems.append(
                    f"line {line}: duplicate annotation of claim {claim!r} by annotator "
                    f"{annotator!r} (first on line {first})"
                )
                continue
            n_repeated += 1
            if len(repeated_examples) < 3:
                repeated_examples.append(
                    f"line {line}: claim {claim!r} by annotator {annotator!r} "
                    f"(first on line {first})"
                )
            if duplicates == "last":
                label_rows[index] = code
                continue
        items.append(item)
        workers.append(worker)
        label_rows.append(code)
    if len(problems) >= max_errors:
        problems.append(f"stopped after {max_errors} problems")
    if problems:
        raise fail()
    if not items:
        problems.append(f"no annotation rows after the header (line {header_line})")
        raise fail()

    label_names = sorted(declared if declared is not None else label_codes)
    sorted_code = {name: code for code, name in enumerate(label_names)}
    remap = np.empty(len(label_codes), dtype=np.int64)
    for name, code in label_codes.items():
        remap[code] = sorted_code[name]
    return AnnotationTable(
        item_idx=np.asarray(items, dtype=np.int64),
        worker_idx=np.asarray(workers, dtype=np.int64),
        label_idx=remap[np.asarray(label_rows, dtype=np.int64)],
        claim_ids=tuple(claim_codes),
        annotator_ids=tuple(annotator_codes),
        label_names=tuple(label_names),
        n_repeated=n_repeated,
        repeated_examples=tuple(repeated_examples),
    )


def _declared_labels(labels: Sequence[str] | None) -> frozenset[str] | None:
    if labels is None:
        return None
    declared = frozenset(normal_label(label) for label in labels)
    if not declared or "" in declared:
        raise ValueError("the declared labels must be non-empty and not blank")
    return declared


def read_annotations_file(
    path: str | Path,
    *,
    claim_column: str = "claim_id",
    annotator_column: str = "annotator_id",
    label_column: str = "label",
    duplicates: str = "error",
    labels: Sequence[str] | None = None,
) -> AnnotationTable:
    """Read the annotation CSV at ``path`` (UTF-8; a byte-order mark is accepted), with the
    options of :func:`read_annotations`.

    Read in blocks with pyarrow (memory bounded by the distinct claims and annotators, not the
    rows); a file with anything to report is read again by :func:`read_annotations`, which
    names every problem with its line number.
    Raises :class:`CsvFormatError`, or ``OSError`` if the file cannot be read.
    """
    if duplicates not in DUPLICATE_POLICIES:
        raise ValueError(f"duplicates must be one of {DUPLICATE_POLICIES}, not {duplicates!r}")
    declared = _declared_labels(labels)
    path = Path(path)
    first = arrowcsv.read_header(path)
    if first is not None and first[1] == 1:
        header = [name.strip() for name in first[0]]
        wanted = (claim_column, annotator_column, label_column)
        if len(set(header)) == len(header) and all(name in header for name in wanted):
            table = arrowcsv.read_annotations_fast(
                path,
                header=first[0],
                columns=(
                    header.index(claim_column),
                    header.index(annotator_column),
                    header.index(label_column),
                ),
                duplicates=duplicates,
                labels=None if declared is None else sorted(declared),
                normal_label=normal_label,
            )
            if table is not None:
                return table
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return read_annotations(
            handle,
            claim_column=claim_column,
            annotator_column=annotator_column,
            label_column=label_column,
            source=str(path),
            duplicates=duplicates,
            labels=labels,
        )


def write_consensus(
    out: TextSink,
    table: AnnotationTable,
    posteriors: Posteriors,
    outcome: Outcome,
    *,
    precision: int = 6,
) -> None:
    """Write ``claim_id,label,confidence,status,p_<label>...`` rows, one per claim.

    Claims are in first-appearance order; one ``p_`` column per label in sorted label order.
    ``label`` is empty where there is no label (ties, items without votes). Only the first
    ``len(table.label_names)`` posterior columns are written. Built column-wise with pyarrow
    unless a claim id or label needs quoting (then row by row with the csv module, same text).
    """
    chunks = _fast_chunks(table, posteriors, outcome, precision)
    if chunks is None:
        _write_consensus_rows(out, table, posteriors, outcome, precision)
        return
    for chunk in chunks:
        out.write(str(chunk, "utf-8"))


def write_consensus_file(
    path: str | Path,
    table: AnnotationTable,
    posteriors: Posteriors,
    outcome: Outcome,
    *,
    precision: int = 6,
) -> None:
    """`write_consensus` into the file at ``path`` (UTF-8): the same text, written as the bytes
    pyarrow builds, never decoded into Python strings. Raises ``OSError`` if it cannot be
    written."""
    chunks = _fast_chunks(table, posteriors, outcome, precision)
    with Path(path).open("wb") as handle:
        if chunks is not None:
            handle.writelines(chunks)
            return
        with io.TextIOWrapper(handle, encoding="utf-8", newline="") as text:
            _write_consensus_rows(text, table, posteriors, outcome, precision)


def _fast_chunks(
    table: AnnotationTable, posteriors: Posteriors, outcome: Outcome, precision: int
) -> Iterator[memoryview] | None:
    if precision <= 0:
        return None
    return arrowcsv.consensus_chunks(
        table.claim_ids, table.label_names, posteriors, outcome, precision=precision
    )


def _write_consensus_rows(
    out: TextSink,
    table: AnnotationTable,
    posteriors: Posteriors,
    outcome: Outcome,
    precision: int,
) -> None:
    """`write_consensus` row by row with the csv module (quotes what needs quoting)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["claim_id", "label", "confidence", "status", *(f"p_{name}" for name in table.label_names)]
    )
    fmt = f"{{:.{precision}f}}"
    names = table.label_names
    for index, claim in enumerate(table.claim_ids):
        code = int(outcome.labels[index])
        writer.writerow(
            [
                claim,
                "" if code == NO_LABEL else names[code],
                fmt.format(outcome.confidence[index]),
                STATUS_NAMES[int(outcome.status[index])],
                *(fmt.format(value) for value in posteriors.probs[index, : len(names)]),
            ]
        )


@dataclass(frozen=True, eq=False)
class KnownAnswers:
    """Known answers read for an annotation table.

    Attributes:
        known: ``(n_items,)`` label code of each of the table's claims, -1 where unknown.
        n_rows: answer rows read.
        unmatched: claim ids of the file that the annotations do not have (left out).
    """

    known: IntArray
    n_rows: int
    unmatched: tuple[str, ...]

    @property
    def n_known(self) -> int:
        return int(np.count_nonzero(self.known >= 0))


def read_known_answers(
    lines: Iterable[str],
    table: AnnotationTable,
    *,
    claim_column: str = "claim_id",
    label_column: str = "label",
    source: str = "gold",
    max_errors: int = 20,
) -> KnownAnswers:
    """Parse ``claim_id,label`` rows of known answers for the claims of ``table``.

    Each label must be one of the annotation table's labels; a claim may appear more than once
    only with the same label. Claims the annotations do not have are left out and listed in
    ``unmatched``. Raises :class:`CsvFormatError` listing every problem (line numbers
    included): missing columns, an empty file or no rows, a wrong field count, an empty field,
    an unknown label, conflicting answers for one claim.
    """
    reader = csv.reader(lines)
    problems: list[str] = []
    try:
        header = next(reader, None)
        while header is not None and not any(field.strip() for field in header):
            header = next(reader, None)
    except (csv.Error, UnicodeDecodeError) as exc:
        problem = f"line {reader.line_num + 1}: cannot parse header ({exc})"
        raise CsvFormatError(
            what="known-answer",
            source=source,
            problems=[problem],
        ) from exc
    if header is None:
        raise CsvFormatError(
            what="known-answer",
            source=source,
            problems=["the file is empty (expected a header claim_id,label)"],
        )
    header_line = reader.line_num
    names = [name.strip() for name in header]
    missing = [name for name in (claim_column, label_column) if name not in names]
    if missing:
        found = ", ".join(repr(name) for name in names)
        raise CsvFormatError(
            what="known-answer",
            source=source,
            problems=[
                f"line {header_line}: missing column(s) {', '.join(map(repr, missing))}; "
                f"header found: {found}"
            ],
        )
    claim_at, label_at = names.index(claim_column), names.index(label_column)
    item_of = {claim: code for code, claim in enumerate(table.claim_ids)}
    label_of = {label: code for code, label in enumerate(table.label_names)}
    known = np.full(table.n_items, -1, dtype=np.int64)
    first_line: dict[str, tuple[int, str]] = {}
    unmatched: list[str] = []
    n_rows = 0
    while len(problems) < max_errors:
        start = reader.line_num + 1
        try:
            row = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as exc:
            problems.append(f"line {start}: cannot parse row ({exc})")
            break
        if row is None:
            break
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) != len(names):
            problems.append(f"line {start}: expected {len(names)} fields, found {len(row)}")
            continue
        claim, label = row[claim_at].strip(), row[label_at].strip()
        if not (claim and label):
            empty = [n for n, v in ((claim_column, claim), (label_column, label)) if not v]
            problems.append(f"line {start}: empty {', '.join(map(repr, empty))}")
            continue
        if label not in label_of:
            problems.append(
                f"line {start}: label {label!r} is not one of the annotations' labels "
                f"({', '.join(table.label_names)})"
            )
            continue
        n_rows += 1
        seen = first_line.setdefault(claim, (start, label))
        if seen[1] != label:
            problems.append(
                f"line {start}: claim {claim!r} is given {label!r} here and {seen[1]!r} on "
                f"line {seen[0]}"
            )
            continue
        if claim in item_of:
            known[item_of[claim]] = label_of[label]
        elif seen[0] == start:
            unmatched.append(claim)
    if len(problems) >= max_errors:
        problems.append(f"stopped after {max_errors} problems")
    if problems:
        raise CsvFormatError(what="known-answer", source=source, problems=problems)
    if not n_rows:
        raise CsvFormatError(
            what="known-answer",
            source=source,
            problems=[f"no known-answer rows after the header (line {header_line})"],
        )
    return KnownAnswers(known=known, n_rows=n_rows, unmatched=tuple(unmatched))


def read_known_answers_file(path: str | Path, table: AnnotationTable) -> KnownAnswers:
    """Open ``path`` as UTF-8 (a byte-order mark is accepted) and :func:`read_known_answers`
    it. Raises :class:`CsvFormatError`, or ``OSError`` if the file cannot be read."""
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        return read_known_answers(handle, table, source=str(path))
