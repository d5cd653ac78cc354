"""Body cleaning on synthetic scraped text (several sites, several languages)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from articles.importing.cleaning import clean_article, derive_title, normalise_text

PARA_1 = (
    "The regional water board approved a 14 percent tariff increase on Tuesday, its chair said."
)
PARA_2 = "Residents will see the change on bills from July, according to the board's statement."
PARA_3 = "Opposition councillors said the board had not published the engineering report."


def test_clean_article_takes_first_line_as_headline_and_keeps_paragraphs():
    cleaned = clean_article(f"Water tariffs to rise\n\n{PARA_1}\n\n{PARA_2}\n")

    assert cleaned.title == "Water tariffs to rise"
    assert cleaned.body == f"{PARA_1}\n\n{PARA_2}"


def test_clean_article_reads_unbroken_lines_as_paragraphs():
    cleaned = clean_article(f"Water tariffs to rise\n{PARA_1}\n{PARA_2}")

    assert cleaned.body == f"{PARA_1}\n\n{PARA_2}"


@pytest.mark.parametrize(
    "chrome",
    [
        "Advertisement",
        "- Advertisement -",
        "ADVERTISEMENT",
        "Advertisment",
        "Ad",
        "Sponsored",
        "Click to Skip Ad",
        "Closing in...",
        "Story continues below",
        "Publicidad",
        "Anuncio",
        "Werbung",
        "Anzeige",
        "Publicité",
        "Pubblicità",
        "Share this article",
        "Follow us on Instagram",
        "Síguenos en Twitter",
        "Folgen Sie uns auf Facebook",
        "Suivez-nous sur LinkedIn",
        "Image: Jane Roe/Getty Images",
        "Photo: Reuters",
        "Foto: dpa",
        "© 2024 Example Media Group",
    ],
)
def test_clean_article_drops_chrome_lines_in_the_middle(chrome):
    cleaned = clean_article(f"Headline here\n\n{PARA_1}\n\n{chrome}\n\n{PARA_2}")

    assert cleaned.body == f"{PARA_1}\n\n{PARA_2}"


@pytest.mark.parametrize(
    "tail",
    [
        "Leave a Reply\n\nYour email address will not be published. Required fields are marked *",
        "Leave a Reply Cancel reply\n\nComment\n\nName*\n\nEmail*\n\nWebsite\n\n"
        "Save my name, email, and website in this browser for the next time I comment.\n\n"
        "Post Comment",
        "Deja una respuesta\n\nTu dirección de correo electrónico no será publicada. "
        "Los campos obligatorios están marcados con *",
        "Laisser un commentaire\n\nVotre adresse e-mail ne sera pas publiée. "
        "Les champs obligatoires sont indiqués avec *",
        "Hinterlasse einen Kommentar\n\nDeine E-Mail-Adresse wird nicht veröffentlicht. "
        "Erforderliche Felder sind mit * markiert",
        "Lascia un commento\n\nIl tuo indirizzo email non sarà pubblicato. "
        "I campi obbligatori sono contrassegnati *",
        "About Us\n\nWe are a small team of reporters committed to independent journalism "
        "since 2009 and we publish daily.",
        "Über uns\n\nWir sind eine unabhängige Redaktion aus Leipzig.",
        "Tags: water, tariffs, council",
        "Maria Lopez\n\nMaria Lopez\n\nThe purpose of my writing is to explain local budgets.",
        "Tom Becker Senior Reporter\n\nTom Becker is a Senior Reporter for Daily Example.\n\n"
        "With expertise in local politics that spans 8 years, Tom covers councils and courts.",
        "Anna Schmidt is a freelance writer for Example News.",
        "- Advertisment -",
    ],
)
def test_clean_article_drops_tail_chrome(tail):
    cleaned = clean_article(f"Headline here\n\n{PARA_1}\n\n{PARA_2}\n\n{tail}")

    assert cleaned.body == f"{PARA_1}\n\n{PARA_2}"


def test_clean_article_captures_the_author_of_a_trailing_bio():
    text = (
        f"Headline here\n\n{PARA_1}\n\nTom Becker Senior Reporter\n\n"
        "Tom Becker is a Senior Reporter for Daily Example."
    )

    assert clean_article(text).author == "Tom Becker"


def test_clean_article_drops_head_chrome_above_the_headline():
    text = (
        "Skip to content\nMenu\nMonday, June 3, 2024\nHome \u203a Local \u203a Water\n"
        "HomeLocalWater tariffs to rise as board appr...\n\n"
        f"Water tariffs to rise as board approves plan\n\n{PARA_1}"
    )
    cleaned = clean_article(text)

    assert cleaned.title == "Water tariffs to rise as board approves plan"
    assert cleaned.body == PARA_1


def test_clean_article_reads_published_line_byline_and_caption_below_the_headline():
    text = (
        "Water tariffs to rise\n\nPublished Apr 19th, 2023 5:07PM EDT\nBy Jane Doe\n"
        "The reservoir at Hollow Creek\nImage: John Roe/Getty Images\n\n"
        "If you buy through a link on this page, we may earn an affiliate commission.\n\n"
        f"{PARA_1}"
    )
    cleaned = clean_article(text)

    assert cleaned.body == PARA_1
    assert cleaned.author == "Jane Doe"
    assert cleaned.published_at == datetime(
        2023, 4, 19, 17, 7, tzinfo=timezone(timedelta(hours=-4))
    )


def test_clean_article_reads_non_english_published_line():
    cleaned = clean_article(f"Titular\n\nPublicado el 3 de mayo de 2024\n\n{PARA_1}")

    assert cleaned.published_at == datetime(2024, 5, 3, tzinfo=UTC)
    assert cleaned.body == PARA_1


def test_clean_article_keeps_sentences_that_mention_chrome_words():
    mentions = [
        "The advertisement ran for three weeks before the regulator asked for it to be withdrawn.",
        "Leave a reply, the minister told reporters, was all the letter said.",
        "Share this article's central claim with caution: the figures were revised twice.",
        "About us, the company said, there is nothing to hide.",
    ]
    text = "Headline here\n\n" + "\n\n".join([PARA_1, *mentions, PARA_2])

    assert clean_article(text).body == "\n\n".join([PARA_1, *mentions, PARA_2])


def test_clean_article_keeps_a_closing_subheading_and_paragraph():
    text = (
        f"Headline here\n\n{PARA_1}\n\nFinal Thoughts\n\n"
        "Final results are expected next week, officials said."
    )

    assert "Final Thoughts" in clean_article(text).body
    assert clean_article(text).body.endswith("officials said.")


def test_clean_article_derives_a_title_from_a_lead_sentence():
    lead = (
        "The regional water board approved a 14 percent tariff increase on Tuesday, "
        "saying that ageing pipes and a dry summer had left it with no other choice."
    )
    cleaned = clean_article(f"{lead}\n{PARA_2}")

    assert (
        cleaned.title == "The regional water board approved a 14 percent tariff increase on Tuesday"
    )
    assert cleaned.title_derived
    assert cleaned.body.startswith(lead)


def test_derive_title_truncates_at_a_word_boundary():
    title = derive_title("word " * 60 + "end.")

    assert len(title) <= 120
    assert title.endswith("…")
    assert not title[:-1].endswith(" ")


def test_clean_article_uses_a_known_title_and_drops_its_repeat():
    cleaned = clean_article(
        f"Water tariffs to rise\n{PARA_1}\n{PARA_3}", title="Water tariffs to rise"
    )

    assert cleaned.title == "Water tariffs to rise"
    assert cleaned.body == f"{PARA_1}\n\n{PARA_3}"


def test_normalise_text_collapses_whitespace_and_composes_unicode():
    decomposed = "Cafe\u0301  au\u00a0lait \t \n\n\n\nnext   "

    assert normalise_text(decomposed) == "Café au lait\n\n\n\nnext"
    assert clean_article("Title\n\n\n\nCafe\u0301  one.   \n\n\n\nTwo.").body == "Café one.\n\nTwo."


def test_clean_article_keeps_line_breaks_within_a_paragraph_and_blank_lines_between():
    # Lines next to each other in one paragraph stay one newline apart; a dropped line in the
    # middle of a paragraph, or a blank line, leaves a blank line between the parts.
    text = (
        "Water tariffs to rise\n\n"
        f"{PARA_1}\n{PARA_2}\nAdvertisement\n{PARA_3}\n\n\n"
        "A second paragraph, first line.\nIts second line.\n"
    )

    cleaned = clean_article(text)

    assert cleaned.body == (
        f"{PARA_1}\n{PARA_2}\n\n{PARA_3}\n\nA second paragraph, first line.\nIts second line."
    )


def test_clean_article_many_short_lines_imports_every_line():
    # The shape that took 581 MB (issue 15), at a tenth of its size: every one-letter line is a
    # paragraph of the body; lines are held as offsets, not objects (benchmarks/import_memory.py).
    letters = ["abcdefghij"[i % 10] for i in range(200_000)]
    text = "Many short lines\n" + "\n".join(letters) + "\n"

    cleaned = clean_article(text)

    assert cleaned.title == "Many short lines"
    assert cleaned.body == "\n\n".join(letters)


def test_clean_article_many_short_lines_with_chrome_between():
    lines = []
    for i in range(50_000):
        lines.append("abcdefghij"[i % 10])
        if i % 1000 == 0:
            lines.append("Advertisement")
    text = "Many short lines\n\n" + "\n".join(lines) + "\n\nLeave a Reply\nComments\n"

    cleaned = clean_article(text)

    kept = [line for line in lines if line != "Advertisement"]
    # One paragraph: a dropped line leaves a blank line where it was.
    expected = "\n\n".join(
        "\n".join(part.strip("\n").split("\n"))
        for part in "\n".join(lines).split("\nAdvertisement\n")
    )
    assert cleaned.body == expected
    assert cleaned.body.replace("\n\n", "\n").split("\n") == kept
