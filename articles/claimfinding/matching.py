"""Which sentences state the same claim: similarity of sentences to each other and to the claims
on file, and clustering of one batch's sentences into claims.

A sentence is a TF-IDF vector over its terms: content words (function and reporting words
dropped, casefolded, cut to their first five letters: a crude stemmer that works across the
Latin-script languages, so "trained"/"training", "Klage"/"Klagen" and "inteligencia"/
"intelligence" meet), month names as their number in any language, and values written the same
way whatever the language ("$10 billion", "10bn dollars" and "10 mil millones de dólares" all
give the terms `10000000000` and `usd`; "40 %", "40 percent", "40 Prozent" give `40` and `pct`).
Similarity is the cosine of two vectors, from 0 to 1. The IDF is taken from the texts compared in
one run (sublinear term frequency, smoothed IDF).

Cost follows the matches, not the number of texts squared: in a large run only the terms found
in at most `MAX_DF` of its texts (and at least in `MIN_DF_CAP`) count, as a rare word, a name
or a figure is what tells one claim from another (the old rule of blocking by shared rare
words, made the similarity itself); the pairs are then the non-zero entries of one sparse
product over those terms, computed in blocks and cut at the threshold as they come. A batch of
a few articles keeps every term. Clustering takes the pairs at the threshold first, and the
weaker pairs only among the rows of the groups average linkage may merge (in the benchmark's
batch, about 850 of 65,000 rows: most are alone or in one large group of boilerplate).
"""

from __future__ import annotations

import heapq
import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.sparse import csgraph

from articles.claimfinding import worthiness
from articles.claimfinding.lexicon import (
    CURRENCIES,
    MONTHS,
    PERCENT_WORDS,
    SCALES,
    STOPWORDS,
)
from articles.claimfinding.values import parse_number
from articles.claimfinding.vocabulary import VOCABULARY, Words, split_texts

STEM = 5
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:[-'\u2019][^\W\d_]+)*")
# Currency symbols as words, so "$42,000" and "42,000 USD" share both tokens.
_SYMBOLS = {"$": " usd ", "€": " eur ", "£": " gbp ", "¥": " jpy "}


_NUMBER_SCALE = re.compile(
    r"(\d+(?:[.,\u00a0\u202f]\d+)*)\s?("
    + "|".join(re.escape(w) for w in sorted(SCALES, key=len, reverse=True))
    + r")\.?(?!\w)"
)
# Currency and percentage words to one token each, across languages.
_VALUE_WORDS = {word: code.casefold() for word, code in CURRENCIES.items() if word.isalpha()} | {
    word: "pct" for entry in PERCENT_WORDS for word in entry.split() if word.isalpha()
}
_VALUE_WORDS.pop("per", None)
_VALUE_WORDS.pop("points", None)
_VALUE_WORDS.pop("por", None)
_VALUE_WORDS.pop("pour", None)


def _scaled(match: re.Match[str]) -> str:
    amount = parse_number(match.group(1)) * SCALES.get(match.group(2).casefold(), 1.0)
    return f" {round(amount)} "


def _prepared(text: str) -> str:
    folded = text.casefold().replace("%", " pct ")
    for sign, code in _SYMBOLS.items():
        folded = folded.replace(sign, code)
    return _NUMBER_SCALE.sub(_scaled, folded)


def _content_token(raw: str) -> str:
    """The term of one raw token of a prepared text ("" when it carries none)."""
    if raw[0].isdigit():
        return raw.replace(",", "").replace(".", "")
    if raw in _VALUE_WORDS:
        return _VALUE_WORDS[raw]
    if raw in _MONTH_TERMS:
        return _MONTH_TERMS[raw]
    if len(raw) > 1 and raw not in STOPWORDS:
        return raw[:STEM]
    return ""


# Month names (not the short forms, which are words too: "may", "mar", "sept") as one term
# each, in every language: "April", "abril", "avril" are `m4`.
_MONTH_TERMS = {name: f"m{number}" for name, number in MONTHS.items() if len(name) > 3}


# Legal wording in any of the listed languages ("sue", "lawsuit", "legal action", "court",
# "demanda", "Klage") also gives one shared term: outlets word a legal step many ways.
_LEGAL = worthiness.lexicon_matcher("legal language")
LEGAL_TERM = "~legal"


def content_tokens(text: str) -> list[str]:
    """The terms of a sentence: content words stemmed, month names as their number, numbers
    without separators and scaled ("10 billion" is `10000000000`), currency signs and words as
    their codes, percentage signs and words as `pct`, and `LEGAL_TERM` after legal words."""
    terms: list[str] = []
    # One plain word (most chunks) has no sign, number or scale to prepare.
    raws = [text.casefold()] if text.isalpha() else _TOKEN.findall(_prepared(text))
    for raw in raws:
        term = _content_token(raw)
        if term:
            terms.append(term)
            if _LEGAL(raw):
                terms.append(LEGAL_TERM)
    return terms


# A scipy.sparse CSR matrix (scipy ships no type hints).
Matrix: TypeAlias = Any
Indices: TypeAlias = npt.NDArray[np.int64]
FloatArray: TypeAlias = npt.NDArray[np.float32]


# Token (whitespace-separated chunk of text: "Microsoft's", "$42,000", "10", "billion,"; see
# `vocabulary`) -> its terms packed in one int: the ids of its first two terms (`content_tokens`
# of the token alone; 0 for none), and whether it ends in a bare number or is a scale word (see
# `_scaled_pairs`). By token id (-1: not worked out yet), in an array kept across runs: tokens
# recur across sentences and imports, so each is worked out once.
_PACKED: Indices = np.zeros(0, dtype=np.int64)
_PACKED_GENERATION = -1
_WORD_TERMS: dict[str, int] = {}
_ORDINARY = ".,;:!?\"'()[]\u201c\u201d\u2018\u2019\u00ab\u00bb\u201e"
_TERMS_MAX = 1_000_000
_TERM_BITS = 30
_TERM_MASK = (1 << _TERM_BITS) - 1
_ENDS_IN_NUMBER = 1 << 60
_SCALE_WORD = 1 << 61
_BARE_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f]\d+)*")
_SCALE_CHUNKS = frozenset(SCALES) | {f"{w}." for w in SCALES}
_TRAILING = ",;:!?)]\"'\u201d\u2019"


