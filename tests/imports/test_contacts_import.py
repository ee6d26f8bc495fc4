"""Importing contacts: the card's rules on every row, duplicates (skip, merge either way, create)
against the database and within the file, references, rights, dry run, cancel, failure, undo."""

from __future__ import annotations

import csv

import pytest

from desktop_crm.errors import PermissionDenied
from desktop_crm.models import Company, Contact, ImportBatch, ImportBatchItem
from desktop_crm.services.data.imports import engine, runner
from desktop_crm.services.data.imports.engine import ImportRequest, OnDuplicate, Winner
from desktop_crm.services.data.imports.formats import Table
from desktop_crm.services.sales import contacts
from desktop_crm.services.system import rights
from tests.factories import make_company
from tests.imports.conftest import snapshot

HEADERS = ["Фамилия", "Имя", "Телефон", "E-mail", "Дата рождения", "Компания", "Ответственный",
           "Комментарий"]
MAPPING = {"Фамилия": "last_name", "Имя": "first_name", "Телефон": "mobile_phone",
           "E-mail": "private_email", "Дата рождения": "birth_date", "Компания": "company",
           "Ответственный": "responsible", "Комментарий": "comment"}


def request_for(rows, **options):
    return ImportRequest("contacts", Table(HEADERS, rows, "csv"), MAPPING, **options)


def existing_contact(world):
    return contacts.create_contact(
        {"last_name": "Петрова", "first_name": "Анна", "mobile_phone": "+7 903 123-45-67",
         "private_email": "anna@mail.example", "comment": "из базы"}, world.manager.id)


def test_rows_meet_the_cards_rules(world):
    rows = [
        ["Иванов", "Иван", "+7 916 111-11-11", "ivan@mail.example", "17.05.1980", "", "", ""],
        ["Сидоров", "", "", "", "", "", "", ""],  # no phone nor e-mail (the "light" preset)
        ["Кузнецов", "Павел", "12", "", "", "", "", ""],  # not a phone number
        ["Орлов", "Олег", "+7 916 222-22-22", "не почта", "", "", "", ""],
        ["Зайцев", "Юрий", "+7 916 333-33-33", "", "31.02.1990", "", "", ""],
        ["Волков", "Яков", "+7 916 444-44-44", "petr@shop.example", "", "", "", ""],  # a user's e-mail
        ["Белов", "Иван", "+7 916 555-55-55", "", "", "ООО «Нет такой»", "", ""],
        ["Лебедев", "Иван", "+7 916 666-66-66", "", "", "", "Никто Никакой", ""],
        ["Гусев", "Иван", "+7 916 777-77-77", "", "", "", "", "", "лишнее"],  # an extra cell
        ["Уткин"],  # a short row: its missing cells are empty
    ]
    report = engine.run_import(request_for(rows))
    assert report.created == 1
    reasons = {r.row: r.reasons[0] for r in report.rejected}
    assert reasons == {
        3: "Fill in the required fields: mobile phone.",
        4: "“12” is not a valid phone number.",
        5: "“не почта” is not a valid e-mail address.",
        6: "Birth date: the day 31.02.1990 does not exist.",
        7: "petr@shop.example is the address of Пётр Менеджер, a user of this CRM; a client contact "
           "needs the client's own address.",
        8: "There is no company “ООО «Нет такой»”: create it first or let the import create missing ones.",
        9: "There is no user “Никто Никакой” (give a user's name or e-mail).",
        10: "The row has 1 cell more than the header has columns (a separator inside a value?).",
        11: "Fill in the required fields: mobile phone.",
    }
    assert Contact.alive().count() == 1


