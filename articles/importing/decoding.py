"""Bytes → text, with encoding detection and a refusal of binary content."""

from __future__ import annotations

import codecs
import re
import unicodedata

from charset_normalizer import from_bytes

from articles.exceptions import ImportRejected

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
MAGIC = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"PK\x03\x04", "a zip archive (or an Office document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
    (b"\x7fELF", "a program"),
)
# Control characters other than tab (09), newline (0a), form feed (0c) and carriage return (0d).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode `data` and return (text, encoding name).

    Tries a byte-order mark, then strict UTF-8, then charset-normalizer's detection.

    Raises:
        ImportRejected: empty, binary (NUL bytes, known binary signatures, control characters)
            or an encoding that cannot be detected.
    """
    if not data.strip():
        raise ImportRejected("the file is empty")
    for bom, encoding in BOMS:
        if data.startswith(bom):
            try:
                return _checked(data.decode(encoding)), encoding.replace("-sig", "")
            except UnicodeDecodeError as exc:
                raise ImportRejected(
                    f"the file starts with a {encoding} mark but is not valid {encoding}"
                ) from exc
    for magic, what in MAGIC:
        if data.startswith(magic):
            raise ImportRejected(f"binary file: this looks like {what}, not text")
    has_nul = b"\x00" in data
    if has_nul:
        # Text with NUL bytes is UTF-16 without its mark only when the NULs are the high bytes of
        # one side of every pair (Latin text); NULs anywhere else are binary.
        utf16 = _bomless_utf16(data)
        if utf16 is None:
            raise ImportRejected("binary file: it contains NUL bytes and is not UTF-16 text")
        try:
            return _checked(data.decode(utf16)), utf16
        except UnicodeDecodeError as exc:
            raise ImportRejected(f"binary file: it contains NUL bytes and is not {utf16}") from exc
    try:
        return _checked(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None or best.encoding is None:
        raise ImportRejected("could not detect the text encoding")
    return _checked(str(best)), best.encoding


def _bomless_utf16(data: bytes) -> str | None:
    if len(data) % 2:
        return None
    even, odd = data[0::2], data[1::2]
    if b"\x00" not in even and odd.count(0) * 2 >= len(odd):
        return "utf-16-le"
    if b"\x00" not in odd and even.count(0) * 2 >= len(even):
        return "utf-16-be"
    return None


def _checked(text: str) -> str:
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ImportRejected("the file contains only whitespace")
    sample = text[:20000]
    controls = len(_CONTROL.findall(sample))
    if "\x00" in sample:
        raise ImportRejected("binary file: it contains NUL bytes")
    if controls > max(2, len(sample) // 100):
        raise ImportRejected("binary or non-text content (control characters)")
    return unicodedata.normalize("NFC", text)
