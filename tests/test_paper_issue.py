"""Issuing papers of the kinds declared as data: акт and УПД from an issued invoice (Russian), a DDT
(Italian); numbers continue per kind's series; an issued paper renders its stored bytes; a paper
missing its kind's fields is refused (translated) before a number is taken."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from desktop_crm.errors import ValidationError
from desktop_crm.i18n import set_language
from desktop_crm.models import DocumentFile, IssuedPaper, NumberSequence, OwnCompany
from desktop_crm.models.db import open_database
from desktop_crm.models.schema import migrate
from desktop_crm.services.billing import invoices, paper_issue
from desktop_crm.services.system import session
from tests.documents_fixtures import (
    IT_LINES,
    RU_LINES,
    deal_with_lines,
    italian_buyer,
    italian_seller,
    russian_buyer,
    russian_seller,
)
from tests.test_document_kinds import _render


def _open(tmp_path, monkeypatch, name: str):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    db = open_database(str(tmp_path / f"{name}.db"))
    migrate(db)
    session.sign_in_for_tool()
    return db


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "x.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def test_act_and_upd_from_an_issued_invoice_number_and_freeze(tmp_path, monkeypatch):
    db = _open(tmp_path, monkeypatch, "ru")
    russian_seller()
    deal = deal_with_lines(russian_buyer(), RU_LINES)
    invoice = invoices.issue(invoices.create_from_deal(deal.id).id)
    on = dt.date(2026, 3, 5)
    act = paper_issue.issue_paper(deal.id, "act", language="ru", on=on)
    assert act.number == "А-2026-0001" and act.source_kind == "invoice"
    second = paper_issue.issue_paper(deal.id, "act", language="ru", on=on)
    assert second.number == "А-2026-0002"  # the series continues
    upd = paper_issue.issue_paper(deal.id, "upd", language="ru", on=on)
    assert upd.number == "1"  # its own series
    stored = paper_issue.render_issued(act.id, "pdf")
    assert stored.stored
    text = _pdf_text(stored.content, tmp_path)
    assert "А-2026-0001" in text and "Заказчик претензий" in text
    assert invoice.number in text
    # an issued paper never changes: the stored bytes come back, whatever changes later
    OwnCompany.update(short_name="Renamed", legal_name="Renamed").execute()
    assert paper_issue.render_issued(act.id, "pdf").content == stored.content
    assert paper_issue.render_issued(upd.id, "docx").content.startswith(b"PK")
    assert [p.number for p in paper_issue.issued_papers(deal.id)][::-1] == [
        "А-2026-0001", "А-2026-0002", "1"]
    assert IssuedPaper.get_by_id(act.id).frozen["doc"]["number"] == "А-2026-0001"
    assert DocumentFile.select().where(DocumentFile.document_id == act.id).count() == 2
    db.close()


def test_ddt_in_italian_and_refusal_before_numbering(tmp_path, monkeypatch):
    db = _open(tmp_path, monkeypatch, "it")
    italian_seller()
    deal = deal_with_lines(italian_buyer(), IT_LINES)
    ddt = paper_issue.issue_paper(deal.id, "ddt", language="it", on=dt.date(2026, 4, 1))
    text = _pdf_text(paper_issue.render_issued(ddt.id, "pdf").content, tmp_path)
    assert "Documento di trasporto (DDT)" in text and ddt.number in text
    counters = NumberSequence.select().count()
    set_language("it")
    with pytest.raises(ValidationError) as refused:
        paper_issue.issue_paper(deal.id, "act")  # a Russian paper: refused, nothing numbered
    assert "IT" in str(refused.value)
    assert NumberSequence.select().count() == counters
    assert IssuedPaper.select().count() == 1
    db.close()


def test_missing_fields_refused_before_numbering_translated(tmp_path, monkeypatch):
    db = _open(tmp_path, monkeypatch, "ru2")
    russian_seller()
    deal = deal_with_lines(russian_buyer(), RU_LINES)
    OwnCompany.update(inn="").execute()
    set_language("ru")
    with pytest.raises(ValidationError) as refused:
        paper_issue.issue_paper(deal.id, "act")
    set_language("en")
    assert "seller.ids.inn" in str(refused.value) and "act" not in str(refused.value).split()[0]
    assert IssuedPaper.select().count() == 0
    assert NumberSequence.select().where(NumberSequence.document_type == "paper").count() == 0
    db.close()


def test_render_issue_command_issues_a_paper(tmp_path, monkeypatch, capsys):
    db = _open(tmp_path, monkeypatch, "cli")
    russian_seller()
    deal = deal_with_lines(russian_buyer(), RU_LINES)
    url = str(tmp_path / "cli.db")
    db.close()
    out = tmp_path / "act.pdf"
    assert _render(url, str(deal.id), "act", out, "--issue") == 0
    assert "-0001" in capsys.readouterr().out
    assert _render(url, str(deal.id), "act", tmp_path / "act2.pdf", "--issue") == 0
    assert "-0002" in capsys.readouterr().out


def test_numbers_continue_per_kind_and_year_on_both_engines(any_db, monkeypatch, tmp_path):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    russian_seller()
    deal = deal_with_lines(russian_buyer(), RU_LINES)
    numbers = [paper_issue.issue_paper(deal.id, "act", source="deal", on=dt.date(2026, 5, 1)).number
               for _ in range(2)]
    numbers.append(paper_issue.issue_paper(deal.id, "act", source="deal", on=dt.date(2027, 1, 9)).number)
    numbers.append(paper_issue.issue_paper(deal.id, "upd", source="deal", on=dt.date(2027, 1, 9)).number)
    assert numbers == ["А-2026-0001", "А-2026-0002", "А-2027-0001", "1"]
    first = paper_issue.issued_papers(deal.id)[-1]
    assert paper_issue.render_issued(first.id, "docx").stored
