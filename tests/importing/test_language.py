"""Language identification of short and mixed-language texts, and where the importer uses it."""

import json

import pytest

from articles.importing import ParsedArticle, SourceFile, parse_source
from articles.importing.language import PREFIX_CHARS, identify_language

SHORT = {
    "en": "The council approved the budget on Monday.",
    "es": "El consejo aprobó el presupuesto el lunes.",
    "de": "Der Rat hat den Haushalt am Montag beschlossen.",
    "fr": "Le conseil a adopté le budget lundi.",
    "it": "Il consiglio ha approvato il bilancio lunedì.",
    "pt": "O conselho aprovou o orçamento na segunda-feira.",
    "nl": "De raad keurde maandag de begroting goed.",
    "pl": "Rada przyjęła budżet w poniedziałek.",
    "sv": "Ministern förnekade rapporten.",
}
# A paragraph in one language quoting another: the paragraph's language wins.
MIXED = {
    "en": (
        'The mayor told reporters that the plan was final. "Das ist beschlossen", she said in '
        "German, before answering questions about the cost of the tunnel and the timetable."
    ),
    "de": (
        "Der Bürgermeister sagte, der Plan sei endgültig. Auf Englisch fügte er hinzu: "
        '"This is a done deal", bevor er Fragen zu den Kosten des Tunnels beantwortete.'
    ),
    "es": (
        'Musk escribió en Twitter: "They trained illegally using Twitter data. Lawsuit time". '
        "Microsoft no respondió a las preguntas de este periódico sobre la tarifa de la API."
    ),
    "fr": (
        "Le maire a déclaré que le projet était définitif. Il a ajouté en anglais : « It is "
        "final », avant de répondre aux questions sur le coût du tunnel et le calendrier."
    ),
    "it": (
        'Il sindaco ha detto che il piano è definitivo. In inglese ha aggiunto: "It is final", '
        "prima di rispondere alle domande sul costo del tunnel e sui tempi dei lavori."
    ),
    "pt": (
        'O prefeito disse que o plano era definitivo. Em inglês acrescentou: "It is final", '
        "antes de responder às perguntas sobre o custo do túnel e o calendário das obras."
    ),
    "nl": (
        "De burgemeester zei dat het plan definitief was. In het Engels voegde hij toe: "
        '"It is final", voordat hij vragen beantwoordde over de kosten van de tunnel.'
    ),
}


@pytest.mark.parametrize(("language", "text"), sorted(SHORT.items()))
def test_identify_language_of_one_short_sentence(language, text):
    assert identify_language(text) == language


@pytest.mark.parametrize(("language", "text"), sorted(MIXED.items()))
def test_identify_language_of_a_paragraph_quoting_another_language(language, text):
    assert identify_language(text) == language


@pytest.mark.parametrize("text", ["", "OK", "12,400 €", "—", "https://x.example/1"])
def test_identify_language_says_nothing_for_labels_and_numbers(text):
    assert identify_language(text) == ""


def test_identify_language_says_nothing_when_unsure():
    # Two words that several languages share: no confident answer.
    assert identify_language("Hotel Taxi") == ""


def test_identify_language_reads_a_bounded_prefix():
    english = (SHORT["en"] + " ") * (PREFIX_CHARS // len(SHORT["en"]) + 1)
    german = (SHORT["de"] + " ") * 500

    assert identify_language(english + german) == "en"
    assert identify_language(german + english) == "de"


def test_text_file_without_metadata_gets_its_language_identified():
    text = "Huelga en el puerto\n\n" + " ".join([SHORT["es"], MIXED["es"]])
    [article] = parse_source(SourceFile("huelga.txt", text.encode()))

    assert isinstance(article, ParsedArticle)
    assert article.language == "es"


def test_record_language_is_identified_unless_declared():
    records = [
        {"title": "Streik", "body": MIXED["de"]},
        {"title": "Streik", "body": MIXED["de"] + " Mehr.", "language": "DE-at"},
    ]
    outcomes = parse_source(SourceFile("r.json", json.dumps(records).encode()))

    assert [getattr(o, "language", None) for o in outcomes] == ["de", "de-at"]


def test_html_without_lang_attribute_gets_the_language_of_its_main_text():
    paragraphs = "".join(f"<p>{MIXED['it']}</p>" for _ in range(3))
    html = (
        "<html><head><title>Il tunnel</title></head><body><article><h1>Il tunnel</h1>"
        f"{paragraphs}</article></body></html>"
    )
    [article] = parse_source(SourceFile("tunnel.html", html.encode()))

    assert isinstance(article, ParsedArticle)
    assert article.language == "it"