class _TermIds(dict[str, int]):
    """Term -> id, the next id handed out the first time a term is asked."""

    def __missing__(self, term: str) -> int:
        found = self[term] = len(self)
        return found


_TERM_IDS = _TermIds({"": 0})


def _word_terms(words: Sequence[str]) -> list[list[str]]:
    """`content_tokens` of each word: a plain word (most are) worked out here, in one loop."""
    value_words, month_terms, stopwords, legal = _VALUE_WORDS, _MONTH_TERMS, STOPWORDS, _LEGAL
    found: list[list[str]] = []
    append = found.append
    for word in words:
        if word.isalpha():
            # As `content_tokens` and `_content_token` read one plain word.
            raw = word.casefold()
            if not raw[0].isdigit():
                term = (
                    value_words.get(raw)
                    or month_terms.get(raw)
                    or (raw[:STEM] if len(raw) > 1 and raw not in stopwords else "")
                )
                append(([term, LEGAL_TERM] if legal(raw) else [term]) if term else [])
                continue
        elif word.isdecimal():
            # A plain number (the digits `\d` matches) is its own term.
            append([word, LEGAL_TERM] if legal(word) else [word])
            continue
        append(content_tokens(word))
    return found


def _packed_chunks(chunks: Sequence[str]) -> Indices:
    """The packed terms of `chunks` (tokens). The words not met before get their terms' ids
    in the order they first come."""
    # Quotation marks and the like change no term: "Microsoft," and "(Microsoft" are worked out
    # as "Microsoft", once.
    words = [chunk.strip(_ORDINARY) for chunk in chunks]
    new = [word for word in dict.fromkeys(words) if word not in _WORD_TERMS]
    if new:
        terms = _word_terms(new)
        counts = np.fromiter(map(len, terms), dtype=np.int64, count=len(terms))
        ids = np.fromiter(
            map(_TERM_IDS.__getitem__, itertools.chain.from_iterable(terms)),
            dtype=np.int64,
            count=int(counts.sum()),
        )
        # Each word's first two terms (0 for none).
        starts = np.cumsum(counts) - counts
        padded = np.concatenate([ids, np.zeros(2, dtype=np.int64)])
        first = np.where(counts >= 1, padded[starts], 0)
        second = np.where(counts >= 2, padded[starts + 1], 0)
        _WORD_TERMS.update(zip(new, (first + (second << _TERM_BITS)).tolist(), strict=True))
    packed = np.fromiter(map(_WORD_TERMS.__getitem__, words), dtype=np.int64, count=len(words))
    fullmatch = _BARE_NUMBER.fullmatch
    numbers = [
        k
        for k, chunk in enumerate(chunks)
        if not chunk.isalpha() and fullmatch(chunk.lstrip("$€£¥("))
    ]
    scales = [
        k for k, chunk in enumerate(chunks) if chunk.casefold().rstrip(_TRAILING) in _SCALE_CHUNKS
    ]
    packed[np.array(numbers, dtype=np.int64)] |= _ENDS_IN_NUMBER
    packed[np.array(scales, dtype=np.int64)] |= _SCALE_WORD
    return packed


