"""The fast path of `csvio`: annotation CSV files read and consensus CSV written with pyarrow, in
bounded memory.

The file is parsed in blocks, on every core (``pyarrow.csv.read_csv``), into the claim,
annotator and label columns only; each column is then dictionary-encoded across the whole file
(the claims, when their values are scattered over the file, in parts that each fit the
processor's caches), and only the distinct values go through Python, where they are stripped
(labels also normalised, see `csvio.normal_label`) and numbered in order of first appearance
across the file. What is kept is three integer codes per row plus the distinct values; the
rows' text lives only until its column is encoded.

This path reports nothing itself: anything it cannot read exactly as `csvio`'s reference reader
would (a parse error, an empty field, a label outside the declared set, a duplicate under
``duplicates="error"``, line numbers it cannot derive) makes it return None, and the caller runs
the reference reader, which names each problem with its line number. Files without problems,
the common case, never reach the slow path.
"""

from __future__ import annotations

import codecs
import csv
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

import numpy as np
import numpy.typing as npt

from articles import arrowbuffers
from articles.consensus.arrays import NO_LABEL, FloatArray, Posteriors
from articles.consensus.rules import STATUS_NAMES, Outcome

if TYPE_CHECKING:
    import pyarrow as pa

    from articles.consensus.csvio import AnnotationTable

BLOCK_BYTES = 1 << 20
"""Bytes parsed per block: besides the integer codes it keeps, the reader's memory is a few
blocks, whatever the file's size."""

SCAN_BYTES = 1 << 22
"""Bytes read at a time by the pass that checks the whole file is UTF-8."""

SAMPLE_ROWS = 1 << 16
"""Rows at the start of the claim column that tell whether its values recur close together."""

PARTS = 64
"""Parts a scattered claim column is encoded in (see `_encoded_in_parts`; a power of two): each
part's hash table fits the processor's caches."""


def _plain(values: pa.Array) -> pa.Array:
    """Which values are printable ASCII and neither start nor end with a space: stripping leaves
    them as they are, so only the others go through Python's `str.strip`. (The only whitespace
    among printable ASCII characters is the space. The empty value is plain too.)"""
    import pyarrow.compute as pc

    edges = pc.or_(pc.starts_with(values, pattern=" "), pc.ends_with(values, pattern=" "))
    return pc.and_(pc.ascii_is_printable(values), pc.invert(edges))


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


Encoding = tuple["pa.Array", npt.NDArray[np.int32]]
"""A column's distinct values in order of first appearance, and each row's code."""


def _encoded(column: pa.ChunkedArray) -> Encoding:
    """A column of strings -> its distinct values in order of first appearance and each row's
    code (one hash table over the column, block after block)."""
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(column)
    codes = np.empty(len(encoded), dtype=np.int32)
    at = 0
    for block in encoded.chunks:
        local = arrowbuffers.view(block.indices, np.int32)
        codes[at : at + local.size] = local
        at += local.size
    if not encoded.num_chunks:
        return arrowbuffers.texts([]), codes
    return encoded.chunk(0).dictionary, codes


def _scattered(column: pa.ChunkedArray) -> bool:
    """Whether the column's values mostly do not recur within its first `SAMPLE_ROWS` rows, as
    in a file listing ratings as they arrived with many claims: one hash table over the whole
    column then misses the processor's caches on almost every row. (Values that recur close
    together, as in a file sorted by claim, or few distinct values, keep its working set
    small.)"""
    import pyarrow.compute as pc

    if len(column) <= SAMPLE_ROWS or column.nbytes >= 1 << 31:
        return False  # small; or too large for one array with 32-bit offsets (`_encoded_in_parts`)
    sample = column.slice(0, SAMPLE_ROWS)
    return 2 * int(pc.count_distinct(sample).as_py()) > len(sample)


