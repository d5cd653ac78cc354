import pytest

from articles.claimfinding import split_sentences
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
