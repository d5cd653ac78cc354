"""The fast path of `csvio`: annotation CSV files read and consensus CSV written with pyarrow, in
bounded memory.

The file is parsed in blocks (``pyarrow.csv.open_csv``); each block's claim, annotator and label
columns are dictionary-encoded, and only their distinct values go through Python, where they
are stripped (labels also normalised, see `csvio.normal_label`) and numbered in order of first
appearance across the file. What is kept is three integer codes per row plus the distinct
values, never the text of every row.

This path reports nothing itself: anything it cannot read exactly as `csvio`'s reference reader
would (a parse error, an empty field, a label outside the declared set, a duplicate under
``duplicates="error"``, line numbers it cannot derive) makes it return None, and the caller runs
the reference reader, which names each problem with its line number. Files without problems,
the common case, never reach the slow path.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import numpy as np
import numpy.typing as npt

from articles.consensus.arrays import NO_LABEL, FloatArray, Posteriors
from articles.consensus.rules import STATUS_NAMES, Outcome

if TYPE_CHECKING:
    import pyarrow as pa

    from articles.consensus.csvio import AnnotationTable, TextSink

BLOCK_BYTES = 1 << 20
"""Bytes parsed per block: the reader's memory is a few blocks, whatever the file's size."""


_PLAIN = r"^[!-~]([ -~]*[!-~])?$"
"""Values that start and end with a printable ASCII character other than a space: stripping
leaves them as they are, so only the others go through Python's `str.strip`."""


class ArrowStrings(Sequence[str]):
    """Strings held in one Arrow array, read as a sequence: a million claim ids cost their
    bytes, not a Python object each. Equal to any sequence of the same strings."""

    def __init__(self, values: pa.Array) -> None:
        self.arrow = values

    def __len__(self) -> int:
        return len(self.arrow)

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return tuple(self)[index]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return str(self.arrow[index].as_py())

    def __iter__(self) -> Iterator[str]:
        step = 1 << 16
        for start in range(0, len(self.arrow), step):
            yield from self.arrow.slice(start, step).to_pylist()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]


class _Vocabulary:
    """Distinct values numbered in order of first appearance, gathered block by block as Arrow
    dictionary arrays (no Python object per distinct value until the end)."""

    def __init__(self, normalise: Callable[[str], str], *, every_value: bool) -> None:
        self.normalise = normalise
        self.every_value = every_value  # normalise every value in Python (labels), not just some
        self.dictionaries: list[pa.Array] = []
        self.indices: list[pa.Array] = []

    def add(self, column: pa.Array) -> bool:
        """Take a block's column; False when a value is empty after normalising."""
        import pyarrow as pa
        import pyarrow.compute as pc

        # The parser dictionary-encodes the three columns itself (see `read_annotations_fast`).
        encoded = column if isinstance(column, pa.DictionaryArray) else pc.dictionary_encode(column)
        dictionary = encoded.dictionary
        if self.every_value:
            dictionary = pa.array(
                [self.normalise(v) for v in dictionary.to_pylist()], type=pa.string()
            )
        else:
            odd = pc.invert(pc.match_substring_regex(dictionary, _PLAIN))
            if pc.any(odd).as_py():
                values = [self.normalise(v) for v in pc.filter(dictionary, odd).to_pylist()]
                dictionary = pc.replace_with_mask(dictionary, odd, pa.array(values, pa.string()))
        if pc.any(pc.equal(pc.utf8_length(dictionary), 0)).as_py():
            return False
        # A block's dictionary lists its values in order of first appearance within the block
        # (`finish` relies on it). The dictionary is copied so the block's buffers can go.
        self.dictionaries.append(pa.concat_arrays([dictionary]))
        self.indices.append(encoded.indices)
        return True

    def finish(self) -> tuple[pa.Array, npt.NDArray[np.int32]]:
        """The distinct values in order of first appearance, and each row's code."""
        import pyarrow as pa
        import pyarrow.compute as pc

        every = pa.concat_arrays(self.dictionaries)
        sizes = [len(d) for d in self.dictionaries]
        self.dictionaries = []
        # `unique` keeps first appearance; blocks' dictionaries are in file order and each lists
        # its values in order of first appearance within the block.
        vocabulary = pc.unique(every)
        position = pc.index_in(every, value_set=vocabulary).to_numpy(zero_copy_only=False)
        del every
        codes = np.empty(sum(len(i) for i in self.indices), dtype=np.int32)
        at = offset = 0
        for block, size in enumerate(sizes):
            local = self.indices[block].to_numpy(zero_copy_only=False)
            self.indices[block] = _EMPTY  # freed as we go
            codes[at : at + local.size] = position[offset : offset + size][local]
            at += local.size
            offset += size
        self.indices = []
        return vocabulary, codes


