"""An invoice's due date comes from its payment terms («within 10 days»), else the usual term of
the seller's country, counted from the day it is issued — not the day the draft was saved; a date
the user sets stays as set."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QDate, Qt

from desktop_crm.app import install_language
from desktop_crm.models import Invoice
from desktop_crm.services.billing import documents, due, invoices
from desktop_crm.views.documents.editor import DocumentEditor
from tests.factories import RU_LINES, make_company, make_deal_with_lines, make_own_company


@pytest.fixture
def draft(context):
    make_own_company("RU")
    deal = make_deal_with_lines(make_company(), RU_LINES)
    return invoices.create_from_deal(deal.id)


@pytest.mark.parametrize(("terms", "days"), [
    ("within 30 days", 30), ("Оплата в течение 5 банковских дней", 5), ("pagamento a 60 giorni", 60),
    ("Bonifico 30 gg d.f.f.m.", 30), ("10 рабочих дней", 10), ("100% предоплата", None), ("", None),
])
def test_days_read_from_the_terms(terms, days):
    assert due.days_in_terms(terms) == days


def test_issued_later_the_draft_is_due_from_the_issue_date(context, draft):
    today = dt.date.today()
    invoices.save_draft(draft.id, {"terms": [{"key": "payment", "text": "within 10 days"}]}, None)
    assert Invoice.get_by_id(draft.id).due_date is None
    later = today + dt.timedelta(days=7)
    issued = invoices.issue(draft.id, on=later)
    assert issued.due_date == later + dt.timedelta(days=10)


def test_without_days_in_the_terms_the_usual_term(context, draft):
    today = dt.date.today()
    issued = invoices.issue(draft.id, on=today)
    assert issued.due_date == today + dt.timedelta(days=documents.invoice_due_days("RU"))


def _editor(context, qtbot, draft) -> DocumentEditor:
    editor = DocumentEditor(context, "invoice", draft.id)
    qtbot.addWidget(editor)
    editor.show()
    return editor


def test_the_editor_shows_the_due_date_of_the_terms_and_issuing_keeps_it(context, qtbot, draft):
    editor = _editor(context, qtbot, draft)
    today = dt.date.today()  # read beside the editor, not at import: a suite may cross midnight
    usual = documents.invoice_due_days("RU")
    assert editor.date_edit.date() == QDate(today + dt.timedelta(days=usual))
    assert editor.due_hint.text() == f"counted from the issue date: {usual} days, the usual term"
    qtbot.keyClicks(editor.payment_terms, "within 10 days")
    assert editor.date_edit.date() == QDate(today + dt.timedelta(days=10))
    assert editor.due_hint.text() == "counted from the issue date: 10 days from the payment terms"
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert Invoice.get_by_id(draft.id).due_date is None  # dated when issued
    qtbot.mouseClick(editor.finalize_button, Qt.MouseButton.LeftButton)
    assert Invoice.get_by_id(draft.id).due_date == today + dt.timedelta(days=10)
    editor.close()


def test_a_date_set_by_the_user_stays(context, qtbot, draft):
    editor = _editor(context, qtbot, draft)
    editor.date_edit.setFocus()
    editor.date_edit.setDate(QDate(2030, 1, 31))  # as the calendar popup sets it
    assert editor.due_hint.text() == "as set"
    qtbot.keyClicks(editor.payment_terms, "within 10 days")
    assert editor.date_edit.date() == QDate(2030, 1, 31)
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    assert Invoice.get_by_id(draft.id).due_date == dt.date(2030, 1, 31)
    editor.close()


def test_the_due_date_hint_in_italian(context, qtbot, qapp, draft):
    install_language(qapp, "it")
    try:
        editor = _editor(context, qtbot, draft)
        editor.payment_terms.setText("pagamento a 60 giorni")
        assert editor.due_hint.text() == "dalla data di emissione: 60 giorni dai termini di pagamento"
        editor.close()
    finally:
        install_language(qapp, "en")
