"""Settings › Numbering: the series of an own company, their format and next number, previewed as
typed, saved, and used by the next document; a series whose numbers were taken stays gapless."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from desktop_crm.app import install_language
from desktop_crm.models import DocumentType, database
from desktop_crm.services.billing import numbering
from desktop_crm.views.settings import SettingsView
from tests.factories import make_own_company


@pytest.fixture
def page(context, qtbot):
    own = make_own_company("RU")
    view = SettingsView(context)
    qtbot.addWidget(view, before_close_func=lambda w: [p.set_clean() for p in w.pages.values()])
    view.show()
    page = view.select("numbering")
    page.own = own
    page.settings_view = view  # keeps the view (and the page in it) alive
    return page


def _row_texts(page) -> list[list[str]]:
    model = page.model
    return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]


def _retype(qtbot, editor, text: str) -> None:
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    qtbot.keyClicks(editor, text)


def test_format_and_next_number_previewed_saved_and_used(qtbot, page):
    year = dt.date.today().year
    assert _row_texts(page) == [["Quotes", "main", "КП-{year}-{seq:04d}", f"КП-{year}-0001"],
                                ["Invoices", "main", "{seq}", "1"]]
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton,
                     pos=page.table.visualRect(page.model.index(1, 0)).center())
    assert page.editors["pattern"].text() == "{seq}"
    _retype(qtbot, page.editors["pattern"], "INV-{year}-{seq:04d}")
    spin = page.editors["next_value"]
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "150")
    assert page.preview.text() == f"INV-{year}-0150"
    assert page.save_button.isEnabled()
    qtbot.keyClick(page, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert not page.dirty
    assert _row_texts(page)[1] == ["Invoices", "main", "INV-{year}-{seq:04d}", f"INV-{year}-0150"]
    with database.atomic():
        assert numbering.take_number(page.own, DocumentType.INVOICE, dt.date.today()) == (
            150, f"INV-{year}-0150")


def test_a_bad_format_is_shown_and_refused(qtbot, page):
    _retype(qtbot, page.editors["pattern"], "KP-{year}")
    assert page.error_labels["pattern"].isVisibleTo(page)
    assert "{seq}" in page.error_labels["pattern"].text()
    assert page.preview.text() == "—"
    assert not page.save()
    _retype(qtbot, page.editors["pattern"], "KP-{yaer}-{seq}")
    assert "not valid" in page.error_labels["pattern"].text()


def test_a_new_series_and_a_used_one_stays_gapless(qtbot, page):
    year = dt.date.today().year
    qtbot.mouseClick(page.findChild(QPushButton, "numbering_new"), Qt.MouseButton.LeftButton)
    kind = page.editors["kind"]
    kind.setCurrentIndex(kind.findData("invoice"))
    qtbot.keyClicks(page.editors["series"], "B")
    _retype(qtbot, page.editors["pattern"], "{seq}-{series}")
    assert page.preview.text() == "1-B"
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert ["Invoices", "B", "{seq}-{series}", "1-B"] in _row_texts(page)
    # a number of the series is taken (an invoice issued): the next number can no longer change
    from desktop_crm.models import Invoice, InvoiceStatus

    with database.atomic():
        seq, number = numbering.take_number(page.own, DocumentType.INVOICE, dt.date.today(), "B")
    Invoice.create(own_company=page.own, number=number, year=year, series="B", sequence_number=seq,
                   status=InvoiceStatus.ISSUED, issue_date=dt.date.today())
    page.reload_series(("invoice", "B"))
    assert page.editors["pattern"].text() == "{seq}-{series}"
    assert not page.editors["next_value"].isEnabled()
    assert page.preview.text() == "2-B"


def test_the_page_in_italian(context, qtbot, qapp):
    year = dt.date.today().year
    make_own_company("IT")
    install_language(qapp, "it")
    try:
        view = SettingsView(context)
        qtbot.addWidget(view)
        page = view.select("numbering")
        assert view.tabs.tabText(view.tabs.indexOf(page)) == "Numerazione"
        assert _row_texts(page)[1] == ["Fatture", "principale", "{year}/{seq:04d}", f"{year}/0001"]
    finally:
        install_language(qapp, "en")


def test_a_company_added_meanwhile_is_offered_when_the_tab_shows(context, qtbot, page):
    view = page.settings_view
    view.select("rules")
    make_own_company("IT", short_name="Rossi S.r.l.", is_default=False)
    view.select("numbering")
    names = [page.company.itemText(i) for i in range(page.company.count())]
    assert "Rossi S.r.l." in names
