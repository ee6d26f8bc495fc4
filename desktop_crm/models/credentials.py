"""Server connections: passwords, TLS settings (with pinned certificates), keepalives.

Passwords never go to SQLite or config files. ``remember_password`` puts them in the OS keyring
(Windows Credential Manager, macOS Keychain, Secret Service) under the service ``desktop-crm`` and the
key ``user@host:port/dbname``; keyring's own ``PYTHON_KEYRING_BACKEND`` chooses another backend (the
tests name an in-memory one, or keyring's ``fail``/``null`` backends to play a computer without one).
A computer without a usable keyring (a headless Linux box) is normal, not an error: the password is
kept in this process's memory only, ``remember_password`` says so (``False``), and
:func:`not_remembered_text` tells the user why, once. Where else a password may come from: the URL,
libpq's own ``PGPASSFILE`` / ``~/.pgpass`` (read by libpq when no password is given), or the
command line's ``--password-stdin`` (put into the URL in memory by :func:`with_password`).

TLS: a server URL may carry ``sslmode`` itself; otherwise loopback connections use ``prefer`` and
every other host ``verify-full`` (certificate and host name checked), as sync.md §2.13 asks, against
the system's trusted roots unless the URL or libpq's environment names others. A server with a
self-signed certificate is trusted by *pinning* it: :func:`fetch_certificate` reads the certificate
the server presents, the user compares its SHA-256 fingerprint, and :func:`trust_certificate` keeps
it as the only root for that server (``sslmode=verify-ca``): any other certificate, a changed one
included, is refused (:func:`explain_connection_error` says so).
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import logging
import os
import re
import socket
import ssl
import struct
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlparse, urlunparse

from desktop_crm.config import data_dir
from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.models.db import CONNECT_TIMEOUT_S, TCP_OPTIONS

log = logging.getLogger(__name__)

SERVICE = "desktop-crm"
TRUSTED_DIR = "trusted-servers"

# Passwords given in this process (typed in a dialog, read from stdin): used for later connections
# of the same process whether or not the keyring could keep them.
_session: dict[str, str] = {}
_keyring_problem: list[str] = []  # why the keyring cannot be used, once found out


def _keyring() -> Any:
    """The keyring library (imported when a password is needed; its backend is the OS's, or the
    one ``PYTHON_KEYRING_BACKEND`` names)."""
    import keyring

    return keyring


def account_key(url: str) -> str:
    parsed = urlparse(url)
    return f"{parsed.username or ''}@{parsed.hostname or ''}:{parsed.port or 5432}{parsed.path}"


def _note_problem(error: BaseException | str) -> None:
    reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    if not _keyring_problem:
        log.info("passwords cannot be kept in a keyring: %s", reason)
        _keyring_problem.append(reason)


def keyring_problem() -> str | None:
    """Why passwords cannot be remembered on this computer (``None`` while the keyring works)."""
    return _keyring_problem[0] if _keyring_problem else None


def remember_password(url: str, password: str) -> bool:
    """Keep ``password`` for ``url``: in this process always, in the keyring when there is one.

    Returns whether the keyring kept it (read back: keyring's ``null`` backend accepts and drops).
    """
    key = account_key(url)
    _session[key] = password
    try:
        keyring = _keyring()
        keyring.set_password(SERVICE, key, password)
        kept = bool(keyring.get_password(SERVICE, key) == password)
    except Exception as error:  # NoKeyringError, a locked or absent Secret Service, D-Bus errors
        _note_problem(error)
        return False
    if not kept:
        _note_problem("the keyring backend does not keep passwords")
    return kept


def forget_password(url: str) -> None:
    _session.pop(account_key(url), None)
    with contextlib.suppress(Exception):  # keyring.errors.PasswordDeleteError: nothing stored
        _keyring().delete_password(SERVICE, account_key(url))


def stored_password(url: str) -> str | None:
    """The password remembered for ``url``: given in this process, else from the keyring; never
    an exception (no keyring simply means none is stored)."""
    key = account_key(url)
    if key in _session:
        return _session[key]
    try:
        password: str | None = _keyring().get_password(SERVICE, key)
    except Exception as error:
        _note_problem(error)
        return None
    return password


def not_remembered_text() -> str:
    """The user-facing reason a password is asked for again (shown once)."""
    return _(
        "The password is not remembered: this computer has no usable password store (keyring). "
        "It is kept only until the application closes; on the command line give it with "
        "--password-stdin, in a PGPASSFILE or in the server address."
    )


def with_password(url: str, password: str) -> str:
    """``url`` carrying ``password`` (kept in memory only: for the connections of this process)."""
    parsed = urlparse(url)
    host = parsed.netloc.rsplit("@", 1)[-1]
    user = quote(parsed.username or "", safe="")
    return urlunparse(parsed._replace(netloc=f"{user}:{quote(password, safe='')}@{host}"))


def strip_password(url: str) -> str:
    """The URL to keep in settings: the password goes to the keyring, never to a file."""
    parsed = urlparse(url)
    if parsed.password is None:
        return url
    netloc = parsed.netloc.rsplit("@", 1)
    userinfo = (parsed.username or "")
    return urlunparse(parsed._replace(netloc=f"{userinfo}@{netloc[1]}"))


def is_loopback(host: str | None) -> bool:
    if not host or host.startswith("/") or host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def default_sslmode(url: str) -> str:
    return "prefer" if is_loopback(urlparse(url).hostname) else "verify-full"


def _has_own_roots() -> bool:
    """Whether libpq will find root certificates of its own (environment or ``~/.postgresql``)."""
    if os.environ.get("PGSSLROOTCERT"):
        return True
    return (Path.home() / ".postgresql" / "root.crt").exists()


def _libpq_knows_system_roots() -> bool:
    from desktop_crm._drivers import load_psycopg

    try:
        return int(load_psycopg().pq.version()) >= 160000
    except Exception:  # an unusual build without ``pq.version``
        return False


# --- pinned certificates ---------------------------------------------------------------------------


class CertificateError(CrmError):
    """The server's certificate could not be read (no TLS offered, unreachable)."""


def _host_port(url: str) -> tuple[str, int]:
    parsed = urlparse(url)
    return parsed.hostname or "localhost", parsed.port or 5432


def fetch_certificate(url: str, timeout: float = CONNECT_TIMEOUT_S) -> bytes:
    """The certificate (DER) the PostgreSQL server at ``url`` presents, not verified: for the user
    to compare its fingerprint before trusting it. PostgreSQL's ``SSLRequest`` first, then TLS."""
    host, port = _host_port(url)
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(struct.pack("!ii", 8, 80877103))
            if sock.recv(1) != b"S":
                raise CertificateError(
                    _("The server at {host} does not offer an encrypted connection.").format(host=host)
                )
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE  # read, not trust: the user compares the fingerprint
            with context.wrap_socket(sock, server_hostname=host) as tls:
                der = tls.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError) as error:
        raise CertificateError(
            _("Cannot read the certificate of {host}: {reason}").format(host=host, reason=error)
        ) from error
    if not der:
        raise CertificateError(_("The server at {host} presented no certificate.").format(host=host))
    return der


