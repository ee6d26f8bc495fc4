"""Extract, update, compile and check the message catalogs (babel).

``python -m desktop_crm.i18n.catalogs update`` re-extracts every ``_()`` string and merges it into
the Russian and Italian ``.po`` files; ``compile`` writes the ``.mo`` files (build and test time,
never committed); ``check`` lists untranslated and fuzzy messages and fails when there are any;
``fill FILE.json`` writes translations prepared as JSON (quicker and safer than hand-editing two
``.po`` files).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from desktop_crm.i18n import DOMAIN, LOCALE_DIR

PACKAGE_DIR = Path(__file__).resolve().parent.parent
TARGET_LANGUAGES = ("ru", "it")
KEYWORDS = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}
METHOD_MAP = [("**.py", "python")]


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract() -> Catalog:
    template = Catalog(project="Desktop CRM", domain=DOMAIN, charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PACKAGE_DIR), METHOD_MAP, keywords=KEYWORDS, comment_tags=("Translators:",)
    ):
        template.add(
            message,
            None,
            [(filename, lineno)],
            auto_comments=comments,
            context=context,
        )
    return template


def read_catalog(language: str) -> Catalog:
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language, domain=DOMAIN)
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def update() -> None:
    template = extract()
    for language in TARGET_LANGUAGES:
        catalog = read_catalog(language)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        path = po_path(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, width=100, omit_header=False, sort_output=True)


def fill(translations_file: Path) -> int:
    """Set translations from a JSON file ``{"msgid": {"ru": "…", "it": "…"}}``.

    Plurals take a list per language; a message with a context is keyed ``"context\x04msgid"``.
    Returns how many messages were not found in the catalogs (run ``update`` first).
    """
    data = json.loads(translations_file.read_text(encoding="utf-8"))
    not_found = 0
    for language in TARGET_LANGUAGES:
        catalog = read_catalog(language)
        for key, by_language in data.items():
            if language not in by_language:
                continue
            context, _sep, msgid = key.rpartition("\x04")
            entry = catalog.get(msgid, context or None)
            if entry is None:
                not_found += 1
                continue
            value = by_language[language]
            entry.string = tuple(value) if isinstance(value, list) else value
            entry.flags.discard("fuzzy")
        with po_path(language).open("wb") as handle:
            write_po(handle, catalog, width=100, sort_output=True)
    return not_found


def compile_catalogs() -> None:
    for language in TARGET_LANGUAGES:
        catalog = read_catalog(language)
        mo = po_path(language).with_suffix(".mo")
        with mo.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)


def problems() -> list[str]:
    """Every message of the code that is missing, untranslated or fuzzy in a catalog."""
    template = extract()
    found: list[str] = []
    for language in TARGET_LANGUAGES:
        catalog = read_catalog(language)
        for message in template:
            if not message.id:
                continue
            entry = catalog.get(message.id, message.context)
            label = message.id if isinstance(message.id, str) else message.id[0]
            if entry is None:
                found.append(f"{language}: missing: {label!r}")
            elif entry.fuzzy:
                found.append(f"{language}: fuzzy: {label!r}")
            elif isinstance(entry.string, tuple):
                if not all(entry.string):
                    found.append(f"{language}: untranslated plural: {label!r}")
            elif not entry.string:
                found.append(f"{language}: untranslated: {label!r}")
    return found


def main(argv: list[str] | None = None) -> int:
    command = (argv or sys.argv[1:] or ["check"])[0]
    if command == "update":
        update()
    elif command == "fill":
        missing = fill(Path((argv or sys.argv[1:])[1]))
        if missing:
            print(f"{missing} translations did not match a message; run 'update' first")
            return 1
    elif command == "compile":
        compile_catalogs()
    elif command == "check":
        found = problems()
        print("\n".join(found) or "all messages translated")
        return 1 if found else 0
    else:
        print(
            "usage: python -m desktop_crm.i18n.catalogs update|fill FILE.json|compile|check",
            file=sys.stderr,
        )
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
