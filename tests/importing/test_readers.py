"""Readers and their rejections: text, HTML, JSON, JSONL, encodings and binary files."""

# ruff: noqa: E501 - realistic article paragraphs read better unwrapped

import json

import pytest

from articles.importing import ParsedArticle, Rejection, SourceFile, parse_source

BODY = (
    "The harbour authority said on Monday that 1,200 containers were delayed by the strike. "
    "Its director, Ines Vidal, said the backlog would clear within ten days."
)


def parse_one(name, data):
    outcomes = parse_source(SourceFile(name, data))
    assert len(outcomes) == 1
    return outcomes[0]


def test_parse_source_reads_a_text_file():
    article = parse_one("a.txt", f"Harbour strike delays containers\n\n{BODY}".encode())

    assert isinstance(article, ParsedArticle)
    assert article.title == "Harbour strike delays containers"
    assert article.body == BODY
    assert article.source_format == "text"
    assert article.raw.startswith("Harbour strike")
    assert article.language == "en"


def test_parse_source_detects_cp1252():
    text = (
        "Grève au port : des conteneurs bloqués\n\n"
        "Le directeur du port, Hélène Dupré, a déclaré lundi que 1 200 conteneurs étaient "
        "bloqués à cause de la grève. « Nous espérons que la situation sera réglée d\u2019ici dix "
        "jours », a-t-elle précisé. Les syndicats réclament une hausse de salaire de 6 % et "
        "une prime exceptionnelle de 500 €."
    )
    article = parse_one("greve.txt", text.encode("cp1252"))

    assert isinstance(article, ParsedArticle)
    assert article.title == "Grève au port : des conteneurs bloqués"
    assert "Hélène Dupré" in article.body
    assert "500 €" in article.body
    assert article.language == "fr"


def test_parse_source_detects_latin1_without_euro():
    text = "Über den Hafen\n\nDer Hafendirektor sagte am Montag, dass die Gebühren für große Schiffe steigen würden. Die Reeder äußerten sich besorgt über die Pläne."
    article = parse_one("hafen.txt", text.encode("latin-1"))

    assert isinstance(article, ParsedArticle)
    assert "äußerten" in article.body


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-8-sig"])
def test_parse_source_reads_utf16_and_bom_files(encoding):
    data = f"Harbour strike delays containers\n\n{BODY}".encode(encoding)
    if encoding == "utf-16-le":
        data = b"\xff\xfe" + data
    article = parse_one("a.txt", data)

    assert isinstance(article, ParsedArticle)
    assert article.body == BODY


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "the file is empty"),
        ("blank.txt", b"  \n\n \t ", "the file is empty"),
        ("nul.txt", b"Title\n\nBody\x00\x01\x02\x00 with nul" * 20, "binary file"),
        ("doc.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3 binary", "looks like a PDF document"),
        ("pic.html", b"\x89PNG\r\n\x1a\n\x00\x00", "looks like a PNG image"),
        ("ctl.txt", ("Title\n\n" + "\x07\x08\x1b" * 50 + BODY).encode(), "control characters"),
        ("a.pdf", b"whatever", "unsupported file type '.pdf'"),
        ("noext", b"whatever", "unsupported file type without an extension"),
        ("chrome.txt", b"Advertisement\nClick to Skip Ad\n", "only page chrome"),
        ("title.txt", b"Just a headline\n\nAdvertisement", "no article text"),
    ],
)
def test_parse_source_rejects_with_a_specific_reason(name, data, reason):
    outcome = parse_one(name, data)

    assert isinstance(outcome, Rejection)
    assert reason in outcome.reason


def test_parse_source_rejects_undetectable_encoding(monkeypatch):
    from articles.importing import decoding

    class NoMatch:
        def best(self):
            return None

    monkeypatch.setattr(decoding, "from_bytes", lambda data: NoMatch())
    outcome = parse_one("odd.txt", b"Title\n\n\xff\xfe\xfd not utf-8 \x81\x8d")

    assert isinstance(outcome, Rejection)
    assert outcome.reason == "could not detect the text encoding"


def test_parse_source_reads_a_json_object():
    record = {
        "title": "Harbour strike delays containers",
        "body": BODY,
        "url": "https://port.example.org/news/strike",
        "publisher": "Port Gazette",
        "author": "Ines Vidal",
        "published_at": "2024-05-06T09:30:00+02:00",
    }
    article = parse_one("rec.json", json.dumps(record).encode())

    assert isinstance(article, ParsedArticle)
    assert article.source_format == "json"
    assert (article.title, article.publisher, article.author) == (
        record["title"],
        "Port Gazette",
        "Ines Vidal",
    )
    assert article.url == record["url"]
    assert article.published_at is not None
    assert article.published_at.isoformat() == "2024-05-06T09:30:00+02:00"


