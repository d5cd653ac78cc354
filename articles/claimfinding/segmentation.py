"""Sentence segmentation of cleaned article bodies, keeping exact character offsets.

Sentence boundaries come from `sentencex` (Wikimedia's segmenter: rules and abbreviation lists
for some 300 languages, with fallbacks between related languages), run on the body in blocks
ending at line breaks, and every sentence is also cut at each line break: a line break in a
cleaned body always ends a sentence (a headline, a bullet, a caption line carries no final full
stop). Every `Sentence`
satisfies `body[start:end] == text`, with surrounding whitespace left out.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

import sentencex  # type: ignore[import-untyped]  # ships no type hints

# What sentencex is asked for when the importer could not tell the language: its English rules
# also split on the punctuation every Latin-script language shares.
DEFAULT_LANGUAGE = "en"
_LINES = re.compile(r"[^\n]+")
# How much of a body sentencex reads at once (see `_blocks`).
BLOCK_CHARS = 64 * 1024


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a body: `text == body[start:end]`."""

    start: int
    end: int
    text: str


def split_sentences(body: str, language: str = "") -> list[Sentence]:
    """The sentences of `body` in reading order, each with its exact offsets.

    `language` is an ISO 639-1 code such as the importer stores ("" when unknown). sentencex
    reads the body a block of lines at a time (one call per block, not one per line); its
    sentences are then cut at every line break.
    """
    return list(iter_sentences(body, language))


def iter_sentences(body: str, language: str = "") -> Iterator[Sentence]:
    """`split_sentences` one at a time: a body of two million one-word lines is two million
    sentences, which a caller that keeps a few of them need not hold at once."""
    for start, text in sentence_spans(body, language):
        yield Sentence(start, start + len(text), text)


def sentence_spans(body: str, language: str = "") -> Iterator[tuple[int, str]]:
    """`iter_sentences` as (start, text) pairs: for callers that go through every sentence of
    a batch and keep few (cheaper than a `Sentence` each)."""
    for starts, texts in block_spans(body, language):
        yield from zip(starts, texts, strict=True)


def block_spans(body: str, language: str = "") -> Iterator[tuple[list[int], list[str]]]:
    """`sentence_spans` a block of the body at a time (see `_blocks`): the starts and the texts
    of its sentences, as two lists (cheaper still, for a caller that gathers the sentences of
    many articles)."""
    code = (language or DEFAULT_LANGUAGE).lower()
    for block_start, block in _blocks(body):
        starts: list[int] = []
        texts: list[str] = []
        for offset, piece in _pieces(code, block_start, block):
            stripped = piece.strip()
            if "\n" not in stripped:
                # One line (line breaks only in the whitespace around it, if any): the piece
                # without that whitespace, as the loop below would find it.
                if stripped:
                    if piece[0].isspace():
                        offset += len(piece) - len(piece.lstrip())
                    starts.append(offset)
                    texts.append(stripped)
                continue
            for line in _LINES.finditer(piece):
                text = line.group()
                stripped = text.strip()
                if not stripped:
                    continue
                starts.append(offset + line.start() + len(text) - len(text.lstrip()))
                texts.append(stripped)
        yield starts, texts


def _pieces(code: str, block_start: int, block: str) -> zip[tuple[int, str]]:
    """sentencex's sentences of a block, each with where it starts in the body. Its `segment`
    gives the texts alone (several times cheaper than `get_sentence_boundaries`, which gives a
    dictionary of offsets and more for each, and the same texts): one after the other, they
    are the block, so each starts where the one before ended (checked; else the offsets are
    asked for)."""
    texts: list[str] = sentencex.segment(code, block)
    if "".join(texts) == block:
        starts = list(itertools.accumulate(map(len, texts), initial=block_start))[:-1]
    else:
        boundaries = sentencex.get_sentence_boundaries(code, block)
        texts = [boundary["text"] for boundary in boundaries]
        starts = [block_start + int(boundary["start_index"]) for boundary in boundaries]
    return zip(starts, texts, strict=True)


def _blocks(body: str) -> Iterator[tuple[int, str]]:
    """`body` in blocks of about `BLOCK_CHARS` characters, each ending at a line break (or the
    body's end), with where each starts. A line break always ends a sentence, so segmenting the
    blocks one by one gives the sentences of the whole body, while sentencex (which reads its
    input at once) never holds more than a block: one call per block, not one per line."""
    start = 0
    while start < len(body):
        end = body.find("\n", start + BLOCK_CHARS)
        end = len(body) if end < 0 else end + 1
        yield start, body[start:end]
        start = end
