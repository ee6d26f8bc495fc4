"""Talking to mail servers: SMTP to send, IMAP to read; clear, translated failures.

A connection is described by :class:`Endpoint` (host, port, security, login, password), made from a
stored account (``accounts.endpoints``) or from a URL given on the command line
(``smtp://user:password@host:port``, ``smtps://`` for TLS from the start; ``imap://``,
``imaps://``). TLS certificates are verified against the system's trusted authorities (OpenSSL's
``SSL_CERT_FILE`` names others). Every failure becomes a :class:`MailError` whose ``kind`` tells
the outbox whether trying again later may help (``temporary``).
"""

from __future__ import annotations

import contextlib
import imaplib
import smtplib
import socket
import ssl
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import unquote, urlparse

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.models.enums import MailSecurity

TIMEOUT_S = 20.0

# what went wrong, as the outbox and the settings page tell it
AUTH, TLS, UNREACHABLE, REFUSED, PROTOCOL, NOT_CONFIGURED = (
    "auth", "tls", "unreachable", "refused", "protocol", "not_configured")


class MailError(CrmError):
    """A mail server could not be used; ``kind`` is one of the constants above."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind

    @property
    def temporary(self) -> bool:
        """Whether trying again later may succeed without the user changing anything."""
        return self.kind in (UNREACHABLE, PROTOCOL)


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    security: MailSecurity
    username: str = ""
    password: str = ""

    def with_password(self, password: str) -> Endpoint:
        return replace(self, password=password)


def endpoint_from_url(url: str, protocol: str = "smtp") -> Endpoint:
    """``smtp://user:password@host:port`` (``smtps``: TLS from the start) or the IMAP forms."""
    parsed = urlparse(url)
    scheme = parsed.scheme.lower()
    if scheme not in (protocol, protocol + "s") or not parsed.hostname:
        raise MailError(
            _("Not a mail server address: {url}. Write it as {example}.").format(
                url=_safe_url(url), example=f"{protocol}://user:password@host:port"),
            NOT_CONFIGURED)
    secure = scheme.endswith("s")
    default_port = {("smtp", True): 465, ("smtp", False): 587, ("imap", True): 993,
                    ("imap", False): 143}[(protocol, secure)]
    try:
        port = parsed.port or default_port
    except ValueError as error:
        raise MailError(_("Not a mail server address: {url}.").format(url=_safe_url(url)),
                        NOT_CONFIGURED) from error
    security = MailSecurity.SSL if secure else _plain_security(parsed.query)
    return Endpoint(parsed.hostname, port, security, unquote(parsed.username or ""),
                    unquote(parsed.password or ""))


def _plain_security(query: str) -> MailSecurity:
    """A plain ``smtp://`` URL uses STARTTLS when the server offers it, unless ``?tls=none``."""
    return MailSecurity.NONE if "tls=none" in query.lower() else MailSecurity.STARTTLS


def _safe_url(url: str) -> str:
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    return url.replace(f":{parsed.password}@", ":***@")


def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


# --- SMTP --------------------------------------------------------------------------------------


def open_smtp(endpoint: Endpoint, timeout: float = TIMEOUT_S) -> smtplib.SMTP:
    """A logged-in SMTP session (the caller quits it); nothing is left open on a failure."""
    session: smtplib.SMTP | None = None
    try:
        if endpoint.security == MailSecurity.SSL:
            session = smtplib.SMTP_SSL(endpoint.host, endpoint.port, timeout=timeout,
                                       context=tls_context())
        else:
            session = smtplib.SMTP(endpoint.host, endpoint.port, timeout=timeout)
            session.ehlo()
            if endpoint.security == MailSecurity.STARTTLS:
                if not session.has_extn("starttls"):
                    raise MailError(_no_starttls(endpoint), TLS)
                session.starttls(context=tls_context())
                session.ehlo()
        if endpoint.username:
            session.login(endpoint.username, endpoint.password)
        return session
    except Exception as error:
        if session is not None:
            session.close()
        raise explain(error, endpoint, "SMTP") from error


def _no_starttls(endpoint: Endpoint) -> str:
    return _(
        "The mail server {host} does not offer an encrypted connection (STARTTLS). Choose another "
        "security setting or ask your provider."
    ).format(host=endpoint.host)


