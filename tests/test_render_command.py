"""``desktop-crm render`` end to end on a real SQLite file."""

from __future__ import annotations

import subprocess

import pytest

from desktop_crm.cli import main
from desktop_crm.models import Role, User
from desktop_crm.models.db import open_database
from desktop_crm.models.schema import migrate
from tests.documents_fixtures import RU_LINES, deal_with_lines, russian_buyer, russian_seller


@pytest.fixture
def deal_db(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    url = str(tmp_path / "crm.db")
    db = open_database(url)
    migrate(db)
    russian_seller()
    deal = deal_with_lines(russian_buyer(), RU_LINES)
    User.create(name="Анна Админ", login="anna", role=Role.ADMIN)  # the command works as her
    db.close()
    return url, str(deal.id)


def test_render_draft_then_issue(deal_db, tmp_path, capsys):
    url, deal_id = deal_db
    draft = tmp_path / "draft.docx"
    assert main(["render", "--db", url, "--deal", deal_id, "--kind", "invoice", "--format", "docx",
                 "-o", str(draft)]) == 0
    assert draft.read_bytes()[:2] == b"PK" and "draft" in capsys.readouterr().out
    issued = tmp_path / "issued.pdf"
    assert main(["render", "--db", url, "--deal", deal_id, "--kind", "invoice", "--format", "pdf",
                 "-o", str(issued), "--issue"]) == 0
    out = capsys.readouterr().out
    assert "invoice 1 (issued)" in out
    text = subprocess.run(["pdftotext", str(issued), "-"], capture_output=True, text=True, check=True).stdout
    assert "Счет на оплату № 1" in text
    again = tmp_path / "again.pdf"
    assert main(["render", "--db", url, "--deal", deal_id, "--kind", "invoice", "--format", "pdf",
                 "-o", str(again)]) == 0
    assert again.read_bytes() == issued.read_bytes()  # the stored, issued bytes
    assert main(["render", "--db", url, "--deal", deal_id, "--kind", "invoice", "--lang", "it",
                 "--format", "pdf", "-o", str(again)]) == 1
    assert "cannot be rendered in it" in capsys.readouterr().err


def test_render_quote_in_italian_from_a_draft(deal_db, tmp_path):
    url, deal_id = deal_db
    out = tmp_path / "q.pdf"
    assert main(["render", "--db", url, "--deal", deal_id, "--kind", "quote", "--lang", "it",
                 "--format", "pdf", "-o", str(out)]) == 0
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    # the Russian seller's layout, its labels in Italian (the fattura layout is an Italian seller's)
    assert "Offerta commerciale" in text and "Totale documento" in text
    assert "Per accettazione" not in text
    assert "Pag. 1 di 1" in text


def test_templates_command_lists_and_lints(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    assert main(["templates", "--lint"]) == 0
    out = capsys.readouterr().out
    assert "ru.invoice" in out and "No problems found." in out
    folder = tmp_path / "data" / "templates" / "documents"
    folder.mkdir(parents=True)
    (folder / "ru.invoice.html").write_text("<p>{{ doc.numbr }}</p>{% if x %}", encoding="utf-8")
    (folder / "it.note.html").write_text("<p>{{ seller.nmae }}</p>", encoding="utf-8")
    assert main(["templates", "--lint"]) == 1
    out = capsys.readouterr().out
    assert "broken tag" in out and "unknown field seller.nmae" in out and "2 problems found." in out


def test_render_works_as_a_user_and_its_rights_apply(deal_db, tmp_path, capsys):
    from desktop_crm.services.system import rights

    url, deal_id = deal_db
    rights.act_as(None)  # as in the real command: nobody signed in before it runs
    assert main(["render", "--db", url, "--deal", deal_id, "--kind", "quote", "--format", "pdf",
                 "-o", str(tmp_path / "q.pdf")]) == 0
    assert rights.current().name == "Анна Админ"
    assert main(["render", "--db", url, "--deal", deal_id, "--kind", "quote", "--format", "pdf",
                 "--user", "nobody", "-o", str(tmp_path / "x.pdf")]) == 1
    assert "No active user has the login nobody." in capsys.readouterr().err


def test_render_a_credit_note(tmp_path, monkeypatch, capsys):
    """``--kind credit_note``: refused (with what to do) until the deal has one; ``--issue`` issues
    the nota di credito of the deal's invoice (FatturaPA TD04, referring to it)."""
    from tests.documents_fixtures import IT_LINES, italian_buyer, italian_seller

    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    url = str(tmp_path / "it.db")
    db = open_database(url)
    migrate(db)
    italian_seller()
    deal = deal_with_lines(italian_buyer(), IT_LINES)
    User.create(name="Giulia Admin", login="giulia", role=Role.ADMIN)
    db.close()
    out = tmp_path / "nc.xml"
    args = ["render", "--db", url, "--deal", str(deal.id), "--kind", "credit_note", "--format", "xml",
            "-o", str(out)]
    assert main(args) == 1
    assert "no issued invoice to credit" in capsys.readouterr().err
    assert main(["render", "--db", url, "--deal", str(deal.id), "--kind", "invoice", "--format",
                 "pdf", "-o", str(tmp_path / "f.pdf"), "--issue"]) == 0
    invoice_number = capsys.readouterr().out.split()[1]
    assert main(args) == 1
    assert f"add --issue to issue one for its invoice {invoice_number}" in capsys.readouterr().err
    assert main([*args, "--issue"]) == 0
    assert "credit_note" in capsys.readouterr().out
    xml = out.read_text(encoding="utf-8")
    assert "<TipoDocumento>TD04</TipoDocumento>" in xml and invoice_number in xml
