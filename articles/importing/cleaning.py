"""Body cleaning: drop web chrome (ads, comment forms, share and affiliate notices, bylines,
author bios, about-us blocks, breadcrumbs, image credits) and keep the article's own text.

Conservative by construction: a line is dropped only when the *whole line* is chrome, judged by
short-line patterns, and the riskier patterns (navigation words, dates, bylines, bios, about-us
blocks) only count at the head (above the headline and just below it) or at the tail of the
text. A sentence that merely mentions "advertisement" or "comment" is never touched.
"""

from __future__ import annotations

import io
import re
import unicodedata
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from articles.importing.dates import DateOutOfRange, parse_date

# A title derived from a long lead sentence is cut to this many characters (a headline's length;
# the Article.title column itself holds far more).
DERIVED_TITLE_MAX = 120
# How many content lines below the headline may still be bylines, dates, credits and notices.
BYLINE_ZONE = 6
# How many lines from the end an about-us heading or an author's name may start.
TAIL_ZONE = 6

_KEY_STRIP = " \t-\u2013\u2014|•·*_=[](){}:>»«\u2039\u203a.…!¡"


def _key(line: str) -> str:
    """The line as compared with the chrome lists: casefolded, without edge punctuation."""
    return " ".join(line.replace("\u2019", "'").casefold().strip(_KEY_STRIP).split())


def _words(*groups: str) -> frozenset[str]:
    return frozenset(_key(item) for group in groups for item in group.split("|") if item.strip())


# Whole-line chrome that can sit anywhere in the text.
AD_LINES = _words(
    "advertisement|advertisements|advertisment|advertising|ad|ads|sponsored|sponsored content|"
    "promoted|promoted content|paid content|paid post|partner content|click to skip ad|skip ad|"
    "skip advertisement|closing in|close ad|continue reading below|story continues below|"
    "article continues below|article continues below advertisement|scroll to continue|"
    "scroll to continue with content|report this ad|remove ads",
    # es / pt
    "publicidad|anuncio|anuncios|contenido patrocinado|patrocinado|publicidade|"
    "conteúdo patrocinado|continúa leyendo|sigue leyendo",
    # de / nl
    "werbung|anzeige|anzeigen|gesponsert|sponsored post|weiterlesen nach der anzeige|"
    "artikel wird unter der anzeige fortgesetzt|advertentie|gesponsord",
    # fr / it
    "publicité|pub|annonce|contenu sponsorisé|sponsorisé|la suite après cette publicité|"
    "pubblicità|annuncio|contenuto sponsorizzato|sponsorizzato",
)
SHARE_LINES = _words(
    "share|share this|share this article|share this story|share this post|share article|"
    "tweet|pin it|copy link|email this|print|print this article|share on facebook|"
    "share on twitter|share on x|share on linkedin|share on whatsapp|share via email",
    "compartir|compartir en facebook|compartir en twitter|compartir este artículo|comparte|"
    "teilen|artikel teilen|diesen artikel teilen|partager|partager cet article|"
    "partager sur facebook|"
    "condividi|condividi su facebook|compartilhar",
)
COMMENT_LINES = _words(
    "leave a reply|leave a comment|leave a reply cancel reply|cancel reply|post comment|"
    "submit comment|add comment|post a comment|join the conversation|join the discussion|comments|"
    "show comments|view comments|load comments|be the first to comment|no comments yet",
    "deja una respuesta|deja un comentario|dejar un comentario|publicar comentario|"
    "enviar comentario|comentarios|cancelar respuesta|deixe uma resposta|deixe um comentário",
    "hinterlasse einen kommentar|schreibe einen kommentar|kommentar verfassen|kommentar abschicken|"
    "kommentare|antworten abbrechen|antwort hinterlassen",
    "laisser un commentaire|laisser une réponse|laissez un commentaire|"
    "poster le commentaire|publier le commentaire|commentaires|annuler la réponse|"
    "lascia un commento|lascia una risposta|commenti|annulla risposta",
)
# Single words that are comment-form or "read more" furniture only when they trail the text.
TAIL_WORDS = _words(
    "comment|name|email|e-mail|website|submit|reply|related|related posts|related articles|"
    "related stories|related news|you may also like|you might also like|recommended|read more|"
    "read next|more stories|more from|most popular|trending|tags|newsletter|subscribe",
    "nombre|correo electrónico|web|sitio web|relacionados|artículos relacionados|"
    "te puede interesar|lee también|leer más|etiquetas|kommentar|webseite|ähnliche artikel|"
    "das könnte sie auch interessieren|"
    "mehr zum thema|schlagwörter|nom|courriel|site web|articles similaires|à lire aussi|lire aussi|"
    "nome|articoli correlati|leggi anche",
)
# Navigation words that only count above the headline.
NAV_WORDS = _words(
    "home|menu|search|skip to content|skip to main content|toggle navigation|sign in|log in|login|"
    "register|subscribe|newsletter|latest|latest news|breaking news|trending|news|live|more|"
    "inicio|portada|buscar|menú|suscríbete|iniciar sesión|últimas noticias|startseite|suche|"
    "anmelden|abonnieren|abo|aktuell|nachrichten|accueil|rechercher|s'abonner|se connecter|"
    "connexion|actualités|à la une|cerca|accedi|abbonati|ultime notizie|notizie",
)
ABOUT_HEADINGS = _words(
    "about us|about|about the author|about the authors|about the publisher|who we are|"
    "sobre nosotros|acerca de nosotros|quiénes somos|sobre el autor|über uns|über den autor|"
    "über die autorin|qui sommes-nous|à propos|à propos de nous|à propos de l'auteur|chi siamo|"
    "sull'autore|over ons|sobre nós|sobre o autor",
)
ROLE_WORDS = frozenset(
    [
        "contributor",
        "contributing",
        "writer",
        "editor",
        "editors",
        "reporter",
        "correspondent",
        "journalist",
        "columnist",
        "author",
        "staff",
        "senior",
        "news",
        "tech",
        "technology",
        "freelance",
        "analyst",
        "producer",
        "chief",
        "managing",
        "deputy",
        "associate",
        "redakteur",
        "redakteurin",
        "autor",
        "autora",
        "autorin",
        "periodista",
        "redactor",
        "redactora",
        "journaliste",
        "rédacteur",
        "rédactrice",
        "giornalista",
        "redattore",
    ]
)
NAME_PARTICLES = frozenset(
    [
        "de",
        "del",
        "la",
        "le",
        "van",
        "von",
        "der",
        "den",
        "da",
        "di",
        "du",
        "y",
        "and",
        "und",
        "et",
        "e",
    ]
)

