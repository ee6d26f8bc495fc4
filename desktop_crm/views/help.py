"""Help: a short manual in the UI language (Help → Manual, F1), and About with the versions of
everything the application runs on and buttons that open its data and log folders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import Qt, QUrl, qVersion
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop_crm import paths
from desktop_crm.i18n import _, current_language
from desktop_crm.services.system.about import AboutInfo, about
from desktop_crm.views.registry import Registry, Screen


def manual_html(language: str | None = None) -> str:
    """The manual of ``language`` (the UI's by default; English when there is none)."""
    folder = paths.resources_dir() / "help"
    for code in (language or current_language(), "en"):
        page = folder / f"manual.{code}.html"
        if page.exists():
            return page.read_text(encoding="utf-8")
    return ""


class HelpWindow(QDialog):
    """The manual: a non-modal window beside the work, closed with Esc or Close."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("help_window")
        self.setWindowTitle(_("Desktop CRM — Manual"))
        self.setWindowFlag(Qt.WindowType.Window, True)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(720, 640)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("help_text")
        self.browser.setAccessibleName(_("Manual"))
        self.browser.setOpenExternalLinks(True)
        self.browser.setHtml(manual_html())
        layout.addWidget(self.browser, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def open_folder(folder: Path) -> bool:
    """Show ``folder`` in the desktop's file manager (made first if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


class AboutDialog(QDialog):
    def __init__(self, database_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("about_dialog")
        self.setWindowTitle(_("About Desktop CRM"))
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        info: AboutInfo = about()
        self.info = info
        layout = QVBoxLayout(self)
        title = QLabel(f"<h2>Desktop CRM {info.version}</h2>"
                       + _("Deals, pipeline, quotes and invoices."), self)
        title.setObjectName("about_title")
        layout.addWidget(title)
        form = QFormLayout()
        self.rows: dict[str, str] = {}
        components = [("Qt", qVersion()), ("PySide6", pyside_version), *info.components]
        for name, version in components:
            value = QLabel(version, self)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(f"{name}:", value)
            self.rows[name] = version
        database = QLabel(database_name, self)
        database.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(_("Database:"), database)
        for label, folder in ((_("Data folder:"), info.data_dir), (_("Log folder:"), info.log_dir)):
            value = QLabel(str(folder), self)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label, value)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.data_button = QPushButton(_("Open the data folder"), self)
        self.data_button.setObjectName("open_data_folder")
        self.log_button = QPushButton(_("Open the log folder"), self)
        self.log_button.setObjectName("open_log_folder")
        buttons.addButton(self.data_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.log_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.data_button.clicked.connect(lambda: open_folder(info.data_dir))
        self.log_button.clicked.connect(lambda: open_folder(info.log_dir))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


def open_help(window: Any) -> HelpWindow:
    existing = window.findChild(HelpWindow)
    if isinstance(existing, HelpWindow):
        existing.raise_()
        existing.activateWindow()
        return existing
    help_window = HelpWindow(window)
    help_window.show()
    return help_window


def open_about(window: Any) -> AboutDialog:
    dialog = AboutDialog(window.context.database_name, window)
    dialog.open()
    return dialog


def register(registry: Registry) -> None:
    registry.add_screen(Screen("help", lambda context, window: open_help(window), order=95))
    registry.add_screen(Screen("about", lambda context, window: open_about(window), order=96))
