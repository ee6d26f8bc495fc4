"""Document kinds as data: what a kind is made of, read from ``kinds.json`` in the template folders.

A kind is a row of ``templates/documents/kinds.json`` (the bundled ones) or of ``kinds.json`` in the
user's template folder (new kinds, or overrides of a bundled kind's fields), plus its templates
``<language>.<code>.html`` (PDF) and ``<language>.<code>.docx`` (Word). No code names a kind other
than quotes and invoices, which keep their own use cases (drafts, sending, issuing, FatturaPA).

Each entry::

    "act": {
      "countries": ["RU"],             // seller countries it exists for ([] = every country)
      "sources": ["invoice", "deal"],  // what it is made from, in order of preference
      "series": "А-{year}-{seq:04d}",  // its numbering pattern (numbering.format_number)
      "needs": ["seller.ids.inn", …],  // context fields that must be filled before it renders
      "title": {"ru": "…", "it": "…", "en": "…"},
      "labels": {"ru": {"key": "…"}, …} // extra labels (its template reads labels.<key>)
    }

The context contract of each kind is docs/documents.md ("Document kinds").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from desktop_crm.documents.limits import TemplateError
from desktop_crm.i18n import _

SOURCES = ("deal", "quote", "invoice")
_CODE = re.compile(r"^[a-z][a-z_]{1,30}$")


@dataclass(frozen=True)
class DocumentKind:
    code: str
    countries: tuple[str, ...] = ()
    sources: tuple[str, ...] = ("deal",)
    series: str = "{seq}"
    needs: tuple[str, ...] = ()
    title: dict[str, str] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    bundled: bool = True

    def title_in(self, language: str) -> str:
        return self.title.get(language) or self.title.get("en") or self.code

    def labels_in(self, language: str) -> dict[str, str]:
        return {**self.labels.get("en", {}), **self.labels.get(language, {})}

    def exists_for(self, country: str) -> bool:
        return not self.countries or country.upper() in self.countries


def _kind(code: str, entry: Any, bundled: bool, where: Path) -> DocumentKind:
    def bad(reason: str) -> TemplateError:
        return TemplateError(
            _("{file}: the document kind {kind} is not valid: {reason}").format(
                file=where, kind=code, reason=reason
            )
        )

    if not _CODE.match(code):
        raise bad(_("a kind's code is 2 to 31 lowercase letters or underscores"))
    if not isinstance(entry, dict):
        raise bad(_("an entry is an object of fields"))
    sources = tuple(entry.get("sources") or ("deal",))
    unknown = [s for s in sources if s not in SOURCES]
    if unknown:
        raise bad(_("unknown source {source} (deal, quote or invoice)").format(source=unknown[0]))
    title = entry.get("title") or {}
    labels = entry.get("labels") or {}
    if not isinstance(title, dict) or not isinstance(labels, dict):
        raise bad(_("title and labels are objects by language"))
    return DocumentKind(
        code=code,
        countries=tuple(str(c).upper() for c in entry.get("countries") or ()),
        sources=sources,
        series=str(entry.get("series") or "{seq}"),
        needs=tuple(entry.get("needs") or ()),
        title={str(k): str(v) for k, v in title.items()},
        labels={
            str(lang): {str(k): str(v) for k, v in (items or {}).items()} for lang, items in labels.items()
        },
        bundled=bundled,
    )


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise TemplateError(
            _("{file} cannot be read as a list of document kinds: {reason}").format(file=path, reason=error)
        ) from error
    if not isinstance(data, dict):
        raise TemplateError(_("{file} must hold an object: kind code → entry").format(file=path))
    return data


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


def kinds() -> dict[str, DocumentKind]:
    """Every kind: the bundled ones, then the user's (new kinds, or fields overriding a bundled one)."""
    from desktop_crm.documents.render import bundled_templates_dir, user_templates_dir

    bundled, user = bundled_templates_dir() / "kinds.json", user_templates_dir() / "kinds.json"
    return _kinds(str(bundled), _stamp(bundled), str(user), _stamp(user))


@cache
def _kinds(
    bundled: str, _bundled_stamp: Any, user: str, user_stamp: tuple[int, int] | None
) -> dict[str, DocumentKind]:
    entries = {code: (entry, True) for code, entry in _read(Path(bundled)).items()}
    if user_stamp is not None:
        for code, entry in _read(Path(user)).items():
            base = entries.get(code, ({}, False))[0]
            merged = {**base, **entry} if isinstance(entry, dict) else entry
            entries[code] = (merged, code in entries)
    where = {True: Path(bundled), False: Path(user)}
    return {
        code: _kind(code, entry, bundled_, where[bundled_]) for code, (entry, bundled_) in entries.items()
    }


def kind(code: str) -> DocumentKind:
    """The kind of that code; an unknown one is a TemplateError naming the known ones."""
    known = kinds()
    if code not in known:
        raise TemplateError(
            _("Unknown document kind {kind}; known kinds: {known}").format(kind=code, known=", ".join(known))
        )
    return known[code]


def missing_fields(kind_: DocumentKind, context: dict[str, Any]) -> list[str]:
    """The fields the kind needs that the context leaves empty (dotted paths; ``lines``: no lines)."""
    missing = []
    for path in kind_.needs:
        value: Any = context
        for part in path.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value in (None, "", [], {}):
            missing.append(path)
    return missing
