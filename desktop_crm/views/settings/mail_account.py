"""Settings › Mail account: the signed-in user's own mailbox (SMTP to send, IMAP to read and to
prove what was sent), with "Test connection" run in the background. The password goes to the
system's password store (keyring), never to the database; where there is none it is kept until the
application closes, and the page says so."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_crm.errors import CrmError
from desktop_crm.i18n import N_, _
from desktop_crm.models.enums import MailSecurity
from desktop_crm.services.mail import accounts
from desktop_crm.views.cards.common import ERROR_STYLE, HINT_STYLE, OK_STYLE
from desktop_crm.views.context import AppContext
from desktop_crm.views.settings.page import SettingsPage
from desktop_crm.views.settings.registry import PageRegistry, PageSpec
from desktop_crm.workers import run_in_background

SECURITY_LABELS = {
    MailSecurity.STARTTLS: N_("STARTTLS"),
    MailSecurity.SSL: N_("SSL/TLS"),
    MailSecurity.NONE: N_("None (unencrypted)"),
}
DEFAULT_PORTS = {("smtp", MailSecurity.STARTTLS): 587, ("smtp", MailSecurity.SSL): 465,
                 ("smtp", MailSecurity.NONE): 25, ("imap", MailSecurity.STARTTLS): 143,
                 ("imap", MailSecurity.SSL): 993, ("imap", MailSecurity.NONE): 143}


def check_text(check: accounts.ConnectionCheck) -> tuple[bool, str]:
    """The translated outcome of a connection test, one line per protocol."""
    lines = []
    if check.smtp_error is None:
        lines.append(_("Sending (SMTP): connected and signed in."))
    else:
        lines.append(_("Sending (SMTP): {reason}").format(reason=check.smtp_error.message))
    if not check.imap_checked:
        lines.append(_("Receiving (IMAP): not set up."))
    elif check.imap_error is None:
        lines.append(_("Receiving (IMAP): connected and signed in."))
    else:
        lines.append(_("Receiving (IMAP): {reason}").format(reason=check.imap_error.message))
    return check.ok, "\n".join(lines)


class MailAccountPage(SettingsPage):
    """The user's address, sender name, login, password and the two servers."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(context, parent)
        self.has_password = False
        layout = QVBoxLayout(self)
        identity = QGroupBox(_("Account"), self)
        form = QFormLayout(identity)
        self.add_field(form, "address", _("E-mail address"), QLineEdit(identity), required=True)
        self.add_field(form, "display_name", _("Display name"), QLineEdit(identity))
        self.add_field(form, "username", _("User name"), QLineEdit(identity))
        password = QLineEdit(identity)
        password.setEchoMode(QLineEdit.EchoMode.Password)
        self.add_field(form, "password", _("Password"), password)
        pec = QCheckBox(_("PEC mailbox (posta elettronica certificata): Italian invoices go to SDI "
                          "from it"), identity)
        self.add_field(form, "pec", _("PEC"), pec)
        layout.addWidget(identity)
        servers = QHBoxLayout()
        for protocol, title in (("smtp", _("Sending (SMTP)")), ("imap", _("Receiving (IMAP)"))):
            box = QGroupBox(title, self)
            box_form = QFormLayout(box)
            self.add_field(box_form, f"{protocol}_host", _("Server"), QLineEdit(box),
                           required=protocol == "smtp")
            self.add_field(box_form, f"{protocol}_port", _("Port"), QLineEdit(box))
            combo = QComboBox(box)
            for value, label in SECURITY_LABELS.items():
                combo.addItem(_(label), value.value)
            combo.currentIndexChanged.connect(
                lambda _i, p=protocol: self._suggest_port(p))
            self.add_field(box_form, f"{protocol}_security", _("Security"), combo)
            if protocol == "imap":
                self.add_field(box_form, "sent_folder", _("Sent folder"), QLineEdit(box))
            servers.addWidget(box)
        layout.addLayout(servers)
        hint = QLabel(_("Receiving is optional: with it, a message interrupted while being sent is "
                        "checked against your mailbox instead of being left for you to decide."),
                      self)
        hint.setWordWrap(True)
        hint.setStyleSheet(HINT_STYLE)
        layout.addWidget(hint)
        row = QHBoxLayout()
        self.test_button = QPushButton(_("Test connection"), self)
        self.test_button.setObjectName("mail_test")
        self.test_button.clicked.connect(self.test_connection)
        row.addWidget(self.test_button)
        self.result = QLabel(self)
        self.result.setObjectName("mail_test_result")
        self.result.setWordWrap(True)
        row.addWidget(self.result, 1)
        layout.addLayout(row)
        self.keyring_note = QLabel(self)
        self.keyring_note.setObjectName("mail_keyring_note")
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setStyleSheet(HINT_STYLE)
        layout.addWidget(self.keyring_note)
        layout.addStretch(1)
        layout.addWidget(self.footer())
        self.reload()

    # -- fields ------------------------------------------------------------------------------

    def line(self, name: str) -> QLineEdit:
        return self.editor(name, QLineEdit)

    def _suggest_port(self, protocol: str) -> None:
        if self._loading:
            return
        security = MailSecurity(self.editor(f"{protocol}_security", QComboBox).currentData())
        port = self.line(f"{protocol}_port")
        if port.text().strip() in {str(p) for p in DEFAULT_PORTS.values()} or not port.text():
            port.setText(str(DEFAULT_PORTS[(protocol, security)]))

    def reload(self) -> None:
        account = accounts.account_of(self.context.user.id)
        self._loading = True
        values: dict[str, Any] = {
            "address": "", "display_name": self.context.user.name, "username": "",
            "smtp_host": "", "smtp_port": "587", "imap_host": "", "imap_port": "993",
            "sent_folder": ""}
        securities = {"smtp": MailSecurity.STARTTLS, "imap": MailSecurity.SSL}
        if account is not None:
            values = {"address": account.address, "display_name": account.display_name,
                      "username": account.username, "smtp_host": account.smtp_host,
                      "smtp_port": str(account.smtp_port), "imap_host": account.imap_host,
                      "imap_port": str(account.imap_port), "sent_folder": account.sent_folder}
            securities = {"smtp": account.smtp_security, "imap": account.imap_security}
        for name, value in values.items():
            self.line(name).setText(value)
        for protocol, security in securities.items():
            combo = self.editor(f"{protocol}_security", QComboBox)
            combo.setCurrentIndex(max(combo.findData(security.value), 0))
        self.editor("pec", QCheckBox).setChecked(bool(account and account.pec))
        self.has_password = bool(account and account.has_password)
        self.line("password").clear()
        self.line("password").setPlaceholderText(
            _("(remembered; type to change)") if self.has_password else "")
        self._loading = False
        self._show_keyring_note()
        self.set_clean()

    def data(self) -> accounts.MailAccountInput:
        password = self.line("password").text()
        return accounts.MailAccountInput(
            address=self.line("address").text(), display_name=self.line("display_name").text(),
            username=self.line("username").text(), smtp_host=self.line("smtp_host").text(),
            smtp_port=self.line("smtp_port").text(),  # type: ignore[arg-type]  # checked by the service
            smtp_security=str(self.editor("smtp_security", QComboBox).currentData()),
            imap_host=self.line("imap_host").text(),
            imap_port=self.line("imap_port").text(),  # type: ignore[arg-type]
            imap_security=str(self.editor("imap_security", QComboBox).currentData()),
            sent_folder=self.line("sent_folder").text(),
            password=password if password else None,
            pec=self.editor("pec", QCheckBox).isChecked(),
        )

    def _show_keyring_note(self) -> None:
        self.keyring_note.setText("" if accounts.password_remembered() else _(
            "This computer has no password store (keyring): the mail password is kept only until "
            "the application closes, and asked again next time."))

    def save_changes(self) -> bool:
        accounts.save_account(self.data(), self.context.user.id)
        self.reload()
        self.context.notify_changed("mail")
        return True

    # -- "Test connection" ---------------------------------------------------------------------

    def test_connection(self) -> None:
        try:
            data = self.data()
        except CrmError as error:
            self.show_failure(error)
            return
        user = self.context.user.id
        self.test_button.setEnabled(False)
        self.result.setStyleSheet(HINT_STYLE)
        self.result.setText(_("Connecting…"))
        run_in_background(lambda _progress: accounts.test_settings(data, user),
                          on_result=self._tested, on_error=self._test_failed, name="mail test")

    def _tested(self, check: accounts.ConnectionCheck) -> None:
        self.test_button.setEnabled(True)
        ok, text = check_text(check)
        self.result.setStyleSheet(OK_STYLE if ok else ERROR_STYLE)
        self.result.setText(text)

    def _test_failed(self, error: BaseException) -> None:
        self.test_button.setEnabled(True)
        if not isinstance(error, CrmError):
            raise error
        self.show_failure(error)
        self.result.setStyleSheet(ERROR_STYLE)
        self.result.setText(error.message)


def register(pages: PageRegistry) -> None:
    pages.add(PageSpec("mail", N_("Mail account"), MailAccountPage, order=47))
