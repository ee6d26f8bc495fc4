"""Settings › Database: the SQLite file or PostgreSQL server to open (after a restart), the password
in the system keyring, and a connection test."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.i18n import N_, _
from desktop_crm.services.system import admin
from desktop_crm.views.cards.common import ERROR_STYLE, OK_STYLE
from desktop_crm.views.context import AppContext
from desktop_crm.views.settings.page import SettingsPage
from desktop_crm.views.settings.registry import PageRegistry, PageSpec
from desktop_crm.workers import run_in_background


class DatabasePage(SettingsPage):
    """A SQLite file or a PostgreSQL server address, with a test of the connection."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Currently open: {name}").format(name=context.database_name),
                                self))
        self.sqlite_radio = QRadioButton(_("A database file on this computer (SQLite)"), self)
        self.sqlite_radio.setObjectName("db_sqlite")
        self.postgres_radio = QRadioButton(_("A shared server (PostgreSQL)"), self)
        self.postgres_radio.setObjectName("db_postgres")
        group = QButtonGroup(self)
        group.addButton(self.sqlite_radio)
        group.addButton(self.postgres_radio)
        layout.addWidget(self.sqlite_radio)
        file_box = QWidget(self)
        file_form = QFormLayout(file_box)
        self.path = QLineEdit(file_box)
        browse = QPushButton(_("Browse…"), file_box)
        browse.clicked.connect(self.browse)
        self.add_field(file_form, "path", _("File"), self.path)
        browse_row = QHBoxLayout()
        browse_row.addWidget(browse)
        browse_row.addStretch(1)
        file_form.addRow("", browse_row)
        layout.addWidget(file_box)
        layout.addWidget(self.postgres_radio)
        server_box = QWidget(self)
        server_form = QFormLayout(server_box)
        url = QLineEdit(server_box)
        url.setPlaceholderText("postgresql://user@server:5432/crm")
        self.add_field(server_form, "url", _("Server address"), url)
        password = QLineEdit(server_box)
        password.setEchoMode(QLineEdit.EchoMode.Password)
        password.setPlaceholderText(_("kept in the system keyring"))
        self.add_field(server_form, "password", _("Password"), password)
        layout.addWidget(server_box)
        self.file_box, self.server_box = file_box, server_box
        test_row = QHBoxLayout()
        self.test_button = QPushButton(_("Test the connection"), self)
        self.test_button.setObjectName("db_test")
        self.test_button.clicked.connect(self.test_connection)
        test_row.addWidget(self.test_button)
        self.test_result = QLabel(self)
        self.test_result.setObjectName("db_test_result")
        self.test_result.setWordWrap(True)
        test_row.addWidget(self.test_result, 1)
        layout.addLayout(test_row)
        note = QLabel(_("The password is kept in the operating system's keyring, never in a "
                        "file. The new connection is used after the application is restarted."),
                      self)
        note.setWordWrap(True)
        layout.addWidget(note)
        layout.addStretch(1)
        layout.addWidget(self.footer())
        self.sqlite_radio.toggled.connect(self._kind_changed)
        self.sqlite_radio.toggled.connect(lambda _c: self.mark_dirty())
        self.reload()

    def reload(self) -> None:
        saved = str(self.context.settings.value("database/url") or "")
        current = saved or self.context.database_name
        self._loading = True
        postgres = admin.is_postgres_url(current)
        self.postgres_radio.setChecked(postgres)
        self.sqlite_radio.setChecked(not postgres)
        self.path.setText("" if postgres else current)
        self.editor("url", QLineEdit).setText(current if postgres else "")
        self.editor("password", QLineEdit).setText("")
        self._loading = False
        self._kind_changed()
        self.set_clean()

    def _kind_changed(self) -> None:
        self.file_box.setEnabled(self.sqlite_radio.isChecked())
        self.server_box.setEnabled(self.postgres_radio.isChecked())

    def browse(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, _("Database file"), self.path.text(), _("CRM database (*.db);;All files (*)"),
            options=QFileDialog.Option.DontConfirmOverwrite)
        if path:
            self.path.setText(path)
            self.mark_dirty()

    def test_connection(self) -> None:
        """Try the address in the background (a server may take seconds to answer)."""
        kind, value = self.address()
        errors = admin.connection_errors(kind, value)
        if errors:
            self.show_errors(errors)
            return
        password = self.editor("password", QLineEdit).text()
        if kind == "postgres" and password:
            value = admin.store_connection(value, password)
        self.test_button.setEnabled(False)
        self.test_result.setStyleSheet("")
        self.test_result.setText(_("Connecting…"))

        def shown(text: str, ok: bool) -> None:
            self.test_button.setEnabled(True)
            self.test_result.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
            self.test_result.setText(text)

        run_in_background(
            lambda _progress: admin.test_connection(value),
            on_result=lambda text: shown(text, True),
            on_error=lambda error: shown(getattr(error, "message", str(error)), False),
            use_database=False,
            name="test-connection",
        )

    def address(self) -> tuple[str, str]:
        """The kind of database chosen ("sqlite" or "postgres") and its file or URL, as typed."""
        kind = "sqlite" if self.sqlite_radio.isChecked() else "postgres"
        value = self.path.text() if kind == "sqlite" else self.editor("url", QLineEdit).text()
        return kind, value.strip()

    def on_edited(self) -> None:
        kind, value = self.address()
        self.show_errors(admin.connection_errors(kind, value) if value else {})

    def save_changes(self) -> bool:
        kind, value = self.address()
        errors = admin.connection_errors(kind, value)
        if errors:
            self.show_errors(errors)
            self.show_banner(next(iter(errors.values())))
            return False
        url = admin.store_connection(value, self.editor("password", QLineEdit).text())
        self.context.settings.setValue("database/url", url)
        self.context.settings.sync()
        self.reload()
        QMessageBox.information(self, _("Database"),
                                _("The application opens this database after a restart."))
        return True


def register(pages: PageRegistry) -> None:
    pages.add(PageSpec("database", N_("Database"), DatabasePage, order=60))