def _packed_of(ids: Indices) -> Indices:
    """The packed terms of the tokens `ids`. Tokens not worked out yet are worked out in the
    order they are first met in `ids`, so new terms get their ids in reading order."""
    global _PACKED, _PACKED_GENERATION
    if VOCABULARY.generation != _PACKED_GENERATION:
        _PACKED, _PACKED_GENERATION = np.zeros(0, dtype=np.int64), VOCABULARY.generation
    if len(_PACKED) < len(VOCABULARY):
        _PACKED = np.concatenate(
            [_PACKED, np.full(len(VOCABULARY) - len(_PACKED), -1, dtype=np.int64)]
        )
    packed = _PACKED[ids]
    missing = np.flatnonzero(packed < 0)
    if len(missing):
        # Where each new token is first met, and the new tokens in that order.
        first = np.full(len(_PACKED), len(ids), dtype=np.int64)
        np.minimum.at(first, ids[missing], missing)
        new = np.flatnonzero(first < len(ids))
        new = new[np.argsort(first[new])]
        tokens = VOCABULARY.tokens
        _PACKED[new] = _packed_chunks([tokens[token] for token in new.tolist()])
        packed = _PACKED[ids]
    return packed


def _read_scaled_numbers(ids: Indices, packed: Indices, ends: Indices, terms: Indices) -> None:
    """Read "10 billion", "2,5 mil millones" as one number in `terms` (two term ids per token,
    0 for none; rewritten in place): the number's token gets the scaled number, the scale
    words' tokens nothing. `ends[k]`: where text k's tokens end in `ids`."""
    scale = np.flatnonzero(packed & _SCALE_WORD)
    # Tokens ending in a number followed by a scale word of the same text.
    starts = scale[scale > 0] - 1
    starts = starts[(packed[starts] & _ENDS_IN_NUMBER) != 0]
    text_end = ends[np.searchsorted(ends, starts, side="right")]
    same_text = starts + 1 < text_end
    starts, text_end = starts[same_text], text_end[same_text]
    if not len(starts):
        return
    # Each number takes the scale words after it up to the end of their run or of the text. (A
    # scale word never ends in a number, so the spans do not overlap.)
    run_last = scale[np.r_[scale[1:] != scale[:-1] + 1, True]]
    stops = np.minimum(run_last[np.searchsorted(run_last, starts + 1)] + 1, text_end)
    tokens = VOCABULARY.tokens
    # The same number in the same words recurs across outlets: worked out once.
    read: dict[str, tuple[int, int]] = {}
    firsts: list[int] = []
    seconds: list[int] = []
    for i, end in zip(starts.tolist(), stops.tolist(), strict=True):
        text = " ".join([tokens[token] for token in ids[i:end].tolist()])
        found = read.get(text)
        if found is None:
            # Every term gets its id (as for a word), the first two count.
            terms_ids = [_TERM_IDS[t] for t in content_tokens(text)]
            terms_ids.extend((0, 0))
            found = read[text] = (terms_ids[0], terms_ids[1])
        firsts.append(found[0])
        seconds.append(found[1])
    lengths = stops - starts
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    terms[np.repeat(starts, lengths) + offsets] = 0
    terms[starts, 0] = firsts
    terms[starts, 1] = seconds