def test_references_resolved_and_created_on_request(world):
    make_company("ООО «Ромашка»", inn="7707083893")
    rows = [
        ["Иванов", "Иван", "+7 916 111-11-11", "", "", "7707083893", "petr@shop.example", ""],
        ["Петров", "Пётр", "+7 916 222-22-22", "", "", "ооо «ромашка»", "Пётр Менеджер", ""],
        ["Смирнов", "Олег", "+7 916 333-33-33", "", "", "ООО «Новая»", "", ""],
        ["Смирнова", "Ольга", "+7 916 444-44-44", "", "", "ООО «Новая»", "", ""],
    ]
    report = engine.run_import(request_for(rows, create_missing=True))
    assert (report.created, report.rejected) == (4, [])
    by_name = {c.last_name: c for c in Contact.alive()}
    romashka = Company.get(Company.short_name == "ООО «Ромашка»")
    assert by_name["Иванов"].company_id == by_name["Петров"].company_id == romashka.id
    assert by_name["Иванов"].responsible_id == world.manager.id
    assert by_name["Смирнов"].company_id == by_name["Смирнова"].company_id != romashka.id
    assert Company.alive().count() == 2  # one company created for both rows
    # without a responsible column the importing user (the first user: the tests' actor has none)
    assert by_name["Смирнов"].responsible_id is not None


@pytest.mark.parametrize("choice, created, merged, skipped", [
    (OnDuplicate.SKIP, 1, 0, 2), (OnDuplicate.MERGE, 1, 2, 0), (OnDuplicate.CREATE, 3, 0, 0)])
def test_duplicates_in_the_database_and_in_the_file(world, choice, created, merged, skipped):
    existing = existing_contact(world)
    rows = [
        # the existing contact: same name and e-mail (two identifying fields), other word order
        ["Анна", "Петрова", "", "ANNA@mail.example", "01.02.1985", "", "", "из файла"],
        ["Орлов", "Олег", "+7 916 222-22-22", "oleg@mail.example", "", "", "", ""],
        ["Орлов", "Олег", "8 916 222 22 22", "", "", "", "", "второй раз"],  # row 3 again
    ]
    report = engine.run_import(request_for(rows, on_duplicate=choice))
    assert (report.created, report.merged, report.skipped) == (created, merged, skipped)
    if choice == OnDuplicate.SKIP:
        assert report.skipped_rows == [(2, "Петрова Анна"), (4, "row 3 of this file")]
    if choice == OnDuplicate.MERGE:
        merged_contact = contacts.find_contact(existing.id)
        assert merged_contact.birth_date.isoformat() == "1985-02-01"  # a gap filled
        assert merged_contact.comment == "из файла"  # the file wins
        orlov = Contact.get(Contact.last_name == "Орлов")
        assert orlov.comment == "второй раз"


def test_merge_where_the_database_wins_and_its_undo(world):
    existing = existing_contact(world)
    before = snapshot()
    rows = [["Петрова", "Анна", "+7 903 123-45-67", "", "01.02.1985", "", "", "из файла"]]
    report = engine.run_import(request_for(rows, on_duplicate=OnDuplicate.MERGE,
                                           winner=Winner.DATABASE))
    assert report.merged == 1
    merged = contacts.find_contact(existing.id)
    assert (merged.comment, merged.birth_date.isoformat()) == ("из базы", "1985-02-01")
    undone = engine.undo_import(report.batch_id)
    assert (undone.removed, undone.restored) == (0, 1)
    assert snapshot() == before


def test_undo_is_refused_when_a_merged_record_changed_since(world):
    existing = existing_contact(world)
    rows = [["Петрова", "Анна", "+7 903 123-45-67", "", "01.02.1985", "", "", ""]]
    report = engine.run_import(request_for(rows, on_duplicate=OnDuplicate.MERGE))
    contacts.update_contact(existing.id, {"comment": "поменяли потом"}, world.manager.id)
    with pytest.raises(Exception, match="changed afterwards"):
        engine.undo_import(report.batch_id)
    assert contacts.find_contact(existing.id).comment == "поменяли потом"


