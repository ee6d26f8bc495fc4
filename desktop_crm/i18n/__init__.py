"""gettext for the whole application: English source strings, Russian and Italian catalogs.

``_``, ``ngettext`` and ``pgettext`` translate into the UI language set by :func:`set_language`;
``N_`` only marks a string for extraction (translate it later, where it is shown).
Documents are rendered in the client's language, not the UI's: use :func:`translator` for that.
"""

from __future__ import annotations

import gettext as _gettext
import locale as _locale
import os
from functools import cache
from pathlib import Path

DOMAIN = "desktop_crm"
SOURCE_LANGUAGE = "en"
LANGUAGES = ("en", "ru", "it")
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

_current: _gettext.NullTranslations = _gettext.NullTranslations()
_current_language = SOURCE_LANGUAGE


@cache
def translator(language: str) -> _gettext.NullTranslations:
    """The translations of one language (English returns the source strings)."""
    if language == SOURCE_LANGUAGE:
        return _gettext.NullTranslations()
    mo = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not mo.exists():
        from desktop_crm.i18n.catalogs import compile_catalogs

        compile_catalogs()
    with mo.open("rb") as handle:
        return _gettext.GNUTranslations(handle)


def system_language() -> str:
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            code = value.split(":")[0].split("_")[0].split(".")[0].lower()
            if code in LANGUAGES:
                return code
    code = (_locale.getlocale()[0] or "").split("_")[0].lower()
    return code if code in LANGUAGES else SOURCE_LANGUAGE


def set_language(language: str | None) -> str:
    """Switch the UI language (``None`` or ``""`` follows the system); returns the one chosen."""
    global _current, _current_language
    chosen = language if language in LANGUAGES else system_language()
    _current = translator(chosen)
    _current_language = chosen
    return chosen


def current_language() -> str:
    return _current_language


def language_names() -> list[tuple[str, str]]:
    """Each UI language with its name written in it (as a choice of language lists them)."""
    return [("ru", "Русский"), ("it", "Italiano"), ("en", "English")]


def _(message: str) -> str:
    return _current.gettext(message)


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return _current.pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return _current.npgettext(context, singular, plural, n)