def _term_counts(texts: Sequence[str], words: Sequence[Words | None] | None = None) -> Matrix:
    """The term counts of `texts`: one row per text, one column per term id (`_TERM_IDS`).
    `words[i]`, when given, holds the token ids of text i as the scorer looked them up."""
    if not texts:
        return sparse.csr_matrix((0, len(_TERM_IDS)), dtype=np.float32)
    if len(_WORD_TERMS) > _TERMS_MAX:
        clear_cache()
    # Before the ids are read: ids handed out anew make the scorer's stale (they are split
    # again).
    VOCABULARY.bound()
    ids, counts = split_texts(texts, words)
    packed = _packed_of(ids)
    # Two term ids per token, in reading order: each text's are one run.
    terms = np.empty((len(ids), 2), dtype=np.int64)
    np.bitwise_and(packed, _TERM_MASK, out=terms[:, 0])
    np.bitwise_and(packed >> _TERM_BITS, _TERM_MASK, out=terms[:, 1])
    ends = np.cumsum(counts)
    _read_scaled_numbers(ids, packed, ends, terms)
    flat = terms.ravel()
    kept = flat > 0
    taken = np.zeros(len(flat) + 1, dtype=np.int64)
    np.cumsum(kept, out=taken[1:])
    # Columns are the terms' ids (shared by all runs), so no renumbering is needed.
    counts = sparse.csr_matrix(
        (np.ones(int(taken[-1]), dtype=np.float32), flat[kept], taken[2 * np.r_[0, ends]]),
        shape=(len(texts), len(_TERM_IDS)),
    )
    counts.sum_duplicates()
    return counts


def _tfidf(counts: Matrix, *, max_df: float, min_df_cap: int) -> Matrix:
    """TF-IDF rows (sublinear term frequency, smoothed IDF from the rows) divided by their
    length; then the terms in more than `max_df` of the rows, and in more than `min_df_cap`
    rows, are left out (the products of two rows leave out what those terms would add)."""
    n = counts.shape[0]
    counts.data = 1.0 + np.log(counts.data, dtype=np.float32)
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
    counts.data *= idf[counts.indices]
    # Lengths with every term: a sentence made mostly of common words stays long, so sharing
    # its one rare word with another makes it only a little like it.
    norms = np.sqrt(np.asarray(counts.multiply(counts).sum(axis=1), dtype=np.float32).ravel())
    norms[norms == 0] = 1.0
    counts.data /= np.repeat(norms, np.diff(counts.indptr))
    counts.data[df[counts.indices] > max(max_df * n, min_df_cap)] = 0.0
    counts.eliminate_zeros()
    return counts


# Terms in more than MAX_DF of the texts of a run, and in more than MIN_DF_CAP texts, count for
# nothing (see the module's docstring): a batch of a few articles keeps every term.
MAX_DF = 0.002
MIN_DF_CAP = 200


def vectorise(
    texts: Sequence[str],
    *,
    words: Sequence[Words | None] | None = None,
    max_df: float = MAX_DF,
    min_df_cap: int = MIN_DF_CAP,
) -> Matrix:
    """L2-normalised TF-IDF rows of `texts` (see `TextSpace`)."""
    return _tfidf(_term_counts(texts, words), max_df=max_df, min_df_cap=min_df_cap)