def test_parse_source_reads_a_json_list_and_rejects_bad_records():
    records = [
        {"title": "One", "text": BODY},
        {"title": "Two"},
        {"body": BODY},
        "not an object",
        {"title": "Bad date", "body": BODY, "published_at": "soon"},
        {"title": 5, "body": BODY},
    ]
    outcomes = parse_source(SourceFile("list.json", json.dumps(records).encode()))

    assert isinstance(outcomes[0], ParsedArticle)
    assert outcomes[0].name == "list.json#1"
    assert [getattr(o, "reason", None) for o in outcomes[1:]] == [
        "the record has no body or text",
        "the record has no title",
        "a record must be a JSON object, not str",
        "published_at 'soon' is not a date I can read",
        "the field 'title' must be text, not int",
    ]


def test_parse_source_rejects_malformed_json_with_its_position():
    outcome = parse_one("bad.json", b'{\n  "title": "x",\n  "body": oops\n}')

    assert isinstance(outcome, Rejection)
    assert outcome.reason.startswith("malformed JSON at line 3, column 11")


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"[]", "the JSON list is empty"), (b"42", "JSON must be an object or a list of objects")],
)
def test_parse_source_rejects_json_of_the_wrong_shape(data, reason):
    assert parse_one("x.json", data).reason == reason


def test_parse_source_reads_jsonl_line_by_line():
    lines = [
        json.dumps({"title": "One", "body": BODY}),
        "",
        '{"title": "Two", "body": ',
        json.dumps({"title": "Three", "body": BODY + " More."}),
    ]
    outcomes = parse_source(SourceFile("feed.jsonl", "\n".join(lines).encode()))

    assert [o.name for o in outcomes] == ["feed.jsonl#1", "feed.jsonl#3", "feed.jsonl#4"]
    assert isinstance(outcomes[0], ParsedArticle)
    assert outcomes[0].raw == lines[0]
    assert isinstance(outcomes[1], Rejection)
    assert outcomes[1].reason.startswith("malformed JSON on line 3, column")
    assert isinstance(outcomes[2], ParsedArticle)


