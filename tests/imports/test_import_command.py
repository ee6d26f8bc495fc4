"""``desktop-crm import``: counts and rejected rows as text or JSON, dry run, undo, presets, and a
clear message (never a traceback) when the import cannot run."""

from __future__ import annotations

import json

import pytest

from desktop_crm import cli
from desktop_crm.models.db import open_database
from desktop_crm.services.data.imports import mapping
from tests.imports.conftest import write

CSV = ("Cognome;Nome;Cellulare;Email;Data di nascita\n"
       "Rossi;Mario;+39 347 123 4567;mario@rossi.example;17/05/1980\n"
       "Rossi;Mario;+39 347 000 0000;MARIO@rossi.example;17/05/1980\n"
       "Bianchi;Luca;12;luca@example.it;31/02/1990\n"
       "Verdi;Anna;+39 348 765 4321;anna@verdi.example;01/01/1975\n")


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def file(tmp_path):
    return str(write(tmp_path / "contatti.csv", CSV, "cp1252"))


def test_import_prints_counts_and_rejected_rows(tmp_path, capsys, file):
    db = str(tmp_path / "crm.db")
    code, out, err = run(capsys, "import", file, "--db", db, "--entity", "contacts")
    assert code == 0, err
    assert "Created: 2" in out and "Skipped (duplicates): 1" in out and "Rejected: 1" in out
    assert "  row 4: " in out
    assert "desktop-crm import --undo" in out


def test_json_dry_run_and_undo(tmp_path, capsys, file):
    db = str(tmp_path / "crm.db")
    code, out, _err = run(capsys, "import", file, "--db", db, "--entity", "contacts", "--dry-run",
                          "--json")
    assert code == 0
    dry = json.loads(out)
    assert (dry["created"], dry["merged"], dry["skipped"], dry["batch"]) == (2, 0, 1, None)
    assert dry["rejected"] == [{"row": 4, "reasons": ["Birth date: the day 31/02/1990 does not exist."]}]

    code, out, _err = run(capsys, "import", file, "--db", db, "--entity", "contacts", "--json",
                          "--on-duplicate", "merge")
    report = json.loads(out)
    assert set(report) >= {"created", "merged", "skipped", "rejected", "batch"}
    assert (report["created"], report["merged"], report["skipped"]) == (2, 1, 0)

    code, out, _err = run(capsys, "import", "--undo", report["batch"], "--db", db)
    assert code == 0 and "2 records removed" in out
    from desktop_crm.models import Contact

    database = open_database(db)
    try:
        assert Contact.select().count() == 0
    finally:
        database.close()
    code, _out, err = run(capsys, "import", "--undo", report["batch"], "--db", db)
    assert code == 1 and "already undone" in err


def test_a_saved_mapping_is_used_by_name(tmp_path, capsys):
    db = str(tmp_path / "crm.db")
    path = write(tmp_path / "strano.csv", "A;B;C\nRossi;Mario;+39 347 123 4567\n")
    code, _out, err = run(capsys, "import", str(path), "--db", db, "--entity", "contacts")
    assert code == 1 and "Choose the column for" in err  # nothing recognised in A, B, C
    database = open_database(db)
    try:
        from desktop_crm.models import User
        from desktop_crm.services.system import session

        session.sign_in_for_tool()
        admin = User.select().first()
        mapping.save_preset("contacts", admin.id, "strano",
                            {"A": "last_name", "B": "first_name", "C": "mobile_phone"})
    finally:
        database.close()
    code, out, err = run(capsys, "import", str(path), "--db", db, "--entity", "contacts",
                         "--map", "strano", "--json")
    assert code == 0, err
    assert json.loads(out)["rejected"] == [
        {"row": 2, "reasons": ["Fill in the required fields: birth date, private e-mail."]}]
    code, _out, err = run(capsys, "import", str(path), "--db", db, "--entity", "contacts",
                          "--map", "nessuno")
    assert code == 1 and "no saved mapping" in err


@pytest.mark.parametrize("argv, message", [
    (["--format", "bitrix24"], "does not look like a file of the format “Bitrix24"),
    (["--format", "xlsx"], "does not look like a file of the format"),
])
def test_an_import_that_cannot_run_says_why(tmp_path, capsys, file, argv, message):
    code, _out, err = run(capsys, "import", file, "--db", str(tmp_path / "crm.db"), "--entity",
                         "contacts", *argv)
    assert code == 1
    assert message in err and "Traceback" not in err


def test_bad_command_lines(tmp_path, capsys, file):
    db = str(tmp_path / "crm.db")
    assert run(capsys, "import", file, "--db", db)[0] == 2  # no --entity
    assert run(capsys, "import", "--db", db, "--entity", "contacts")[0] == 2  # no file
    code, _out, err = run(capsys, "import", str(tmp_path / "none.csv"), "--db", db, "--entity",
                          "contacts")
    assert code == 2 and "does not exist" in err
    code, _out, err = run(capsys, "import", "--undo", "not-an-id", "--db", db)
    assert code == 2 and "is not an id" in err
    code, _out, err = run(capsys, "import", "--undo", "0190f5e4-7d3a-7c41-9a52-3f0b2c8e6d10",
                          "--db", db)
    assert code == 1 and "There is no import" in err
    code, _out, err = run(capsys, "import", file, "--db", db, "--entity", "invoices")
    assert code == 2


def test_russian_messages(tmp_path, capsys, file):
    code, out, _err = run(capsys, "--lang", "ru", "import", file, "--db", str(tmp_path / "crm.db"),
                          "--entity", "contacts")
    assert code == 0
    assert "Создано: 2" in out and "строка 4" in out


@pytest.mark.postgres
def test_import_and_undo_on_postgresql(pg_url, capsys, file):
    code, out, err = run(capsys, "import", file, "--db", pg_url, "--entity", "contacts", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert (report["created"], report["skipped"], len(report["rejected"])) == (2, 1, 1)
    code, out, err = run(capsys, "import", "--undo", report["batch"], "--db", pg_url, "--json")
    assert code == 0, err
    assert json.loads(out)["removed"] == 2