class TextSpace:
    """The texts compared in one run, as TF-IDF rows. `words[i]`, when given, holds the token
    ids of text i as the worthiness scorer looked them up (so they are not looked up again)."""

    def __init__(
        self,
        texts: Sequence[str],
        *,
        words: Sequence[Words | None] | None = None,
        max_df: float = MAX_DF,
        min_df_cap: int = MIN_DF_CAP,
    ) -> None:
        self.texts = list(texts)
        self.vectors = vectorise(self.texts, words=words, max_df=max_df, min_df_cap=min_df_cap)

    def __len__(self) -> int:
        return len(self.texts)

    def similarity(self, left: Indices, right: Indices) -> FloatArray:
        """The similarity of each pair (left[i], right[i]) of rows."""
        if len(left) == 0:
            return np.zeros(0, dtype=np.float32)
        products = self.vectors[left].multiply(self.vectors[right]).sum(axis=1)
        return np.asarray(products, dtype=np.float32).ravel()

    def pairs(
        self,
        left: Indices,
        right: Indices,
        *,
        threshold: float,
        chunk: int = 4096,
        upper: bool = False,
    ) -> Iterator[tuple[Indices, Indices, FloatArray]]:
        """Blocks of (rows of `left`, rows of `right`, similarity) for the pairs at least
        `threshold` similar (and above 0). A row paired with itself is left out.

        With `upper`, `left` and `right` are one set of rows and each pair comes once, as
        (a, b) with a < b (the similarity is symmetric).
        """
        if len(left) == 0 or len(right) == 0:
            return
        if upper:
            left = right = np.unique(left)
        right_t = self.vectors[right].T.tocsr()
        for begin in range(0, len(left), chunk):
            rows = left[begin : begin + chunk]
            # In the upper triangle, this chunk's rows only pair with rows from its first on.
            first = begin if upper else 0
            product = (self.vectors[rows] @ right_t[:, first:]).tocoo()
            a = rows[product.row]
            b = right[product.col + first]
            sims = product.data.astype(np.float32)
            keep = ((a < b) if upper else (a != b)) & (sims >= threshold - _ROUNDING)
            if keep.any():
                yield a[keep], b[keep], np.minimum(sims[keep], np.float32(1.0))


_ROUNDING = 1e-5


@dataclass(frozen=True, slots=True)
class Match:
    """Row `row` of the sentences is most like row `target` of the targets, at `similarity`."""

    row: int
    target: int
    similarity: float


def best_matches(
    space: TextSpace,
    sentences: Indices,
    targets: Indices,
    *,
    threshold: float,
    target_groups: npt.NDArray[np.int64] | None = None,
) -> list[Match]:
    """For each sentence (rows of `space`), the target row it is most similar to, when at least
    `threshold`; `row` and `target` are positions in `sentences` and `targets`.

    With `target_groups` (one group id per target, e.g. the claim each text belongs to),
    `target` is the group of the best target instead. Ties go to the first target.
    """
    position = np.full(len(space), -1, dtype=np.int64)
    position[sentences] = np.arange(len(sentences))
    target_position = np.full(len(space), -1, dtype=np.int64)
    target_position[targets] = np.arange(len(targets))
    rows: list[Indices] = []
    columns: list[Indices] = []
    similarities: list[FloatArray] = []
    for a, b, sims in space.pairs(sentences, targets, threshold=threshold):
        rows.append(position[a])
        columns.append(target_position[b])
        similarities.append(sims)
    if not rows:
        return []
    row, column, similarity = (
        np.concatenate(rows),
        np.concatenate(columns),
        np.concatenate(similarities),
    )
    # Per sentence, the most similar target; ties go to the first target.
    order = np.lexsort((column, -similarity, row))
    first = order[np.r_[True, row[order][1:] != row[order][:-1]]]
    best = column[first]
    groups = target_groups[best] if target_groups is not None else best
    return [
        Match(int(r), int(g), float(sim))
        for r, g, sim in zip(
            row[first].tolist(), groups.tolist(), similarity[first].tolist(), strict=True
        )
    ]


@dataclass(frozen=True, slots=True)
class Clusters:
    """`labels[i]`: the cluster of row i (its leader's position); `similarities[i]`: row i's
    similarity to its leader (1.0 for a leader)."""

    labels: list[int]
    similarities: list[float]


# Sentences this similar state one claim whatever else is in the batch: they are clustered
# first, by leader (see `cluster`), before the slower average linkage.
CORE = 0.5
# Average linkage runs on groups of at most this many clusters linked by pairs at least as
# similar as the threshold: a larger group is boilerplate repeated across a batch (a template,
# an agency's standard line), where merging would make one claim of many.
MAX_LINKED = 100


