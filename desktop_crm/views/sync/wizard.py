"""First-time sync setup: server address and login, test the connection, initial download.

The connection's TLS mode starts as ``prefer`` for this computer's own server and ``verify-full``
for any other, until the user picks one. A server whose certificate no trusted authority signed (an
office server with its own certificate) can be trusted here: the wizard shows the SHA-256
fingerprint of the certificate it presents, and "Trust this certificate" pins it, so that only that
certificate is accepted from then on.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlparse, urlunparse

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.services.system import sync as sync_service
from desktop_crm.workers import Progress, run_in_background

SSL_MODES = ("verify-full", "require", "prefer")


def server_url(address: str, login: str, sslmode: str) -> str:
    """``postgresql://login@host:port/db?sslmode=…`` from what the user typed (no password)."""
    text = address.strip()
    if not text.startswith(("postgresql://", "postgres://")):
        text = "postgresql://" + text
    parsed = urlparse(text)
    host = parsed.hostname or "localhost"
    port = f":{parsed.port}" if parsed.port else ""
    netloc = f"{quote(login.strip(), safe='')}@{host}{port}" if login.strip() else f"{host}{port}"
    return urlunparse(parsed._replace(netloc=netloc, query=f"sslmode={sslmode}"))


class ServerPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(_("Shared server"))
        self.setSubTitle(_("The address of your company's PostgreSQL server and your own login."))
        form = QFormLayout(self)
        self.address = QLineEdit(self)
        self.address.setObjectName("sync_address")
        self.address.setPlaceholderText("crm.example.com:5432/crm")
        self.login = QLineEdit(self)
        self.login.setObjectName("sync_login")
        self.password = QLineEdit(self)
        self.password.setObjectName("sync_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.ssl = QComboBox(self)
        self.ssl.setObjectName("sync_sslmode")
        texts = (_("Encrypted, server verified (recommended)"), _("Encrypted"),
                 _("Encrypted when possible"))
        for mode, text in zip(SSL_MODES, texts, strict=True):
            self.ssl.addItem(text, mode)
        self.test_button = QPushButton(_("Test connection"), self)
        self.test_button.setObjectName("sync_test")
        self.result = QLabel(self)
        self.result.setObjectName("sync_test_result")
        self.result.setWordWrap(True)
        self.certificate = QLabel(self)
        self.certificate.setObjectName("sync_certificate")
        self.certificate.setWordWrap(True)
        self.certificate.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.trust_button = QPushButton(_("Trust this certificate"), self)
        self.trust_button.setObjectName("sync_trust_certificate")
        self.trust_button.setVisible(False)
        form.addRow(_("Server:"), self.address)
        form.addRow(_("Login:"), self.login)
        form.addRow(_("Password:"), self.password)
        form.addRow(_("Connection:"), self.ssl)
        form.addRow(self.test_button, self.result)
        form.addRow(self.certificate)
        form.addRow(self.trust_button)
        self.test_button.clicked.connect(self.test)
        self.trust_button.clicked.connect(self.trust)
        self.tested_ok = False
        self.ssl_chosen = False  # the user picked a mode: the address no longer decides it
        self.pinned: str | None = None  # the URL with the certificate the user trusted
        self.offered: sync_service.ServerCertificate | None = None
        self.address.textChanged.connect(self._address_changed)
        self.login.textChanged.connect(self._changed)
        self.ssl.activated.connect(self._ssl_picked)

    def _address_changed(self) -> None:
        if not self.ssl_chosen:
            mode = sync_service.default_sslmode(server_url(self.address.text(), "", "prefer"))
            self.ssl.setCurrentIndex(max(0, self.ssl.findData(mode)))
        self._changed()

    def _ssl_picked(self) -> None:
        self.ssl_chosen = True
        self._changed()

    def _changed(self) -> None:
        self.tested_ok = False
        self.pinned = None
        self.offered = None
        self.certificate.clear()
        self.trust_button.setVisible(False)
        self.completeChanged.emit()

    def url(self) -> str:
        return self.pinned or server_url(self.address.text(), self.login.text(),
                                         self.ssl.currentData())

    def test(self) -> None:
        url, password = self.url(), self.password.text()
        self.result.setText(_("Connecting…"))
        self.test_button.setEnabled(False)

        def work(progress: Progress) -> dict[str, Any]:
            return sync_service.test_connection(url, password)

        run_in_background(work, on_result=self._ok, on_error=self._error, use_database=False,
                          name="sync-test")

    def _ok(self, info: dict[str, Any]) -> None:
        self.test_button.setEnabled(True)
        self.tested_ok = True
        self.result.setText(
            _("Connected as {login}; the server holds {deals} deals.").format(
                login=info["login"], deals=info["deals"])
        )
        self.completeChanged.emit()

    def _error(self, error: BaseException) -> None:
        self.test_button.setEnabled(True)
        if not isinstance(error, CrmError):
            raise error
        self.result.setText(error.message)
        if isinstance(error, sync_service.CertificateUntrusted):
            self._offer_certificate()

    def _offer_certificate(self) -> None:
        """Read the certificate the server presents and show its fingerprint for comparison."""
        url = self.url()

        def work(progress: Progress) -> sync_service.ServerCertificate:
            return sync_service.server_certificate(url)

        def shown(certificate: sync_service.ServerCertificate) -> None:
            self.offered = certificate
            self.certificate.setText(
                _("The server presents a certificate with the SHA-256 fingerprint\n{fingerprint}\n"
                  "Trust it only if it is the same as the one your administrator gave you.").format(
                    fingerprint=certificate.fingerprint)
            )
            self.trust_button.setVisible(True)

        def failed(error: BaseException) -> None:
            if not isinstance(error, CrmError):
                raise error
            self.certificate.setText(error.message)

        run_in_background(work, on_result=shown, on_error=failed, use_database=False,
                          name="sync-certificate")

    def trust(self) -> None:
        """Pin the offered certificate for this server and test the connection again with it."""
        if self.offered is None:
            return
        pinned = sync_service.trust_certificate(self.url(), self.offered)
        fingerprint = self.offered.fingerprint
        self.trust_button.setVisible(False)
        self.pinned = pinned
        self.certificate.setText(
            _("Trusted certificate: {fingerprint}. Any other certificate will be refused.").format(
                fingerprint=fingerprint)
        )
        self.test()

    def isComplete(self) -> bool:
        return self.tested_ok


class DownloadPage(QWizardPage):
    def __init__(self, server: ServerPage) -> None:
        super().__init__()
        self.server = server
        self.setTitle(_("First synchronisation"))
        self.setSubTitle(_("Your records are sent and the server's records are downloaded."))
        layout = QVBoxLayout(self)
        self.bar = QProgressBar(self)
        self.bar.setObjectName("sync_download_progress")
        self.bar.setRange(0, 0)
        self.text = QLabel(self)
        self.text.setObjectName("sync_download_text")
        self.text.setWordWrap(True)
        layout.addWidget(self.bar)
        layout.addWidget(self.text)
        self.done = False
        self.result: object = None

    def initializePage(self) -> None:
        url, password = self.server.url(), self.server.password.text()
        self.done = False
        self.text.setText(_("Connecting…"))

        def work(progress: Progress) -> object:
            return sync_service.set_up(url, password, lambda d, t, s: progress.report(d, t, s))

        run_in_background(work, on_result=self._finished, on_error=self._error,
                          on_progress=self._progress, name="sync-setup")

    def _progress(self, done: int, total: int, text: str) -> None:
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        self.text.setText(text)

    def _finished(self, result: object) -> None:
        self.done = True
        self.result = result
        self.bar.setRange(0, 1)
        self.bar.setValue(1)
        text = _("Done: {pushed} sent, {pulled} received.").format(
            pushed=result.pushed, pulled=result.pulled)  # type: ignore[attr-defined]
        notice = result.details.get("password_notice")  # type: ignore[attr-defined]
        self.text.setText(f"{text}\n{notice}" if notice else text)
        self.completeChanged.emit()

    def _error(self, error: BaseException) -> None:
        if not isinstance(error, CrmError):
            raise error
        self.text.setText(error.message)

    def isComplete(self) -> bool:
        return self.done


class SyncSetupWizard(QWizard):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sync_setup_wizard")
        self.setWindowTitle(_("Set up synchronisation"))
        self.server_page = ServerPage()
        self.download_page = DownloadPage(self.server_page)
        self.addPage(self.server_page)
        self.addPage(self.download_page)
