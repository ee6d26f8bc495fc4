"""A real SMTP server for the mail tests (aiosmtpd on a free loopback port).

``SmtpServer`` accepts mail with AUTH (one user and password), optionally over STARTTLS or TLS from
the start with a throw-away certificate (:func:`throwaway_certificate`; clients trust it through
``SSL_CERT_FILE``, which the ``smtp_server``-family fixtures set), stores every accepted message
(``messages``), can play an outage (``outage()`` closes the port until ``restore()``;
``refuse_with(451)`` answers the DATA command with an error instead) and delivers each accepted
message into a Maildir folder when given one, or hands it to ``deliver`` (e.g. an IMAP APPEND into
the Dovecot fixture's mailbox, ``tests/imap_server.py``), so an IMAP server can serve it.

Usable from another process too: ``python -m tests.mail_servers`` is not needed — the server lives
in the test process, and a subprocess under test connects to its port.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import mailbox
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER, PASSWORD = "crm@example.test", "s3cret-mail"


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    content: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"] or "")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def throwaway_certificate(folder: Path, host: str = "127.0.0.1") -> tuple[Path, Path]:
    """A self-signed certificate and key for ``host`` (and ``localhost``), written to ``folder``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "mail-cert.pem", folder / "mail-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return cert_path, key_path


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        if self.server.refusal is not None:
            return self.server.refusal
        content = bytes(envelope.original_content or envelope.content)
        self.server.accept(Received(str(envelope.mail_from), tuple(envelope.rcpt_tos), content))
        return "250 Message accepted for delivery"


class SmtpServer:
    """One SMTP server on ``127.0.0.1:port``; ``security`` is ``none``, ``starttls`` or ``ssl``."""

    def __init__(self, security: str = "none", certificate: tuple[Path, Path] | None = None,
                 maildir: Path | None = None, user: str = USER, password: str = PASSWORD,
                 deliver: Callable[[bytes], None] | None = None) -> None:
        self.security = security
        self.user, self.password = user, password
        self.port = free_port()
        self.messages: list[Received] = []
        self.refusal: str | None = None
        self.maildir = maildir
        self.deliver = deliver  # e.g. an APPEND into an IMAP server's mailbox
        self._lock = threading.Lock()
        self._context: ssl.SSLContext | None = None
        if security != "none":
            assert certificate is not None, "a TLS server needs a certificate"
            self._context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self._context.load_cert_chain(str(certificate[0]), str(certificate[1]))
        self._controller: Controller | None = None

    # -- what a test reads ---------------------------------------------------------------------

    def url(self, user: str | None = None, password: str | None = None) -> str:
        scheme = "smtps" if self.security == "ssl" else "smtp"
        query = "?tls=none" if self.security == "none" else ""
        return (f"{scheme}://{user or self.user}:{password or self.password}"
                f"@127.0.0.1:{self.port}{query}")

    def accept(self, received: Received) -> None:
        with self._lock:
            self.messages.append(received)
            if self.maildir is not None:
                box = mailbox.Maildir(str(self.maildir), create=True)
                box.add(mailbox.MaildirMessage(received.content))
            if self.deliver is not None:
                self.deliver(received.content)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} messages, got {len(self.messages)}")

    # -- running, outages ------------------------------------------------------------------------

    def _authenticate(self, _server: Any, _session: Any, _envelope: Any, mechanism: str,
                      data: Any) -> AuthResult:
        if mechanism not in ("LOGIN", "PLAIN") or not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = data.login.decode() == self.user and data.password.decode() == self.password
        return AuthResult(success=ok, handled=False)  # not handled: aiosmtpd answers 535

    def start(self) -> SmtpServer:
        kwargs: dict[str, Any] = {
            "authenticator": self._authenticate,
            # aiosmtpd only knows STARTTLS as TLS; implicit TLS is encrypted from the start
            "auth_require_tls": self.security == "starttls",
        }
        if self.security == "starttls":
            kwargs["tls_context"] = self._context
        elif self.security == "ssl":
            kwargs["ssl_context"] = self._context
        controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port,
                                server_hostname="127.0.0.1", **kwargs)
        if self.security == "ssl":  # the readiness probe must speak TLS too
            controller.ssl_context = self._context
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def outage(self) -> None:
        """The server goes away: connections to its port are refused until :meth:`restore`."""
        self.stop()

    def restore(self) -> None:
        self.start()

    def refuse_with(self, reply: str | None) -> None:
        """Answer DATA with ``reply`` (e.g. ``"451 4.3.0 Try again later"``); ``None``: accept."""
        self.refusal = reply


@pytest.fixture
def mail_certificate(tmp_path_factory: pytest.TempPathFactory,
                     monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """A throw-away certificate the client side trusts (``SSL_CERT_FILE``) for this test."""
    pair = throwaway_certificate(tmp_path_factory.mktemp("mail-cert"))
    monkeypatch.setenv("SSL_CERT_FILE", str(pair[0]))
    return pair


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[SmtpServer]:
    """A plain SMTP server with AUTH (no TLS), delivering into ``tmp_path / "delivered"``."""
    server = SmtpServer("none", maildir=tmp_path / "delivered").start()
    yield server
    server.stop()


@pytest.fixture
def smtp_starttls_server(tmp_path: Path, mail_certificate: tuple[Path, Path]) -> Iterator[SmtpServer]:
    server = SmtpServer("starttls", mail_certificate, maildir=tmp_path / "delivered").start()
    yield server
    server.stop()


@pytest.fixture
def smtps_server(tmp_path: Path, mail_certificate: tuple[Path, Path]) -> Iterator[SmtpServer]:
    server = SmtpServer("ssl", mail_certificate, maildir=tmp_path / "delivered").start()
    yield server
    server.stop()