def cluster(
    space: TextSpace,
    rows: Indices,
    *,
    threshold: float,
    order: Sequence[int],
) -> Clusters:
    """Cluster the `rows` of `space` into claims; labels and order are positions in `rows`.

    In two steps, both deterministic:
      1. leaders: positions are taken in `order` (best first); one not yet clustered leads a
         new cluster, which takes every unclustered row at least `CORE` similar to it (or
         `threshold`, when higher);
      2. average linkage between those clusters: the two clusters whose rows are most similar
         on average (over all pairs of their rows; a pair under half the threshold counts as 0)
         are merged, as long as that average is at least `threshold`, within each group of at
         most `MAX_LINKED` clusters linked by pairs at least `threshold` similar.
    A sentence joins a claim for being like its sentences on the whole, not like one of them,
    so clusters do not drift from "A is like B is like C" to an A unlike C, while five outlets
    wording one claim five ways still meet. A cluster's label is its first position in
    `order` (its best row); `similarities[i]` is row i's similarity to that row.
    """
    n = len(rows)
    if n == 0:
        return Clusters([], [])
    vectors = space.vectors[rows]
    # 1. Leaders, over the pairs at least CORE similar (both ways).
    first, second, sims = _similar_pairs(vectors, np.arange(n), threshold=threshold)
    strong = sims >= max(threshold, CORE) - _ROUNDING
    graph = sparse.csr_matrix(
        (
            np.ones(2 * int(strong.sum()), dtype=np.int8),
            (
                np.concatenate([first[strong], second[strong]]),
                np.concatenate([second[strong], first[strong]]),
            ),
        ),
        shape=(n, n),
    )
    indptr, indices = graph.indptr, graph.indices
    # A row with no such pair leads itself; the others are taken in order.
    labels = np.arange(n, dtype=np.int64)
    linked = np.diff(indptr) > 0
    labels[linked] = -1
    ordered = np.asarray(order, dtype=np.int64)
    for leader in ordered[linked[ordered]].tolist():
        if labels[leader] != -1:
            continue
        labels[leader] = leader
        neighbours = indices[indptr[leader] : indptr[leader + 1]]
        labels[neighbours[labels[neighbours] == -1]] = leader
    # 2. Average linkage between the clusters, from the summed similarity of every two clusters
    # of one group. The groups of clusters linked by pairs of rows at least `threshold` similar
    # are the groups of rows so linked (a row is that similar to its cluster's leader).
    # `first` is ascending: the pairs are the rows of the graph in order.
    _, group = csgraph.connected_components(
        sparse.csr_matrix(
            (np.ones(len(first), dtype=np.int8), second, _row_starts(first, n)), shape=(n, n)
        ),
        directed=False,
    )
    clusters_in = np.bincount(group[np.flatnonzero(np.bincount(labels, minlength=n))], minlength=n)
    # Only the rows of a group of 2 to MAX_LINKED clusters have pairs that count: the pairs
    # at least half the threshold similar are looked for among those rows alone.
    in_group = clusters_in[group]
    linkable = np.flatnonzero((in_group >= 2) & (in_group <= MAX_LINKED))
    first, second, sims = _similar_pairs(vectors, linkable, threshold=threshold / 2)
    a, b = labels[first], labels[second]
    apart = (a != b) & (group[first] == group[second])
    a, b = np.minimum(a[apart], b[apart]), np.maximum(a[apart], b[apart])
    # Summed in any order, to the same totals: float32 values of at least 2**-k are multiples
    # of 2**-(23 + k), so float64 sums of fewer than 2**(30 - k) of them are exact (k = 4 at
    # the default threshold).
    totals = sparse.coo_matrix((sims[apart].astype(np.float64), (a, b)), shape=(n, n)).tocsr()
    totals.sum_duplicates()
    if totals.nnz:
        size = np.bincount(labels, minlength=n).astype(np.float64)
        pair_a = np.repeat(np.arange(n), np.diff(totals.indptr))
        pair_b = totals.indices.astype(np.int64)
        _merge(labels, size, pair_a, pair_b, totals.data, threshold=threshold)
    # Each cluster's label is its best row.
    rank = np.empty(n, dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(n)
    best = np.full(n, n, dtype=np.int64)
    np.minimum.at(best, labels, rank)
    leader_of = np.asarray(order, dtype=np.int64)[best[labels]]
    similarities = [1.0] * n
    followers = np.flatnonzero(leader_of != np.arange(n))
    if len(followers):
        found = space.similarity(rows[leader_of[followers]], rows[followers]).tolist()
        for follower, similarity in zip(followers.tolist(), found, strict=True):
            similarities[follower] = round(similarity, 4)
    return Clusters(leader_of.tolist(), similarities)


def _similar_pairs(
    vectors: Matrix, rows: Indices, *, threshold: float, chunk: int = 8192
) -> tuple[Indices, Indices, FloatArray]:
    """The pairs (i, j) of `rows` (positions in `vectors`, ascending), i < j, at least
    `threshold` similar (and above 0), with their similarity (at most 1), by i ascending. A
    similarity is worked out as `TextSpace.pairs` works it out (row i's terms in order)."""
    found: list[tuple[Indices, Indices, FloatArray]] = []
    subset = vectors[rows]
    for begin in range(0, len(rows), chunk):
        # This chunk's rows only pair with rows from its first on.
        product = subset[begin : begin + chunk] @ subset[begin:].T.tocsr()
        keep = np.flatnonzero(product.data >= threshold - _ROUNDING)
        i = np.searchsorted(product.indptr, keep, side="right") - 1 + begin
        j = product.indices[keep] + begin
        sims = product.data[keep]
        upper = i < j
        found.append((rows[i[upper]], rows[j[upper]], np.minimum(sims[upper], np.float32(1.0))))
    if not found:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, np.float32)
    return (
        np.concatenate([f[0] for f in found]),
        np.concatenate([f[1] for f in found]),
        np.concatenate([f[2] for f in found]),
    )


