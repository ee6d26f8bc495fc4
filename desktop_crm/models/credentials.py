"""Server connections: passwords from the OS keyring, TLS settings, keepalives.

Passwords never go to SQLite or config files: ``remember_password`` puts them in the OS keyring
(Windows Credential Manager, macOS Keychain, Secret Service) under the service ``desktop-crm`` and the
key ``user@host:port/dbname``; keyring's own ``PYTHON_KEYRING_BACKEND`` chooses another backend (the
tests name an in-memory one).

TLS: a server URL may carry ``sslmode`` itself; otherwise loopback connections use ``prefer`` and
every other host ``verify-full`` (certificate and host name checked), as sync.md §2.13 asks.
"""

from __future__ import annotations

import contextlib
import ipaddress
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

from desktop_crm.models.db import CONNECT_TIMEOUT_S, TCP_OPTIONS

SERVICE = "desktop-crm"


def _keyring() -> Any:
    """The keyring library (imported when a password is needed; its backend is the OS's, or the
    one ``PYTHON_KEYRING_BACKEND`` names)."""
    import keyring

    return keyring


def account_key(url: str) -> str:
    parsed = urlparse(url)
    return f"{parsed.username or ''}@{parsed.hostname or ''}:{parsed.port or 5432}{parsed.path}"


def remember_password(url: str, password: str) -> None:
    _keyring().set_password(SERVICE, account_key(url), password)


def forget_password(url: str) -> None:
    with contextlib.suppress(Exception):  # keyring.errors.PasswordDeleteError: nothing stored
        _keyring().delete_password(SERVICE, account_key(url))


def stored_password(url: str) -> str | None:
    password: str | None = _keyring().get_password(SERVICE, account_key(url))
    return password


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


# CONNECT_TIMEOUT_S and TCP_OPTIONS are the application's (models/db.py). They do not help when
# something on the path (a proxy, a VPN gateway, a frozen server) keeps the TCP connection alive
# but never answers: the sync connection adds a client-side deadline on every server reply for
# that (``connect(response_timeout=…)``).


def conninfo(url: str, application_name: str = "desktop-crm") -> tuple[str, dict[str, Any]]:
    """The URL (with ``sslmode`` made explicit) and the keyword arguments for ``psycopg.connect``."""
    parsed = urlparse(url)
    query = dict(parse_qsl(parsed.query))
    query.setdefault("sslmode", default_sslmode(url))
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
    "connect",
    "conninfo",
    "default_sslmode",
    "forget_password",
    "remember_password",
    "stored_password",
    "strip_password",
]
