"""A cheap language guess for text without metadata: counts very common function words."""

from __future__ import annotations

import re

STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(
        [
            "the",
            "and",
            "of",
            "to",
            "in",
            "is",
            "that",
            "for",
            "was",
            "with",
            "on",
            "as",
            "by",
            "it",
            "are",
            "from",
            "has",
            "have",
        ]
    ),
    "es": frozenset(
        [
            "el",
            "la",
            "de",
            "que",
            "y",
            "en",
            "los",
            "las",
            "del",
            "por",
            "con",
            "para",
            "una",
            "es",
            "se",
            "su",
            "al",
        ]
    ),
    "de": frozenset(
        [
            "der",
            "die",
            "und",
            "das",
            "den",
            "von",
            "zu",
            "mit",
            "ist",
            "sich",
            "des",
            "auf",
            "für",
            "nicht",
            "ein",
            "eine",
            "dem",
        ]
    ),
    "fr": frozenset(
        [
            "le",
            "la",
            "les",
            "de",
            "des",
            "et",
            "en",
            "un",
            "une",
            "du",
            "est",
            "que",
            "pour",
            "dans",
            "sur",
            "au",
            "qui",
            "pas",
        ]
    ),
    "it": frozenset(
        [
            "il",
            "di",
            "che",
            "la",
            "per",
            "un",
            "una",
            "del",
            "della",
            "è",
            "non",
            "sono",
            "gli",
            "le",
            "con",
            "nel",
            "alla",
        ]
    ),
    "pt": frozenset(
        [
            "o",
            "a",
            "de",
            "que",
            "e",
            "do",
            "da",
            "em",
            "um",
            "uma",
            "para",
            "com",
            "não",
            "os",
            "as",
            "no",
            "na",
            "dos",
        ]
    ),
    "nl": frozenset(
        [
            "de",
            "het",
            "een",
            "van",
            "en",
            "in",
            "is",
            "dat",
            "op",
            "te",
            "met",
            "voor",
            "niet",
            "zijn",
            "aan",
            "ook",
        ]
    ),
}
_WORD = re.compile(r"[^\W\d_]+")


def guess_language(text: str) -> str:
    """An ISO 639-1 code, or "" when the text is too short or unclear."""
    words = [word.casefold() for word in _WORD.findall(text[:5000])]
    if len(words) < 20:
        return ""
    scores = {code: sum(word in stop for word in words) for code, stop in STOPWORDS.items()}
    best = max(scores, key=lambda code: scores[code])
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] < max(5, len(words) // 20) or ranked[0] < ranked[1] * 1.3:
        return ""
    return best