_ANYWHERE_PATTERNS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # comment forms
        r"your email address will not be published.{0,80}",
        r"required fields are marked.{0,10}",
        r"save my name,? e-?mail,? and website in this browser.{0,60}",
        r"you must be (logged|signed) in to post a comment.{0,20}",
        r"\d+\s+(comments?|comentarios?|kommentare?|commentaires?|commenti)",
        r"tu (dirección de )?correo electrónico no será publicad[oa].{0,80}",
        r"los campos (obligatorios|requeridos) están marcados.{0,10}",
        r"(deine|ihre) e-?mail-?adresse wird nicht veröffentlicht.{0,80}",
        r"erforderliche felder sind mit.{0,20}markiert.{0,3}",
        r"votre adresse (e-?mail|de messagerie|courriel) ne sera pas publiée.{0,80}",
        r"les champs obligatoires sont indiqués.{0,20}",
        r"il tuo indirizzo email non sarà pubblicato.{0,80}",
        r"i campi obbligatori sono contrassegnati.{0,10}",
        # share / follow / newsletter prompts (short lines only, see _SHORT)
        r"share (this|the) (article|story|post|page)\b.{0,60}",
        r"share (on|via) \w+( \w+)?",
        r"(follow|like) us on .{1,60}",
        r"(sign up|subscribe) (for|to) (our|the) .{0,40}newsletters?\b.{0,60}",
        r"(síguenos|siguenos|seguinos) en .{1,60}",
        r"folg(en sie|t) uns (auf|bei) .{1,60}",
        r"suivez-nous sur .{1,60}",
        r"seguici su .{1,60}",
        r"siga-nos no .{1,60}",
        # image credits
        r"(image|images|photo|photos|photograph|picture|pic|foto|fotos|bild|bilder|imagen|"
        r"imagem|illustration|image credit|photo credit|credit|credits|crédit|crédits|"
        r"crédit photo|photo ?:|fuente de la imagen|bildquelle)\s*:\s*\S.{0,150}",
        r".{0,150}(/|\(|\bvia |©|\|)\s*(getty images|shutterstock|reuters|afp|ap photo|"
        r"associated press|alamy|istock(photo)?|dpa|epa|efe|unsplash|bloomberg|imago|"
        r"picture alliance|anadolu|nurphoto|sipa)\b.{0,40}",
        r"©\s*\S.{0,120}",
    )
)
_AFFILIATE = re.compile(
    r"(\baffiliate (link|links|commission|partner|partners|program)\b|"
    r"\b(we|site|i) (may |might )?(earn|receive|get|make) (a |an )?(small )?(affiliate )?"
    r"commission\b|\bcommissions? (on|from) (purchases|sales)\b|"
    r"\benlaces? de afiliad|\bcomisión\b.{0,80}\b(compra|enlace)|"
    r"\baffiliate-links?\b|\bprovision\b.{0,80}\b(kauf|link)|"
    r"\bliens? (affiliés|d'affiliation|commerciaux)\b|\blink di affiliazione\b|"
    r"\bas an amazon associate\b)",
    re.IGNORECASE,
)
_PUBLISHED = re.compile(
    r"^(published|posted|updated|last updated|last modified|first published|publicado|actualizado|"
    r"veröffentlicht|aktualisiert|publié|mis à jour|pubblicato|aggiornato)"
    r"(\s+(on|at|am|le|el|il|em|en))?\s*:?\s*(?P<date>.{6,60}?)\s*$",
    re.IGNORECASE,
)
_READING_TIME = re.compile(
    r"^(\d+\s*(min|mins|minutes?|minuten|minutos|minuti)\.?(\s+(read|reading|de lectura|"
    r"lesezeit|de lecture|di lettura|leitura))?|(reading time|lesezeit|lesedauer|"
    r"tiempo de lectura|temps de lecture|tempo di lettura)\s*:?\s*\d+.{0,20})$",
    re.IGNORECASE,
)
_NAME_PART = r"[A-ZÀ-ÖØ-Þ][\w'\u2019.-]*"
_BYLINE = re.compile(
    rf"^(?i:by|por|von|par|door)\s+(?P<name>{_NAME_PART}(?:\s+(?:{_NAME_PART}|"
    r"de|del|van|von|der|da|di|la|le|y|and|und|et|e)){0,6})\s*([,|·•\u2013\u2014-].{0,80})?$"
)
_BREADCRUMB_SEPARATORS = re.compile(r"\s*[\u203a»>/|]\s*|\s+[-\u2013\u2014]\s+")
_TAGS_LINE = re.compile(
    r"^(tags|tagged|filed under|categories|category|etiquetas|schlagwörter|themen|mots-clés|tag)"
    r"\s*:",
    re.IGNORECASE,
)
_HOME_CAMEL = re.compile(r"^(Home|Inicio|Portada|Startseite|Accueil|Start)(?=[A-Z][a-zà-ÿ]+[A-Z])")
_BIO_SENTENCE = re.compile(
    r"^(?P<name>[A-ZÀ-Þ][\w'\u2019.-]+(?:\s+[A-ZÀ-Þ][\w'\u2019.-]+){0,3})\s+(is|was|es|ist|est|è)\s+"
    r"(a|an|the|our|un|una|ein|eine|une)\s+[^.]{0,120}\b(contributor|writer|editor|reporter|"
    r"correspondent|journalist|columnist|author|freelancer|analyst|periodista|redactora?|"
    r"autora?|redakteurin|redakteur|journaliste|rédact(eur|rice)|giornalista)\b[^.]{0,120}\.?$"
    r"|^with (expertise|experience|a background|more than|over)\b.{0,200}"
    r"\b(covers|writes|reports)\b.*$"
    r"|^.{0,80}\b(the purpose of my writing|i write about|i cover|she covers|he covers|"
    r"they cover|writes about|has been (writing|covering|reporting) (about|on|for))\b.*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Cleaned:
    """The outcome of cleaning: the body plus what was learnt from the dropped chrome."""

    title: str
    body: str
    author: str = ""
    published_at: datetime | None = None
    title_derived: bool = False


def normalise_text(text: str) -> str:
    """NFC, unix newlines, no non-breaking or zero-width spaces, no trailing spaces."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\u00a0\u2007\u202f\u2009\u200a\t]", " ", text)
    text = re.sub(r"[\u200b\u200c\u200d\u2060\ufeff]", "", text)
    return "\n".join(" ".join(line.split()) for line in text.split("\n"))


class _Lines:
    """The non-empty lines of a normalised text, held as offsets into it: line `i` is
    `text[starts[i]:ends[i]]` and lines with equal `paras[i]` form one paragraph. A 4 MB file of
    2M one-letter lines is three arrays of 8 MB here, where a list of line objects took 300 MB.

    Text with no blank line at all (one paragraph per line) is read as one line per paragraph.
    """

    __slots__ = ("ends", "one_per_line", "paras", "starts", "text")

    def __init__(self, text: str) -> None:
        self.text = normalise_text(text).strip("\n")
        self.one_per_line = "\n" in self.text and "\n\n" not in self.text
        # Unsigned 32-bit offsets: a text is at most a few megabytes (the import's file limit).
        self.starts, self.ends, self.paras = array("I"), array("I"), array("I")
        para = 0
        position = 0
        while True:
            newline = self.text.find("\n", position)
            end = len(self.text) if newline < 0 else newline
            if end == position:
                para += 1
            else:
                self.starts.append(position)
                self.ends.append(end)
                self.paras.append(para)
                if self.one_per_line:
                    para += 1
            if newline < 0:
                return
            position = newline + 1

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, index: int) -> str:
        return self.text[self.starts[index] : self.ends[index]]

    def join(self, kept: Sequence[int]) -> str:
        """The text of the `kept` lines (indices, in order): lines next to each other in one
        paragraph joined by a newline, all others by a blank line. Runs of neighbouring lines
        are copied from the text in one piece and written to one buffer, not a list per line."""
        out = io.StringIO()
        count = len(kept)
        i = 0
        while i < count:
            first = last = kept[i]
            i += 1
            while (
                i < count
                and kept[i] == last + 1
                and (self.one_per_line or self.paras[kept[i]] == self.paras[last])
            ):
                last = kept[i]
                i += 1
            run = self.text[self.starts[first] : self.ends[last]]
            if out.tell():
                out.write("\n\n")
            # One paragraph per line: neighbouring lines are paragraphs, a blank line apart.
            out.write(run.replace("\n", "\n\n") if self.one_per_line else run)
        return out.getvalue().strip()


def _short(text: str, limit: int = 160) -> bool:
    return len(text) <= limit


def _ends_sentence(text: str) -> bool:
    return text.rstrip("\u201d\"'\u2019»)").endswith(
        (".", "!", "?", ":", ";")
    ) and not text.endswith(("...", "…"))


# Whole-line chrome is short: a line longer than this (without its edge punctuation) is not in
# any of the lists and too long for the patterns, so most body paragraphs are passed over
# without being casefolded. The key of a normalised line is never shorter than the line without
# its edge punctuation (casefolding never shortens, the spaces are single already).
_CHROME_LINE_CHARS = max(220, *(len(key) for key in AD_LINES | SHARE_LINES | COMMENT_LINES))


# The longest line the tail's word lists hold, without edge punctuation.
_TAIL_KEY_CHARS = max(len(key) for key in TAIL_WORDS | NAV_WORDS)


def _listed_key(text: str) -> str | None:
    """`_key(text)` of a normalised line short enough to be in the tail's word lists, else None
    (not casefolded: no longer line is in them)."""
    return _key(text) if len(text.strip(_KEY_STRIP)) <= _TAIL_KEY_CHARS else None


def _same_key(text: str, key: str) -> bool:
    """Whether the normalised line `text` has the key `key`: a line longer than the key once its
    edge punctuation is off cannot have it, and is not casefolded."""
    return len(text.strip(_KEY_STRIP)) <= len(key) and _key(text) == key


def is_anywhere_chrome(text: str, language: str = "") -> bool:
    """Whole-line chrome that is chrome wherever it appears (ads, comment forms, share prompts,
    image credits, "Published …" date lines); `language` helps read the dates. `text` is one
    line of normalised text (see `normalise_text`)."""
    if len(text.strip(_KEY_STRIP)) > _CHROME_LINE_CHARS:
        return False
    key = _key(text)
    if not key:
        return True
    if key in AD_LINES or key in SHARE_LINES or key in COMMENT_LINES:
        return True
    if _short(text, 220) and any(p.fullmatch(text.strip()) for p in _ANYWHERE_PATTERNS):
        return True
    published = _published_part(text)
    return published is not None and _is_date(published, language)


def _published_part(text: str) -> str | None:
    """The date part of a "Published Apr 19th, 2023 5:07PM EDT | 3 min read"-style line."""
    if not _short(text, 100):
        return None
    match = _PUBLISHED.match(text.strip())
    if match is None:
        return None
    return re.split(r"\s+[|·•]\s+", match.group("date"))[0]


def published_date(text: str, language: str = "") -> datetime | None:
    """The date of a "Published Apr 19th, 2023 5:07PM EDT"-style line, else None.

    Raises:
        DateOutOfRange: the line gives a date that cannot be stored.
    """
    published = _published_part(text)
    return parse_date(published, language=language) if published is not None else None


def _is_date(text: str, language: str) -> bool:
    """Whether the line is a date (one that cannot be stored is still a date line)."""
    try:
        return parse_date(text, language=language) is not None
    except DateOutOfRange:
        return True


def _is_affiliate_notice(text: str) -> bool:
    return _short(text, 320) and _AFFILIATE.search(text) is not None


def _is_breadcrumb(text: str, following: Sequence[str]) -> bool:
    if _HOME_CAMEL.match(text):
        return True
    parts = [part for part in _BREADCRUMB_SEPARATORS.split(text) if part]
    if len(parts) >= 3 and all(len(part) <= 60 for part in parts[:-1]) and not _ends_sentence(text):
        return True
    if len(parts) >= 2 and _key(parts[0]) in NAV_WORDS:
        return True
    # A truncated copy of the headline ("… in the Age...") in a trail above it.
    if text.endswith(("...", "…")):
        stem = text.rstrip(".…").strip()
        tail = stem[-25:]
        return len(tail) >= 12 and any(tail in line for line in following[:3])
    return False


def _is_head_chrome(text: str, following: Sequence[str], language: str) -> bool:
    key = _key(text)
    return (
        is_anywhere_chrome(text, language)
        or key in NAV_WORDS
        or (_short(text, 80) and _is_date(text, language))
        or (_short(text, 300) and _is_breadcrumb(text, following))
        or _READING_TIME.match(text) is not None
        or _is_affiliate_notice(text)
    )


def byline_author(text: str) -> str | None:
    """The name in a "By Jane Doe" / "Por Ana Ruiz | 3 de mayo" line, else None."""
    if not _short(text, 120):
        return None
    match = _BYLINE.match(text.strip())
    if match is None:
        return None
    return match.group("name").strip(" ,")


def _is_lead_sentence(text: str) -> bool:
    """A first line that is a full sentence of a lead paragraph, not a headline."""
    if len(text) > 200:
        return True
    return (
        _ends_sentence(text)
        and text.rstrip("\u201d\"'\u2019»)")[-1] == "."
        and (len(text) >= 100 or len(text.split()) >= 16)
    )


def derive_title(text: str, limit: int = DERIVED_TITLE_MAX) -> str:
    """A title from a lead sentence: its first sentence, else its first clause, cut at a word
    boundary to at most `limit` characters."""
    sentence = re.split(r"(?<=[.!?])\s+(?=[\"\u201c\u2018'A-ZÀ-Þ0-9])", text.strip(), maxsplit=1)[0]
    title = sentence.rstrip(".")
    if len(title) > limit:
        clause = re.split(r",\s+|\s+[\u2013\u2014]\s+|;\s+|:\s+", title, maxsplit=1)[0]
        if 25 <= len(clause) <= limit:
            title = clause
    if len(title) > limit:
        cut = title[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:\u2013\u2014 ")
        title = cut + "…"
    return title


def _name_tokens(text: str) -> list[str] | None:
    """The tokens of a person's name line ("Joe Wituschek", "A I Butt", "Ana Ruiz Staff Writer"),
    without role words; None if the line does not look like one."""
    if not _short(text, 70) or _ends_sentence(text) or any(ch.isdigit() for ch in text):
        return None
    tokens = text.replace(",", " ").split()
    if not 1 <= len(tokens) <= 8:
        return None
    name: list[str] = []
    for token in tokens:
        lowered = token.casefold()
        if lowered in ROLE_WORDS and name:
            continue
        if lowered in NAME_PARTICLES and name:
            name.append(token)
            continue
        if not (token[0].isupper() and token[0].isalpha()):
            return None
        name.append(token)
    name = [t for t in name if t.casefold() not in ROLE_WORDS]
    return name if 1 <= len(name) <= 5 and not (len(name) == 1 and len(name[0]) < 3) else None


def _has_role(text: str) -> bool:
    return any(token.casefold() in ROLE_WORDS for token in text.split())


def _strip_author_bio(texts: Sequence[str]) -> tuple[int, str]:
    """Where a trailing author block starts in `texts` (the last lines of the text, at least
    TAIL_ZONE of them when there are that many; len(texts) if none) and the author's name."""
    n = len(texts)
    for start in range(max(0, n - TAIL_ZONE), n):
        name = _name_tokens(texts[start])
        if name is None:
            continue
        rest = texts[start + 1 :]
        if len(rest) > 4 or any(len(text) > 400 for text in rest):
            continue
        full = " ".join(name)
        first = name[0]
        repeated = any(_name_tokens(text) == name for text in rest)
        # "Joe Doe is a …", "Joe covers …", "…, Joe covers …" (string tests: no per-name regex).
        starts = tuple(f"{first} {verb} " for verb in ("is", "was", "has", "covers", "writes"))
        inside = tuple(f", {first} {verb} " for verb in ("covers", "writes", "reports"))
        mentions = any(
            text.startswith((full, *starts)) or any(part in text for part in inside)
            for text in rest
        )
        bio = any(_BIO_SENTENCE.match(text) for text in rest)
        bios_only = all(
            _name_tokens(text) == name or _BIO_SENTENCE.match(text) or _ends_sentence(text)
            for text in rest
        )
        if rest and bios_only and (repeated or mentions or (bio and _has_role(texts[start]))):
            return start, full
        if not rest and _has_role(texts[start]) and len(name) >= 2:
            return start, full
    # Bio sentences with no name line: "Jane Doe is a reporter for …" as the last paragraph(s).
    start = n
    while start > 0 and n - start < 2 and _BIO_SENTENCE.match(texts[start - 1]):
        start -= 1
    if start < n:
        match = _BIO_SENTENCE.match(texts[start])
        return start, (match.group("name") or "") if match else ""
    return n, ""


def _strip_tail(lines: _Lines, kept: Sequence[int], language: str) -> tuple[int, str]:
    """How many of the `kept` lines stay once comment forms, about-us blocks and author bios
    are dropped from the end, and the author's name found there."""
    author = ""
    end = len(kept)
    changed = True
    while changed and end:
        changed = False
        last = lines[kept[end - 1]]
        key = _listed_key(last)
        if (
            is_anywhere_chrome(last, language)
            or key in TAIL_WORDS
            or _TAGS_LINE.match(last)
            or (_is_affiliate_notice(last))
            or (end > 1 and key in NAV_WORDS and _short(last, 30))
        ):
            end -= 1
            changed = True
            continue
        for start in range(max(0, end - TAIL_ZONE), end):
            heading = lines[kept[start]]
            if _short(heading, 40) and _key(heading) in ABOUT_HEADINGS:
                after = [lines[kept[j]] for j in range(start + 1, end)]
                if len(after) <= 3 and all(len(text) <= 700 for text in after):
                    end = start
                    changed = True
                    break
        if changed:
            continue
        offset = max(0, end - TAIL_ZONE)
        start, name = _strip_author_bio([lines[kept[j]] for j in range(offset, end)])
        start += offset
        if 0 < start < end:
            end = start
            author = author or name
            changed = True
    return end, author


def _drop_captions(lines: _Lines, indices: Sequence[int], language: str) -> array[int]:
    """Drop chrome anywhere, and the short caption line right above an image credit."""
    kept: array[int] = array("I")
    for index in indices:
        text = lines[index]
        if is_anywhere_chrome(text, language):
            if kept:
                previous = lines[kept[-1]]
                if (
                    _is_credit(text)
                    and lines.paras[kept[-1]] == lines.paras[index]
                    and _short(previous, 90)
                    and not _ends_sentence(previous)
                ):
                    kept.pop()
            continue
        kept.append(index)
    return kept


def _is_credit(text: str) -> bool:
    return bool(_ANYWHERE_PATTERNS[-3].fullmatch(text) or _ANYWHERE_PATTERNS[-2].fullmatch(text))


def clean_article(text: str, *, title: str | None = None, language: str = "") -> Cleaned:
    """Clean scraped article text.

    Args:
        text: the article text (plain text, or the main text extracted from a page).
        title: the known headline (HTML metadata, a JSON record); when None the headline is
            the first line that is not chrome, unless that line is a long lead sentence, in which
            case a title is derived from it and the line stays in the body.
        language: the text's language code if known (declared or identified): dates in it are
            read in that language first.

    Returns:
        the cleaned body and title, plus the author and publication date found in the dropped
        byline, bio or "Published …" lines. The body may be empty if the text was all chrome.

    Raises:
        DateOutOfRange: a "Published …" line gives a date that cannot be stored.
    """
    lines = _Lines(text)
    count = len(lines)
    published: datetime | None = None
    author = ""

    # 1. Head: chrome above the headline (a breadcrumb is judged with the next three lines).
    position = 0
    while position < count and _is_head_chrome(
        lines[position],
        [lines[i] for i in range(position + 1, min(position + 4, count))],
        language,
    ):
        published = published or published_date(lines[position], language)
        author = author or (byline_author(lines[position]) or "")
        position += 1

    # 2. Headline.
    title_derived = False
    if title is None:
        if position < count:
            first = lines[position]
            if _is_lead_sentence(first):
                title, title_derived = derive_title(first), True
            else:
                title = first.strip()
                position += 1
        else:
            title = ""
    elif position < count and _key(lines[position]) == _key(title):
        position += 1

    # 3. Byline zone just below the headline: dates, bylines, credits, notices.
    title_key = _key(title)
    zone: array[int] = array("I")
    for index in range(position, min(position + BYLINE_ZONE, count)):
        text = lines[index]
        date = published_date(text, language)
        name = byline_author(text)
        if date is not None:
            published = published or date
            continue
        if name is not None:
            author = author or name
            continue
        if (_short(text, 80) and _is_date(text, language)) or _READING_TIME.match(text):
            continue
        if _is_affiliate_notice(text) or _same_key(text, title_key):
            continue
        zone.append(index)
    zone.extend(range(min(position + BYLINE_ZONE, count), count))

    # 4. Chrome anywhere; 5. the tail (comment forms, about-us, author bios).
    kept = _drop_captions(lines, zone, language)
    end, tail_author = _strip_tail(lines, kept, language)
    author = author or tail_author
    return Cleaned(
        title=title,
        body=lines.join(kept[:end]),
        author=author,
        published_at=published,
        title_derived=title_derived,
    )