def _row_starts(rows: Indices, n: int) -> Indices:
    """The CSR `indptr` of `n` rows given the ascending row of each entry."""
    starts: Indices = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=starts[1:])
    return starts


def _merge(
    labels: Indices,
    size: npt.NDArray[np.float64],
    pair_a: Indices,
    pair_b: Indices,
    totals: npt.NDArray[np.float64],
    *,
    threshold: float,
) -> None:
    """Average linkage over clusters (`labels` rewritten in place): `totals[k]` is the summed
    similarity between clusters `pair_a[k]` and `pair_b[k]`, `size` the clusters' sizes."""
    links: dict[int, dict[int, float]] = {}
    for i, j, total in zip(pair_a.tolist(), pair_b.tolist(), totals.tolist(), strict=True):
        links.setdefault(i, {})[j] = total
        links.setdefault(j, {})[i] = total
    sizes = {node: float(size[node]) for node in links}
    heap = [
        (-total / (sizes[i] * sizes[j]), i, j)
        for i, linked in links.items()
        for j, total in linked.items()
        if i < j and total / (sizes[i] * sizes[j]) >= threshold - _ROUNDING
    ]
    heapq.heapify(heap)
    merged: dict[int, int] = {}
    while heap:
        negative, i, j = heapq.heappop(heap)
        if i in merged or j in merged or j not in links[i]:
            continue
        average = links[i][j] / (sizes[i] * sizes[j])
        if abs(-negative - average) > _ROUNDING:
            continue  # stale: the pair's current average was pushed when it changed
        # Merge j into i: the summed similarities to every other cluster add up.
        for k, total in links.pop(j).items():
            links[k].pop(j)
            if k != i:
                links[i][k] = links[i].get(k, 0.0) + total
                links[k][i] = links[i][k]
        sizes[i] += sizes.pop(j)
        merged[j] = i
        for k, total in links[i].items():
            value = total / (sizes[i] * sizes[k])
            if value >= threshold - _ROUNDING:
                heapq.heappush(heap, (-value, min(i, k), max(i, k)))
    if merged:
        root = np.arange(len(labels))
        for j in sorted(merged):
            target = merged[j]
            while target in merged:
                target = merged[target]
            root[j] = target
        labels[:] = root[labels]


def clear_cache() -> None:
    """Empty this module's per-word tables (see `articles.claimfinding.clear_caches`)."""
    global _PACKED, _PACKED_GENERATION
    _PACKED, _PACKED_GENERATION = np.zeros(0, dtype=np.int64), -1
    _WORD_TERMS.clear()
    _TERM_IDS.clear()
    _TERM_IDS[""] = 0