def page(lang, nav, ad, comments, paragraphs, *, title="Harbour strike delays containers"):
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title} | Port Gazette</title>
<meta property="og:site_name" content="Port Gazette">
<meta name="author" content="Ines Vidal">
<meta property="article:published_time" content="2024-05-06T09:30:00+02:00">
<link rel="canonical" href="https://port.example.org/news/strike"></head>
<body><header><nav><a href="/">{nav}</a> <a href="/local">Local</a> <a href="/sport">Sport</a></nav></header>
<main><article><h1>{title}</h1>
<p>{paragraphs[0]}</p><div class="ad"><p>{ad}</p></div>{body}</article>
<section class="comments"><h3>{comments}</h3><form><textarea></textarea></form></section></main>
<footer><p>© 2024 Port Gazette. All rights reserved.</p><a href="/about">About us</a></footer>
</body></html>"""


HTML_CASES = {
    "en": (
        "Home",
        "Advertisement",
        "Leave a Reply",
        [
            "The harbour authority said on Monday that 1,200 containers were delayed by the strike at the eastern terminal.",
            "Its director, Ines Vidal, said the backlog would clear within ten days if the talks resumed on Wednesday.",
            "Shipping companies have rerouted at least four vessels to neighbouring ports, according to the authority.",
        ],
    ),
    "es": (
        "Inicio",
        "Publicidad",
        "Deja una respuesta",
        [
            "La autoridad portuaria dijo el lunes que 1.200 contenedores se retrasaron por la huelga en la terminal este.",
            "Su directora, Inés Vidal, afirmó que el atasco se resolverá en diez días si las negociaciones se reanudan el miércoles.",
            "Las navieras han desviado al menos cuatro buques a puertos vecinos, según la autoridad portuaria.",
        ],
    ),
    "de": (
        "Startseite",
        "Anzeige",
        "Hinterlasse einen Kommentar",
        [
            "Die Hafenbehörde teilte am Montag mit, dass 1.200 Container wegen des Streiks am Ostterminal verspätet sind.",
            "Ihre Direktorin Ines Vidal sagte, der Rückstau werde sich in zehn Tagen auflösen, wenn die Gespräche am Mittwoch weitergehen.",
            "Reedereien haben mindestens vier Schiffe in benachbarte Häfen umgeleitet, so die Behörde.",
        ],
    ),
    "fr": (
        "Accueil",
        "Publicité",
        "Laisser un commentaire",
        [
            "L'autorité portuaire a déclaré lundi que 1 200 conteneurs étaient retardés par la grève au terminal est.",
            "Sa directrice, Inès Vidal, a affirmé que l'engorgement serait résorbé en dix jours si les discussions reprenaient mercredi.",
            "Les armateurs ont dérouté au moins quatre navires vers des ports voisins, selon l'autorité.",
        ],
    ),
}


@pytest.mark.parametrize("lang", sorted(HTML_CASES))
def test_parse_source_extracts_html_and_drops_chrome_in_several_languages(lang):
    nav, ad, comments, paragraphs = HTML_CASES[lang]
    article = parse_one("page.html", page(lang, nav, ad, comments, paragraphs).encode())

    assert isinstance(article, ParsedArticle)
    assert article.title == "Harbour strike delays containers"
    assert article.source_format == "html"
    assert article.language == lang
    assert article.publisher == "Port Gazette"
    assert article.url == "https://port.example.org/news/strike"
    assert article.author == "Ines Vidal"
    assert article.published_at is not None
    assert article.published_at.year == 2024
    for paragraph in paragraphs:
        assert paragraph in article.body
    for chrome in (ad, comments, "All rights reserved", nav + "\n", "About us"):
        assert chrome not in article.body
    assert "<p>" in article.raw


def test_parse_source_rejects_html_without_main_text():
    html = (
        b"<html><head><title>Menu</title></head><body><nav><a href='/'>Home</a></nav></body></html>"
    )
    outcome = parse_one("empty.html", html)

    assert isinstance(outcome, Rejection)
    assert outcome.reason.startswith("no main text found in the HTML page")


def html_page(body, title=""):
    head = f"<title>{title}</title>" if title else ""
    return f"<html><head>{head}</head><body>{body}</body></html>".encode()


SIGN_IN = (
    '<form action="/login"><label>Email</label><input name="email">'
    '<label>Password</label><input type="password" name="password">'
    "<button>Sign in</button></form><p>Forgot your password?</p>"
)


@pytest.mark.parametrize(
    ("body", "title", "reason"),
    [
        (SIGN_IN, "", "a sign-in page (a password form), not an article"),
        (
            "<h1>404</h1><p>Page not found.</p><a href='/'>Home</a>",
            "",
            "an error page ('Page not found'), not an article",
        ),
        (
            "<h1>Oops</h1><p>The page you are looking for has moved or never existed.</p>",
            "Example News",
            "an error page ('The page you are looking for'), not an article",
        ),
        (
            "<h1>Error 404</h1><p>Lo sentimos, esta dirección no existe.</p>",
            "",
            "an error page ('Error 404'), not an article",
        ),
        (
            "<h1>Seite nicht gefunden</h1><p>Bitte prüfen Sie die Adresse.</p>",
            "",
            "an error page ('Seite nicht gefunden'), not an article",
        ),
        (
            "<h1>503</h1><p>We are down for maintenance, back soon.</p>",
            "",
            "an error page ('503'), not an article",
        ),
    ],
)
def test_parse_source_rejects_short_pages_that_are_not_articles(body, title, reason):
    outcome = parse_one("page.html", html_page(body, title))

    assert isinstance(outcome, Rejection)
    assert outcome.reason == reason


def test_parse_source_keeps_articles_beside_a_sign_in_form_or_about_errors():
    paragraphs = "".join(f"<p>Update {n}. {BODY}</p>" for n in range(3))
    with_form = html_page(
        f"<article><h1>Harbour strike delays containers</h1>{paragraphs}</article>"
        f"<aside>{SIGN_IN}</aside>"
    )
    short_news = html_page(
        "<article><h1>Search for missing hiker ends</h1>"
        "<p>The hiker was not found after three days, the mountain rescue service said.</p>"
        "</article>"
    )

    assert isinstance(parse_one("form.html", with_form), ParsedArticle)
    article = parse_one("short.html", short_news)
    assert isinstance(article, ParsedArticle)
    assert article.title == "Search for missing hiker ends"
