"""Bitrix24's export files of contacts, companies, leads and deals.

Bitrix24 (CRM › list › ⚙ › Export) writes two kinds of file:

* **CSV**: ``;``-separated, UTF-8 (cloud portals; some with a BOM) or Windows-1251 (older on-premise
  installations), a header row of the columns as the list names them in Russian («ID», «Имя»,
  «Фамилия», «Рабочий телефон», «Рабочий e-mail», «Стадия сделки», «Направление», …). A field with
  several values (two work phones) holds them joined by ``", "``. Dates are ``ДД.ММ.ГГГГ ЧЧ:ММ:СС``.
* **"Excel"**: not a workbook but an HTML page with one ``<table>`` and an ``.xls`` extension (the
  first row ``<th>`` or ``<td>`` cells with the same names), encoding declared by a ``<meta>``.

A deal export with "product rows" enabled repeats a deal on one line per product («Товар», «Цена»,
«Количество»). Deals carry their pipeline («Направление»), stage («Стадия сделки») and responsible
user («Ответственный») by name: the import maps each of them to one of ours (see ``references``).
"""

from __future__ import annotations

from pathlib import Path

from desktop_crm.normalize import fold
from desktop_crm.services.data.crm_exports import common
from desktop_crm.services.data.crm_exports.common import ForeignTable

NAME = "bitrix24"

_PERSON = {
    "имя": "first_name",
    "фамилия": "last_name",
    "отчество": "middle_name",
    "дата рождения": "birth_date",
    "должность": "position",
    "мобильный телефон": "mobile_phone",
    "рабочий телефон": "work_phone",
    "рабочий e-mail": "work_email",
    "частный e-mail": "private_email",
    "e-mail для рассылок": "private_email",
    "источник": "source",
    "комментарий": "comment",
    "ответственный": "responsible",
}

#: Folded Bitrix24 column → our field, per kind of record.
HINTS: dict[str, dict[str, str]] = {
    "contacts": {**_PERSON, "компания": "company"},
    "leads": {
        **_PERSON,
        "название лида": "title",
        "название компании": "company_name",
    },
    "companies": {
        "название компании": "short_name",
        "инн": "inn",
        "кпп": "kpp",
        "огрн": "ogrn",
        "рабочий телефон": "phone",
        "рабочий e-mail": "email",
        "корпоративный сайт": "website",
        "адрес": "address",
        "улица, номер дома": "address",
        "город": "city",
        "почтовый индекс": "postal_code",
        "комментарий": "comment",
        "ответственный": "responsible",
    },
    "deals": {
        "id": "deal_key",
        "название сделки": "title",
        "направление": "pipeline",
        "воронка": "pipeline",
        "стадия сделки": "stage",
        "сумма": "amount",
        "валюта": "currency",
        "компания": "company",
        "контакт": "contact",
        "ответственный": "responsible",
        "предполагаемая дата закрытия": "expected_close_date",
        "вероятность": "probability",
        "источник": "source",
        "комментарий": "comment",
        "товар": "line_name",
        "цена": "line_price",
        "количество": "line_quantity",
    },
}

#: Columns only Bitrix24 writes (amoCRM's exports have none of them).
MARKERS = frozenset({
    "стадия сделки", "направление", "название лида", "тип компании", "тип контакта", "обращение",
    "рабочий e-mail", "частный e-mail", "e-mail для рассылок", "другой e-mail", "кем изменен",
    "кем изменена", "дата изменения", "доступен для всех", "дополнительно об источнике",
    "дополнительно о статусе", "предполагаемая дата закрытия", "сумма", "вероятность", "номер факса",
    "сфера деятельности", "годовой оборот", "кол-во сотрудников", "корпоративный сайт", "дата начала",
    "закрыта",
})


def entity_of(headers: list[str]) -> str:
    """Which list the export is of, told by its columns ("" when they do not tell)."""
    names = common.folded(headers)
    if {"название сделки", "стадия сделки"} & names:
        return "deals"
    if "название лида" in names or ("статус" in names and "дополнительно о статусе" in names):
        return "leads"
    if {"имя", "фамилия"} & names:
        return "contacts"
    if {"название компании", "тип компании"} & names:
        return "companies"
    return ""


def score(headers: list[str]) -> int:
    """How many Bitrix24-only columns the header row has."""
    return len(common.folded(headers) & MARKERS)


def looks_like(headers: list[str]) -> bool:
    from desktop_crm.services.data.crm_exports import amocrm

    mine = score(headers)
    return mine >= 2 and mine > amocrm.score(headers)


def _acceptable(headers: list[str], entity: str) -> bool:
    """Read when asked for: a Bitrix24 file, even one whose columns the user trimmed (a column
    only Bitrix24 writes and two it shares with others), never another CRM's export."""
    from desktop_crm.services.data.crm_exports import amocrm

    if amocrm.looks_like(headers):
        return False
    return looks_like(headers) or (score(headers) >= 1 and len(mapping_hints(headers, entity)) >= 2)


def _is_html(path: Path) -> bool:
    text = common.head_text(path).lstrip("\ufeff \r\n\t").lower()
    return text.startswith("<") and "<table" in text


def sniff(path: Path) -> bool:
    """Whether the file is a Bitrix24 export (CSV, or its HTML "Excel")."""
    if _is_html(path):
        return looks_like(common.html_header_cells(common.head_text(path)))
    return looks_like(common.first_line_cells(common.head_text(path)))


def read(path: Path) -> ForeignTable:
    """The export's table; a file of another kind is refused with a translated message."""
    path = Path(path)
    if _is_html(path):
        headers, rows, encoding = common.read_html_table(path)
        delimiter, container = "", "html"
    else:
        headers, rows, encoding, delimiter = common.read_csv(path)
        container = "csv"
    headers, rows = common.split_multi_values(headers, rows)
    entity = entity_of(headers)
    if not _acceptable(headers, entity):
        raise common.unreadable(path, "Bitrix24")
    return ForeignTable(
        headers=headers, rows=rows, format=NAME, encoding=encoding, delimiter=delimiter,
        entity=entity, container=container, hints=mapping_hints(headers, entity),
    )


def mapping_hints(headers: list[str], entity: str) -> dict[str, str]:
    """Each known header → our field of ``entity``."""
    return common.hints_for(headers, HINTS.get(entity or entity_of(headers), {}))


def column(headers: list[str], *names: str) -> int | None:
    wanted = {fold(name) for name in names}
    for index, header in enumerate(headers):
        if fold(header) in wanted:
            return index
    return None