def _part_of_each_row(
    offsets: npt.NDArray[np.int32], data: npt.NDArray[np.uint8]
) -> npt.NDArray[np.uint8]:
    """A part in [0, PARTS) for each value of a string array (`arrowbuffers.string_buffers`),
    from its last two bytes and its length: equal values always fall in the same part."""
    ends, lengths = offsets[1:], np.diff(offsets)
    data = np.concatenate([data, np.zeros(2, dtype=np.uint8)]) if data.size < 2 else data
    # Byte arithmetic wraps modulo 256, a multiple of PARTS: the same part as exact sums.
    part = data[ends - 1] * np.uint8(31)
    part += data[ends - 2] * np.uint8(7)
    part += lengths.astype(np.uint8)
    # Values shorter than two bytes read bytes of the values before them: their own part.
    short = np.flatnonzero(lengths < 2)
    if short.size:
        one = lengths[short] == 1
        part[short] = np.where(one, data[ends[short] - 1] * np.uint8(31) + np.uint8(1), 0)
    part &= np.uint8(PARTS - 1)
    return part


def _parts_encoded(
    values: pa.Array,
    order: npt.NDArray[np.integer[Any]],
    bounds: npt.NDArray[np.intp],
    parts: range,
) -> list[tuple[pa.Array, npt.NDArray[np.int32], npt.NDArray[np.integer[Any]]]]:
    """For each of `parts` (part ``k`` is the rows ``order[bounds[k]:bounds[k + 1]]``): its
    distinct values in order of first appearance, its rows' codes, and the row where each value
    first appears."""
    import pyarrow as pa

    first, after = parts.start, parts.stop
    taken = values.take(arrowbuffers.numbers(order[bounds[first] : bounds[after]]))
    encoded = []
    for part in parts:
        start, stop = int(bounds[part]), int(bounds[part + 1])
        dictionary, codes = _encoded(
            pa.chunked_array([taken.slice(start - bounds[first], stop - start)])
        )
        # Codes come in order of first appearance: a value first appears where its code
        # exceeds every code before it.
        running = np.maximum.accumulate(codes) if codes.size else codes
        new = np.ones(codes.size, dtype=np.bool_)
        np.greater(running[1:], running[:-1], out=new[1:])
        encoded.append((dictionary, codes, order[start:stop][new]))
    return encoded


