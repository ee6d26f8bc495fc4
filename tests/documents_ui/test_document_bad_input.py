"""The document editor's lines with numbers no line can hold: the live totals say so instead of
crashing, and saving refuses with the services' message naming the line (nothing saved)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop_crm.ids import DealId
from desktop_crm.models import InvoiceLine as DocumentLine
from tests.documents_ui.test_document_views import context, deal  # noqa: F401 - the fixtures


def open_editor(context, deal):  # noqa: F811
    from desktop_crm.views.documents.editor import DocumentEditor
    from desktop_crm.views.documents.panel import DealDocumentsPanel

    panel = DealDocumentsPanel(context, DealId(deal.id), "invoice")
    panel.create_button.click()
    editors = [w for w in QApplication.topLevelWidgets() if isinstance(w, DocumentEditor) and w.isVisible()]
    assert len(editors) == 1
    return panel, editors[0]


@pytest.mark.parametrize("typed", ["NaN", "Infinity", "1e30", "1e17", "abc"])
def test_a_price_no_line_can_hold_is_refused_with_the_line_named(context, deal, qtbot, typed):  # noqa: F811
    panel, editor = open_editor(context, deal)
    qtbot.addWidget(panel)
    before = [(line.name, line.price) for line in DocumentLine.select()]
    editor.table.item(0, 3).setText(typed)  # the price cell
    assert "some amounts are not numbers" in editor.totals.text()
    shown: list[str] = []

    def read_and_close() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            shown.append(box.text())
            box.accept()

    QTimer.singleShot(0, read_and_close)
    assert not editor.save()
    assert shown and shown[0].startswith("Line 1:")
    assert [(line.name, line.price) for line in DocumentLine.select()] == before
    editor.close()


def test_a_good_price_after_a_bad_one_saves(context, deal, qtbot):  # noqa: F811
    panel, editor = open_editor(context, deal)
    qtbot.addWidget(panel)
    editor.table.item(0, 3).setText("NaN")
    editor.table.item(0, 3).setText("100")
    assert "not numbers" not in editor.totals.text()
    assert editor.save()
    assert Decimal("100.00") in {line.price for line in DocumentLine.select()}
    editor.close()
