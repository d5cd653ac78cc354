"""Sentence segmentation of cleaned article bodies, keeping exact character offsets.

Sentence boundaries come from `sentencex` (Wikimedia's segmenter: rules and abbreviation lists
for some 300 languages, with fallbacks between related languages), run on each line of the
body: a line break in a cleaned body always ends a sentence (a headline, a bullet, a caption
line carries no final full stop). Every `Sentence` satisfies `body[start:end] == text`, with
surrounding whitespace left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import sentencex  # type: ignore[import-untyped]  # ships no type hints

# What sentencex is asked for when the importer could not tell the language: its English rules
# also split on the punctuation every Latin-script language shares.
DEFAULT_LANGUAGE = "en"
_LINES = re.compile(r"[^\n]+")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a body: `text == body[start:end]`."""

    start: int
    end: int
    text: str


def split_sentences(body: str, language: str = "") -> list[Sentence]:
    """The sentences of `body` in reading order, each with its exact offsets.

    `language` is an ISO 639-1 code such as the importer stores ("" when unknown).
    """
    return list(iter_sentences(body, language))


def iter_sentences(body: str, language: str = "") -> Iterator[Sentence]:
    """`split_sentences` one at a time: a body of two million one-word lines is two million
    sentences, which a caller that keeps a few of them need not hold at once."""
    code = (language or DEFAULT_LANGUAGE).lower()
    for line in _LINES.finditer(body):
        offset = line.start()
        text = line.group()
        if not text.strip():
            continue
        for boundary in sentencex.get_sentence_boundaries(code, text):
            piece: str = boundary["text"]
            stripped = piece.strip()
            if not stripped:
                continue
            start = offset + int(boundary["start_index"]) + (len(piece) - len(piece.lstrip()))
            yield Sentence(start, start + len(stripped), stripped)
