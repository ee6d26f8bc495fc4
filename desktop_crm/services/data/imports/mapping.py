"""What a column of an import file becomes: the fields of each entity, a suggested mapping from the
header names (Russian, Italian, English) and mapping presets saved per user.

* ``IMPORT_ENTITIES``: ``contacts``, ``companies``, ``leads``, ``deals`` (with product lines),
  ``products`` (the values of :class:`desktop_crm.entities.Entity`).
* ``import_fields(entity) -> list[ImportField]``: name, label (msgid: show it with ``_()``), kind
  and whether it is required.
* A mapping is ``{header: field name}``; headers not in it (or mapped to ``""``) are ignored.
* ``suggest_mapping(entity, headers, format_name="")``: a format's own hints
  (:func:`formats.mapping_hints`) first, then the generic spellings; each field at most once.
* ``presets(entity, user)``, ``save_preset(entity, user, name, mapping)``,
  ``delete_preset(entity, user, name)``, ``load_preset(entity, user, name)``: kept in the per-user
  settings (``imports.presets.<entity>``), so they follow the user to any desktop.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from desktop_crm import validation
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import N_, _
from desktop_crm.ids import IdLike, as_uuid
from desktop_crm.models import User
from desktop_crm.normalize import fold
from desktop_crm.services.data.imports.formats import mapping_hints
from desktop_crm.services.system import custom_fields
from desktop_crm.services.system.settings import SettingSpec, declare

IMPORT_ENTITIES: tuple[str, ...] = ("contacts", "companies", "leads", "deals", "products")
ENTITY_LABELS: dict[str, str] = {
    "contacts": N_("Contacts"),
    "companies": N_("Companies"),
    "leads": N_("Leads"),
    "deals": N_("Deals with product lines"),
    "products": N_("Products"),
}

# kinds of values: how the engine reads a cell (CUSTOM: a custom field, read by its own kind)
TEXT, DATE, MONEY, PERCENT, QUANTITY, REFERENCE, KEY, CUSTOM = (
    "text", "date", "money", "percent", "quantity", "reference", "key", "custom")
CUSTOM_PREFIX = "cf_"


@dataclass(frozen=True)
class ImportField:
    name: str
    label: str  # msgid
    kind: str = TEXT
    required: bool = False
    spellings: tuple[str, ...] = ()  # header names (any case) that suggest this field


def _f(name: str, label: str, *spellings: str, kind: str = TEXT, required: bool = False) -> ImportField:
    return ImportField(name, label, kind, required, (name, label, *spellings))


_PERSON = (
    _f("last_name", N_("last name"), "surname", "family name", "фамилия", "cognome"),
    _f("first_name", N_("first name"), "name", "given name", "имя", "nome"),
    _f("middle_name", N_("middle name"), "отчество", "secondo nome", "patronymic"),
    _f("full_name", N_("full name (split into last, first and middle name)"), "full name",
       "фио", "ф.и.о.", "полное имя", "contact", "контакт", "nome e cognome", "nominativo",
       "nome completo"),
    _f("birth_date", N_("birth date"), "birthday", "date of birth", "дата рождения", "день рождения",
       "data di nascita", "compleanno", kind=DATE),
    _f("mobile_phone", N_("mobile phone"), "mobile", "cell", "phone", "telephone", "tel", "tel.",
       "тел", "тел.", "телефон",
       "мобильный", "мобильный телефон", "сотовый", "cellulare", "telefono", "telefono cellulare",
       "mobile phone"),
    _f("work_phone", N_("work phone"), "office phone", "рабочий телефон", "телефон рабочий",
       "telefono ufficio", "telefono di lavoro", "telefono lavoro"),
    _f("private_email", N_("private e-mail"), "e-mail", "email", "mail", "private email",
       "электронная почта", "почта", "личный e-mail", "частный e-mail", "e-mail personale",
       "posta elettronica"),
    _f("work_email", N_("work e-mail"), "work email", "рабочий e-mail", "рабочая почта",
       "e-mail di lavoro", "e-mail aziendale", "email aziendale"),
)
_PLACE = (
    _f("address", N_("address"), "street", "адрес", "улица", "indirizzo", "via"),
    _f("postal_code", N_("postal code"), "zip", "zip code", "postcode", "индекс",
       "почтовый индекс", "cap", "codice postale"),
    _f("city", N_("city"), "town", "город", "населённый пункт", "città", "citta", "comune"),
    _f("province", N_("province"), "provincia", "prov", "prov."),
    _f("country", N_("country"), "страна", "paese", "nazione"),
)
_COMMON = (
    _f("responsible", N_("responsible"), "owner", "manager", "assigned to", "ответственный",
       "менеджер", "responsabile", "commerciale", "assegnato a", kind=REFERENCE),
    _f("source", N_("source"), "источник", "fonte", "origine"),
    _f("comment", N_("comment"), "comments", "notes", "note", "комментарий", "примечание",
       "заметки", "commento", "commenti"),
)
_OWNED = (_COMMON[0], _COMMON[2])  # responsible and comment (no source)
_COMPANY_REF = _f("company", N_("company (name, INN or P.IVA)"), "company", "organisation",
                  "organization", "компания", "организация", "фирма", "azienda", "società", "ditta",
                  kind=REFERENCE)

FIELDS: dict[str, tuple[ImportField, ...]] = {
    "contacts": (
        *_PERSON, _COMPANY_REF,
        _f("position", N_("position"), "job title", "title", "должность", "ruolo", "qualifica",
           "posizione"),
        _f("fiscal_code", N_("tax code (codice fiscale)"), "codice fiscale", "cf", "c.f."),
        _f("inn", N_("personal INN"), "инн", "inn"),
        *_PLACE, *_COMMON,
    ),
    "companies": (
        _f("short_name", N_("name"), "company", "company name", "название", "наименование",
           "компания", "название компании", "ragione sociale breve", "azienda", "nome azienda",
           required=True),
        _f("legal_name", N_("legal name"), "полное наименование", "юридическое название",
           "ragione sociale", "denominazione"),
        _f("inn", N_("INN"), "инн", "tax id"),
        _f("kpp", N_("KPP"), "кпп"),
        _f("ogrn", N_("OGRN"), "огрн", "огрнип"),
        _f("vat_number", N_("VAT number (P.IVA)"), "vat", "vat number", "partita iva", "p.iva",
           "p. iva", "piva"),
        _f("fiscal_code", N_("tax code (codice fiscale)"), "codice fiscale", "cf", "c.f."),
        _f("phone", N_("phone"), "telephone", "телефон", "рабочий телефон", "telefono"),
        _f("email", N_("e-mail"), "email", "mail", "электронная почта", "почта", "posta elettronica"),
        _f("website", N_("website"), "site", "web", "сайт", "sito", "sito web"),
        _f("pec", N_("PEC"), "pec", "posta certificata"),
        _f("sdi_code", N_("SDI code"), "codice destinatario", "codice sdi", "sdi"),
        _f("bank_name", N_("bank"), "банк", "banca"),
        _f("bik", N_("BIK"), "бик"),
        _f("account", N_("account"), "расчётный счёт", "расчетный счет", "р/с"),
        _f("corr_account", N_("correspondent account"), "корр. счёт", "корреспондентский счёт",
           "к/с"),
        _f("iban", N_("IBAN"), "iban"),
        *_PLACE, *_OWNED,
    ),
    "leads": (
        _f("title", N_("title"), "lead", "lead title", "название лида", "название", "лид",
           "titolo", "oggetto"),
        *_PERSON[:3], _PERSON[3],
        *_PERSON[5:],
        _f("company_name", N_("company name"), "company", "компания", "организация", "azienda",
           "società"),
        *_COMMON,
    ),
    "deals": (
        _f("deal_key", N_("deal key (rows with the same key are one deal)"), "deal id", "deal key",
           "deal number", "id сделки", "номер сделки", "ключ сделки", "id trattativa",
           "codice trattativa", "n. trattativa", kind=KEY),
        _f("title", N_("deal title"), "deal", "deal name", "название сделки", "сделка",
           "trattativa", "titolo trattativa", "opportunità", required=True),
        _f("pipeline", N_("pipeline"), "воронка", "направление", "pipeline", kind=REFERENCE),
        _f("stage", N_("stage"), "стадия", "этап", "стадия сделки", "fase", "stato", kind=REFERENCE),
        _f("contact", N_("contact (name, phone or e-mail)"), "contact", "client", "контакт",
           "клиент", "cliente", "contatto", kind=REFERENCE),
        _COMPANY_REF,
        _f("currency", N_("currency"), "валюта", "valuta"),
        _f("amount", N_("amount (when there are no lines)"), "amount", "sum", "сумма", "бюджет",
           "importo", "valore", kind=MONEY),
        _f("expected_close_date", N_("expected close date"), "close date", "дата закрытия",
           "предполагаемая дата закрытия", "data di chiusura", "chiusura prevista", kind=DATE),
        _f("closed_on", N_("closed on (a won or lost deal)"), "closed on", "closed at",
           "date closed", "дата закрытия сделки", "фактическая дата закрытия",
           "chiusa il", "data chiusura effettiva", kind=DATE),
        _f("lost_reason", N_("lost reason"), "lost reason", "reason lost", "причина отказа",
           "причина проигрыша", "причина закрытия", "motivo perdita", "motivo della perdita"),
        _f("line_name", N_("line: product"), "product", "item", "товар", "продукт", "наименование "
           "товара", "prodotto", "articolo", "descrizione"),
        _f("line_sku", N_("line: SKU"), "sku", "article", "артикул", "codice articolo", "codice"),
        _f("line_quantity", N_("line: quantity"), "qty", "quantity", "количество", "кол-во",
           "quantità", "qtà", kind=QUANTITY),
        _f("line_unit", N_("line: unit"), "unit", "ед.", "ед. изм.", "единица", "unità", "u.m.",
           "um"),
        _f("line_price", N_("line: price"), "price", "unit price", "цена", "prezzo",
           "prezzo unitario", kind=MONEY),
        _f("line_discount", N_("line: discount, %"), "discount", "скидка", "скидка, %", "sconto",
           "sconto %", kind=PERCENT),
        _f("line_vat_rate", N_("line: VAT rate, %"), "vat rate", "ставка ндс", "ндс", "ндс, %",
           "aliquota iva", "iva", "iva %", kind=PERCENT),
        *_OWNED,
    ),
    "products": (
        _f("name", N_("name"), "product", "item", "наименование", "название", "товар", "nome",
           "prodotto", "descrizione", required=True),
        _f("sku", N_("SKU"), "article", "артикул", "код", "codice", "codice articolo"),
        _f("unit", N_("unit"), "ед.", "ед. изм.", "единица", "единица измерения", "unità", "u.m.",
           "um", "unità di misura"),
        _f("unit_code", N_("unit code"), "код единицы", "окей", "codice unità"),
        _f("price", N_("price"), "цена", "стоимость", "prezzo", "listino", kind=MONEY),
        _f("currency", N_("currency"), "валюта", "valuta"),
        _f("vat_rate", N_("VAT rate, %"), "vat", "ставка ндс", "ндс", "ндс, %", "aliquota iva", "iva",
           "iva %", kind=PERCENT),
        _f("group", N_("product group"), "group", "category", "группа", "категория", "gruppo",
           "categoria", kind=REFERENCE),
    ),
}


def _check_entity(entity: str) -> str:
    if entity not in FIELDS:
        raise ValidationError(_("“{entity}” cannot be imported: choose contacts, companies, leads, "
                                "deals or products.").format(entity=entity), field="entity")
    return entity


def import_fields(entity: str) -> list[ImportField]:
    """The entity's own fields, then its custom fields (``cf_<key>``, labelled as the user named
    them; found by that name or the key in a header)."""
    return [*FIELDS[_check_entity(entity)], *_custom_fields(entity)]


def _custom_fields(entity: str) -> list[ImportField]:
    return [ImportField(item.column, item.preset or item.label, CUSTOM, False,
                        (item.label, item.key, item.column))
            for item in custom_fields.fields(entity)]


def custom_field_of(entity: str, name: str) -> custom_fields.CustomFieldDTO | None:
    """The live custom field an import field ``cf_<key>`` fills."""
    if not name.startswith(CUSTOM_PREFIX):
        return None
    return next((f for f in custom_fields.fields(entity) if f.column == name), None)


def field_label(entity: str, name: str) -> str:
    for item in import_fields(entity) if entity in FIELDS else ():
        if item.name == name:
            return _(item.label)
    return name


def _key(header: str) -> str:
    return " ".join(fold(header).replace("_", " ").split()).strip(" :*")


def suggest_mapping(entity: str, headers: Iterable[str], format_name: str = "") -> dict[str, str]:
    """``{header: field}`` for the headers recognised (see the module docstring)."""
    fields = import_fields(entity)
    hints = {_key(h): f for h, f in mapping_hints(format_name, entity).items()} if format_name else {}
    lookup: dict[str, str] = {}
    for item in fields:  # earlier fields win a spelling both could claim ("phone")
        for spelling in item.spellings:
            lookup.setdefault(_key(spelling), item.name)
    known = {item.name for item in fields}
    result: dict[str, str] = {}
    used: set[str] = set()
    for source in (hints, lookup):
        for header in headers:
            if header in result:
                continue
            name = source.get(_key(header))
            if name and name in known and name not in used:
                result[header] = name
                used.add(name)
    return result


def check_mapping(entity: str, mapping: Mapping[str, str]) -> dict[str, str]:
    """The mapping without ignored columns; refused when it names a field twice or an unknown one,
    or lacks a required field."""
    fields = {item.name: item for item in import_fields(entity)}
    cleaned = {str(h): str(f) for h, f in mapping.items() if f}
    seen: dict[str, str] = {}
    for header, name in cleaned.items():
        if name not in fields:
            raise ValidationError(_("“{field}” is not a field of this import.").format(field=name),
                                  field="mapping")
        if name in seen:
            raise ValidationError(_("The columns “{first}” and “{second}” both fill “{field}”: "
                                    "keep one.").format(first=seen[name], second=header,
                                                        field=_(fields[name].label)), field="mapping")
        seen[name] = header
    missing = [_(item.label) for item in fields.values() if item.required and item.name not in seen]
    if entity == "contacts" and not {"last_name", "first_name", "full_name"} & set(seen):
        missing.append(_("a name"))
    if missing:
        raise ValidationError(_("Choose the column for: {fields}.").format(fields=", ".join(missing)),
                              field="mapping")
    return cleaned


# --- presets ------------------------------------------------------------------------------------

_PRESETS: dict[str, SettingSpec[dict[str, Any]]] = {
    entity: declare(f"imports.presets.{entity}", {}, per_user=True) for entity in IMPORT_ENTITIES
}


def _user(user: IdLike) -> User:
    row: User | None = User.alive().where(User.id == as_uuid(user)).first()
    if row is None:
        raise ValidationError(_("The user no longer exists."))
    return row


def presets(entity: str, user: IdLike) -> dict[str, dict[str, str]]:
    """The user's saved mappings for ``entity`` by name."""
    stored = _PRESETS[_check_entity(entity)].get(_user(user))
    return {str(k): {str(h): str(f) for h, f in v.items()} for k, v in stored.items()
            if isinstance(v, dict)}


def load_preset(entity: str, user: IdLike, name: str) -> dict[str, str]:
    found = presets(entity, user).get(name)
    if found is None:
        raise ValidationError(_("There is no saved mapping called “{name}”.").format(name=name),
                              field="preset")
    return found


def save_preset(entity: str, user: IdLike, name: str, mapping: Mapping[str, str]) -> None:
    name = validation.text_value(name, "preset", max_length=100, required=True,
                                 label=N_("mapping name"))
    stored = presets(entity, user)
    stored[name] = {str(h): str(f) for h, f in mapping.items() if f}
    _PRESETS[entity].set(stored, _user(user))


def delete_preset(entity: str, user: IdLike, name: str) -> None:
    stored = presets(entity, user)
    if stored.pop(name, None) is not None:
        _PRESETS[entity].set(stored, _user(user))


__all__ = ["CUSTOM", "ENTITY_LABELS", "FIELDS", "IMPORT_ENTITIES", "ImportField", "check_mapping",
           "custom_field_of", "delete_preset", "field_label", "import_fields", "load_preset",
           "presets", "save_preset", "suggest_mapping"]