def _encoded_in_parts(values: pa.Array, beside: ThreadPoolExecutor) -> Encoding:
    """`_encoded` of a scattered column (as one array: rows are taken from one twice as fast),
    in parts: the rows are split by `_part_of_each_row` (each value in one part only), each part
    is encoded with a hash table small enough to stay in the processor's caches, half of the
    parts on `beside`, and the values are put back in order of first appearance across the
    column."""
    import pyarrow as pa

    parts = _part_of_each_row(*arrowbuffers.string_buffers(values))
    # Part by part, in file order within each; 32-bit row numbers while they fit (half the
    # memory of numpy's).
    order = np.argsort(parts, kind="stable")
    if len(values) < 1 << 31:
        order = order.astype(np.int32)
    bounds = np.searchsorted(parts[order], np.arange(PARTS + 1))
    del parts
    half = int(np.searchsorted(bounds, bounds[-1] // 2))  # about half of the rows on each side
    later = beside.submit(_parts_encoded, values, order, bounds, range(half, PARTS))
    encoded = _parts_encoded(values, order, bounds, range(half)) + later.result()
    del values
    # Number the values part after part, then renumber them by the row they first appear on.
    first_rows = np.concatenate([rows for _, _, rows in encoded])
    by_first_row = np.argsort(first_rows)
    renumber = np.empty(len(first_rows), dtype=np.int32)
    renumber[by_first_row] = np.arange(len(first_rows), dtype=np.int32)
    codes = np.empty(len(order), dtype=np.int32)
    numbered = 0
    for (dictionary, part_codes, _), start, stop in zip(
        encoded, bounds[:-1], bounds[1:], strict=True
    ):
        codes[order[start:stop]] = renumber[numbered : numbered + len(dictionary)][part_codes]
        numbered += len(dictionary)
    dictionary = pa.concat_arrays([dictionary for dictionary, _, _ in encoded])
    return dictionary.take(arrowbuffers.numbers(by_first_row)), codes


def _normalised(
    dictionary: pa.Array,
    codes: npt.NDArray[np.int32],
    normalise: Callable[[str], str],
    *,
    every_value: bool,
) -> tuple[pa.Array, npt.NDArray[np.int32]] | None:
    """A column's distinct values (in order of first appearance) and each row's code ->
    the same with the values normalised, values that became equal merged; None when a value is
    empty after normalising."""
    import pyarrow.compute as pc

    # Only the distinct values go through Python: all of them for labels, else those that
    # stripping would change.
    if every_value:
        dictionary = arrowbuffers.texts([normalise(v) for v in dictionary.to_pylist()])
        changed = True
    else:
        odd = pc.invert(_plain(dictionary))
        changed = bool(pc.any(odd).as_py())
        if changed:
            values = [normalise(v) for v in pc.filter(dictionary, odd).to_pylist()]
            dictionary = pc.replace_with_mask(dictionary, odd, arrowbuffers.texts(values))
    if len(dictionary) and pc.min(pc.utf8_length(dictionary)).as_py() == 0:
        return None
    if changed:
        # Normalising may have made two values equal: encoding the list (in order of first
        # appearance) keeps the first of each and maps the rows of both to it.
        encoded = pc.dictionary_encode(dictionary)
        codes = arrowbuffers.view(encoded.indices, np.int32)[codes]
        dictionary = encoded.dictionary
    return dictionary, codes


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

    quoted = _quoted(path)
    if quoted is None:
        return None  # not UTF-8: the reference reader names the line
    names = [f"f{i}" for i in range(len(header))]
    wanted = [names[i] for i in columns]
    read_options = pacsv.ReadOptions(
        column_names=names, skip_rows=1, block_size=BLOCK_BYTES, use_threads=True
    )
    # The three columns only, as plain strings (the cheapest conversion; they are encoded
    # below). Every row's field count is still checked. Without a quotation mark in the rows no
    # value can span lines, and the parser may cut the file into blocks at any newline, in
    # parallel.
    convert_options = pacsv.ConvertOptions(
        include_columns=wanted,
        column_types=dict.fromkeys(wanted, pa.string()),
        strings_can_be_null=False,
    )
    parse_options = pacsv.ParseOptions(newlines_in_values=quoted)
    # Arrow's default pool: what it holds once parsing is done is handed back to the system
    # (`release_unused`) for numpy to use below.
    pool = pa.default_memory_pool()
    try:
        parsed = pacsv.read_csv(
            path,
            read_options=read_options,
            parse_options=parse_options,
            convert_options=convert_options,
            memory_pool=pool,
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if not parsed.num_rows:
        return None
    claim_column, annotator_column, label_column = (parsed.column(name) for name in wanted)
    del parsed
    # Each column is dictionary-encoded over the whole file, each row hashed once. (Encoding in
    # the parser hashes each row in its block and then every block's distinct values again to
    # unify them: as many values again as there are rows when the claims are scattered.) The
    # claims have the most distinct values by far: scattered, they are encoded in parts on both
    # threads after the annotators and labels (beside each other); else whole on a thread of
    # their own, beside the others.
    with ThreadPoolExecutor(max_workers=1) as beside:
        if _scattered(claim_column):
            # The annotators and labels first, so that their text is gone before the claims'
            # parts are built.
            later_annotators = beside.submit(_encoded, annotator_column)
            labels_found = _encoded(label_column)
            annotators = later_annotators.result()
            del annotator_column, label_column
            claim_values = claim_column.combine_chunks()
            del claim_column  # its blocks, now copied
            # What the text of the annotators, labels and claim blocks held goes back to the
            # system: the parts below would otherwise come on top of it (80 MB at 5M rows).
            pool.release_unused()
            claims = _encoded_in_parts(claim_values, beside)
            del claim_values
        else:
            later_claims = beside.submit(_encoded, claim_column)
            annotators = _encoded(annotator_column)
            labels_found = _encoded(label_column)
            claims = later_claims.result()
            del claim_column, annotator_column, label_column
    found_annotators = _normalised(*annotators, str.strip, every_value=False)
    found_claims = _normalised(*claims, str.strip, every_value=False)
    del annotators, claims
    found_labels = _normalised(*labels_found, normal_label, every_value=True)
    del labels_found
    pool.release_unused()
    if found_claims is None or found_annotators is None or found_labels is None:
        return None
    (claim_names, item_codes), (annotator_names, worker_codes) = found_claims, found_annotators
    label_values, first_label_codes = found_labels
    declared = None if labels is None else {normal_label(label) for label in labels}
    label_list = label_values.to_pylist()
    if declared is not None and not set(label_list) <= declared:
        return None
    label_names = sorted(declared if declared is not None else label_list)
    sorted_code = {name: code for code, name in enumerate(label_names)}
    remap = np.array([sorted_code[name] for name in label_list], dtype=np.int32)
    label_codes = remap[first_label_codes]
    del first_label_codes

    n_repeated, found, keep = _repeats(
        path,
        item_codes,
        worker_codes,
        label_codes,
        len(claim_names),
        len(annotator_names),
        duplicates,
        quoted=quoted,
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


def _quoted(path: Path) -> bool | None:
    """One pass over the file's bytes: whether a quotation mark comes after the header line (the
    header's own quotes do not count: without one, no value spans lines), or None when the file
    is not UTF-8 (the parser checks only the columns it converts)."""
    decoder = None
    quoted = False
    in_header = True
    buffer = bytearray(SCAN_BYTES)  # one buffer read into again and again: no fresh memory
    with path.open("rb") as handle:
        while size := handle.readinto(buffer):
            chunk = buffer if size == len(buffer) else buffer[:size]
            start = 0
            if in_header:
                ends = [at for at in (chunk.find(b"\n"), chunk.find(b"\r")) if at >= 0]
                start = min(ends) + 1 if ends else size
                in_header = not ends
            quoted = quoted or chunk.find(b'"', start) >= 0
            if decoder is None and not chunk.isascii():
                # Every chunk before was ASCII, so this one starts on a character's first byte.
                decoder = codecs.getincrementaldecoder("utf-8")()
            if decoder is not None:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    return None
    if decoder is not None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return None
    return quoted


def _repeats(
    path: Path,
    item: npt.NDArray[np.int32],
    worker: npt.NDArray[np.int32],
    label: npt.NDArray[np.int32],
    n_items: int,
    n_workers: int,
    duplicates: str,
    *,
    quoted: bool,
) -> tuple[int, list[tuple[int, int, int, int]], npt.NDArray[np.bool_] | None]:
    """Pairs rated more than once: how many repeats, the first three as (line, claim code,
    annotator code, first line), and which rows to keep (None: all). Under "last" each pair
    keeps its first row with its last rating's label (written into `label`). -1 repeats: the
    caller must use the reference reader (an error to report, or lines it cannot derive).
    `quoted`: a quotation mark follows the header (a value may span lines)."""
    width = max(n_workers, 1)
    # In place after one copy: each array of the file's size is fresh memory to fault in.
    pair = item.astype(np.int64)
    pair *= width
    pair += worker
    pair.sort()
    again = pair[1:] == pair[:-1]
    n_repeated = int(np.count_nonzero(again))
    if not n_repeated:
        return 0, [], None
    if duplicates == "error":
        return -1, [], None  # the reference reader lists each duplicate with its lines
    repeated = np.unique(pair[1:][again])
    del pair, again
    # The rows of repeated pairs (few): those of claims with a repeat, found by a lookup per row
    # in a table of claims, then among them those whose pair repeats.
    has_repeat = np.zeros(n_items, dtype=np.bool_)
    has_repeat[repeated // width] = True
    rows = np.flatnonzero(has_repeat[item])
    row_pairs = item[rows].astype(np.int64) * width + worker[rows]
    inside = np.isin(row_pairs, repeated)
    rows, row_pairs = rows[inside], row_pairs[inside]
    del has_repeat, inside
    order = np.argsort(row_pairs, kind="stable")  # by pair, then by row
    rows, row_pairs = rows[order], row_pairs[order]
    first_in_group = np.r_[True, row_pairs[1:] != row_pairs[:-1]]
    group_first = rows[first_in_group][np.cumsum(first_in_group) - 1]
    repeat_rows, first_rows = rows[~first_in_group], group_first[~first_in_group]
    shown = np.argsort(repeat_rows, kind="stable")[:3]
    last_shown = int(repeat_rows[shown].max(initial=0))
    if quoted:
        lines = _every_line_numbers(path, n_rows=int(item.size))
    else:
        lines = _line_numbers(path, n_rows=int(item.size), through_row=last_shown)
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


def _line_numbers(path: Path, *, n_rows: int, through_row: int) -> Callable[[int], int] | None:
    """Row index -> line number for the rows up to `through_row`, in a file with no quotation
    mark after its one-line header (no value spans lines), when no blank line comes before that
    row; None otherwise. Reads the file only as far as that row (the reported repeats are the
    first ones, mostly early in the file)."""
    wanted = through_row + 2  # the newlines up to the end of that row's line
    seen = carriage_returns = crlfs = 0
    carry = b"\n"  # as if a line ended before the file: a blank first line shows as "\n\n"
    with path.open("rb") as handle:
        while seen < wanted and (chunk := handle.read(BLOCK_BYTES)):
            count = chunk.count(b"\n")
            if seen + count >= wanted:  # cut the chunk after that row's line
                end = -1
                for _ in range(wanted - seen):
                    end = chunk.index(b"\n", end + 1)
                chunk, count = chunk[: end + 1], wanted - seen
            joined = carry + chunk
            if b"\n\n" in joined or b"\n\r\n" in joined:
                return None  # a blank line: the reader skipped it, the numbering moved
            carriage_returns += chunk.count(b"\r")
            crlfs += joined.count(b"\r\n") - carry.count(b"\r\n")
            carry = joined[-2:]
            seen += count
    if seen < wanted:
        return _every_line_numbers(path, n_rows=n_rows)
    if carriage_returns and not carriage_returns == crlfs == wanted:
        return None  # a bare carriage return ends a line for the reader
    return lambda row: row + 2


def _every_line_numbers(path: Path, *, n_rows: int) -> Callable[[int], int] | None:
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


WRITE_STEP = 1 << 16
"""Rows of the consensus CSV built at a time: the text never exists for all rows at once."""

WRITE_AHEAD = 3
"""Blocks built before the one being written is handed out."""

_NEEDS_QUOTES = '[,"\\r\\n]'


def consensus_chunks(
    claim_ids: Sequence[str],
    label_names: Sequence[str],
    posteriors: Posteriors,
    outcome: Outcome,
    *,
    precision: int,
) -> Iterator[memoryview] | None:
    """The consensus rows as `csvio.write_consensus` writes them, as UTF-8 text built
    column-wise with pyarrow, a block of rows at a time (the header first); None when a claim
    id or label needs CSV quoting, which the caller's csv-module writer handles."""
    import pyarrow.compute as pc

    ids = claim_ids.arrow if isinstance(claim_ids, ArrowStrings) else arrowbuffers.texts(claim_ids)
    names = list(label_names)
    if any(pc.any(pc.match_substring_regex(arr, _NEEDS_QUOTES)).as_py() for arr in (
        ids,
        arrowbuffers.texts(names),
    ) if len(arr)):  # fmt: skip
        return None
    return _consensus_chunks(ids, names, posteriors, outcome, precision)


def _consensus_chunks(
    ids: pa.Array, names: list[str], posteriors: Posteriors, outcome: Outcome, precision: int
) -> Iterator[memoryview]:
    import pyarrow as pa
    import pyarrow.compute as pc

    label_choices = arrowbuffers.texts([*names, ""])
    status_choices = arrowbuffers.texts(list(STATUS_NAMES))
    comma = arrowbuffers.text(",")
    codes = np.asarray(outcome.labels, dtype=np.int64)
    codes = np.where(codes == NO_LABEL, len(names), codes)
    status = np.asarray(outcome.status, dtype=np.int64)
    confidence = np.asarray(outcome.confidence, dtype=np.float64)
    header = ",".join(["claim_id", "label", "confidence", "status", *(f"p_{n}" for n in names)])
    yield memoryview((header + "\n").encode("utf-8"))
    last = len(names) - 1

    def block(start: int) -> memoryview:
        """The text of the rows from `start`, one step of them."""
        part = slice(start, start + WRITE_STEP)
        columns = [
            ids.slice(start, WRITE_STEP),
            label_choices.take(arrowbuffers.numbers(codes[part])),
            _fixed(confidence[part], precision),
            status_choices.take(arrowbuffers.numbers(status[part])),
            *(
                # The last column carries each line's end, so the joined lines are the text.
                _fixed(posteriors.probs[part, k], precision, end="\n" if k == last else "")
                for k in range(len(names))
            ),
        ]
        lines = pc.binary_join_element_wise(*columns, comma)
        offsets, data = arrowbuffers.string_buffers(lines)
        return data[offsets[0] : offsets[-1]].data

    # Blocks are built two at a time on two threads (numpy and pyarrow let them run together),
    # a few ahead of the one being written, and handed out in order.
    with ThreadPoolExecutor(max_workers=2) as builders:
        ahead: deque[Future[memoryview]] = deque()
        for start in range(0, len(ids), WRITE_STEP):
            ahead.append(builders.submit(block, start))
            if len(ahead) > WRITE_AHEAD:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()
    pa.default_memory_pool().release_unused()


def _fixed(values: FloatArray, precision: int, *, end: str = "") -> pa.Array:
    """`f"{v:.{precision}f}{end}"` of each value, vectorised: the digits of values in [0, 10)
    are written into a fixed-width byte matrix; values whose rounding a float product could get
    wrong (near a tie), larger, negative and non-finite values go through Python's format."""
    import pyarrow as pa
    import pyarrow.compute as pc

    scale = 10**precision
    scaled = values * float(scale)
    units = np.rint(scaled)
    with np.errstate(invalid="ignore"):  # inf - inf: such values are not exact anyway
        exact = (
            np.isfinite(scaled)
            & ~np.signbit(scaled)
            & (units < 10 * scale)
            & (np.abs(np.abs(scaled - units) - 0.5) > 1e-6)
        )
    units = np.where(exact, units, 0).astype(np.int64)
    tail = end.encode("utf-8")
    width = 1 + (1 + precision if precision else 0) + len(tail)
    text = np.empty((len(units), width), dtype=np.uint8)
    text[:, 0] = units // scale + ord("0")
    if precision:
        text[:, 1] = ord(".")
        fraction = units % scale
        if scale < 1 << 31:
            fraction = fraction.astype(np.int32)  # numpy divides 4-byte integers faster
        for place in range(precision):
            tens = fraction // 10
            text[:, 1 + precision - place] = fraction - tens * 10 + ord("0")
            fraction = tens
    text[:, width - len(tail) :] = np.frombuffer(tail, dtype=np.uint8)
    offsets = np.arange(0, (len(units) + 1) * width, width, dtype=np.int32)
    formatted = pa.Array.from_buffers(
        pa.string(), len(units), [None, pa.py_buffer(offsets), pa.py_buffer(text)]
    )
    inexact = np.flatnonzero(~exact)
    if inexact.size:
        replacements = arrowbuffers.texts(
            [f"{values[i]:.{precision}f}{end}" for i in inexact.tolist()]
        )
        formatted = pc.replace_with_mask(formatted, arrowbuffers.flags(~exact), replacements)
    return formatted


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
