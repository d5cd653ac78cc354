"""The hostile-input corpus: files an attacker or an unlucky operator hands the importer.

Each case is generated here (no binary fixtures in the repository) with what the import must
answer: a rejection whose reason contains a given phrase, for every result the file gives, or an
import (hostile encodings that are still text). `write_corpus(folder)` writes every case and the
good files that go beside them.
"""

from __future__ import annotations

import codecs
import io
import json
import random
import zipfile
from dataclasses import dataclass
from pathlib import Path

GOOD_BODY = (
    "The city council approved a budget of 12 million euros on Tuesday, its spokesperson said.\n\n"
    "Opposition members said the figure was 3 million euros higher than the one promised."
)


@dataclass(frozen=True)
class Case:
    """One hostile file: `name`, its bytes, and the expected outcome of every result it gives:
    `reason` (a phrase of the rejection) or, when `reason` is empty, an import."""

    name: str
    data: bytes
    reason: str


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


def _record(**fields: object) -> dict[str, object]:
    return {"title": "A headline", "body": GOOD_BODY, **fields}


def _zip(members: list[tuple[str | zipfile.ZipInfo, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def _symlink(name: str, target: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (0o120777 << 16) | 0x20
    info.create_system = 3
    return info


def _encrypted() -> bytes:
    """A zip whose member is flagged as encrypted (bit 0 of the flags, in both headers)."""
    data = bytearray(_zip([("secret.txt", b"scrambled")]))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.index(signature) + offset
        data[at] |= 0x1
    return bytes(data)


def _lying_bomb() -> bytes:
    """A zip whose member declares 100 bytes and inflates to 4 MB of zeros."""
    data = _zip([("zeros.txt", b"0" * 4 * 1024**2)])
    real = (4 * 1024**2).to_bytes(4, "little")
    return data.replace(real, (100).to_bytes(4, "little"))


def _bad_crc() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("crc.txt", b"Headline\n\n" + GOOD_BODY.encode())
    return buffer.getvalue().replace(b"Opposition", b"Xpposition", 1)


def _html(body: str, head: str = "") -> bytes:
    return f"<html><head>{head}</head><body>{body}</body></html>".encode()


NAV_PAGE = _html(
    "<nav>" + "".join(f'<a href="/s/{n}">Nav {n}</a>' for n in range(60)) + "</nav>"
    "<footer><p>Copyright 2021 Example Media. All rights reserved.</p></footer>"
)
SIGN_IN_PAGE = _html(
    '<form action="/login"><label>Email</label><input name="email"><label>Password</label>'
    '<input type="password" name="password"><button>Sign in</button></form>'
    "<p>Forgot your password?</p>"
)
LINK_LIST_PAGE = _html(
    "<ul>"
    + "".join(
        f'<li><a href="/story/{n}">Story {n} about the council budget</a></li>' for n in range(80)
    )
    + "</ul>"
)
DEEP = 100_000


def hostile_cases() -> list[Case]:
    rng = random.Random(15)
    text = f"A headline\n\n{GOOD_BODY}\n"
    return [
        # JSON text the database cannot store, or the parser cannot read.
        Case("nul-body.json", b'{"title": "T", "body": "one\\u0000two words"}', "NUL character"),
        Case("nul-title.json", b'{"title": "T\\u0000", "body": "one two"}', "NUL character"),
        Case("nul-url.json", b'{"title": "T", "body": "a b", "url": "x\\u0000"}', "NUL character"),
        Case("nul-list.json", b'[{"title": "T", "body": "a\\u0000b"}]', "NUL character"),
        Case("nul-line.jsonl", b'{"title": "T", "body": "a\\u0000b"}\n', "NUL character"),
        Case("surrogate-body.json", b'{"title": "T", "body": "a\\udc00b"}', "lone surrogate"),
        Case("surrogate-high.json", b'{"title": "T\\ud800", "body": "a b"}', "lone surrogate"),
        Case("surrogate-author.json", _json(_record()).replace(b'"A', b'"\\udfff', 1), "surrogate"),
        Case("surrogate-line.jsonl", b'{"title": "T", "body": "\\udc00"}\n', "lone surrogate"),
        Case("deep-array.json", b"[" * DEEP + b"]" * DEEP, "nested too deeply"),
        Case("deep-object.json", b'{"a":' * DEEP + b"1" + b"}" * DEEP, "nested too deeply"),
        Case("deep-line.jsonl", b"[" * DEEP + b"]" * DEEP + b"\n", "nested too deeply"),
        Case("huge-integer.json", b'{"title": "T", "n": ' + b"9" * 5000 + b"}", "too many digits"),
        Case("scalar-number.json", b"42", "must be an object or a list"),
        Case("scalar-string.json", b'"an article"', "must be an object or a list"),
        Case("scalar-null.json", b"null", "must be an object or a list"),
        Case("scalar-true.json", b"true", "must be an object or a list"),
        Case("empty-list.json", b"[]", "the JSON list is empty"),
        Case("list-of-numbers.json", b"[1, 2.5]", "a record must be a JSON object"),
        Case("list-of-lists.jsonl", b"[1]\n[]\n", "a record must be a JSON object"),
        Case("title-number.json", _json(_record(title=5)), "'title' must be text, not int"),
        Case("body-object.json", _json(_record(body={"a": 1})), "'body' must be text, not dict"),
        Case("body-mixed-list.json", _json(_record(body=["a", 1])), "must be text, not list"),
        Case("no-body.json", b'{"title": "Only a title"}', "has no body or text"),
        Case("no-title.json", _json({"body": GOOD_BODY}), "has no title"),
        Case("malformed.json", b'{"title": ', "malformed JSON"),
        Case("trailing-comma.json", b'{"title": "T", "body": "b",}', "malformed JSON"),
        Case("malformed-lines.jsonl", b"{\n{]\nnot json\n", "malformed JSON on line"),
        Case("duplicate-keys.json", b'{"title": "T", "body": "words", "body": 5}', "not int"),
        Case("list-of-nulls.json", b"[null, null]", "a record must be a JSON object"),
        Case("object-title.jsonl", _json(_record(title={"a": 1})) + b"\n", "not dict"),
        Case("blank-title.json", _json(_record(title="  \n\t ")), "has no title"),
        Case("blank-body.json", _json(_record(body=" \u200b \n ")), "no article text left"),
        Case("huge-float-date.json", _json(_record()).replace(b"}", b', "date": 1e999}'), "float"),
        Case("big-number-title.json", _json(_record()).replace(b'"A headline"', b"1e400"), "not"),
        # Dates that read as dates but cannot be stored, and ones that are not dates.
        Case(
            "date-year-10000.json",
            _json(_record(published_at="9999-12-31T23:59:59-12:00")),
            "out of range",
        ),
        Case("date-year-0.json", _json(_record(published_at="0000-01-01")), "no year 0"),
        Case(
            "date-before-year-1.json",
            _json(_record(published_at="0001-01-01T00:00:00+14:00")),
            "out of range",
        ),
        Case(
            "date-negative-year.json",
            _json(_record(published_at="-0001-01-01")),
            "before the year 1",
        ),
        Case(
            "date-published-line.txt",
            f"A headline\nPublished December 31, 9999 11:59 PM -1200\n\n{GOOD_BODY}\n".encode(),
            "out of range",
        ),
        Case("date-leap-second.json", _json(_record(published_at="2016-12-31T23:59:60Z")), "not"),
        Case(
            "date-offset-99.json",
            _json(_record(published_at="2024-01-01T00:00:00+99:00")),
            "not a date",
        ),
        Case("date-5-digits.json", _json(_record(published_at="10000-01-01")), "not a date"),
        Case("date-feb-30.json", _json(_record(published_at="2024-02-30")), "not a date"),
        Case("date-words.json", _json(_record(published_at="some day in 2024")), "not a date"),
        Case("date-number.json", _json(_record(published_at=1700000000)), "must be text"),
        Case(
            "date-year-10000.jsonl",
            _json(_record(date="Dec 31, 9999 11:59 PM -1200")) + b"\n",
            "out of range",
        ),
        # Encodings that are not text, or not what they claim.
        Case("utf32-mark-odd.txt", codecs.BOM_UTF32_LE + b"abcde", "not valid utf-32"),
        Case(
            "utf16-mark-odd.txt",
            codecs.BOM_UTF16_LE + "Headline".encode("utf-16-le")[:-1],
            "not valid utf-16",
        ),
        Case(
            "utf16be-mark-odd.txt",
            codecs.BOM_UTF16_BE + "Headline".encode("utf-16-be")[:-1],
            "not valid utf-16",
        ),
        Case("utf32be-mark-odd.txt", codecs.BOM_UTF32_BE + b"abc", "not valid utf-32"),
        Case("bom-only.txt", codecs.BOM_UTF8, "only whitespace"),
        Case(
            "zero-width-only.txt", "\u200b\u200c\u200d\u2060\n\u200b".encode(), "only page chrome"
        ),
        Case("invalid-bytes.txt", bytes(range(0x80, 0x100)) * 4, "encoding"),
        Case("control-chars.txt", b"Headline\n" + b"\x01\x02\x03\x04" * 200, "control characters"),
        Case("nul-bytes.txt", b"Headline\n\x00\x00body\x00", "NUL bytes"),
        # Sizes.
        Case("empty.txt", b"", "the file is empty"),
        Case("whitespace.txt", b" \n\t\r\n  \n", "the file is empty"),
        Case("too-large.txt", b"x" * (5 * 1024**2 + 1), "file too large"),
        Case("too-large.json", b'{"title": "' + b"x" * (5 * 1024**2) + b'"}', "file too large"),
        Case("too-large.html", b"<p>" + b"x " * (3 * 1024**2) + b"</p>", "file too large"),
        Case("title-only.txt", b"Just a headline\n", "no article text left"),
        Case("blank-lines.jsonl", b"\n\n   \n", "the file is empty"),
        # Archives.
        Case("declared-bomb.zip", _zip([("zeros.txt", b"0" * (101 * 1024**2))]), "zip bomb"),
        # Read no further than declared: its checksum then fails.
        Case("lying-bomb.zip", _lying_bomb(), "cannot read the zip member"),
        Case(
            "nested.zip",
            _zip([("inner.zip", _zip([("deep.zip", _zip([("a.txt", b"x")]))]))]),
            "zip inside a zip",
        ),
        Case("traversal.zip", _zip([("../../evil.txt", text.encode())]), "unsafe path"),
        Case("absolute.zip", _zip([("/etc/evil.txt", text.encode())]), "unsafe path"),
        Case("drive.zip", _zip([("C:\\evil.txt", text.encode())]), "unsafe path"),
        Case(
            "symlink.zip",
            _zip([(_symlink("link.txt", "/etc/passwd"), b"/etc/passwd")]),
            "symbolic link",
        ),
        Case("encrypted.zip", _encrypted(), "encrypted"),
        Case(
            "duplicate-names.zip", _zip([("same.txt", b"x"), ("same.txt", b"y")]), "more than once"
        ),
        Case("corrupt.zip", bytes(rng.getrandbits(8) for _ in range(2048)), "not a readable zip"),
        Case("truncated.zip", _zip([("a.txt", text.encode() * 50)])[:200], "not a readable zip"),
        Case("bad-crc.zip", _bad_crc(), "cannot read the zip member"),
        Case("empty.zip", _zip([]), "contains no files"),
        Case("empty-member.zip", _zip([("empty.txt", b"")]), "the file is empty"),
        Case(
            "large-member.zip",
            _zip([("big.txt", b"Headline\n\n" + b"y" * (5 * 1024**2 + 1))]),
            "file too large",
        ),
        Case("backslash-traversal.zip", _zip([("..\\..\\evil.txt", text.encode())]), "unsafe path"),
        Case(
            "resource-forks-only.zip",
            _zip([("__MACOSX/._a.txt", b"\x00\x05\x16\x07"), (".hidden.txt", text.encode())]),
            "contains no files",
        ),
        Case("only-folders.zip", _zip([("a/", b""), ("a/b/", b"")]), "contains no files"),
        Case("program.zip", _zip([("setup.exe", b"MZ\x90\x00")]), "unsupported file type"),
        Case("too-many.zip", _zip([(f"{n}.txt", b"x") for n in range(10_001)]), "members (limit"),
        # HTML that is not an article.
        Case("navigation.html", NAV_PAGE, "only navigation"),
        Case("empty-body.html", _html(""), "no main text"),
        Case(
            "script-only.html",
            _html("<script>var a = 1;</script><style>p{}</style>"),
            "no main text",
        ),
        Case(
            "footer-only.html",
            _html("<footer>Copyright 2020 Example. Privacy. Terms.</footer>"),
            "no main text",
        ),
        Case("sign-in.html", SIGN_IN_PAGE, "a sign-in page"),
        Case(
            "not-found.html",
            _html("<h1>404</h1><p>Page not found.</p><a href='/'>Home</a>"),
            "an error page",
        ),
        Case(
            "server-error.html",
            _html(
                "<h1>Internal Server Error</h1><p>The server could not complete the request.</p>"
            ),
            "an error page",
        ),
        Case(
            "cookie-wall.html",
            _html(
                '<div class="cookie-banner"><p>We use cookies to improve your experience.</p>'
                "<button>Accept all</button><button>Reject</button></div>"
            ),
            "only navigation or chrome",
        ),
        Case("images-only.html", _html('<img src="/i/1.jpg" alt="">' * 30), "no main text"),
        Case("frameset.html", b"<html><frameset><frame src='a.html'></frameset></html>", "no main"),
        Case("comment-only.html", _html(f"<!-- {GOOD_BODY} -->"), "no main text"),
        Case("link-list.html", LINK_LIST_PAGE, "only navigation"),
        Case(
            "nul-page.html",
            _html(f"<article><h1>T</h1><p>{GOOD_BODY}</p></article>").replace(
                b"Opposition", b"\x00Opposition"
            ),
            "NUL",
        ),
        # Binary files with text suffixes.
        Case("document.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        Case("image.json", b"\x89PNG\r\n\x1a\n" + bytes(64), "PNG"),
        Case("photo.html", b"\xff\xd8\xff\xe0" + bytes(64), "JPEG"),
        Case("program.txt", b"\x7fELF\x02\x01\x01" + bytes(64), "program"),
        Case("archive.jsonl", b"\x1f\x8b\x08\x00" + bytes(64), "gzip"),
        Case("zip-named.txt", _zip([("a.txt", b"x")]), "zip archive"),
        Case("random.txt", bytes(rng.getrandbits(8) for _ in range(4096)), "binary"),
        # Not a format the desk reads.
        Case("setup.exe", b"MZ\x90\x00", "unsupported file type '.exe'"),
        Case("README", b"Headline\n\nbody", "without an extension"),
    ]


def text_cases() -> list[Case]:
    """Hostile encodings that are still text: each must import (each a different article)."""

    def body(word: str) -> str:
        return f"{word} headline\n\n{word}: {GOOD_BODY} Überraschung für Zoë.\n"

    return [
        Case("utf16-with-mark.txt", body("Marked").encode("utf-16"), ""),
        Case("utf16-without-mark.txt", body("Bare").encode("utf-16-le"), ""),
        Case("latin1.txt", body("Latin").encode("latin-1"), ""),
        Case("utf8-mark.txt", codecs.BOM_UTF8 + body("Signed").encode(), ""),
    ]


def good_files() -> dict[str, bytes]:
    """Files that must import beside the hostile ones (each a different article)."""
    return {
        "good-one.txt": f"First good headline\n\nFirst. {GOOD_BODY}\n".encode(),
        "good-two.json": _json(_record(title="Second good headline", body=f"Second. {GOOD_BODY}")),
        "good-three.html": _html(
            "<article><h1>Third good headline</h1>"
            + "".join(f"<p>Third paragraph {n}. {GOOD_BODY}</p>" for n in range(3))
            + "</article>",
            "<title>Third good headline</title>",
        ),
        "good-four.jsonl": _json(_record(title="Fourth good headline", body=f"Four. {GOOD_BODY}"))
        + b"\n",
    }


def write_corpus(folder: Path) -> dict[str, Case]:
    """Write every case and good file into `folder`; return the cases by file name."""
    folder.mkdir(parents=True, exist_ok=True)
    cases = {case.name: case for case in [*hostile_cases(), *text_cases()]}
    for case in cases.values():
        (folder / case.name).write_bytes(case.data)
    for name, data in good_files().items():
        (folder / name).write_bytes(data)
    return cases
