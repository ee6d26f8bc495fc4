"""Papers of the kinds declared as data, reached from the deal card's Invoices tab in both UI
languages: choose the kind, preview it, save it as PDF and DOCX (real widgets offscreen)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import docx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop_crm import i18n
from desktop_crm.ids import DealId
from tests.documents_fixtures import (
    IT_LINES,
    RU_LINES,
    deal_with_lines,
    italian_buyer,
    italian_seller,
    russian_buyer,
    russian_seller,
)
from tests.documents_ui.test_document_views import context  # noqa: F401 - the fixture


@pytest.fixture(autouse=True)
def _english_again():
    yield
    i18n.set_language("en")


def _preview(panel, code: str):
    from desktop_crm.views.documents.preview import PdfPreview

    panel.paper_kind.setCurrentIndex(panel.paper_kind.findData(code))
    panel.paper_button.click()
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, PdfPreview) and w.isVisible()]
    assert len(dialogs) == 1
    return dialogs[0]


def _pdf_text(path: Path) -> str:
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


def test_russian_papers_from_the_invoices_tab(context, qtbot, tmp_path):  # noqa: F811
    from desktop_crm.views.documents.panel import DealDocumentsPanel

    i18n.set_language("ru")
    russian_seller()
    deal = deal_with_lines(russian_buyer(), RU_LINES)
    panel = DealDocumentsPanel(context, DealId(deal.id), "invoice")
    qtbot.addWidget(panel)
    titles = [panel.paper_kind.itemText(i) for i in range(panel.paper_kind.count())]
    assert "Универсальный передаточный документ" in titles
    assert "Акт выполненных работ (оказанных услуг)" in titles
    assert all("DDT" not in title for title in titles)  # an Italian paper is not offered to a Russian seller
    for code, heading in (("act", "Акт выполненных работ"), ("upd", "Универсальный передаточный документ"),
                          ("contract", "Договор")):
        dialog = _preview(panel, code)
        assert dialog.page_count >= 1
        pdf = dialog.save_as("pdf", str(tmp_path / f"{code}.pdf"))
        assert heading in _pdf_text(pdf)
        saved = dialog.save_as("docx", str(tmp_path / f"{code}.docx"))
        assert heading in "\n".join(p.text for p in docx.Document(str(saved)).paragraphs) + "".join(
            c.text for t in docx.Document(str(saved)).tables for r in t.rows for c in r.cells)
        dialog.close()


def test_italian_ddt_from_the_invoices_tab(context, qtbot, tmp_path):  # noqa: F811
    from desktop_crm.views.documents.panel import DealDocumentsPanel

    i18n.set_language("it")
    italian_seller()
    deal = deal_with_lines(italian_buyer(), IT_LINES)
    panel = DealDocumentsPanel(context, DealId(deal.id), "invoice")
    qtbot.addWidget(panel)
    titles = [panel.paper_kind.itemText(i) for i in range(panel.paper_kind.count())]
    assert titles == ["Contratto", "Documento di trasporto (DDT)"]
    dialog = _preview(panel, "ddt")
    pdf = dialog.save_as("pdf", str(tmp_path / "ddt.pdf"))
    text = _pdf_text(pdf)
    assert "Documento di trasporto (DDT)" in text and "Licenza software annuale" in text
    dialog.close()


def test_issue_papers_from_the_invoices_tab(context, qtbot, tmp_path):  # noqa: F811
    """Issue an акт and a УПД (Russian UI), then a DDT (Italian UI): numbered, listed, and opened
    from their stored files."""
    from desktop_crm.services.billing import invoices
    from desktop_crm.views.documents.panel import DealDocumentsPanel
    from desktop_crm.views.documents.preview import PdfPreview

    i18n.set_language("ru")
    russian_seller()
    deal = deal_with_lines(russian_buyer(), RU_LINES)
    invoices.issue(invoices.create_from_deal(deal.id).id)
    panel = DealDocumentsPanel(context, DealId(deal.id), "invoice")
    qtbot.addWidget(panel)
    assert panel.paper_issue_button.text() == "Выставить документ"
    assert not panel.issued_open_button.isEnabled()
    for code in ("act", "upd"):
        panel.paper_kind.setCurrentIndex(panel.paper_kind.findData(code))
        qtbot.mouseClick(panel.paper_issue_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: bool(panel.paper_preview.isVisible()), timeout=10000)
        panel.paper_preview.close()
    items = [panel.issued_papers.itemText(i) for i in range(panel.issued_papers.count())]
    assert len(items) == 2 and any("Акт" in t and "-0001" in t for t in items), items
    panel.issued_papers.setCurrentIndex(panel.issued_papers.findText(
        next(t for t in items if "Акт" in t)))
    qtbot.mouseClick(panel.issued_open_button, Qt.MouseButton.LeftButton)
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, PdfPreview) and w.isVisible()]
    assert len(dialogs) == 1
    text = _pdf_text(dialogs[0].save_as("pdf", str(tmp_path / "act.pdf")))
    assert "Акт выполненных работ" in text and "-0001" in text
    dialogs[0].close()


def test_issue_an_italian_ddt_from_the_invoices_tab(context, qtbot, tmp_path):  # noqa: F811
    from desktop_crm.views.documents.panel import DealDocumentsPanel

    i18n.set_language("it")
    italian_seller()
    deal = deal_with_lines(italian_buyer(), IT_LINES)
    panel = DealDocumentsPanel(context, DealId(deal.id), "invoice")
    qtbot.addWidget(panel)
    assert panel.paper_issue_button.text() == "Emetti documento"
    panel.paper_kind.setCurrentIndex(panel.paper_kind.findData("ddt"))
    qtbot.mouseClick(panel.paper_issue_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.issued_papers.count() == 1, timeout=10000)
    assert "Documento di trasporto (DDT) n. " in panel.issued_papers.itemText(0)
    panel.paper_preview.close()


def _cancel_through_the_dialog(panel, qtbot, reason: str, typed: bool):
    from desktop_crm.views.documents.paper_cancel import CancelPaperDialog

    assert panel.issued_cancel_button.isEnabled()
    qtbot.mouseClick(panel.issued_cancel_button, Qt.MouseButton.LeftButton)
    dialog = panel.cancel_dialog
    assert isinstance(dialog, CancelPaperDialog) and dialog.isVisible()
    assert not dialog.ok_button.isEnabled()  # no reason, no cancelling
    if typed:
        qtbot.keyClicks(dialog.reason, reason)
    else:
        dialog.reason.insert(reason)  # Cyrillic: keyClicks cannot type it
    assert dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()


def test_cancel_an_issued_act_from_the_invoices_tab(context, qtbot, tmp_path):  # noqa: F811
    """Russian UI: an issued акт is cancelled with a reason; it stays listed marked cancelled, its
    stored file opens unchanged (the window says it is cancelled), the next акт takes the next
    number; a user whose role may not issue documents does not get the action enabled."""
    from desktop_crm.models.enums import Action, Scope
    from desktop_crm.services.billing import paper_issue
    from desktop_crm.services.system import rights
    from desktop_crm.views.documents.panel import DealDocumentsPanel
    from desktop_crm.views.documents.preview import PdfPreview

    i18n.set_language("ru")
    russian_seller()
    deal = deal_with_lines(russian_buyer(), RU_LINES)
    act = paper_issue.issue_paper(deal.id, "act", source="deal", language="ru")
    stored = paper_issue.render_issued(act.id, "pdf").content
    panel = DealDocumentsPanel(context, DealId(deal.id), "invoice")
    qtbot.addWidget(panel)
    assert panel.issued_cancel_button.text() == "Аннулировать документ…"
    _cancel_through_the_dialog(panel, qtbot, "Ошибка в сумме", typed=False)
    assert panel.issued_papers.itemText(0).endswith("— аннулирован: Ошибка в сумме")
    assert not panel.issued_cancel_button.isEnabled()  # cancelled once
    qtbot.mouseClick(panel.issued_open_button, Qt.MouseButton.LeftButton)
    (dialog,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, PdfPreview) and w.isVisible()]
    assert "АННУЛИРОВАН: Ошибка в сумме" in dialog.windowTitle()
    assert dialog.save_as("pdf", str(tmp_path / "act.pdf")).read_bytes() == stored
    dialog.close()
    second = paper_issue.issue_paper(deal.id, "act", source="deal", language="ru")
    assert second.number != act.number and second.number.endswith("0002")
    panel.reload()
    assert not panel.issued_cancel_button.isEnabled()  # still showing the cancelled one
    panel.issued_papers.setCurrentIndex(panel.issued_papers.findData(second.id))
    assert panel.issued_cancel_button.isEnabled()  # the new one may be cancelled
    viewer = rights.Actor(None, "viewer", frozenset({Action.VIEW}), Scope.ALL)
    with rights.acting(viewer):
        panel.reload()
        assert panel.issued_papers.count() == 2
        assert not panel.issued_cancel_button.isEnabled()


def test_cancel_an_issued_ddt_in_italian(context, qtbot):  # noqa: F811
    from desktop_crm.services.billing import paper_issue
    from desktop_crm.views.documents.panel import DealDocumentsPanel

    i18n.set_language("it")
    italian_seller()
    deal = deal_with_lines(italian_buyer(), IT_LINES)
    paper_issue.issue_paper(deal.id, "ddt", language="it")
    panel = DealDocumentsPanel(context, DealId(deal.id), "invoice")
    qtbot.addWidget(panel)
    assert panel.issued_cancel_button.text() == "Annulla documento…"
    _cancel_through_the_dialog(panel, qtbot, "Merce non spedita", typed=True)
    assert panel.issued_papers.itemText(0).endswith("— annullato: Merce non spedita")
    assert not panel.issued_cancel_button.isEnabled()
