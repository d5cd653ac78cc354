"""How a sentence is identified whatever its spacing and case: its normalised wording and the key
stored with suggestions and proposals. Light on purpose (no numpy, no scipy): the services, the
admin and every management command import it."""

from __future__ import annotations

import hashlib
import unicodedata


def normalise(text: str) -> str:
    """The sentence as compared for identity: NFKC, casefolded, whitespace collapsed."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    # Split on whitespace and joined by one space: the characters `str.split` splits on are
    # exactly those `\s` matches.
    return " ".join(text.casefold().split())


def sentence_key(text: str) -> str:
    """A stable key of a sentence's wording (SHA-256 of `normalise(text)`, hex)."""
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()