def test_dry_run_and_cancel_write_nothing(world):
    before = snapshot()
    rows = [["Иванов", "Иван", f"+7 916 111-11-{n:02}", "", "", "", "", ""] for n in range(10)]
    dry = engine.run_import(request_for(rows, dry_run=True))
    assert (dry.created, dry.batch_id, dry.dry_run) == (10, None, True)
    assert snapshot() == before
    assert ImportBatch.select().count() == 0

    seen = []
    cancelled = engine.run_import(request_for(rows), progress=lambda done, total: seen.append((done, total)),
                                  cancel=lambda: len(seen) >= 1)
    assert cancelled.cancelled and cancelled.batch_id is None
    assert snapshot() == before
    assert ImportBatch.select().count() == ImportBatchItem.select().count() == 0


def test_a_failure_midway_leaves_nothing(world, monkeypatch):
    monkeypatch.setattr(runner, "CHUNK_ROWS", 3)
    before = snapshot()
    rows = [["Иванов", f"Иван{n}", f"+7 916 111-11-{n:02}", "", "", "ООО «Новая»", "", ""]
            for n in range(10)]
    calls = []

    def progress(done, total):
        calls.append(done)
        if done >= 6:  # two chunks are written by now
            raise RuntimeError("the disk is full")

    with pytest.raises(RuntimeError):
        engine.run_import(request_for(rows, create_missing=True), progress=progress)
    assert calls == [3, 6]
    assert snapshot() == before
    assert ImportBatch.select().count() == 0


def test_an_interrupted_batch_is_taken_back_later(world, monkeypatch):
    import datetime as dt

    from desktop_crm.services.data.imports import batches

    before = snapshot()
    monkeypatch.setattr(batches, "discard", lambda batch_id: None)  # the process "dies"
    rows = [["Иванов", "Иван", "+7 916 111-11-11", "", "", "", "", ""]]
    with pytest.raises(KeyboardInterrupt):
        engine.run_import(request_for(rows), progress=lambda d, t: (_ for _ in ()).throw(KeyboardInterrupt))
    monkeypatch.undo()
    assert Contact.alive().count() == 1
    assert batches.recover_unfinished() == 0  # too recent: maybe still running elsewhere
    assert batches.recover_unfinished(now=batches.utcnow() + dt.timedelta(hours=1)) == 1
    assert snapshot() == before


def test_rejected_rows_file(world, tmp_path):
    rows = [["Иванов", "Иван", "12", "", "", "", "", ""],
            ["Петров", "Пётр", "+7 916 222-22-22", "", "", "", "", ""]]
    report = engine.run_import(request_for(rows))
    path = tmp_path / "rejected.csv"
    engine.write_rejected(report, path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        written = list(csv.reader(handle, delimiter=";"))
    assert written == [["Row", *HEADERS, "Reason"],
                       ["2", "Иванов", "Иван", "12", "", "", "", "", "", "“12” is not a valid phone number."]]


def test_import_is_a_right_and_rows_follow_the_scope(world):
    from desktop_crm.services.system import session

    session.sign_in(world.head.id)  # a head of sales may import; its scope is its team
    rows = [["Иванов", "Иван", "+7 916 111-11-11", "", "", "", "Giulia Rossi", ""],
            ["Петров", "Пётр", "+7 916 222-22-22", "", "", "", "admin@shop.example", ""]]
    report = engine.run_import(request_for(rows))
    assert report.created == 1
    assert Contact.get(Contact.last_name == "Иванов").responsible_id == world.other_manager.id
    assert [(r.row, r.reasons) for r in report.rejected] == [
        (3, ("You may only make someone within your scope responsible.",))]
    session.sign_in(world.manager.id)  # a manager may not import
    with pytest.raises(PermissionDenied, match="import"):
        engine.run_import(request_for([]))
    with pytest.raises(PermissionDenied, match="import"):
        engine.undo_import(report.batch_id)
    with pytest.raises(PermissionDenied, match="import"):
        engine.preview(request_for(rows))
    assert rights.current().user_id == world.manager.id
