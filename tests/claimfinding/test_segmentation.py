import random

import pytest
import sentencex  # type: ignore[import-untyped]

from articles.claimfinding import segmentation, split_sentences
from articles.claimfinding.segmentation import iter_sentences

TEXTS = {
    "en": (
        "Dr. Smith said the U.S. company paid $10.5 billion on Jan. 3. Was it legal? "
        "“Lawsuit time.” Musk tweeted.\n\nA headline without a full stop\n"
        "  Indented line, with trailing spaces.   \r\nLast one."
    ),
    "de": (
        "Der Preis stieg um 5 % auf 3,5 Mrd. Euro. "
        "Am 3. Mai sagte Dr. Müller: „Das ist z. B. falsch.“ Danach ging er."
    ),
    "es": "El Sr. García dijo que la empresa pagó 10 millones. ¿Es verdad? Según la EE. UU. sí.",
    "fr": (
        "M. Dupont a déclaré que l'entreprise a payé 3 millions d'euros. "
        "C'est faux, selon Le Monde."
    ),
    "": "No language known. Still split. Fine.",
}


@pytest.mark.parametrize("language", list(TEXTS))
def test_split_sentences_offsets_are_exact(language):
    body = TEXTS[language]
    sentences = split_sentences(body, language)
    assert len(sentences) >= 2
    previous_end = 0
    for sentence in sentences:
        assert body[sentence.start : sentence.end] == sentence.text
        assert sentence.text == sentence.text.strip()
        assert sentence.start >= previous_end
        previous_end = sentence.end


def test_split_sentences_keeps_abbreviations_and_breaks_lines():
    sentences = [s.text for s in split_sentences(TEXTS["en"], "en")]
    assert sentences[0] == "Dr. Smith said the U.S. company paid $10.5 billion on Jan. 3."
    assert "Was it legal?" in sentences
    assert "A headline without a full stop" in sentences
    assert "Indented line, with trailing spaces." in sentences
    assert sentences[-1] == "Last one."


def test_split_sentences_german_abbreviations():
    sentences = [s.text for s in split_sentences(TEXTS["de"], "de")]
    assert sentences[0] == "Der Preis stieg um 5 % auf 3,5 Mrd. Euro."
    assert any(s.startswith("Am 3. Mai sagte Dr. Müller") for s in sentences)


def test_split_sentences_empty_body():
    assert split_sentences("", "en") == []
    assert split_sentences(" \n\n ", "en") == []


def test_iter_sentences_yields_what_split_sentences_returns():
    body = TEXTS["en"] + "\n" + "\n".join("abcdefghij"[i % 10] for i in range(1000))

    sentences = iter_sentences(body, "en")

    assert not isinstance(sentences, list)
    assert list(sentences) == split_sentences(body, "en")


# What sentencex's `segment` gives is what its `get_sentence_boundaries` gives, each piece
# starting where the one before ended: the segmenter reads the pieces and works out their
# offsets (and asks for the offsets when the pieces are not the block one after the other).
PIECES = [
    *["Mr.", "Dr. ", "U.S.", "e.g.", " etc. ", "St. ", "No. ", "1.", "2,5", "3."],
    *[" ", "  ", "\n", "\n\n", "\r\n", "\t", "\u00a0", "\u2028"],
    *[".", "!", "?", "\u2026", '"', "\u201c", "\u201d", "'", "(", ")", "\u00ab", "\u00bb"],
    *[":", ";", "\u2014", "-", "\u00bf", "\u00a1", "\u3002", "\u4e2d\u6587\u3002"],
    *["word", "Word", "ABC", "a", "\u00e9", "\u00df", "\u03a9", "\U0001f642"],
]


def _boundaries(code, block):
    return [
        (int(found["start_index"]), found["text"])
        for found in sentencex.get_sentence_boundaries(code, block)
    ]


@pytest.mark.parametrize("language", ["en", "de", "es", "fr", "nl", "xx"])
def test_pieces_are_sentencex_boundaries(language):
    rng = random.Random(language)
    blocks = ["".join(rng.choices(PIECES, k=rng.randint(1, 60))) for _ in range(2_000)]
    blocks += list(TEXTS.values())
    for block in blocks:
        assert list(segmentation._pieces(language, 7, block)) == [
            (7 + start, text) for start, text in _boundaries(language, block)
        ], block


def test_pieces_ask_for_offsets_when_the_texts_are_not_the_block(monkeypatch):
    # Were `segment` to leave out what lies between sentences, the offsets come from sentencex.
    segment = sentencex.segment
    monkeypatch.setattr(sentencex, "segment", lambda code, block: segment(code, block)[1:])
    block = TEXTS["en"]
    assert list(segmentation._pieces("en", 0, block)) == _boundaries("en", block)
