"""The cases the superseded contact importer was tested with, now through the import
engine: a Windows-1251 CSV from a Russian Excel whose rows meet the contact rules (duplicates of
the database in another word order and within the file, a date that does not exist, a phone that
is not one), and the card's required fields applied unless the import waives them."""

from __future__ import annotations

from desktop_crm.models import Contact
from desktop_crm.services.data.imports import engine, formats, mapping
from desktop_crm.services.data.imports.engine import ImportRequest
from desktop_crm.services.sales import contacts, rules
from tests.rules.conftest import CONTACT

CSV_RU = (
    "Фамилия;Имя;Отчество;Дата рождения;Телефон;E-mail;Должность\n"
    "Петрова;Анна;Сергеевна;01.02.1985;+7 903 123-45-67;anna.petrova@mail.example;Директор\n"
    "иван;фёдоров;;14.03.1990;8 916 123 45 67;;\n"  # the existing contact, other word order
    "Петрова;Анна;;01.02.1985;;anna.petrova@mail.example;\n"  # the first row again
    "Сидоров;Олег;;31.02.1990;+7 903 765-43-21;oleg@mail.example;\n"  # no such date
    "Кузнецов;Павел;;;12;pavel@mail.example;\n"  # not a phone number
)


def _request(path, **options):
    table = formats.read_table(path)
    return ImportRequest("contacts", table, mapping.suggest_mapping("contacts", table.headers),
                         **options)


def test_csv_rows_go_through_the_contact_rules(world, tmp_path):
    existing = contacts.create_contact(CONTACT, world.manager.id)
    path = tmp_path / "контакты.csv"
    path.write_bytes(CSV_RU.encode("cp1251"))  # as Excel saves it on a Russian Windows
    request = _request(path, check_required=False)
    assert dict(request.mapping) == {
        "Фамилия": "last_name", "Имя": "first_name", "Отчество": "middle_name",
        "Дата рождения": "birth_date", "Телефон": "mobile_phone", "E-mail": "private_email",
        "Должность": "position"}
    report = engine.run_import(request)
    assert report.created == 1
    created = Contact.get(Contact.last_name == "Петрова")
    assert created.full_name == "Петрова Анна Сергеевна" and created.position == "Директор"
    assert [row for row, _name in report.skipped_rows] == [3, 4]  # the file's rows 2 and 3
    assert report.skipped_rows[0][1].startswith("Фёдоров Иван")
    assert [(r.row, r.reasons) for r in report.rejected] == [
        (5, ("Birth date: the day 31.02.1990 does not exist.",)),
        (6, ("“12” is not a valid phone number.",)),
    ]
    assert Contact.select().count() == 2
    assert existing.id in {c.id for c in Contact.select()}


def test_required_fields_apply_to_imports_unless_waived(world, tmp_path):
    rules.CONTACT_PRESET.set("full")
    path = tmp_path / "contatti.csv"
    path.write_text("Cognome,Nome,Cellulare\nRossi,Mario,+39 347 123 4567\n", encoding="utf-8-sig")
    report = engine.run_import(_request(path))
    assert report.created == 0
    assert report.rejected[0].reasons == (
        "Fill in the required fields: birth date, private e-mail.",)
    assert engine.run_import(_request(path, check_required=False)).created == 1
