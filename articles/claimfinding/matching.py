"""Which sentences state the same claim: similarity of sentences to each other and to the claims
on file, and clustering of one batch's sentences into claims.

Two views of a sentence, combined:
  * words: TF-IDF over content words (function and reporting words dropped, casefolded, cut to
    their first five letters: a crude stemmer that works across the Latin-script languages, so
    "trained"/"training" and "Klage"/"Klagen" meet) and values written the same way whatever the
    language ("$10 billion", "10bn dollars" and "10 mil millones de dólares" all give the tokens
    `10000000000` and `usd`; "40 %", "40 percent", "40 Prozent" give `40` and `pct`);
  * characters: TF-IDF over 3- to 5-letter pieces of the content words, so paraphrases that
    share word parts ("co-founder"/"co-founded", "Microsoft's"/"Microsoft", compounds) meet.
Similarity is `WORD_WEIGHT` times the cosine of the word vectors plus the rest times the cosine
of the character vectors, from 0 to 1. The IDF is taken from the texts compared in one run, and
words in more than `max_df` of them count for nothing.

Cost stays bounded by the work, not by the number of texts squared: pairs are only scored when
they share a rare word (one in at most `SHORTLIST_DF` texts of the run: a name, a figure, an
unusual word); words shared by many texts weigh little in the similarity anyway, and an inverted
index over them would pair everything with everything.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction import FeatureHasher
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize

from articles.claimfinding.lexicon import CURRENCIES, PERCENT_WORDS, SCALES, STOPWORDS
from articles.claimfinding.values import parse_number

STEM = 5
N_FEATURES = 2**20
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
    """The content token of one raw token of a prepared text ("" when it carries none)."""
    if raw[0].isdigit():
        return raw.replace(",", "").replace(".", "")
    if raw in _VALUE_WORDS:
        return _VALUE_WORDS[raw]
    if len(raw) > 1 and raw not in STOPWORDS:
        return raw[:STEM]
    return ""


def content_tokens(text: str) -> list[str]:
    """The words that carry a sentence's content, stemmed; numbers without separators, scaled
    ("10 billion" is `10000000000`); currency signs and words as their codes, percentage signs and
    words as `pct`."""
    return [t for t in map(_content_token, _TOKEN.findall(_prepared(text))) if t]


# Raw token -> hashed column of its content token (-1: none), shared by all runs: words recur
# across sentences and imports, so each is stemmed and hashed once. Emptied past _COLUMNS_MAX.
_COLUMNS: dict[str, int] = {}
_COLUMNS_MAX = 1_000_000
# Texts are prepared and split into tokens together, joined by a letter news text does not use
# (checked): it comes out as a token of its own between the texts' tokens.
_SEPARATOR = "\ua66e"
_BETWEEN = -2


def _word_counts(texts: Sequence[str]) -> Matrix:
    """The content-token counts of `texts` in hashed columns, as `HashingVectorizer` with
    `content_tokens` as analyzer gives them: each distinct raw token is worked out and hashed
    once, and the rest is array work."""
    if not texts:
        return sparse.csr_matrix((0, N_FEATURES), dtype=np.float32)
    joined = f" {_SEPARATOR} ".join(texts)
    if joined.count(_SEPARATOR) != len(texts) - 1:
        return _HASHER.transform([content_tokens(text) for text in texts]).tocsr()
    tokens = _TOKEN.findall(_prepared(joined))
    columns = _COLUMNS
    if len(columns) > _COLUMNS_MAX:
        columns.clear()
    columns[_SEPARATOR] = _BETWEEN
    missing = sorted(set(tokens).difference(columns))
    if missing:
        contents = [_content_token(raw) for raw in missing]
        hashed = _HASHER.transform([[c] for c in contents]).tocsr()
        for raw, content, start in zip(missing, contents, hashed.indptr[:-1].tolist(), strict=True):
            columns[raw] = int(hashed.indices[start]) if content else -1
    found = np.fromiter(map(columns.__getitem__, tokens), dtype=np.int64, count=len(tokens))
    rows = np.cumsum(found == _BETWEEN)
    keep = found >= 0
    counts = sparse.csr_matrix(
        (np.ones(int(keep.sum()), dtype=np.float32), (rows[keep], found[keep])),
        shape=(len(texts), N_FEATURES),
    )
    counts.sum_duplicates()
    return counts


def _content_word_list(text: str) -> list[str]:
    """The content words of a sentence, unstemmed, for the character view."""
    return [
        raw
        for raw in _TOKEN.findall(text.casefold())
        if len(raw) > 1 and not raw[0].isdigit() and raw not in STOPWORDS
    ]


def _content_words(text: str) -> str:
    return " ".join(_content_word_list(text))


# Hashes one content token per sample (see `_word_counts`).
_HASHER = FeatureHasher(
    n_features=N_FEATURES, input_type="string", alternate_sign=False, dtype=np.float32
)
# The character view of a text is the sum of those of its content words (`char_wb` n-grams never
# cross a word): each distinct word is hashed once per run, and a text's vector is its word
# counts times the words' n-gram counts.
_CHAR_HASHER = HashingVectorizer(
    analyzer="char_wb",
    ngram_range=(3, 5),
    lowercase=False,
    n_features=N_FEATURES,
    alternate_sign=False,
    norm=None,
    dtype=np.float32,
)

# A scipy.sparse CSR matrix (scipy ships no type hints).
Matrix: TypeAlias = Any
Indices: TypeAlias = npt.NDArray[np.int64]
FloatArray: TypeAlias = npt.NDArray[np.float32]


def _tfidf(counts: Matrix, *, max_df: float, min_texts: int) -> tuple[Matrix, Any]:
    """L2-normalised TF-IDF rows (sublinear term frequency, IDF from the rows) and the
    document frequency of every feature."""
    n = counts.shape[0]
    counts.data = 1.0 + np.log(counts.data, dtype=np.float32)
    df = np.bincount(counts.indices, minlength=N_FEATURES)
    idf = (np.log((1.0 + n) / (1.0 + df)) + 1.0).astype(np.float32)
    if n >= min_texts:
        idf[df > max_df * n] = 0.0
    counts.data *= idf[counts.indices]
    counts.eliminate_zeros()
    return normalize(counts, copy=False), df


def vectorise(texts: Sequence[str], *, max_df: float = 0.05, min_texts: int = 100) -> Matrix:
    """L2-normalised word TF-IDF rows of `texts` (sublinear term frequency, IDF from `texts`).

    Words found in more than `max_df` of the texts weigh nothing, once there are at least
    `min_texts` texts (a handful of articles on one story share most of their words).
    """
    if not texts:
        return sparse.csr_matrix((0, N_FEATURES), dtype=np.float32)
    return _tfidf(_word_counts(texts), max_df=max_df, min_texts=min_texts)[0]


WORD_WEIGHT = 0.6
SHORTLIST_DF = 200
_ROUNDING = 1e-5


class TextSpace:
    """The texts compared in one run: word vectors of all, rare-word patterns for the shortlist,
    character vectors computed only for the texts some shortlisted pair needs."""

    def __init__(
        self,
        texts: Sequence[str],
        *,
        max_df: float = 0.05,
        min_texts: int = 100,
        shortlist_df: int = SHORTLIST_DF,
    ) -> None:
        self.texts = list(texts)
        if self.texts:
            counts = _word_counts(self.texts)
            self.words, df = _tfidf(counts, max_df=max_df, min_texts=min_texts)
        else:
            self.words = sparse.csr_matrix((0, N_FEATURES), dtype=np.float32)
            df = np.zeros(N_FEATURES, dtype=np.int64)
        # The word vectors split in two: the rare words' part, whose products shortlist the
        # pairs and give most of their similarity, and the common words' part, with its norm per
        # row (a bound on what common words can add to a pair's similarity).
        rare_feature = df[self.words.indices] <= shortlist_df
        self._rare = self._part(rare_feature)
        self._common = self._part(~rare_feature)
        self._common_norm = np.sqrt(
            np.asarray(self._common.multiply(self._common).sum(axis=1), dtype=np.float32).ravel()
        )
        self._char_position = np.full(len(self.texts), -1, dtype=np.int64)
        self._char_rows: Matrix = sparse.csr_matrix((0, N_FEATURES), dtype=np.float32)
        self._char_words: dict[str, int] = {}
        self._char_word_rows: Matrix = sparse.csr_matrix((0, N_FEATURES), dtype=np.float32)

    def _part(self, keep: npt.NDArray[np.bool_]) -> Matrix:
        part = self.words.copy()
        part.data = np.where(keep, part.data, np.float32(0.0)).astype(np.float32)
        part.eliminate_zeros()
        return part

    def __len__(self) -> int:
        return len(self.texts)

    def _characters(self, rows: Indices) -> Matrix:
        """Character vectors (sublinear term frequency, L2-normalised: no IDF, so a row's vector
        does not depend on which rows were asked before) of the rows, each computed once."""
        missing = np.unique(rows[self._char_position[rows] < 0])
        if len(missing):
            vocabulary = self._char_words
            first_new = len(vocabulary)
            columns: list[int] = []
            indptr = [0]
            for row in missing.tolist():
                columns.extend(
                    vocabulary.setdefault(word, len(vocabulary))
                    for word in _content_word_list(self.texts[row])
                )
                indptr.append(len(columns))
            if len(vocabulary) > first_new:
                new_words = list(vocabulary)[first_new:]
                self._char_word_rows = sparse.vstack(
                    [self._char_word_rows, _CHAR_HASHER.transform(new_words).tocsr()],
                    format="csr",
                )
            word_counts = sparse.csr_matrix(
                (np.ones(len(columns), dtype=np.float32), columns, indptr),
                shape=(len(missing), len(vocabulary)),
            )
            counts = (word_counts @ self._char_word_rows).tocsr()
            counts.data = 1.0 + np.log(counts.data, dtype=np.float32)
            block = normalize(counts, copy=False)
            self._char_position[missing] = np.arange(len(missing)) + self._char_rows.shape[0]
            self._char_rows = sparse.vstack([self._char_rows, block], format="csr")
        return self._char_rows[self._char_position[rows]]

    def _letters(self, a: Indices, b: Indices, *, block: int = 100_000) -> FloatArray:
        """The character-view cosine of each pair (a[i], b[i])."""
        self._characters(np.concatenate([a, b]))
        letters = np.empty(len(a), dtype=np.float32)
        for begin in range(0, len(a), block):
            end = begin + block
            left = self._char_rows[self._char_position[a[begin:end]]]
            right = self._char_rows[self._char_position[b[begin:end]]]
            letters[begin:end] = np.asarray(left.multiply(right).sum(axis=1)).ravel()
        return letters

    def similarity(self, left: Indices, right: Indices, *, floor: float = 0.0) -> FloatArray:
        """The similarity of each pair (left[i], right[i]) of rows; pairs whose words alone
        are less than `floor` similar get their word similarity only (the character view,
        the costlier one, is computed for the pairs that may reach a threshold)."""
        if len(left) == 0:
            return np.zeros(0, dtype=np.float32)
        words = np.asarray(self.words[left].multiply(self.words[right]).sum(axis=1)).ravel()
        combined = (WORD_WEIGHT * words).astype(np.float32)
        near = np.flatnonzero(words >= floor)
        if len(near):
            chars = self._characters(np.concatenate([left[near], right[near]]))
            letters = np.asarray(chars[: len(near)].multiply(chars[len(near) :]).sum(axis=1))
            combined[near] += (1.0 - WORD_WEIGHT) * letters.ravel()
        return combined

    def pairs(
        self,
        left: Indices,
        right: Indices,
        *,
        threshold: float,
        chunk: int = 2048,
        upper: bool = False,
    ) -> Iterator[tuple[Indices, Indices, FloatArray]]:
        """Blocks of (rows of `left`, rows of `right`, similarity) for the pairs that share a
        rare word and are at least `threshold` similar. A row paired with itself is left out.

        With `upper`, `left` and `right` are one set of rows and each pair comes once, as
        (a, b) with a < b (the similarity is symmetric).
        """
        if len(left) == 0 or len(right) == 0:
            return
        if upper:
            left = right = np.unique(left)
        right_t = self._rare[right].T.tocsr()
        floor = threshold / 2
        found: list[tuple[Indices, Indices, FloatArray]] = []
        for begin in range(0, len(left), chunk):
            rows = left[begin : begin + chunk]
            # In the upper triangle, this chunk's rows only pair with rows from its first on.
            first = begin if upper else 0
            shared = (self._rare[rows] @ right_t[:, first:]).tocoo()
            a = rows[shared.row]
            b = right[shared.col + first]
            rare = shared.data
            # A pair sharing less than half the threshold in words is no restatement, whatever
            # its word parts (0.6 of its word similarity is less than the threshold): only the
            # others are compared by characters. Common words add at most the product of the
            # two rows' common-word norms, so pairs short of the floor even with that are
            # dropped before their common words are compared (the margin covers rounding).
            keep = ((a < b) if upper else (a != b)) & (
                rare + self._common_norm[a] * self._common_norm[b] >= floor - _ROUNDING
            )
            a, b, rare = a[keep], b[keep], rare[keep]
            if len(a) == 0:
                continue
            common = self._common[a].multiply(self._common[b]).sum(axis=1)
            words = rare + np.asarray(common, dtype=np.float32).ravel()
            near = words >= floor
            if near.any():
                found.append((a[near], b[near], words[near]))
        if not found:
            return
        a = np.concatenate([f[0] for f in found])
        b = np.concatenate([f[1] for f in found])
        words = np.concatenate([f[2] for f in found])
        sims = (WORD_WEIGHT * words + (1.0 - WORD_WEIGHT) * self._letters(a, b)).astype(np.float32)
        good = sims >= threshold
        yield a[good], b[good], sims[good]


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


def cluster(
    space: TextSpace,
    rows: Indices,
    *,
    threshold: float,
    order: Sequence[int],
) -> Clusters:
    """Cluster the `rows` of `space` into claims; labels and order are positions in `rows`.

    Greedy and deterministic: positions are taken in `order` (best first); one not yet
    clustered leads a new cluster, which takes every unclustered row at least `threshold`
    similar to the leader. Members join the leader, not each other, so a cluster never drifts
    from "A is like B is like C" to an A unlike C.
    """
    n = len(rows)
    labels = np.full(n, -1, dtype=np.int64)
    similarities = np.ones(n, dtype=np.float64)
    if n == 0:
        return Clusters([], [])
    position = np.full(len(space), -1, dtype=np.int64)
    position[rows] = np.arange(n)
    edges_a: list[Indices] = []
    edges_b: list[Indices] = []
    edge_sims: list[npt.NDArray[np.float32]] = []
    for a, b, sims in space.pairs(rows, rows, threshold=threshold, upper=True):
        # Each pair comes once: the graph holds it both ways.
        edges_a.extend((position[a], position[b]))
        edges_b.extend((position[b], position[a]))
        edge_sims.extend((sims, sims))
    if edges_a:
        graph = sparse.csr_matrix(
            (np.concatenate(edge_sims), (np.concatenate(edges_a), np.concatenate(edges_b))),
            shape=(n, n),
        )
    else:
        graph = sparse.csr_matrix((n, n), dtype=np.float32)
    indptr, indices, data = graph.indptr, graph.indices, graph.data
    for leader in order:
        if labels[leader] != -1:
            continue
        labels[leader] = leader
        neighbours = indices[indptr[leader] : indptr[leader + 1]]
        weights = data[indptr[leader] : indptr[leader + 1]]
        free = labels[neighbours] == -1
        labels[neighbours[free]] = leader
        similarities[neighbours[free]] = weights[free]
    return Clusters([int(label) for label in labels], [round(float(s), 4) for s in similarities])


def clear_cache() -> None:
    """Empty this module's per-word table (see `articles.claimfinding.clear_caches`)."""
    _COLUMNS.clear()
