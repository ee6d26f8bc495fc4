"""Normalisation of names, phones and e-mails for search and duplicate detection (no database)."""

from __future__ import annotations

import functools
import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str | None) -> str:
    """Case- and ё-insensitive form of a text: casefold, ё→е, NFC, collapsed spaces.

    SQLite's LIKE and FTS5 fold neither Cyrillic case reliably nor ё/е, so every searchable text is
    stored folded and every query is folded the same way.
    """
    if not text:
        return ""
    folded = unicodedata.normalize("NFC", text).casefold().replace("ё", "е")
    return _SPACES.sub(" ", folded).strip()


def search_text(*parts: str | None) -> str:
    return fold(" ".join(part for part in parts if part))


def name_key(*parts: str | None) -> str:
    """A full name independent of word order: folded words, sorted."""
    words = fold(" ".join(part for part in parts if part)).replace("-", " ").split()
    return " ".join(sorted(words))


def email_key(email: str | None) -> str:
    return (email or "").strip().casefold()


def phone_e164(raw: str | None, default_region: str = "RU") -> str:
    """A phone number as E.164 (``+79161234567``), or ``""`` when it is not a valid number."""
    if not raw or not raw.strip():
        return ""
    return _phone_e164(raw, default_region)


@functools.lru_cache(maxsize=8192)
def _phone_e164(raw: str, default_region: str) -> str:
    """Parsing is slow (~0.2 ms); a row's phone is read by the checks, the duplicate rule and the
    save, and an import reads 100,000 rows: the answers are cached (a pure function)."""
    import phonenumbers  # ~30 ms with its metadata: loaded on the first phone, not at start-up

    try:
        parsed = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(parsed):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
