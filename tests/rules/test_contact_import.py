"""Importing contacts: the contact rules apply to every row, duplicates are found against the
database and within the file."""

from __future__ import annotations

from desktop_crm.models import Contact
from desktop_crm.services.data.contact_import import import_contacts, read_contacts_csv
from desktop_crm.services.sales import contacts
from tests.rules.conftest import CONTACT

CSV_RU = (
    "Фамилия;Имя;Отчество;Дата рождения;Телефон;E-mail;Должность\n"
    "Петрова;Анна;Сергеевна;01.02.1985;+7 903 123-45-67;anna.petrova@mail.example;Директор\n"
    "иван;фёдоров;;14.03.1990;8 916 123 45 67;;\n"  # the existing contact, other word order
    "Петрова;Анна;;01.02.1985;;anna.petrova@mail.example;\n"  # the first row again
    "Сидоров;Олег;;31.02.1990;+7 903 765-43-21;oleg@mail.example;\n"  # no such date
    "Кузнецов;Павел;;;12;pavel@mail.example;\n"  # not a phone number
)


def test_csv_rows_go_through_the_contact_rules(world, tmp_path):
    existing = contacts.create_contact(CONTACT, world.manager)
    path = tmp_path / "контакты.csv"
    path.write_bytes(CSV_RU.encode("cp1251"))  # as Excel saves it on a Russian Windows
    rows = read_contacts_csv(path)
    assert rows[0] == {
        "last_name": "Петрова", "first_name": "Анна", "middle_name": "Сергеевна", "birth_date": "01.02.1985",
        "mobile_phone": "+7 903 123-45-67", "private_email": "anna.petrova@mail.example",
        "position": "Директор",
    }
    result = import_contacts(rows, world.manager, check_required=False)
    assert len(result.created) == 1
    assert Contact.get_by_id(result.created[0]).full_name == "Петрова Анна Сергеевна"
    assert [(p.row, p.duplicate_of[0].contact_id) for p in result.duplicates] == [
        (2, existing.id), (3, result.created[0])
    ]
    assert [(p.row, p.message) for p in result.rejected] == [
        (4, "Birth date: the day 31.02.1990 does not exist."),
        (5, "“12” is not a valid phone number."),
    ]
    assert Contact.select().count() == 2


def test_required_fields_apply_to_imports_unless_waived(world, tmp_path):
    path = tmp_path / "contatti.csv"
    path.write_text("Cognome,Nome,Cellulare\nRossi,Mario,+39 347 123 4567\n", encoding="utf-8-sig")
    rows = read_contacts_csv(path)
    result = import_contacts(rows, world.manager)
    assert result.created == []
    assert result.rejected[0].message == "Fill in the required fields: birth date, private e-mail."
    assert len(import_contacts(rows, world.manager, check_required=False).created) == 1
