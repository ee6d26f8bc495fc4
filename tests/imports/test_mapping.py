"""Columns to fields: suggestions from Russian, Italian and English headers; presets per user."""

from __future__ import annotations

import pytest

from desktop_crm.errors import ValidationError
from desktop_crm.services.data.imports import mapping

# the fields of an entity include its custom fields, read from the database
pytestmark = pytest.mark.usefixtures("db")

@pytest.mark.parametrize("entity, headers, expected", [
    ("contacts", ["Фамилия", "Имя", "Отчество", "Мобильный телефон", "Рабочий телефон", "E-mail",
                  "Дата рождения", "Компания", "Должность", "Ответственный", "Комментарий"],
     ["last_name", "first_name", "middle_name", "mobile_phone", "work_phone", "private_email",
      "birth_date", "company", "position", "responsible", "comment"]),
    ("contacts", ["Cognome", "Nome", "Cellulare", "Email aziendale", "Data di nascita", "Azienda",
                  "Codice fiscale", "CAP", "Città", "Provincia"],
     ["last_name", "first_name", "mobile_phone", "work_email", "birth_date", "company",
      "fiscal_code", "postal_code", "city", "province"]),
    ("contacts", ["Last Name", "first_name", "Phone", "Email", "Birthday", "Notes", "Whatever"],
     ["last_name", "first_name", "mobile_phone", "private_email", "birth_date", "comment", None]),
    ("companies", ["Название", "ИНН", "КПП", "Телефон", "Сайт"],
     ["short_name", "inn", "kpp", "phone", "website"]),
    ("companies", ["Ragione sociale", "Partita IVA", "Codice destinatario", "PEC"],
     ["legal_name", "vat_number", "sdi_code", "pec"]),
    ("deals", ["Номер сделки", "Название сделки", "Воронка", "Стадия", "Товар", "Количество", "Цена"],
     ["deal_key", "title", "pipeline", "stage", "line_name", "line_quantity", "line_price"]),
    ("products", ["Nome", "Codice articolo", "Prezzo", "Aliquota IVA", "Gruppo"],
     ["name", "sku", "price", "vat_rate", "group"]),
])
def test_suggestions_from_header_names(entity, headers, expected):
    suggested = mapping.suggest_mapping(entity, headers)
    assert [suggested.get(h) for h in headers] == expected


def test_a_field_is_suggested_once():
    suggested = mapping.suggest_mapping("contacts", ["Телефон", "Phone", "Тел."])
    assert suggested == {"Телефон": "mobile_phone"}


def test_check_mapping_refuses_doubles_unknowns_and_missing_required():
    with pytest.raises(ValidationError, match="both fill"):
        mapping.check_mapping("contacts", {"A": "last_name", "B": "last_name"})
    with pytest.raises(ValidationError, match="not a field"):
        mapping.check_mapping("contacts", {"A": "salary"})
    with pytest.raises(ValidationError, match="Choose the column for: name"):
        mapping.check_mapping("products", {"A": "sku"})
    with pytest.raises(ValidationError, match="cannot be imported"):
        mapping.check_mapping("invoices", {})
    assert mapping.check_mapping("contacts", {"A": "full_name", "B": ""}) == {"A": "full_name"}


def test_presets_are_saved_per_user(sqlite_world):
    manager, other = sqlite_world.manager, sqlite_world.other_manager
    mapping.save_preset("contacts", manager.id, "1С выгрузка", {"Фамилия": "last_name", "Имя": "first_name",
                                                                "Лишнее": ""})
    assert mapping.presets("contacts", manager.id) == {
        "1С выгрузка": {"Фамилия": "last_name", "Имя": "first_name"}}
    assert mapping.load_preset("contacts", manager.id, "1С выгрузка")["Имя"] == "first_name"
    assert mapping.presets("contacts", other.id) == {}
    assert mapping.presets("companies", manager.id) == {}
    with pytest.raises(ValidationError, match="no saved mapping"):
        mapping.load_preset("contacts", other.id, "1С выгрузка")
    with pytest.raises(ValidationError):
        mapping.save_preset("contacts", manager.id, "  ", {})
    mapping.delete_preset("contacts", manager.id, "1С выгрузка")
    assert mapping.presets("contacts", manager.id) == {}
