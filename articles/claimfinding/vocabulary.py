"""The tokens of the texts claim finding reads, as dense ids shared by the scorer and the matcher.

A token is a whitespace-separated chunk of a text ("Microsoft,", "$42,000", "10"), as both the
worthiness scorer and the matcher read a sentence. Each distinct token gets an id the first time
it is met (kept across runs: tokens recur across sentences and imports), and each module keeps
what it knows of a token in an array indexed by id. So a batch's tokens are split out and looked
up in one dictionary once: the scorer does it for every sentence, and passes the ids of the
sentences it keeps (`Words`) on to the matcher, which then reads its own array.

Bounded: past `MAX_TOKENS` the ids are dropped and handed out anew (`generation` counts how many
times), and ids handed out before are no longer valid (`Words.generation` tells).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple, TypeAlias

import numpy as np
import numpy.typing as npt

from articles import arrowbuffers

Ints: TypeAlias = npt.NDArray[np.int64]
TokenIds: TypeAlias = npt.NDArray[np.int32]

MAX_TOKENS = 500_000
# A letter news text does not use, which the matcher once joined texts with and so reads as a
# space (`Vocabulary.split`).
SEPARATOR = "\ua66e"


class Words(NamedTuple):
    """The token ids of one text, as handed out in `generation`."""

    generation: int
    ids: TokenIds


class _Ids(dict[str, int]):
    """Token -> id, handed out (and the token listed) the first time it is asked."""

    def __init__(self, tokens: list[str]) -> None:
        super().__init__()
        self.tokens = tokens

    def __missing__(self, token: str) -> int:
        found = self[token] = len(self.tokens)
        self.tokens.append(token)
        return found


class Vocabulary:
    """Token <-> dense id (see the module's docstring)."""

    def __init__(self) -> None:
        self.generation = 0
        self.tokens: list[str] = []
        self._ids = _Ids(self.tokens)
        # `tokens` as an Arrow array (a pyarrow StringArray, or None before the first split
        # through Arrow), for looking up a batch's distinct tokens in Arrow's kernels: it may
        # lag behind `tokens` (tokens met through `ids`), and holds "" (never a token) for a
        # token Arrow cannot hold.
        self._arrow: Any = None

    def __len__(self) -> int:
        return len(self.tokens)

    def ids(self, tokens: Sequence[str]) -> Ints:
        """The ids of `tokens` (new tokens get the next ids, in the order they are met)."""
        found = self._ids
        if len(found) < len(self.tokens):  # tokens listed by a split through Arrow
            first = len(found)
            found.update(zip(self.tokens[first:], range(first, len(self.tokens)), strict=True))
        return np.fromiter(map(found.__getitem__, tokens), dtype=np.int64, count=len(tokens))

    def bound(self) -> None:
        """Drop every id when there are more than `MAX_TOKENS`: call it only where no ids of
        the current generation are held without their generation."""
        if len(self.tokens) > MAX_TOKENS:
            self.clear()

    def clear(self) -> None:
        # New containers, not emptied ones: whoever holds the old list of tokens keeps it.
        self.tokens = []
        self._ids = _Ids(self.tokens)
        self._arrow = None
        self.generation += 1

    def split(self, texts: Sequence[str], *, separator_as_space: bool = True) -> tuple[Ints, Ints]:
        """The ids of the tokens of all `texts` in order (each text's `str.split()`), and how
        many each text has. With `separator_as_space`, a text's `SEPARATOR` letters are read as
        spaces (as the matcher reads a text). New tokens get the next ids in the order they are
        first met."""
        if separator_as_space and any(SEPARATOR in text for text in texts):
            texts = [text.replace(SEPARATOR, " ") for text in texts]
        if not texts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        try:
            return self._split_arrow(texts)
        except UnicodeEncodeError:  # a lone surrogate, which Arrow's UTF-8 cannot hold
            per_text = [text.split() for text in texts]
            counts = np.fromiter(map(len, per_text), dtype=np.int64, count=len(per_text))
            return self.ids([token for found in per_text for token in found]), counts

    def _split_arrow(self, texts: Sequence[str]) -> tuple[Ints, Ints]:
        """`split` in Arrow's compute kernels: the texts split on whitespace (the characters
        `str.split` splits on: the same for every code point, tested) and their tokens looked
        up in Arrow, against the tokens met before; only the new ones (dictionary-encoded: in
        the order first met) are handed out ids here."""
        import pyarrow as pa
        import pyarrow.compute as pc

        lists = pc.utf8_split_whitespace(arrowbuffers.texts(texts, large=True))
        flat = lists.flatten()
        owner = pc.list_parent_indices(lists)
        # Arrow gives empty tokens for whitespace at either end of a text; str.split none.
        lengths = pc.binary_length(flat)
        if len(flat) and pc.min(lengths).as_py() == 0:
            words = pc.cast(lengths, pa.bool_())
            owner, flat = owner.filter(words), flat.filter(words)
        known = self._arrow_tokens()
        found = pc.index_in(flat, value_set=known)
        ids = arrowbuffers.integers(found, null=-1)
        if found.null_count:
            new = pc.dictionary_encode(flat.filter(pc.is_null(found)))
            added = new.dictionary
            first = len(self.tokens)
            tokens = added.to_pylist()
            # Listed only: the table of `ids` catches up when it is next used.
            self.tokens.extend(tokens)
            ids[ids < 0] = first + arrowbuffers.integers(new.indices)
            self._arrow = pa.concat_arrays([known, added])
        return ids, np.bincount(arrowbuffers.integers(owner), minlength=len(texts)).astype(np.int64)

    def _arrow_tokens(self) -> Any:
        """`self._arrow`, brought up to `tokens`."""
        import pyarrow as pa

        known = self._arrow
        if known is None:
            known = arrowbuffers.texts([], large=True)
        if len(known) < len(self.tokens):
            missing = self.tokens[len(known) :]
            try:
                more = arrowbuffers.texts(missing, large=True)
            except UnicodeEncodeError:  # "" for the tokens Arrow cannot hold (never met there)
                more = arrowbuffers.texts([t if _encodable(t) else "" for t in missing], large=True)
            known = pa.concat_arrays([known, more])
        self._arrow = known
        return known


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


VOCABULARY = Vocabulary()


def split_texts(
    texts: Sequence[str], known: Sequence[Words | None] | None = None
) -> tuple[Ints, Ints]:
    """As `VOCABULARY.split(texts)`, with the ids of text i taken from `known[i]` when given
    and still valid (the others split out here, in one pass)."""
    generation = VOCABULARY.generation
    if known is None or not any(w is not None and w.generation == generation for w in known):
        return VOCABULARY.split(texts)
    rest = [i for i, w in enumerate(known) if w is None or w.generation != generation]
    parts: list[Ints | TokenIds] = [w.ids if w is not None else _NONE for w in known]
    if rest:
        ids, counts = VOCABULARY.split([texts[i] for i in rest])
        ends = np.cumsum(counts)
        for i, start, end in zip(rest, (ends - counts).tolist(), ends.tolist(), strict=True):
            parts[i] = ids[start:end]
    counts = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    return np.concatenate(parts).astype(np.int64, copy=False), counts


_NONE = np.zeros(0, dtype=np.int64)


def clear_cache() -> None:
    """Drop every id (see `articles.claimfinding.clear_caches`)."""
    VOCABULARY.clear()