def fingerprint(der: bytes) -> str:
    """``AB:CD:…``: the SHA-256 fingerprint as ``openssl x509 -fingerprint -sha256`` prints it."""
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def trusted_path(url: str) -> Path:
    host, port = _host_port(url)
    safe = re.sub(r"[^A-Za-z0-9.-]+", "_", host)
    return data_dir() / TRUSTED_DIR / f"{safe}_{port}.pem"


def trust_certificate(url: str, der: bytes) -> str:
    """Pin ``der`` as the only certificate accepted from ``url``'s server; returns the URL to use
    from now on (``sslmode=verify-ca`` with the pinned certificate as its root)."""
    path = trusted_path(url)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(ssl.DER_cert_to_PEM_cert(der), encoding="ascii")
    parsed = urlparse(url)
    query = dict(parse_qsl(parsed.query))
    query.update(sslmode="verify-ca", sslrootcert=str(path))
    return urlunparse(parsed._replace(query=urlencode(query)))


def pinned_fingerprint(url: str) -> str | None:
    """The fingerprint pinned for ``url`` (when it uses a pinned certificate)."""
    root = dict(parse_qsl(urlparse(url).query)).get("sslrootcert")
    if not root or Path(root).parent.name != TRUSTED_DIR or not Path(root).exists():
        return None
    return fingerprint(ssl.PEM_cert_to_DER_cert(Path(root).read_text(encoding="ascii")))


