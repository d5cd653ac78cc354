"""Check-worthiness: how much a sentence looks like a checkable statement of fact, from
transparent features, each with a fixed weight and a reason an editor can read.

A sentence scores for what can be checked (money amounts, percentages, figures, dates, named
organisations and people) and for how it is framed as a claim (attribution and reporting verbs,
quotations, comparisons, legal and causal language); it loses for questions, hedged or opinion
wording, and for being too short or too long to be one claim. The score is the sum of the
weights of the features found; `reasons` lists them, strongest first.

Many sentences are scored at once (`score_sentences`): their words are split out in one pass
over the joined texts, what is known of each distinct word (its word lists, whether it can be
part of a name, ...) is looked up in a table kept across runs, and the features of every
sentence are worked out with array operations over all the words. Only what needs a pattern
(money amounts, percentages, figures and dates, in the sentences with a digit or a weekday) is
looked for sentence by sentence, and the reasons are written out only for the sentences asked
for.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeAlias

import numpy as np
import numpy.typing as npt

from articles.claimfinding import lexicon
from articles.claimfinding.values import (
    HAS_DIGIT,
    MONEY_HINT,
    NUMERIC_DATE_HINT,
    PERCENT_HINT,
    UPPER,
    WEEKDAY_WORD,
    Kind,
    Value,
    extract_many,
    word_flags,
)
from articles.claimfinding.vocabulary import SEPARATOR, VOCABULARY, Words


class Reason(NamedTuple):
    """One feature found in a sentence: what it is, the words that show it, and its weight.
    (A named tuple, like `Value`: cheap to create for every sentence.)"""

    feature: str
    detail: str
    weight: float

    def __str__(self) -> str:
        return _reason_text(self.feature, self.detail, self.weight)


def _reason_text(feature: str, detail: str, weight: float) -> str:
    """How a reason reads: "money amount: $42,000 (+2)"."""
    return f"{feature}: {detail}{_signed(weight)}" if detail else f"{feature}{_signed(weight)}"


def _signed(weight: float) -> str:
    """A weight as a reason shows it: " (+0.5)"."""
    return f" ({'+' if weight >= 0 else '-'}{abs(weight):g})"


# `_signed(-negated)` by negated weight (a handful of them), as `reason_texts` writes them.
_SIGNED: dict[float, str] = {}


@dataclass(frozen=True, slots=True)
class Worthiness:
    score: float
    reasons: tuple[Reason, ...]


# Feature weights: one table, so the ranking can be read and argued about.
WEIGHTS: dict[str, float] = {
    "money amount": 2.0,
    "percentage": 1.5,
    "figure": 1.0,
    "date": 1.0,
    "named organisation or person": 0.5,  # per name, at most three
    "attribution": 1.0,
    "quotation": 0.5,
    "comparison": 0.75,
    "legal language": 1.0,
    "causal language": 0.5,
    "question": -2.0,
    "hedge or opinion": -1.0,
    "too short": -1.5,
    "too long": -1.0,
}
MAX_NAMES = 3
MIN_WORDS = 6
MAX_WORDS = 70

Ints: TypeAlias = npt.NDArray[np.int64]
Bools: TypeAlias = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class _Lexicon:
    """One word list, split for fast lookup: single words, phrases (as word tuples, indexed by
    their first word, shortest first) and prefixes ("illegal*")."""

    words: frozenset[str]
    phrases_by_first: dict[str, tuple[tuple[str, ...], ...]]
    prefix_pattern: re.Pattern[str] | None

    @classmethod
    def of(cls, entries: str) -> _Lexicon:
        items = lexicon.words(entries)
        prefixes = [e[:-1] for e in items if e.endswith("*")]
        by_first: dict[str, list[tuple[str, ...]]] = {}
        for phrase in sorted({tuple(e.split("_")) for e in items if "_" in e}, key=len):
            by_first.setdefault(phrase[0], []).append(phrase)
        return cls(
            words=frozenset(e for e in items if "_" not in e and not e.endswith("*")),
            phrases_by_first={first: tuple(found) for first, found in by_first.items()},
            prefix_pattern=(
                re.compile("|".join(re.escape(p) for p in sorted(prefixes, reverse=True)))
                if prefixes
                else None
            ),
        )


_LEXICONS: tuple[tuple[str, _Lexicon], ...] = (
    ("attribution", _Lexicon.of(lexicon.ATTRIBUTION)),
    ("comparison", _Lexicon.of(lexicon.COMPARATIVE)),
    ("legal language", _Lexicon.of(lexicon.LEGAL)),
    ("causal language", _Lexicon.of(lexicon.CAUSAL)),
    ("hedge or opinion", _Lexicon.of(lexicon.HEDGES)),
)
# The bits set in each combination of the list bits.
_BITS_OF = tuple(
    tuple(bit for bit in range(len(_LEXICONS)) if found & 1 << bit)
    for found in range(1 << len(_LEXICONS))
)
_LEXICON_WEIGHTS = np.array([WEIGHTS[feature] for feature, _ in _LEXICONS])


def lexicon_matcher(feature: str) -> Callable[[str], bool]:
    """Whether a casefolded word is a single-word or prefix entry of the list of `feature`."""
    entries = dict(_LEXICONS)[feature]
    pattern = entries.prefix_pattern

    def matches(word: str) -> bool:
        return word in entries.words or (pattern is not None and pattern.match(word) is not None)

    return matches


# The prefix entries of every list in one pattern: group "p<k>" for list k (a prefix is in one
# list only).
_PREFIXES = re.compile(
    "|".join(
        f"(?P<p{bit}>{entries.prefix_pattern.pattern})"
        for bit, (_, entries) in enumerate(_LEXICONS)
        if entries.prefix_pattern is not None
    )
)
# The phrase entries of every list by their first word: (bit of the list, phrase), shortest
# first; and every word that is the second of some phrase.
_PHRASES_BY_FIRST: dict[str, tuple[tuple[int, tuple[str, ...]], ...]] = {}
for _bit, (_feature, _entries) in enumerate(_LEXICONS):
    for _first, _phrases in _entries.phrases_by_first.items():
        _PHRASES_BY_FIRST[_first] = (
            *_PHRASES_BY_FIRST.get(_first, ()),
            *((_bit, phrase) for phrase in _phrases),
        )
_PHRASE_SECONDS = frozenset(p[1] for found in _PHRASES_BY_FIRST.values() for _, p in found)
_LONGEST_PHRASE = max(len(p) for found in _PHRASES_BY_FIRST.values() for _, p in found)

# A text's tokens are its whitespace-separated chunks ("Microsoft,", "“Lawsuit", "it's"): each
# is a word (its "core") with the punctuation before and after it, which ends a name.
_EDGES = re.compile(r"^(\W*)(.*?)(\W*)$", re.DOTALL)
_NUMERIC_DATE = re.compile(r"\d[-./]\d")
_MONEY_SIGNS = frozenset("$€£¥")
# A currency word anywhere in a word ("5 euro-zone" may still be money: the pattern decides).
_MONEY_WORD = re.compile(
    "|".join(sorted((w for w in lexicon.CURRENCIES if w.isalpha()), key=len, reverse=True))
)
_QUOTE = re.compile(r"[\"“”„«»]|(?<!\w)['\u2018][^'\u2018\u2019]{3,}['\u2019](?!\w)")
_NAME_CONNECTORS = frozenset(lexicon.words("of de del la von van der den du di da dos das y & and"))
# Words that are never (part of) a name, capitalised or not.
_NOT_NAMES = (
    lexicon.FUNCTION_WORDS
    | frozenset(lexicon.MONTHS)
    | frozenset(lexicon.WEEKDAYS)
    | frozenset(w for w in lexicon.CURRENCIES if w.isalpha())
    | frozenset(lexicon.SCALES)
    | frozenset(w for entry in lexicon.PERCENT_WORDS for w in entry.split())
)
_UPPER = frozenset(UPPER)
_QUOTES = frozenset('"“”„«»\u2018')
_AMPERSAND = frozenset("&")
_APOSTROPHES = frozenset("'\u2019")
_POSSESSIVE = re.compile(r"['\u2019]s?$")

# What is known of a token, as one int (its entry in `_Known.infos`, worked out once per
# distinct token, by its id in `VOCABULARY`): bit k for list k of _LEXICONS, then
# the bits below, what `values.extract_many` is told (`word_flags` and the hints) at
# _FLAGS_SHIFT, and the id of its name key (its casefolded form without a possessive "'s") from
# _KEY_SHIFT on.
_LEXICON_BITS = (1 << len(_LEXICONS)) - 1
_PHRASE_FIRST = 1 << 5
_PHRASE_SECOND = 1 << 6
_WORD = 1 << 7
_QUESTION_MARK = 1 << 8  # ends with a question mark
_NAME_WORD = 1 << 9  # capitalised, and not a function word, month, weekday or unit
_CONNECTOR = 1 << 10  # may join the words of a name ("Bank of America")
_VERB_LIKE = 1 << 11  # "Stealing", "Reportedly": no name when it opens a sentence alone
_QUOTE_MARK = 1 << 12  # a double quotation mark or an opening single one
_APOSTROPHE = 1 << 13  # an apostrophe before or after a word: a single quotation mark, maybe
_BETWEEN = 1 << 14  # the letter texts were once joined with, alone: no word (kept so)
_PUNCT_BEFORE = 1 << 15
_PUNCT_AFTER = 1 << 16
_FLAGS_SHIFT = 17
_FLAGS_MASK = 0xFFF
_KEY_SHIFT = 29


class _Known:
    """What is known of the tokens of one generation of `VOCABULARY`: `infos[id]` and
    `cores[id]` (the word without the punctuation around it) of each token id, worked out
    (`_token_info`) the first time a token is met. A new one when the ids are handed out
    anew; a scorer keeps the one it read."""

    def __init__(self, generation: int) -> None:
        self.generation = generation
        self.infos: Ints = np.zeros(0, dtype=np.int64)
        self.cores: list[str] = []


_KNOWN = _Known(-1)
_NAME_KEYS: dict[str, int] = {}
# Core -> what is known of it (the part of a token's entry that does not depend on punctuation).
_CORE_INFO: dict[str, int] = {}
# A mark after a word -> `_edge_info` of the mark alone after it.
_TRAIL_INFO: dict[str, int] = {}


def _known() -> _Known:
    """`_KNOWN`, with every token of `VOCABULARY` worked out (in the order they were met)."""
    global _KNOWN
    if _KNOWN.generation != VOCABULARY.generation:
        _KNOWN = _Known(VOCABULARY.generation)
        _NAME_KEYS.clear()
        _CORE_INFO.clear()
    known, tokens = _KNOWN, VOCABULARY.tokens
    if len(known.cores) < len(tokens):
        new = tokens[len(known.cores) :]
        infos: list[int] = []
        cores = known.cores
        core_info = _CORE_INFO
        trails = _TRAIL_INFO
        for token in new:
            if token.isalpha() and token != SEPARATOR:
                # A word of letters only: no punctuation around it, nothing but its core's.
                info = core_info.get(token)
                if info is None:
                    info = core_info[token] = _core_info(token)
                cores.append(token)
                infos.append(info)
                continue
            core, last = token[:-1], token[-1]
            if core.isalpha() and not (last.isalnum() or last == "_"):
                # A word of letters and one mark after it ("said,"): as `_token_info` works it
                # out, the mark's part looked up by the mark.
                info = core_info.get(core)
                if info is None:
                    info = core_info[core] = _core_info(core)
                trail = trails.get(last)
                if trail is None:
                    trail = trails[last] = _edge_info(last, "", last)
                cores.append(core)
                infos.append(trail | info)
                continue
            info, core = _token_info(token)
            cores.append(core)
            infos.append(info)
        known.infos = np.concatenate([known.infos, np.array(infos, dtype=np.int64)])
    return known


def _token_info(token: str) -> tuple[int, str]:
    """What is known of a token, and its core."""
    if token == SEPARATOR:
        return _BETWEEN, ""
    first, last = token[0], token[-1]
    if (first.isalnum() or first == "_") and (last.isalnum() or last == "_"):
        # A word character (what `\w` matches) at both ends: no punctuation around the word.
        lead, core, trail = "", token, ""
    else:
        edges = _EDGES.match(token)
        lead, core, trail = edges.groups() if edges else ("", token, "")
    info = _edge_info(token, lead, trail)
    if not core:
        return info | (_CONNECTOR if token in _AMPERSAND else 0), core
    found = _CORE_INFO.get(core)
    if found is None:
        found = _CORE_INFO[core] = _core_info(core)
    return info | found, core


def _edge_info(token: str, lead: str, trail: str) -> int:
    """What is known of a token from the punctuation around its core (`lead`, `trail`), and
    from the signs in it."""
    hints = 0
    if not _MONEY_SIGNS.isdisjoint(token):
        hints |= MONEY_HINT
    if "%" in token:
        hints |= PERCENT_HINT
    info = hints << _FLAGS_SHIFT
    if token.endswith("?"):
        info |= _QUESTION_MARK
    punctuation = lead + trail
    if lead:
        info |= _PUNCT_BEFORE
    if trail:
        info |= _PUNCT_AFTER
    if not _QUOTES.isdisjoint(punctuation):
        info |= _QUOTE_MARK
    elif not _APOSTROPHES.isdisjoint(punctuation):
        info |= _APOSTROPHE
    return info


def _core_info(core: str) -> int:
    """What is known of a word whatever the punctuation around it (see `_token_info`)."""
    folded = core.casefold().replace("\u2019", "'")
    # Its word lists and phrase bits, and for a word of letters alone (which `word_flags` reads
    # as one word) its value flags; the others' flags from `word_flags`.
    found = _FOLDED_INFO.get(folded, 0)
    hints = 0 if folded.isalpha() else word_flags(folded)
    if _MONEY_WORD.search(folded):
        hints |= MONEY_HINT
    if not core.isalpha() and any(map(str.isdigit, core)):  # (no letter is a digit)
        hints |= HAS_DIGIT
        if _NUMERIC_DATE.search(core):
            hints |= NUMERIC_DATE_HINT
    info = found | (hints << _FLAGS_SHIFT) | _WORD
    first = core[0]
    prefixed = _PREFIXES.match(folded)
    if prefixed is not None and prefixed.lastgroup is not None:
        info |= 1 << int(prefixed.lastgroup[1:])
    if folded in _NAME_CONNECTORS and first.islower():
        info |= _CONNECTOR
    if first in _UPPER and folded not in _NOT_NAMES and folded.rstrip(".") not in _NOT_NAMES:
        key = _POSSESSIVE.sub("", folded).rstrip(".-") or folded
        key_id = _NAME_KEYS.setdefault(key, len(_NAME_KEYS) + 1)
        info |= _NAME_WORD | (key_id << _KEY_SHIFT)
        if folded.endswith(("ing", "ed", "ly")):
            info |= _VERB_LIKE
    return info


def _folded_info() -> dict[str, int]:
    """Casefolded word -> the bits of `_core_info` that depend on that word alone: the single
    word entries of the lists, whether it opens or continues a phrase, and (for a word of
    letters only) its `word_flags`."""
    table: dict[str, int] = {}
    for bit, (_, entries) in enumerate(_LEXICONS):
        for word in entries.words:
            table[word] = table.get(word, 0) | 1 << bit
    for word in _PHRASES_BY_FIRST:
        table[word] = table.get(word, 0) | _PHRASE_FIRST
    for word in _PHRASE_SECONDS:
        table[word] = table.get(word, 0) | _PHRASE_SECOND
    percent_words = (w for entry in lexicon.PERCENT_WORDS for w in entry.split())
    for word in (*lexicon.MONTHS, *lexicon.WEEKDAYS, *percent_words):
        if word.isalpha():
            table[word] = table.get(word, 0) | word_flags(word) << _FLAGS_SHIFT
    return table


_FOLDED_INFO = _folded_info()


class _Tokens(NamedTuple):
    """The tokens of texts scored together: their ids, what is known of each, the text each
    belongs to, and the table of what is known."""

    ids: Ints
    infos: Ints
    owner: Ints
    known: _Known


def _tokens(texts: Sequence[str]) -> _Tokens:
    """The tokens of all texts in order (each text's `str.split()`), and what is known of
    each."""
    # Only here, before any id of this call is handed out, may the ids be handed out anew.
    VOCABULARY.bound()
    ids, counts = VOCABULARY.split(texts, separator_as_space=False)
    known = _known()
    return _Tokens(ids, known.infos[ids], np.repeat(np.arange(len(texts)), counts), known)


def _shifted(array: Bools, by: int) -> Bools:
    """`array` moved by `by` places (positive: each element sees the one before), padded with
    False."""
    out = np.zeros_like(array)
    if by > 0:
        out[by:] = array[:-by]
    else:
        out[:by] = array[-by:]
    return out


def _mix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """SplitMix64's finaliser: well-spread 64-bit hashes of distinct integers."""
    z = x + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


class SentenceScores:
    """The scores of many sentences (`scores[i]` for `texts[i]`), and the reasons of any of them
    on demand (`reasons(i)`)."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.texts = list(texts)
        self.scores: list[float] = []
        self._plain: tuple[list[int], list[int], list[bool], list[bool], list[int]] | None = None
        n = len(self.texts)
        if n == 0:
            return
        tokens = _tokens(self.texts)
        infos, owner = tokens.infos, tokens.owner
        self._ids = tokens.ids
        self._generation = tokens.known.generation
        self._cores = tokens.known.cores
        self._infos = infos
        counts = np.bincount(owner, minlength=n)
        starts = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        self._starts = starts
        # Everything the tokens of each sentence have, or-ed together.
        padded = np.append(infos, 0)
        combined = np.bitwise_or.reduceat(padded, np.minimum(starts[:-1], len(infos)))
        combined[counts == 0] = 0
        # Words per sentence: differences of the running count of words at the sentence starts.
        running = np.zeros(len(infos) + 1, dtype=np.int64)
        np.cumsum((infos & _WORD) != 0, out=running[1:])
        words = running[starts[1:]] - running[starts[:-1]]

        self._find_names(owner, starts, running[:-1])
        lexicon_bits = combined & _LEXICON_BITS
        self._phrases: dict[int, list[tuple[int, int, int, str]]] = {}
        self._folded_of: dict[int, str] = {}
        positions = np.asarray(self._phrase_positions(owner), dtype=np.int64)
        sentences = owner[positions]
        # The words from each place on, up to the longest phrase or the sentence's end.
        ends = np.minimum(positions + _LONGEST_PHRASE, starts[sentences + 1])
        for position, sentence, end in zip(
            positions.tolist(), sentences.tolist(), ends.tolist(), strict=True
        ):
            following = tuple(map(self._fold, self._ids[position:end].tolist()))
            for bit, phrase in _PHRASES_BY_FIRST[following[0]]:
                if following[: len(phrase)] == phrase:
                    self._phrases.setdefault(sentence, []).append(
                        (bit, len(phrase), position, " ".join(phrase))
                    )
                    lexicon_bits[sentence] |= 1 << bit
        self._lexicon_bits = lexicon_bits
        # For `reasons`: each sentence's list words and names, as plain lists.
        hits = np.flatnonzero((infos & _LEXICON_BITS) != 0)
        self._hit_infos: list[int] = infos[hits].tolist()
        self._hit_ids: list[int] = self._ids[hits].tolist()
        self._hit_folded_list: list[str] | None = None
        self._hits_of: list[int] = np.searchsorted(hits, starts).tolist()
        self._runs_of: list[int] = np.searchsorted(self._run_sentence, np.arange(n + 1)).tolist()

        # Values by pattern, only where one can be: a digit, or a weekday.
        hints = (combined >> _FLAGS_SHIFT) & _FLAGS_MASK
        rows = np.flatnonzero((hints & (HAS_DIGIT | WEEKDAY_WORD)) != 0).tolist()
        self._values: dict[int, list[Value]] = {}
        value_weights = np.zeros(n)
        for i, found in zip(
            rows,
            extract_many([self.texts[i] for i in rows], hints[rows].tolist(), keys=False),
            strict=True,
        ):
            if found:
                self._values[i] = found
                kinds = 0
                for value in found:
                    kinds |= _KIND_BIT[id(value.kind)]
                value_weights[i] = _VALUE_WEIGHT[kinds]

        quoted = (combined & _QUOTE_MARK) != 0
        for maybe in np.flatnonzero(((combined & _APOSTROPHE) != 0) & ~quoted).tolist():
            quoted[maybe] = _QUOTE.search(self.texts[maybe]) is not None
        self._quoted = quoted
        # A question: the text ends with "?", so its last token does (checked on the texts
        # whose last token does: the text may end with whitespace after it).
        question = np.zeros(n, dtype=np.bool_)
        last = padded[starts[1:] - 1]  # (the 0 after the tokens for a text without any)
        for row in np.flatnonzero((counts > 0) & ((last & _QUESTION_MARK) != 0)).tolist():
            question[row] = self.texts[row].endswith("?")
        self._question = question
        self._words = words

        lexicon_weight = np.zeros(n)
        for bit, weight in enumerate(_LEXICON_WEIGHTS):
            lexicon_weight += ((lexicon_bits >> bit) & 1) * weight
        score = (
            value_weights
            + WEIGHTS["named organisation or person"] * np.minimum(self._name_count, MAX_NAMES)
            + lexicon_weight
            + WEIGHTS["quotation"] * quoted
            + WEIGHTS["question"] * self._question
            + WEIGHTS["too short"] * (words < MIN_WORDS)
            + WEIGHTS["too long"] * (words > MAX_WORDS)
        )
        quarters = score * 4
        if np.array_equal(quarters, np.floor(quarters)):
            # Every score a multiple of 0.25 (the weights are): rounding to two decimals
            # leaves each as it is.
            self.scores = score.tolist()
        else:
            self.scores = [round(s, 2) for s in score.tolist()]

    def __len__(self) -> int:
        return len(self.texts)

    def words(self, rows: Sequence[int]) -> list[Words | None]:
        """The token ids of the texts `rows`, for the matcher (which reads a text's tokens as
        the scorer does, but for the separator letter: None for a text holding it)."""
        if not rows:
            return []
        at = np.asarray(rows, dtype=np.int64)
        low = self._starts[at]
        lengths = self._starts[at + 1] - low
        ends = np.cumsum(lengths)
        offsets = ends - lengths
        compact = self._ids[np.arange(ends[-1]) + np.repeat(low - offsets, lengths)].astype(
            np.int32
        )
        generation, texts = self._generation, self.texts
        return [
            None if SEPARATOR in texts[row] else Words(generation, compact[start:end])
            for row, start, end in zip(rows, offsets.tolist(), ends.tolist(), strict=True)
        ]

    def _phrase_positions(self, owner: Ints) -> list[int]:
        """Positions where a phrase of some list may start: a phrase's first word followed, in
        the same sentence, by some phrase's second word."""
        infos = self._infos
        first = (infos[:-1] & _PHRASE_FIRST) != 0
        second = (infos[1:] & _PHRASE_SECOND) != 0
        same = owner[:-1] == owner[1:]
        return np.flatnonzero(first & second & same).tolist()

    def _find_names(self, owner: Ints, starts: Ints, words_before: Ints) -> None:
        """Names: runs of capitalised words (not function words, months, units), joined by at
        most one connector ("Bank of America"), within a sentence; a single verb-like word
        opening a sentence ("Stealing the data ...") is none. Counted once per distinct key.
        `words_before[k]`: how many of the tokens before token k are words."""
        infos = self._infos
        n_tokens = len(infos)
        name_word = (infos & _NAME_WORD) != 0
        # `joined[i]`: token i and the one before it may be words of one name (same sentence,
        # no punctuation between them).
        joined = np.zeros(n_tokens, dtype=np.bool_)
        joined[1:] = (
            (owner[1:] == owner[:-1])
            & ((infos[:-1] & _PUNCT_AFTER) == 0)
            & ((infos[1:] & _PUNCT_BEFORE) == 0)
        )
        joined_after = _shifted(joined, -1)
        connector = ((infos & _CONNECTOR) != 0) & joined & joined_after
        in_run = name_word | (connector & _shifted(name_word, 1) & _shifted(name_word, -1))
        opens = in_run & ~(_shifted(in_run, 1) & joined)
        first = np.flatnonzero(opens)
        run_of = np.cumsum(opens) - 1
        members = np.flatnonzero(in_run)
        length = np.bincount(run_of[members], minlength=len(first))
        # The first word of its sentence: no word before it in the sentence.
        sentence = owner[first] if len(first) else np.zeros(0, dtype=np.int64)
        sentence_words_before = words_before[np.minimum(starts[sentence], n_tokens - 1)]
        opening = words_before[first] == sentence_words_before
        keep = ~((length == 1) & opening & ((infos[first] & _VERB_LIKE) != 0))
        # A key per run: its words' keys, hashed with their places.
        keys = (infos[members] >> _KEY_SHIFT).astype(np.uint64)
        place = (members - first[run_of[members]]).astype(np.uint64)
        hashed = np.zeros(len(first), dtype=np.uint64)
        if len(first):
            # The words of a run are consecutive in `members`: one sum per run (wrapping) of
            # each word's key mixed with its place.
            mixed = _mix(keys + (place << np.uint64(40)))
            hashed = np.add.reduceat(mixed, np.flatnonzero(opens[members]))
        self._run_first = first[keep]
        self._run_end = (first + length)[keep]
        self._run_sentence = sentence[keep]
        # Distinct (sentence, key) pairs: sorted by both, each that differs from the one before.
        keys, sentences = hashed[keep], self._run_sentence
        order = np.lexsort((keys, sentences))
        keys, sentences = keys[order], sentences[order]
        distinct = np.ones(len(keys), dtype=np.bool_)
        distinct[1:] = (keys[1:] != keys[:-1]) | (sentences[1:] != sentences[:-1])
        self._name_count = np.bincount(sentences[distinct], minlength=len(self.texts)).astype(
            np.int64
        )

    def _lists(self) -> tuple[list[int], list[int], list[bool], list[bool], list[int]]:
        """Per sentence, as plain lists (read one item at a time by `reasons`): names, lexicon
        bits, quoted, question, words."""
        if self._plain is None:
            self._plain = (
                self._name_count.tolist(),
                self._lexicon_bits.tolist(),
                self._quoted.tolist(),
                self._question.tolist(),
                self._words.tolist(),
            )
        return self._plain

    def reasons(self, i: int) -> tuple[Reason, ...]:
        """The reasons of sentence `i`, strongest first."""
        (found,) = self._reasons_of([i])
        return tuple(Reason(feature, detail, -negated) for negated, feature, detail in found)

    def reason_texts(self, rows: Sequence[int]) -> list[tuple[str, ...]]:
        """`tuple(map(str, self.reasons(i)))` for each of `rows` (cheaper for many)."""
        signed = _SIGNED
        texts: list[tuple[str, ...]] = []
        for found in self._reasons_of(rows):
            written = []
            for negated, feature, detail in found:
                weight = signed.get(negated)
                if weight is None:
                    weight = signed[negated] = _signed(-negated)
                written.append(f"{feature}: {detail}{weight}" if detail else f"{feature}{weight}")
            texts.append(tuple(written))
        return texts

    def _reasons_of(self, rows: Sequence[int]) -> list[list[tuple[float, str, str]]]:
        """The reasons of each of `rows` as (-weight, feature, detail), strongest first (in the
        order of these tuples: a sentence's features differ)."""
        if not rows:
            return []  # (no sentences: nothing was worked out to read)
        name_counts, lexicon_bits, quoted, question, word_counts = self._lists()
        names_of = self._names_of(rows)
        runs_of = self._runs_of
        hits_of, hit_infos, hit_folded = self._hits_of, self._hit_infos, self._hit_folded()
        all_values, phrases = self._values, self._phrases
        out: list[list[tuple[float, str, str]]] = []
        for i in rows:
            reasons: list[tuple[float, str, str]] = []
            values = all_values.get(i)
            if values:
                # The texts of each value feature, in the order found (a sentence's dates come
                # before its weekdays).
                by_feature: dict[int, list[str]] = {}
                for value in values:
                    feature = _VALUE_FEATURE_OF[id(value.kind)]
                    texts = by_feature.get(feature)
                    if texts is None:
                        by_feature[feature] = [value.text]
                    else:
                        texts.append(value.text)
                for feature, texts in by_feature.items():
                    negated, name = _VALUE_REASONS[feature]
                    reasons.append(
                        (negated, name, texts[0] if len(texts) == 1 else _listing(texts))
                    )
            if name_counts[i]:
                lo = runs_of[i]
                names = names_of[lo : runs_of[i + 1]] if names_of is not None else []
                reasons.append(
                    (_NAMES_NEGATED[min(name_counts[i], MAX_NAMES)], _NAMES, _listing(names))
                )
            if lexicon_bits[i]:
                # The words of each list, in order, then its phrases.
                found: dict[int, list[str]] = {}
                for k in range(hits_of[i], hits_of[i + 1]):
                    for bit in _BITS_OF[hit_infos[k] & _LEXICON_BITS]:
                        words = found.get(bit)
                        if words is None:
                            found[bit] = [hit_folded[k]]
                        else:
                            words.append(hit_folded[k])
                if i in phrases:
                    for bit, _, _, text in sorted(phrases[i]):
                        found.setdefault(bit, []).append(text)
                for bit, hits in found.items():
                    negated, name = _LEXICON_REASONS[bit]
                    reasons.append((negated, name, hits[0] if len(hits) == 1 else _listing(hits)))
            if quoted[i]:
                reasons.append(_QUOTATION)
            if question[i]:
                reasons.append(_QUESTION)
            count = word_counts[i]
            if count < MIN_WORDS:
                reasons.append((-WEIGHTS["too short"], "too short", f"{count} words"))
            elif count > MAX_WORDS:
                reasons.append((-WEIGHTS["too long"], "too long", f"{count} words"))
            reasons.sort()
            out.append(reasons)
        return out

    def _names_of(self, rows: Sequence[int]) -> _RunNames | None:
        """The text of every name run of the sentences `rows` (its words' cores joined by
        spaces), by run number; None when they have none. Looked up for all of them at once."""
        runs_of = self._runs_of
        at = np.asarray(rows, dtype=np.int64)
        if not len(at):
            return None
        runs_of_array = np.asarray(runs_of, dtype=np.int64)
        lo, hi = runs_of_array[at], runs_of_array[at + 1]
        counts = hi - lo
        total = int(counts.sum())
        if not total:
            return None
        # The run numbers of the rows, in order.
        ends = np.cumsum(counts)
        runs = np.arange(total) + np.repeat(lo - (ends - counts), counts)
        first, end = self._run_first[runs], self._run_end[runs]
        lengths = end - first
        word_ends = np.cumsum(lengths)
        word_starts = word_ends - lengths
        positions = np.arange(int(word_ends[-1])) + np.repeat(first - word_starts, lengths)
        cores = self._cores
        words = [cores[token] for token in self._ids[positions].tolist()]
        texts = [
            " ".join(words[a:b])
            for a, b in zip(word_starts.tolist(), word_ends.tolist(), strict=True)
        ]
        return _RunNames(runs.tolist(), texts)

    def _hit_folded(self) -> list[str]:
        """The casefolded core of each list word (in order), worked out once."""
        if self._hit_folded_list is None:
            self._hit_folded_list = list(map(self._fold, self._hit_ids))
        return self._hit_folded_list

    def _fold(self, token: int) -> str:
        """The casefolded core of token id `token` (as the lists write words), worked out once
        per scorer."""
        folded = self._folded_of.get(token)
        if folded is None:
            folded = self._folded_of[token] = self._cores[token].casefold().replace("\u2019", "'")
        return folded


class _RunNames:
    """Texts of name runs by run number, for some of the runs (`runs`, ascending)."""

    def __init__(self, runs: list[int], texts: list[str]) -> None:
        self._at = dict(zip(runs, range(len(runs)), strict=True))
        self._texts = texts

    def __getitem__(self, span: slice) -> list[str]:
        start = self._at[span.start]
        return self._texts[start : start + span.stop - span.start]


# The value features, each with the kinds of value it counts (weekdays count as dates).
_VALUE_FEATURES: tuple[tuple[str, tuple[Kind, ...]], ...] = (
    ("money amount", (Kind.MONEY,)),
    ("percentage", (Kind.PERCENT,)),
    ("figure", (Kind.FIGURE,)),
    ("date", (Kind.DATE, Kind.WEEKDAY)),
)


# The value feature of each kind (by the member's identity: cheaper than its hash), and the
# reason of each feature as `_reasons_of` starts it: (-weight, feature).
_VALUE_FEATURE_OF = {
    id(kind): number for number, (_, kinds) in enumerate(_VALUE_FEATURES) for kind in kinds
}
_VALUE_REASONS = [(-WEIGHTS[feature], feature) for feature, _ in _VALUE_FEATURES]
_LEXICON_REASONS = [(-WEIGHTS[feature], feature) for feature, _ in _LEXICONS]
_NAMES = "named organisations or people"
_NAMES_NEGATED = [
    -WEIGHTS["named organisation or person"] * count for count in range(MAX_NAMES + 1)
]
# A bit per kind of value (by the member's identity), and the weight of the value features of
# every set of kinds (summed in the order of _VALUE_FEATURES).
_KIND_BIT = {id(kind): 1 << number for number, kind in enumerate(Kind)}
_VALUE_WEIGHT = [
    sum(
        WEIGHTS[feature]
        for feature, kinds in _VALUE_FEATURES
        if any(found & _KIND_BIT[id(kind)] for kind in kinds)
    )
    for found in range(1 << len(Kind))
]


def _listing(items: Sequence[str], limit: int = 3) -> str:
    if len(items) == 1:
        return items[0]
    unique = list(dict.fromkeys(items))
    text = ", ".join(unique[:limit])
    return text + (", …" if len(unique) > limit else "")


def score_sentences(texts: Sequence[str]) -> SentenceScores:
    """The check-worthiness of many sentences at once (any of the importer's languages)."""
    return SentenceScores(texts)


def score_sentence(text: str) -> Worthiness:
    """The check-worthiness of one sentence (see `score_sentences`)."""
    scored = SentenceScores([text])
    return Worthiness(scored.scores[0], scored.reasons(0))


_QUOTATION = (-WEIGHTS["quotation"], "quotation", "")
_QUESTION = (-WEIGHTS["question"], "question", "")


def clear_cache() -> None:
    """Empty this module's per-word tables (see `articles.claimfinding.clear_caches`)."""
    global _KNOWN
    _KNOWN = _Known(-1)
    _NAME_KEYS.clear()
    _CORE_INFO.clear()
    _TRAIL_INFO.clear()
