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


def _break(html: str, tag: str) -> str:
    """The template with ``tag`` printed on a line of its own before its last block ends."""
    at = html.rindex("{% endblock %}")
    return f"{html[:at]}<p>{tag}</p>\n{html[at:]}"


def _upload(qtbot, page, path) -> None:
    """Replace with a file…: the file dialog (Qt's own, driven like a user) picks ``path``."""
    _click(qtbot, page, "templates_upload")
    dialog = page.upload_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.selectFile(str(path))
    dialog.accept()


def test_a_template_with_problems_is_refused_on_save_with_where_each_is(qtbot, page, tmp_path):
    """An HTML template with an unknown field is refused with its line; a Word template with an
    unknown field in a table cell is refused with the table, row, cell and the text around it;
    the template in use does not change. A clean file is saved; a copy saved in the user's
    editor is checked at once."""
    import docx

    from desktop_crm.documents.render import bundled_templates_dir

    folder = tmp_path / "data" / "templates" / "documents"
    html = (bundled_templates_dir() / "ru.invoice.html").read_text(encoding="utf-8")
    lines = _break(html, "{{ seller.nmae }}").splitlines()
    broken_line = next(i for i, line in enumerate(lines, 1) if "seller.nmae" in line)
    broken = tmp_path / "mine.html"
    broken.write_text("\n".join(lines), encoding="utf-8")
    _select(qtbot, page, "ru.invoice.html")
    _upload(qtbot, page, broken)
    findings = page.findings.toPlainText().splitlines()
    assert findings[0] == "ru.invoice.html was not saved: the linter found 1 problems."
    assert f"line {broken_line}" in findings[1] and "seller.nmae" in findings[1]
    assert not (folder / "ru.invoice.html").exists() and not page.current().customised

    word = docx.Document(str(bundled_templates_dir() / "ru.invoice.docx"))
    cell = word.tables[-1].rows[0].cells[0]
    cell.paragraphs[0].add_run(" Итого {{ totals.grnd }} руб.")
    broken_docx = tmp_path / "mine.docx"
    word.save(str(broken_docx))
    _select(qtbot, page, "ru.invoice.docx")
    _upload(qtbot, page, broken_docx)
    findings = page.findings.toPlainText().splitlines()
    assert "was not saved" in findings[0]
    (problem,) = [f for f in findings[1:] if "totals.grnd" in f]
    assert f"table {len(word.tables)}, row 1, cell 1 («{cell.text[:12]}" in problem  # the text around
    assert not (folder / "ru.invoice.docx").exists()

    clean = tmp_path / "clean.html"
    clean.write_text(_break(html, "{{ seller.name }}"), encoding="utf-8")
    _select(qtbot, page, "ru.invoice.html")
    _upload(qtbot, page, clean)
    assert page.findings.toPlainText().startswith("ru.invoice.html was checked and saved")
    saved = folder / "ru.invoice.html"
    assert saved.read_text(encoding="utf-8") == clean.read_text(encoding="utf-8")
    assert page.current().customised
    # the user edits the saved copy in their editor and saves it broken: checked at once
    saved.write_text(_break(html, "{{ buyer.nmae }}"), encoding="utf-8")
    qtbot.waitUntil(lambda: "buyer.nmae" in page.findings.toPlainText(), timeout=5000)
    assert "was saved with 1 problems" in page.findings.toPlainText()


def test_a_refused_template_in_russian(context, qtbot, qapp, opener, tmp_path):
    from desktop_crm.documents.render import bundled_templates_dir

    make_own_company("RU")
    install_language(qapp, "ru")
    try:
        view = SettingsView(context)
        qtbot.addWidget(view, before_close_func=lambda w: [p.set_clean() for p in w.pages.values()])
        view.show()
        page = view.select("templates")
        assert page.upload_button.text() == "Заменить файлом…"
        broken = tmp_path / "mine.html"
        broken.write_text(_break((bundled_templates_dir() / "ru.quote.html").read_text(
            encoding="utf-8"), "{{ doc.numbr }}"), encoding="utf-8")
        _select(qtbot, page, "ru.quote.html")
        _upload(qtbot, page, broken)
        findings = page.findings.toPlainText().splitlines()
        assert findings[0].startswith("ru.quote.html не сохранён: проверка нашла")
        assert "строка" in findings[1] and "doc.numbr" in findings[1]
    finally:
        install_language(qapp, "en")