_EMPTY: Any = None


def read_annotations_fast(
    path: Path,
    *,
    header: Sequence[str],
    columns: tuple[int, int, int],
    duplicates: str,
    labels: Sequence[str] | None,
    normal_label: Callable[[str], str],
) -> AnnotationTable | None:
    """The table `csvio.read_annotations_file` returns, or None to have the reference reader
    decide. `header` is the file's first line as parsed (raw names), `columns` the positions of
    the claim, annotator and label columns in it; `labels` the declared label set, if any."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from articles.consensus.csvio import AnnotationTable

    names = [f"f{i}" for i in range(len(header))]
    read_options = pacsv.ReadOptions(
        column_names=names, skip_rows=1, block_size=BLOCK_BYTES, use_threads=True
    )
    # Every column as text, so bytes that are not UTF-8 anywhere in a row fail as they do in the
    # reference reader; quoted values may span lines.
    convert_options = pacsv.ConvertOptions(
        column_types={
            name: pa.dictionary(pa.int32(), pa.string()) if i in columns else pa.string()
            for i, name in enumerate(names)
        },
        strings_can_be_null=False,
    )
    parse_options = pacsv.ParseOptions(newlines_in_values=True)
    claims = _Vocabulary(str.strip, every_value=False)
    annotators = _Vocabulary(str.strip, every_value=False)
    label_vocab = _Vocabulary(normal_label, every_value=True)
    declared = None if labels is None else {normal_label(label) for label in labels}
    # The system allocator: memory pyarrow frees after parsing is reused by numpy below.
    pool = pa.default_memory_pool()
    try:
        reader = pacsv.open_csv(
            path,
            read_options=read_options,
            parse_options=parse_options,
            convert_options=convert_options,
            memory_pool=pool,
        )
        for batch in reader:
            if not batch.num_rows:
                continue
            if not (
                claims.add(batch.column(columns[0]))
                and annotators.add(batch.column(columns[1]))
                and label_vocab.add(batch.column(columns[2]))
            ):
                return None
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if not claims.indices:
        return None
    claim_names, item_codes = claims.finish()
    pool.release_unused()
    annotator_names, worker_codes = annotators.finish()
    label_values, first_label_codes = label_vocab.finish()
    label_list = label_values.to_pylist()
    if declared is not None and not set(label_list) <= declared:
        return None
    label_names = sorted(declared if declared is not None else label_list)
    sorted_code = {name: code for code, name in enumerate(label_names)}
    remap = np.array([sorted_code[name] for name in label_list], dtype=np.int32)
    label_codes = remap[first_label_codes]
    del first_label_codes

    n_repeated, found, keep = _repeats(
        path, item_codes, worker_codes, label_codes, len(annotator_names), duplicates
    )
    if n_repeated < 0:
        return None
    claim_ids = ArrowStrings(claim_names)
    annotator_ids = tuple(annotator_names.to_pylist())
    examples = tuple(
        f"line {line}: claim {claim_ids[item]!r} by annotator {annotator_ids[worker]!r} "
        f"(first on line {first})"
        for line, item, worker, first in found
    )
    if keep is not None:
        item_codes, worker_codes, label_codes = (
            item_codes[keep],
            worker_codes[keep],
            label_codes[keep],
        )
    pool.release_unused()  # what parsing held goes back to the system for what follows
    # Kept as 32-bit codes until now: the repeat search above peaks lower on them.
    item_idx = item_codes.astype(np.int64)
    del item_codes
    worker_idx = worker_codes.astype(np.int64)
    del worker_codes
    label_idx = label_codes.astype(np.int64)
    del label_codes
    return AnnotationTable(
        item_idx=item_idx,
        worker_idx=worker_idx,
        label_idx=label_idx,
        claim_ids=claim_ids,
        annotator_ids=annotator_ids,
        label_names=tuple(label_names),
        n_repeated=n_repeated,
        repeated_examples=examples,
    )


def _repeats(
    path: Path,
    item: npt.NDArray[np.int32],
    worker: npt.NDArray[np.int32],
    label: npt.NDArray[np.int32],
    n_workers: int,
    duplicates: str,
) -> tuple[int, list[tuple[int, int, int, int]], npt.NDArray[np.bool_] | None]:
    """Pairs rated more than once: how many repeats, the first three as (line, claim code,
    annotator code, first line), and which rows to keep (None: all). Under "last" each pair
    keeps its first row with its last rating's label (written into `label`). -1 repeats: the
    caller must use the reference reader (an error to report, or lines it cannot derive)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    width = max(n_workers, 1)
    pair = item.astype(np.int64) * width
    pair += worker
    pair.sort()  # in place; the pairs are computed again below if any repeat
    again = pair[1:] == pair[:-1]
    n_repeated = int(np.count_nonzero(again))
    if not n_repeated:
        return 0, [], None
    if duplicates == "error":
        return -1, [], None  # the reference reader lists each duplicate with its lines
    repeated_pairs = pa.array(np.unique(pair[1:][again]))
    del again
    pair = item.astype(np.int64) * width
    pair += worker
    # The rows of repeated pairs (few): one hash lookup per row into that small set.
    found = pc.is_in(pa.array(pair), value_set=repeated_pairs)
    rows = np.flatnonzero(found.to_numpy(zero_copy_only=False))
    del pair, found
    row_pairs = item[rows].astype(np.int64) * width + worker[rows]
    order = np.argsort(row_pairs, kind="stable")  # by pair, then by row
    rows, row_pairs = rows[order], row_pairs[order]
    first_in_group = np.r_[True, row_pairs[1:] != row_pairs[:-1]]
    group_first = rows[first_in_group][np.cumsum(first_in_group) - 1]
    repeat_rows, first_rows = rows[~first_in_group], group_first[~first_in_group]
    shown = np.argsort(repeat_rows, kind="stable")[:3]
    lines = _line_numbers(path, n_rows=int(item.size))
    if lines is None:
        return -1, [], None
    examples = [
        (
            lines(int(repeat_rows[i])),
            int(item[repeat_rows[i]]),
            int(worker[repeat_rows[i]]),
            lines(int(first_rows[i])),
        )
        for i in shown
    ]
    keep = None
    if duplicates == "last":
        # Each pair's last rating is the last row of its group.
        last_in_group = np.r_[row_pairs[1:] != row_pairs[:-1], True]
        label[rows[first_in_group]] = label[rows[last_in_group]]
        keep = np.ones(item.size, dtype=np.bool_)
        keep[repeat_rows] = False
    return n_repeated, examples, keep


