"""Settings › Templates: the templates listed, checked by the linter, opened for editing as the
user's copy (through the system's URL handler), restored to the default and previewed on a deal."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QPushButton

from desktop_crm.app import install_language
from desktop_crm.views.settings import SettingsView
from tests.factories import RU_LINES, make_company, make_deal_with_lines, make_own_company


class FileOpener(QObject):
    """Stands where the system's file handler would: Qt hands it every file URL opened."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []

    @Slot("QUrl")
    def open(self, url) -> None:
        self.opened.append(url.toLocalFile())


@pytest.fixture
def opener(monkeypatch, tmp_path):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    handler = FileOpener()
    QDesktopServices.setUrlHandler("file", handler, "open")
    yield handler
    QDesktopServices.unsetUrlHandler("file")


@pytest.fixture
def page(context, qtbot, opener):
    make_own_company("RU")
    view = SettingsView(context)
    qtbot.addWidget(view, before_close_func=lambda w: [p.set_clean() for p in w.pages.values()])
    view.show()
    page = view.select("templates")
    page.settings_view = view
    return page


def _select(qtbot, page, file_name: str) -> None:
    row = next(i for i, info in enumerate(page.rows) if info.file_name == file_name)
    qtbot.mouseClick(page.table.viewport(), Qt.MouseButton.LeftButton,
                     pos=page.table.visualRect(page.model.index(row, 0)).center())
    assert page.current().file_name == file_name


def _click(qtbot, page, name: str) -> None:
    qtbot.mouseClick(page.findChild(QPushButton, name), Qt.MouseButton.LeftButton)


def test_lint_open_a_copy_and_restore_the_default(qtbot, page, opener, tmp_path, answer):
    names = [info.file_name for info in page.rows]
    assert {"ru.invoice.html", "ru.invoice.docx", "it.quote.html"} <= set(names)
    _select(qtbot, page, "ru.invoice.html")
    _click(qtbot, page, "templates_lint")
    assert page.findings.toPlainText().startswith("ru.invoice.html: no problems found.")
    assert not page.restore_button.isEnabled()
    _click(qtbot, page, "templates_open")
    copy = tmp_path / "data" / "templates" / "documents" / "ru.invoice.html"
    assert opener.opened == [str(copy)] and copy.is_file()
    assert page.current().customised
    row = [i.file_name for i in page.rows].index("ru.invoice.html")
    assert page.model.index(row, 3).data() == "user"
    # the user breaks the copy in their editor: the linter says where
    copy.write_text(copy.read_text(encoding="utf-8").replace("</body>", "{{ seller.nmae }}{% if %}</body>"),
                    encoding="utf-8")
    _click(qtbot, page, "templates_lint")
    findings = page.findings.toPlainText()
    assert "problems found" in findings.splitlines()[0]
    assert page.restore_button.isEnabled()
    answer("Restore the default")
    _click(qtbot, page, "templates_restore")
    assert not copy.exists() and not page.current().customised
    _click(qtbot, page, "templates_lint")
    assert "no problems found" in page.findings.toPlainText()


def test_preview_on_a_chosen_deal_renders_and_saves_nothing(qtbot, page, context):
    from desktop_crm.models import Invoice

    deal = make_deal_with_lines(make_company(), RU_LINES)
    page.reload()
    page.deal.setCurrentIndex(page.deal.findData(str(deal.id)))
    _select(qtbot, page, "ru.invoice.html")
    _click(qtbot, page, "templates_preview")
    dialog = page.preview_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.page_count >= 1
    assert Invoice.select().count() == 0  # the draft behind the preview was rolled back
    dialog.close()


def test_the_page_in_russian(context, qtbot, qapp, opener):
    install_language(qapp, "ru")
    try:
        view = SettingsView(context)
        qtbot.addWidget(view)
        page = view.select("templates")
        assert view.tabs.tabText(view.tabs.indexOf(page)) == "Шаблоны"
        first = [page.model.index(0, c).data() for c in range(4)]
        assert first[3] == "встроенный"
        kinds = {page.model.index(row, 0).data() for row in range(page.model.rowCount())}
        assert {"КП", "Счёт", "Договор"} <= kinds  # every document by its name, never a file id
        assert not any("." in kind for kind in kinds)
        assert page.findChild(QPushButton, "templates_restore").text() == "Вернуть стандартный"
    finally:
        install_language(qapp, "en")