def explain(error: BaseException, endpoint: Endpoint, protocol: str) -> MailError:
    """The :class:`MailError` a user can act on for a failure talking to ``endpoint``."""
    host = f"{endpoint.host}:{endpoint.port}"
    if isinstance(error, MailError):
        return error
    if isinstance(error, smtplib.SMTPAuthenticationError) or _is_imap_auth(error):
        return MailError(_(
            "The mail server {host} refused the user name or password of {login}."
        ).format(host=host, login=endpoint.username or "?"), AUTH)
    if isinstance(error, smtplib.SMTPNotSupportedError) and "AUTH" in str(error):
        return MailError(_(
            "The mail server {host} does not accept a login on this connection; check the "
            "security setting (STARTTLS or SSL)."
        ).format(host=host), AUTH)
    if isinstance(error, ssl.SSLCertVerificationError):
        return MailError(_(
            "The certificate of the mail server {host} cannot be trusted ({reason})."
        ).format(host=host, reason=error.verify_message or error.reason or ""), TLS)
    if isinstance(error, ssl.SSLError):
        return MailError(_(
            "No encrypted connection could be made with the mail server {host}; check the port "
            "and the security setting (STARTTLS or SSL). ({reason})"
        ).format(host=host, reason=error.reason or error), TLS)
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refused = ", ".join(sorted(error.recipients))
        return MailError(_("The mail server refused the recipients: {addresses}.").format(
            addresses=refused), REFUSED)
    if isinstance(error, smtplib.SMTPSenderRefused):
        return MailError(_("The mail server refused the sender address {address}.").format(
            address=error.sender), REFUSED)
    if isinstance(error, smtplib.SMTPResponseException):
        text = _decode(error.smtp_error)
        kind = REFUSED if 500 <= error.smtp_code < 600 else PROTOCOL
        return MailError(_("The mail server answered {code}: {text}").format(
            code=error.smtp_code, text=text), kind)
    if isinstance(error, (socket.timeout, TimeoutError)):
        return MailError(_("The mail server {host} did not answer in time.").format(host=host),
                         UNREACHABLE)
    if isinstance(error, (OSError, smtplib.SMTPException, imaplib.IMAP4.abort, EOFError)):
        return MailError(_(
            "The mail server {host} cannot be reached ({reason}). The message stays in the "
            "outbox until it can."
        ).format(host=host, reason=_reason(error)), UNREACHABLE)
    if isinstance(error, imaplib.IMAP4.error):
        return MailError(_("The {protocol} server {host} answered: {text}").format(
            protocol=protocol, host=host, text=_reason(error)), PROTOCOL)
    return MailError(_("The mail server {host} failed: {reason}").format(
        host=host, reason=_reason(error)), PROTOCOL)


def _is_imap_auth(error: BaseException) -> bool:
    text = str(error).upper()
    return isinstance(error, imaplib.IMAP4.error) and not isinstance(error, imaplib.IMAP4.abort) \
        and ("AUTHENTICATIONFAILED" in text or ("LOGIN" in text and "FAIL" in text))


def _decode(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace").strip()
    return str(value).strip()


def _reason(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


# --- IMAP --------------------------------------------------------------------------------------


def open_imap(endpoint: Endpoint, timeout: float = TIMEOUT_S) -> imaplib.IMAP4:
    """A logged-in IMAP session (the caller logs out); nothing is left open on a failure."""
    session: imaplib.IMAP4 | None = None
    try:
        if endpoint.security == MailSecurity.SSL:
            session = imaplib.IMAP4_SSL(endpoint.host, endpoint.port, ssl_context=tls_context(),
                                        timeout=timeout)
        else:
            session = imaplib.IMAP4(endpoint.host, endpoint.port, timeout=timeout)
            if endpoint.security == MailSecurity.STARTTLS:
                if "STARTTLS" not in session.capabilities:
                    raise MailError(_no_starttls(endpoint), TLS)
                session.starttls(ssl_context=tls_context())
        session.login(endpoint.username, endpoint.password)
        return session
    except Exception as error:
        if session is not None:
            with contextlib.suppress(OSError):
                session.shutdown()
        raise explain(error, endpoint, "IMAP") from error


def close_quietly(session: Any) -> None:
    """Quit an SMTP session or log out of an IMAP one, ignoring a connection already gone."""
    try:
        if isinstance(session, imaplib.IMAP4):
            session.logout()
        else:
            session.quit()
    except Exception:  # the connection may already be closed: nothing left to tidy
        with contextlib.suppress(Exception):
            session.close()