def explain_connection_error(url: str, error: BaseException) -> str | None:
    """A clear, translated sentence for the connection failures a user can act on (``None`` for
    the others, which keep the server's own words)."""
    text = str(error)
    parsed = urlparse(url)
    if "no password supplied" in text:
        return _(
            "The server needs a password for {login}. Enter it, or on the command line give it "
            "with --password-stdin, in a PGPASSFILE or in the server address."
        ).format(login=parsed.username or "?")
    if "password authentication failed" in text:
        return _("The server refused the password of {login}.").format(login=parsed.username or "?")
    if "certificate verify failed" in text or "root certificate file" in text:
        pinned = pinned_fingerprint(url)
        if pinned:
            return _(
                "The server's certificate has changed since you trusted it (trusted fingerprint "
                "{fingerprint}). The connection was refused. If your administrator renewed the "
                "certificate, set up the connection again and compare the new fingerprint."
            ).format(fingerprint=pinned)
        return _(
            "The server's certificate is not signed by an authority this computer trusts. If it "
            "is your office server with its own certificate, trust it in the connection setup "
            "after comparing its fingerprint with your administrator."
        )
    if "server does not support SSL" in text:
        return _(
            "The server does not offer an encrypted connection; ask your administrator to turn "
            "on TLS (see the server guide)."
        )
    return None


# CONNECT_TIMEOUT_S and TCP_OPTIONS are the application's (models/db.py). They do not help when
# something on the path (a proxy, a VPN gateway, a frozen server) keeps the TCP connection alive
# but never answers: the sync connection adds a client-side deadline on every server reply for
# that (``connect(response_timeout=…)``).


def conninfo(url: str, application_name: str = "desktop-crm") -> tuple[str, dict[str, Any]]:
    """The URL (with ``sslmode`` made explicit) and the keyword arguments for ``psycopg.connect``."""
    parsed = urlparse(url)
    query = dict(parse_qsl(parsed.query))
    query.setdefault("sslmode", default_sslmode(url))
    if (query["sslmode"] in ("verify-full", "verify-ca") and "sslrootcert" not in query
            and not _has_own_roots() and _libpq_knows_system_roots()):
        query["sslrootcert"] = "system"  # the operating system's trusted authorities
    url = urlunparse(parsed._replace(query=urlencode(query)))
    kwargs: dict[str, Any] = {
        "application_name": application_name,
        "connect_timeout": CONNECT_TIMEOUT_S,
        **TCP_OPTIONS,
        # a laptop that vanishes mid-transaction must not hold row locks or the pull horizon
        "options": "-c idle_in_transaction_session_timeout=60000",
    }
    if parsed.password is None and parsed.username:
        password = stored_password(url)
        if password:
            kwargs["password"] = password
    return url, kwargs


_DEADLINE_CLASS: list[Any] = []


def _deadline_connection_class() -> Any:
    """A ``psycopg.Connection`` whose every wait for the server has a deadline.

    psycopg waits for a reply without limit; its ``wait`` takes a ``timeout`` that nothing passes.
    This class passes the connection's ``response_timeout`` to each wait of a query (connecting has
    ``connect_timeout``). When it expires the connection is closed at once (its state is unknown)
    and marked ``crm_timed_out``, and the wait raises ``psycopg.OperationalError``.
    """
    if _DEADLINE_CLASS:
        return _DEADLINE_CLASS[0]
    from desktop_crm._drivers import load_psycopg

    psycopg = load_psycopg()

    class DeadlineConnection(psycopg.Connection):  # type: ignore[misc, name-defined]
        response_timeout: float | None = None
        crm_timed_out: float | None = None

        def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
            limit = timeout if timeout is not None else self.response_timeout
            try:
                return super().wait(gen, interval=interval, timeout=limit)
            except psycopg.OperationalError as error:
                # psycopg's (private) _WaitTimeout: our deadline expired, not a server error
                if timeout is None and limit is not None and type(error).__name__ == "_WaitTimeout":
                    self.crm_timed_out = limit
                    self.pgconn.finish()
                raise

    _DEADLINE_CLASS.append(DeadlineConnection)
    return DeadlineConnection


def connect(
    url: str, application_name: str = "desktop-crm", response_timeout: float | None = None,
    **extra: Any,
) -> Any:
    """Connect with TLS, keepalives and the keyring password. With ``response_timeout`` (seconds)
    every reply of the server must come within it (the sync connection: a black-holed server makes
    the round fail instead of hanging)."""
    from desktop_crm._drivers import load_psycopg

    psycopg = load_psycopg()
    target, kwargs = conninfo(url, application_name)
    kwargs.update(extra)
    if response_timeout is None:
        return psycopg.connect(target, **kwargs)
    conn = _deadline_connection_class().connect(target, **kwargs)
    conn.response_timeout = response_timeout
    return conn


__all__ = [
    "CertificateError",
    "connect",
    "conninfo",
    "default_sslmode",
    "explain_connection_error",
    "fetch_certificate",
    "fingerprint",
    "forget_password",
    "keyring_problem",
    "not_remembered_text",
    "pinned_fingerprint",
    "remember_password",
    "stored_password",
    "strip_password",
    "trust_certificate",
    "with_password",
]
