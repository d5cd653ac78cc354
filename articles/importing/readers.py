"""Readers: the decoded text of one file → `ParsedArticle`s (or `Rejection`s).

Every reader has the signature `reader(name, text) -> list[Outcome]` and is registered, with its
suffixes, in `articles.importing.formats`, which dispatches to it. Problems that reject the whole
file raise `ImportRejected`; a bad record of a multi-record file becomes a `Rejection` alone.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from articles.exceptions import ImportRejected
from articles.importing.cleaning import clean_article, normalise_text
from articles.importing.dates import parse_date
from articles.importing.language import identify_language
from articles.importing.types import ParsedArticle, Rejection

if TYPE_CHECKING:
    from trafilatura.settings import Document

Outcome = ParsedArticle | Rejection

# The fields of a JSON record, each with the keys it may go by (first found wins).
RECORD_FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title", "headline"),
    "body": ("body", "text"),
    "url": ("url",),
    "publisher": ("publisher", "source"),
    "author": ("author", "authors"),
    "published_at": ("published_at", "date"),
    "language": ("language", "lang"),
}
RECORD_FIELDS_HELP = "fields " + ", ".join(" or ".join(keys) for keys in RECORD_FIELDS.values())

# Text the database cannot store: NUL (PostgreSQL refuses it in text columns) and UTF-16
# surrogates without their pair (JSON's "\udc00" escapes decode to them; they are not Unicode
# characters and cannot be encoded as UTF-8).
_NUL = "\x00"
_SURROGATE = re.compile("[\ud800-\udfff]")
# A page whose main text is at least this share of link text is navigation, not an article.
MAX_LINK_TEXT_SHARE = 0.6
# A page whose article text is shorter than this is also judged by what else it is: a sign-in
# form or an error page ("404 Page not found") is not an article.
SHORT_PAGE_WORDS = 50
_ERROR_PAGE = re.compile(
    r"\b(?:page not found|file not found|404 not found|(?:error|fehler|erreur|errore) ?40[0-9]|"
    r"40[0-9] error|this page (?:does not|doesn't) exist|page (?:is )?no longer available|"
    r"the page you (?:requested|are looking for|were looking for)|access denied|403 forbidden|"
    r"internal server error|service (?:temporarily )?unavailable|página no encontrada|"
    r"seite (?:wurde )?nicht gefunden|page introuvable|page non trouvée|pagina non trovata|"
    r"página não encontrada)\b",
    re.IGNORECASE,
)
_STATUS_TITLE = re.compile(r"(?:error |http )?(?:40[0-9]|410|50[0-4])", re.IGNORECASE)


def unstorable_text(field: str, value: str) -> str | None:
    """Why `value` cannot be stored as text (the reason names `field`), or None when it can."""
    if _NUL in value:
        return f"the {field} contains a NUL character (\\u0000), which stored text cannot hold"
    surrogate = _SURROGATE.search(value)
    if surrogate is not None:
        code = f"\\u{ord(surrogate.group()):04x}"
        return f"the {field} contains a lone surrogate ({code}), which is not valid Unicode"
    return None


def _article(
    name: str,
    source_format: str,
    *,
    title: str,
    body: str,
    raw: str,
    language: str,
    url: str = "",
    publisher: str = "",
    author: str = "",
    published_at: datetime | None = None,
) -> ParsedArticle:
    title = " ".join(title.split())
    if not title:
        raise ImportRejected("no title found")
    if not body.strip():
        raise ImportRejected("no article text left after removing page chrome")
    fields = {"title": title, "text": body, "url": url, "publisher": publisher, "author": author}
    for field, value in {**fields, "original": raw}.items():
        reason = unstorable_text(field, value)
        if reason is not None:
            raise ImportRejected(reason)
    return ParsedArticle(
        name=name,
        title=title,
        body=body,
        raw=raw,
        source_format=source_format,
        url=url,
        publisher=" ".join(publisher.split()),
        author=" ".join(author.split()),
        published_at=published_at,
        language=language.lower(),
    )


def read_text(name: str, text: str) -> list[Outcome]:
    """Plain text: the first line that is not site chrome is the headline."""
    language = identify_language(text)
    cleaned = clean_article(text, language=language)
    if not cleaned.title and not cleaned.body:
        raise ImportRejected("the file contains only page chrome, no article")
    return [
        _article(
            name,
            "text",
            title=cleaned.title,
            body=cleaned.body,
            raw=text,
            author=cleaned.author,
            published_at=cleaned.published_at,
            language=language,
        )
    ]


def _strip_site_suffix(title: str, sitename: str) -> str:
    """ "Headline | Site" → "Headline" (string tests: no regex compiled per site)."""
    if sitename and title.casefold().endswith(sitename.casefold()):
        head = title[: -len(sitename)].rstrip()
        stripped = head.rstrip("|-\u2013\u2014·:»").rstrip()
        if stripped and stripped != head:
            return stripped
    return title


def _html_title(tree: Any) -> str:
    for path in (".//h1", ".//title"):
        element = tree.find(path)
        if element is not None:
            text = " ".join(element.text_content().split())
            if text:
                return text
    return ""


def read_html(name: str, text: str) -> list[Outcome]:
    """HTML page: trafilatura extracts the main text and metadata in one pass; our cleaning then
    drops the chrome trafilatura kept (ad labels, credits, bylines inside the article)."""
    # trafilatura (with jusText, courlan, htmldate...) is loaded by the first page read, not with
    # this module: every process loads the importer's modules and most never read a page.
    from trafilatura.utils import load_html

    tree = load_html(text)
    if tree is None:
        raise ImportRejected("not a readable HTML document")
    lang = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang") or ""
    fallback_title = _html_title(tree)
    # One parse, one extraction: bare_extraction takes the parsed tree and returns metadata too.
    document = _extract(tree)
    if document is None:
        # Short pages fall below trafilatura's size thresholds; retry once favouring recall.
        document = _extract(load_html(text), favor_recall=True)
    if document is None:
        raise ImportRejected("no main text found in the HTML page")
    main_text = str(document.text)
    links = _link_share(tree, main_text)
    if links is not None:
        noun = "link" if links == 1 else "links"
        raise ImportRejected(
            f"no main text found in the HTML page: only navigation ({links} {noun}), not an article"
        )
    # The page's declared language, else the one its main text is written in.
    language = lang.split("-")[0] if lang else (document.language or identify_language(main_text))
    sitename = str(document.sitename or "")
    title = _strip_site_suffix(str(document.title or "") or fallback_title, sitename)
    cleaned = clean_article(main_text, title=title or None, language=language)
    if not cleaned.body:
        raise ImportRejected("no main text found in the HTML page (only navigation or chrome)")
    reason = _not_an_article(tree, cleaned.title, cleaned.body)
    if reason is not None:
        raise ImportRejected(reason)
    published = parse_date(str(document.date), language=language) if document.date else None
    return [
        _article(
            name,
            "html",
            title=cleaned.title,
            body=cleaned.body,
            raw=text,
            url=document.url or "",
            publisher=sitename or document.hostname or "",
            author=(document.author or "").replace(";", ",") or cleaned.author,
            published_at=published or cleaned.published_at,
            language=language,
        )
    ]


def _not_an_article(tree: Any, title: str, body: str) -> str | None:
    """Why a short page is not an article (a sign-in form, an error page), else None."""
    # Splitting stops once there are enough words to tell.
    if len(body.split(maxsplit=SHORT_PAGE_WORDS)) >= SHORT_PAGE_WORDS:
        return None
    if any(str(field.get("type") or "").lower() == "password" for field in tree.iter("input")):
        return "a sign-in page (a password form), not an article"
    error = _ERROR_PAGE.search(f"{title}\n{body}")
    if error is not None or _STATUS_TITLE.fullmatch(title.strip()):
        what = error.group() if error is not None else title.strip()
        return f"an error page ('{what}'), not an article"
    return None


def _link_share(tree: Any, main_text: str) -> int | None:
    """The number of links when the main text is mostly their text (a menu, a link list, a
    footer: trafilatura keeps such a page's only text), else None."""
    total = len("".join(main_text.split()))
    # Most pages are articles: their links' text, read in one pass (every text node inside a
    # link, once), is far under the share. A link inside a link would count its text twice
    # below, so such a page takes the long way.
    if not tree.xpath("boolean(//a//a)"):
        inside = "".join(tree.xpath("//a//text()"))
        if len("".join(inside.split())) < MAX_LINK_TEXT_SHARE * total:
            return None
    link_texts = [" ".join(str(a.text_content()).split()) for a in tree.iter("a")]
    link_texts = [text for text in link_texts if text]
    if not link_texts:
        return None
    # Removing a link's text removes at most its own non-space characters: when all of them
    # together are under the share, the links cannot make up that much of the main text.
    if sum(len(text) - text.count(" ") for text in link_texts) < MAX_LINK_TEXT_SHARE * total:
        return None
    remaining = main_text
    for text in sorted(link_texts, key=len, reverse=True):
        remaining = remaining.replace(text, "", 1)
    left = len("".join(remaining.split()))
    return len(link_texts) if total and (total - left) / total >= MAX_LINK_TEXT_SHARE else None


def _extract(tree: Any, *, favor_recall: bool = False) -> Document | None:
    """trafilatura's main text and metadata of a parsed page, or None when it found no text."""
    import trafilatura
    from trafilatura.settings import Document

    if tree is None:
        return None
    document = trafilatura.bare_extraction(
        tree, with_metadata=True, include_comments=False, favor_recall=favor_recall
    )
    if isinstance(document, Document) and (document.text or "").strip():
        return document
    return None


def read_json(name: str, text: str) -> list[Outcome]:
    """A JSON object (one article) or a list of objects (one per record)."""
    value = _loads(text, where=None)
    if isinstance(value, dict):
        return [_record_outcome(name, value, raw=text)]
    if isinstance(value, list):
        if not value:
            raise ImportRejected("the JSON list is empty")
        return [
            _record_outcome(f"{name}#{number}", item, raw=None)
            for number, item in enumerate(value, start=1)
        ]
    raise ImportRejected("JSON must be an object or a list of objects")


def read_jsonl(name: str, text: str) -> list[Outcome]:
    """JSON Lines: one object per line; a bad line is rejected alone, with its line number."""
    outcomes: list[Outcome] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        record_name = f"{name}#{number}"
        try:
            value = _loads(line, where=number)
        except ImportRejected as exc:
            outcomes.append(Rejection(record_name, exc.message))
            continue
        outcomes.append(_record_outcome(record_name, value, raw=line))
    if not outcomes:
        raise ImportRejected("the JSON Lines file has no records")
    return outcomes


def _loads(text: str, *, where: int | None) -> Any:
    """`json.loads`, with every way it fails as a rejection (`where`: the JSON Lines line)."""
    place = f" on line {where}" if where is not None else ""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        line = where if where is not None else exc.lineno
        raise ImportRejected(
            f"malformed JSON{' on' if where else ' at'} line {line}, column {exc.colno}: {exc.msg}"
        ) from exc
    except RecursionError as exc:
        raise ImportRejected(f"the JSON{place} is nested too deeply to be an article") from exc
    except ValueError as exc:
        # Integers past the interpreter's digit limit (a denial-of-service guard).
        raise ImportRejected(f"the JSON{place} holds a number with too many digits") from exc


def _record_outcome(name: str, record: object, *, raw: str | None) -> Outcome:
    try:
        return _read_record(name, record, raw=raw)
    except ImportRejected as exc:
        return Rejection(name, exc.message)


def _field(record: dict[str, Any], field: str) -> str:
    for key in RECORD_FIELDS[field]:
        value = record.get(key)
        if value is None or value == "":
            continue
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return ", ".join(value)
        if not isinstance(value, str):
            raise ImportRejected(f"the field '{key}' must be text, not {type(value).__name__}")
        return value
    return ""


def _read_record(name: str, record: object, *, raw: str | None) -> ParsedArticle:
    if not isinstance(record, dict):
        raise ImportRejected(f"a record must be a JSON object, not {type(record).__name__}")
    title = normalise_text(_field(record, "title")).strip()
    body = _field(record, "body")
    missing = [label for label, value in (("title", title), ("body or text", body)) if not value]
    if missing:
        raise ImportRejected(f"the record has no {' and no '.join(missing)}")
    declared = _field(record, "language")
    language = declared or identify_language(body)
    published_text = _field(record, "published_at")
    published = None
    if published_text:
        try:
            published = parse_date(published_text, language=language)
        except ImportRejected as exc:
            raise ImportRejected(f"published_at: {exc.message}") from exc
        if published is None:
            raise ImportRejected(f"published_at '{published_text[:40]}' is not a date I can read")
    cleaned = clean_article(body, title=title, language=language)
    return _article(
        name,
        "json",
        title=title,
        body=cleaned.body,
        raw=raw if raw is not None else json.dumps(record, ensure_ascii=False),
        url=_field(record, "url"),
        publisher=_field(record, "publisher"),
        author=_field(record, "author") or cleaned.author,
        published_at=published or cleaned.published_at,
        language=language,
    )
