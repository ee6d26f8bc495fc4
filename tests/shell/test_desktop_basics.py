"""Desktop basics driven through the main window: Ctrl+F, the manual (F1) in the UI language,
About with versions and folder buttons, Qt's own dialogs in the UI language."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel

from desktop_crm import i18n
from desktop_crm.views.help import AboutDialog, HelpWindow, manual_html


def _activate(qtbot, window):
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def test_ctrl_f_puts_the_cursor_in_the_current_lists_filter(qtbot, window):
    view = window.show_section("contacts")
    _activate(qtbot, window)
    view.filter_bar.search.setText("abc")
    window.sidebar.setFocus()
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert view.filter_bar.search.hasFocus()
    assert view.filter_bar.search.selectedText() == "abc"


def test_f1_opens_the_manual_and_esc_closes_it(qtbot, window):
    _activate(qtbot, window)
    QTest.keyClick(window, Qt.Key.Key_F1)
    manual = window.findChild(HelpWindow)
    assert manual is not None and manual.isVisible()
    assert "Ctrl+K" in manual.browser.toPlainText() and "short manual" in manual.browser.toPlainText()
    QTest.keyClick(manual, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not manual.isVisible())


def test_the_manual_exists_in_russian_and_italian():
    assert "краткое руководство" in manual_html("ru")
    assert "breve manuale" in manual_html("it")
    assert "short manual" in manual_html("xx")  # no manual: the English one


class _Opened(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot("QUrl")
    def open(self, url) -> None:
        self.urls.append(url.toLocalFile())


def test_about_shows_versions_and_opens_the_folders(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    window.findChild(type(window.help_menu)).actions()  # the Help menu exists
    about_action = next(a for a in window.help_menu.actions() if a.objectName() == "action_about")
    about_action.trigger()
    dialog = window.findChild(AboutDialog)
    assert dialog is not None and dialog.isVisible()
    assert {"Qt", "PySide6", "Python", "SQLite", "peewee"} <= set(dialog.rows)
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert str(tmp_path / "data") in texts and str(tmp_path / "data" / "logs") in texts
    opened = _Opened()
    QDesktopServices.setUrlHandler("file", opened, "open")
    try:
        qtbot.mouseClick(dialog.data_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.log_button, Qt.MouseButton.LeftButton)
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert opened.urls == [str(tmp_path / "data"), str(tmp_path / "data" / "logs")]
    assert (tmp_path / "data" / "logs").is_dir()
    dialog.close()


def test_qt_file_dialogs_speak_the_ui_language(qtbot):
    from desktop_crm.app import install_language

    app = QApplication.instance()
    install_language(app, "ru")
    try:
        dialog = QFileDialog(None, "", "", "*.xlsx")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
        qtbot.addWidget(dialog)
        labels = {label.text() for label in dialog.findChildren(QLabel)}
        assert "&Перейти к:" in labels and "&Типы файлов:" in labels
    finally:
        install_language(app, "en")
    assert i18n.current_language() == "en"
