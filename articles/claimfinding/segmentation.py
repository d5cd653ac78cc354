"""Sentence segmentation of cleaned article bodies, keeping exact character offsets.

Sentence boundaries come from `sentencex` (Wikimedia's segmenter: rules and abbreviation lists
for some 300 languages, with fallbacks between related languages), run on the whole body, and
every sentence is also cut at each line break: a line break in a cleaned body always ends a
sentence (a headline, a bullet, a caption line carries no final full stop). Every `Sentence`
satisfies `body[start:end] == text`, with surrounding whitespace left out.
"""

from __future__ import annotations

import re
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

    `language` is an ISO 639-1 code such as the importer stores ("" when unknown). sentencex
    reads the whole body at once (one call, not one per line); its sentences are then cut at
    every line break.
    """
    code = (language or DEFAULT_LANGUAGE).lower()
    sentences: list[Sentence] = []
    for boundary in sentencex.get_sentence_boundaries(code, body):
        piece: str = boundary["text"]
        offset = int(boundary["start_index"])
        for line in _LINES.finditer(piece) if "\n" in piece else (None,):
            text = piece if line is None else line.group()
            stripped = text.strip()
            if not stripped:
                continue
            start = offset + (0 if line is None else line.start())
            start += len(text) - len(text.lstrip())
            sentences.append(Sentence(start, start + len(stripped), stripped))
    return sentences