def _line_numbers(path: Path, *, n_rows: int) -> Callable[[int], int] | None:
    """Row index -> line number, when every row is one physical line right after a one-line
    header (no blank lines, no values spanning lines); None otherwise."""
    newlines = carriage_returns = 0
    last = b""
    with path.open("rb") as handle:
        while chunk := handle.read(BLOCK_BYTES):
            newlines += chunk.count(b"\n")
            carriage_returns += chunk.count(b"\r")
            last = chunk[-1:]
    if carriage_returns not in (0, newlines):
        return None
    physical = newlines + (0 if last in (b"\n", b"") else 1)
    if physical != n_rows + 1:
        return None
    return lambda row: row + 2


_NEEDS_QUOTES = '[,"\\r\\n]'


def write_consensus_fast(
    out: TextSink,
    claim_ids: Sequence[str],
    label_names: Sequence[str],
    posteriors: Posteriors,
    outcome: Outcome,
    *,
    precision: int,
) -> bool:
    """Write the consensus rows as `csvio.write_consensus` does, built column-wise with pyarrow;
    False (nothing written) when a claim id or label needs CSV quoting, which the caller's
    csv-module writer handles."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(claim_ids, ArrowStrings):
        ids = claim_ids.arrow
    else:
        ids = pa.array(claim_ids, type=pa.string())
    names = list(label_names)
    if any(pc.any(pc.match_substring_regex(arr, _NEEDS_QUOTES)).as_py() for arr in (
        ids,
        pa.array(names, type=pa.string()),
    ) if len(arr)):  # fmt: skip
        return False
    label_choices = pa.array([*names, ""], type=pa.string())
    status_choices = pa.array(list(STATUS_NAMES), type=pa.string())
    codes = np.asarray(outcome.labels, dtype=np.int64)
    codes = np.where(codes == NO_LABEL, len(names), codes)
    status = np.asarray(outcome.status, dtype=np.int64)
    confidence = np.asarray(outcome.confidence, dtype=np.float64)
    header = ",".join(["claim_id", "label", "confidence", "status", *(f"p_{n}" for n in names)])
    out.write(header + "\n")
    step = 1 << 16  # rows built and written at a time: the text never exists for all at once
    for start in range(0, len(ids), step):
        part = slice(start, start + step)
        columns = [
            ids.slice(start, step),
            label_choices.take(pa.array(codes[part])),
            _fixed(confidence[part], precision),
            status_choices.take(pa.array(status[part])),
            *(_fixed(posteriors.probs[part, k], precision) for k in range(len(names))),
        ]
        lines = pc.binary_join_element_wise(*columns, ",")
        out.write("\n".join(lines.to_pylist()) + "\n")
        del columns, lines
    pa.default_memory_pool().release_unused()
    return True


def _fixed(values: FloatArray, precision: int) -> pa.Array:
    """`f"{v:.{precision}f}"` of each value, vectorised; values whose rounding a float product
    could get wrong (near a tie), negatives and non-finite values go through Python's format."""
    import pyarrow as pa
    import pyarrow.compute as pc

    scale = 10**precision
    scaled = values * float(scale)
    units = np.rint(scaled)
    exact = np.isfinite(scaled) & (scaled >= 0) & (np.abs(np.abs(scaled - units) - 0.5) > 1e-6)
    units = np.where(exact, units, 0).astype(np.int64)
    whole = pa.array(units // scale).cast(pa.string())
    frac = pc.utf8_lpad(pa.array(units % scale).cast(pa.string()), precision, padding="0")
    text = pc.binary_join_element_wise(whole, frac, ".")
    inexact = np.flatnonzero(~exact)
    if inexact.size:
        replacements = pa.array([f"{values[i]:.{precision}f}" for i in inexact.tolist()])
        text = pc.replace_with_mask(text, pa.array(~exact), replacements)
    return text


def read_header(path: Path) -> tuple[list[str], int] | None:
    """The first row of the file as the csv module parses it and the line it ends on, or None
    when it cannot be read (the reference reader reports why)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            return (header, reader.line_num) if header is not None else None
    except (csv.Error, UnicodeDecodeError):
        return None
