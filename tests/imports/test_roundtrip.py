"""One import from file to database and back: preview, run, undo (every table as before)."""

from __future__ import annotations

from desktop_crm.services.data.imports import engine, formats, mapping
from tests.imports.conftest import snapshot, write

CSV = ("Фамилия;Имя;Отчество;Дата рождения;Телефон;E-mail;Компания\n"
       "Петрова;Анна;Сергеевна;01.02.1985;+7 903 123-45-67;anna@mail.example;ООО Ромашка\n"
       "Петрова;Анна;;01.02.1985;;anna@mail.example;\n"
       "Сидоров;Олег;;31.02.1990;+7 903 765-43-21;oleg@mail.example;\n")


def test_import_then_undo_leaves_every_table_as_before(world, tmp_path):
    before = snapshot()
    table = formats.read_table(write(tmp_path / "контакты.csv", CSV, "cp1251"))
    request = engine.ImportRequest("contacts", table, mapping.suggest_mapping("contacts", table.headers),
                                   create_missing=True, file_name="контакты.csv")
    shown = engine.preview(request)
    assert [(p.row, p.action) for p in shown] == [(2, "create"), (3, "skip"), (4, "reject")]
    assert shown[1].duplicate_of == "row 2 of this file"
    assert snapshot() == before  # a preview writes nothing

    report = engine.run_import(request)
    assert (report.created, report.merged, report.skipped) == (1, 0, 1)
    assert [(r.row, r.reasons) for r in report.rejected] == [
        (4, ("Birth date: the day 31.02.1990 does not exist.",))]
    assert snapshot() != before
    assert [b.id for b in engine.import_batches()] == [report.batch_id]

    undone = engine.undo_import(report.batch_id)
    assert (undone.removed, undone.restored) == (2, 0)  # the contact and the company it named
    after = snapshot()
    for table_name, rows in before.items():
        assert after[table_name] == rows, table_name


def test_preview_problems_are_translated(world, tmp_path):
    from desktop_crm import i18n

    table = formats.read_table(write(tmp_path / "contatti.csv",
                                     "Cognome;Nome;Cellulare\nRossi;Mario;12\n", "utf-8"))
    request = engine.ImportRequest("contacts", table, mapping.suggest_mapping("contacts", table.headers))
    for language, text in (("ru", "некорректный номер телефона"), ("it", "non è un numero di telefono")):
        i18n.set_language(language)
        (row,) = engine.preview(request)
        assert row.action == "reject" and text in row.problems[0], row.problems


def test_english_tab_separated_file_with_bom(world, tmp_path):
    text = ("\ufeffLast Name\tFirst Name\tMobile\tEmail\tBirthday\tJob Title\tNotes\n"
            "Smith\tJohn\t+44 7911 123456\tjohn@smith.example\t1980-05-17\tCEO\tmet at the fair\n"
            "Smith\tJohn\t\tJOHN@smith.example\t1980-05-17\t\tthe same person again\n"
            "Doe\tJane\t+44 7911 654321\tjane@doe.example\t1985-13-01\t\t\n")
    table = formats.read_table(write(tmp_path / "contacts.txt", text))
    assert (table.encoding, table.delimiter) == ("utf-8-sig", "\t")
    columns = mapping.suggest_mapping("contacts", table.headers)
    assert columns == {"Last Name": "last_name", "First Name": "first_name", "Mobile": "mobile_phone",
                       "Email": "private_email", "Birthday": "birth_date", "Job Title": "position",
                       "Notes": "comment"}
    report = engine.run_import(engine.ImportRequest("contacts", table, columns))
    assert (report.created, report.skipped) == (1, 1)
    assert [r.row for r in report.rejected] == [4]  # the 13th month
