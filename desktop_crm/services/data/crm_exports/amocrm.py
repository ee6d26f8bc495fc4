"""amoCRM's export files of deals with their contacts and companies.

amoCRM (Сделки › list › ⋯ › Экспорт) writes the deal list as **CSV** (``;`` or ``,``, UTF-8, often
with a BOM) or as an **XLSX** workbook (one sheet). One line per deal: the deal's own columns
(«ID», «Название сделки», «Бюджет», «Ответственный», «Этап сделки», «Воронка», «Дата создания»,
«Теги», «Примечание»…), then its main contact's («Полное имя контакта» or «Основной контакт»,
«Рабочий телефон», «Мобильный телефон», «Рабочий email», «Должность») and its company's
(«Компания», «ИНН») — recent accounts suffix those with « (контакт)» and « (компания)».

A deal's stage is named within its pipeline («Воронка»): both, and the responsible user, are mapped
to ours by the import (see ``common.references``).
"""

from __future__ import annotations

import re
from pathlib import Path

from desktop_crm.normalize import fold
from desktop_crm.services.data.crm_exports import common
from desktop_crm.services.data.crm_exports.common import ForeignTable

NAME = "amocrm"

_SUFFIX = re.compile(r"\s*\((контакт|компания)\)\s*$")

# (folded column without a suffix, suffix or "") → (kind of record, field)
_CONTACT = {
    "полное имя контакта": "name",
    "основной контакт": "name",
    "контакт": "name",
    "имя контакта": "first_name",
    "фамилия контакта": "last_name",
    "имя": "first_name",
    "фамилия": "last_name",
    "рабочий телефон": "work_phone",
    "мобильный телефон": "mobile_phone",
    "телефон": "mobile_phone",
    "рабочий email": "work_email",
    "email": "work_email",
    "личный email": "private_email",
    "должность": "position",
    "компания контакта": "company",
}
_COMPANY = {
    "компания": "short_name",
    "название компании": "short_name",
    "инн": "inn",
    "кпп": "kpp",
    "рабочий телефон": "phone",
    "рабочий email": "email",
    "email": "email",
    "web": "website",
    "сайт": "website",
    "адрес": "address",
}
_DEAL = {
    "id": "deal_key",
    "название сделки": "title",
    "сделка": "title",
    "бюджет": "amount",
    "ответственный": "responsible",
    "этап сделки": "stage",
    "статус": "stage",
    "воронка": "pipeline",
    "дата закрытия": "closed_on",
    "причина отказа": "lost_reason",
    "примечание": "comment",
    "источник": "source",
    "валюта": "currency",
}

#: Columns only amoCRM writes (Bitrix24's exports have none of them).
MARKERS = frozenset({
    "бюджет", "этап сделки", "воронка", "полное имя контакта", "компания контакта",
    "дата редактирования", "кем редактирована", "кем редактирован", "теги", "основной контакт",
    "рабочий email", "личный email", "ответственный за контакт", "ответственный за компанию",
})


def _split(header: str) -> tuple[str, str]:
    name = fold(header)
    suffix = _SUFFIX.search(name)
    if suffix:
        return name[: suffix.start()].strip(), suffix.group(1)
    return name, ""


_COMPANY_ONLY = ("компания", "название компании", "инн", "кпп", "web", "сайт", "адрес")


def _kind_of(name: str, suffix: str) -> str:
    if suffix:
        return suffix
    if name in _DEAL:
        return "сделка"
    if name in _COMPANY_ONLY:
        return "компания"
    return "контакт" if name in _CONTACT else ""


def _target(header: str, entity: str) -> str:
    name, suffix = _split(header)
    kind = _kind_of(name, suffix)
    if kind == "контакт":
        field = _CONTACT.get(name, "")
        if not field or entity == "companies":
            return ""
        if entity == "contacts":
            return "full_name" if field == "name" else field
        return "contact" if field == "name" else f"contact.{field}"
    if kind == "компания":
        field = _COMPANY.get(name, "")
        if not field or entity == "companies":
            return field
        if field == "short_name":
            return "company"
        return f"company.{field}" if entity == "deals" else ""
    return _DEAL.get(name, "") if kind == "сделка" and entity == "deals" else ""


def mapping_hints(headers: list[str], entity: str = "deals") -> dict[str, str]:
    """Each known header → our field of ``entity`` (a deal's contact and company fields dotted:
    ``contact.mobile_phone``, ``company.inn``); each field once."""
    hints: dict[str, str] = {}
    for header in headers:
        target = _target(header, entity or "deals")
        if target and target not in hints.values():
            hints[header] = target
    return hints


def static_hints() -> dict[str, dict[str, str]]:
    """``{entity: {header: field}}`` for every column spelling amoCRM writes (with and without the
    « (контакт)» and « (компания)» suffixes); dotted fields (a deal's contact's phone) left out:
    a deal import resolves its contact and company by name."""
    names = set(_CONTACT) | set(_COMPANY) | set(_DEAL)
    result: dict[str, dict[str, str]] = {}
    for entity in ("contacts", "companies", "deals"):
        hints: dict[str, str] = {}
        for name in sorted(names):
            for header in (name, f"{name} (контакт)", f"{name} (компания)"):
                target = _target(header, entity)
                if target and "." not in target:
                    hints[header] = target
        result[entity] = hints
    return result


def score(headers: list[str]) -> int:
    """How many amoCRM-only columns the header row has."""
    return len({_split(h)[0] for h in headers} & MARKERS) + sum(
        1 for h in headers if _split(h)[1]
    )


def looks_like(headers: list[str]) -> bool:
    from desktop_crm.services.data.crm_exports import bitrix24

    mine = score(headers)
    return mine >= 2 and mine > bitrix24.score(headers)


def _is_xlsx(path: Path) -> bool:
    try:
        with path.open("rb") as stream:
            return stream.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def sniff(path: Path) -> bool:
    """Whether the file is an amoCRM deal export (CSV or XLSX)."""
    if _is_xlsx(path):
        return looks_like(common.xlsx_headers(path))
    return looks_like(common.first_line_cells(common.head_text(path)))


def read(path: Path) -> ForeignTable:
    """The export's table; a file of another kind is refused with a translated message."""
    from desktop_crm.services.data.crm_exports import bitrix24

    path = Path(path)
    if _is_xlsx(path):
        headers, rows = common.read_xlsx(path)
        encoding, delimiter, container = "", "", "xlsx"
    else:
        headers, rows, encoding, delimiter = common.read_csv(path)
        container = "csv"
    headers, rows = common.split_multi_values(headers, rows)
    trimmed = score(headers) >= 1 and len(mapping_hints(headers, "deals")) >= 2
    if bitrix24.looks_like(headers) or not (looks_like(headers) or trimmed):
        raise common.unreadable(path, "amoCRM")
    return ForeignTable(
        headers=headers, rows=rows, format=NAME, encoding=encoding, delimiter=delimiter,
        entity="deals", container=container, hints=mapping_hints(headers, "deals"),
    )
