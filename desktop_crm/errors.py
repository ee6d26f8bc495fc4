"""Typed errors whose messages are shown to users (translated when raised).

``CrmError`` and its subclasses are *expected* problems (bad input, a rule, a locked or newer
database): the UI shows their message in a plain dialog. Anything else is a bug and goes to the
crash dialog and the log.

Environmental database failures (:class:`DatabaseBusy`, :class:`DatabaseUnavailable`,
:class:`DatabaseReadOnly`, :class:`DatabaseCorrupt`) arrive from the drivers as sqlite3, peewee or
psycopg exceptions. :func:`classify` is the one place that says which driver failure is which of
them; :func:`database_errors` re-raises them typed. Everything it does not recognise (a constraint
broken by a programming error, a syntax error, a missing table) stays a bug.
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from desktop_crm.i18n import _


class CrmError(Exception):
    """An expected problem with a message for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DatabaseError(CrmError):
    """The database cannot be used as it is."""


class DatabaseUnreadable(DatabaseError):
    """The file is not a database of this application (or not a database at all)."""


class DatabaseTooNew(DatabaseError):
    """The database was written by a newer version of the application."""


class DatabaseBusy(DatabaseError):
    """Another connection holds the lock the work needs, longer than the driver waits."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _(
            "The database is busy: another program or user is changing it right now. "
            "Wait a moment and try again."))


class DatabaseUnavailable(DatabaseError):
    """The database cannot be reached: the server is down or unreachable, the connection was
    lost, or the file cannot be opened."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _(
            "The database cannot be reached: the server does not answer, the connection was lost "
            "or the file cannot be opened. Check the network and that the server is running, "
            "then try again."))


class DatabaseReadOnly(DatabaseError):
    """The database may be read but not changed (file rights, a read-only mount or server)."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _(
            "The database can only be read, so the change was not saved. Check that you may "
            "write to the database file or server, or ask your administrator."))


class DatabaseRefused(DatabaseError):
    """The shared server refused the change: the user's role does not allow it, or the record may
    no longer change (a sent quote, an issued invoice, a document counter). Nothing was saved."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _(
            "The server refused this change: your role does not allow it, or the record can no "
            "longer be changed (a sent quote or an issued invoice). Nothing was saved; ask your "
            "administrator if you need it."))


class DatabaseCorrupt(DatabaseError):
    """The database file is damaged (or was overwritten by something that is not a database)."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or _(
            "The database is damaged and cannot be used safely. Stop working with it and "
            "restore it from a backup, or ask your administrator."))


class DatabaseFileDamaged(DatabaseCorrupt, DatabaseUnreadable):
    """A SQLite file that cannot be opened because it is damaged (or not a database at all);
    ``path`` is the file, so the application can offer to put its latest backup back."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(_(
            "{name} is damaged or is not a database file ({reason}).").format(
                name=path, reason=reason))
        self.path = path


class DatabaseFolderMissing(DatabaseError):
    """A SQLite path whose folder does not exist: never created silently (a typo, an unplugged
    drive or a network share that is not mounted would otherwise get an empty new database)."""

    def __init__(self, path: Path) -> None:
        super().__init__(_(
            "The folder {folder} does not exist, so there is no database {name} in it. Check the "
            "path (is the drive or network share connected?).").format(
                folder=path.parent, name=path.name))
        self.path = path
class PermissionDenied(CrmError):
    """The signed-in user's role does not allow the action (or the record is outside its scope)."""


class SignInRefused(CrmError):
    """Nobody may work as the user asked for: wrong password, unknown or disabled user, or a
    server login that is mapped to no CRM user."""


class ValidationError(CrmError):
    """User input that cannot be saved; ``field`` names the offending input when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def field_messages(self) -> dict[str, str]:
        """The message to show under each offending input of a form (field name → text)."""
        return {self.field: self.message} if self.field else {}


class InvalidId(ValidationError, ValueError):
    """A record id given to a service that is not one (mistyped, cut short or forged): refused
    like any bad input, and still a ``ValueError`` for code that parses ids itself."""


# --- which driver failure is which environmental error -------------------------------------------

_SQLITE_CODES: dict[int, Callable[[], DatabaseError]] = {  # primary result codes (extended code & 0xFF)
    sqlite3.SQLITE_BUSY: DatabaseBusy,
    sqlite3.SQLITE_LOCKED: DatabaseBusy,
    sqlite3.SQLITE_READONLY: DatabaseReadOnly,
    sqlite3.SQLITE_CORRUPT: DatabaseCorrupt,
    sqlite3.SQLITE_NOTADB: DatabaseCorrupt,
    sqlite3.SQLITE_CANTOPEN: DatabaseUnavailable,
    sqlite3.SQLITE_IOERR: DatabaseUnavailable,
}

_POSTGRES_STATES: dict[str, Callable[[], DatabaseError]] = {  # SQLSTATE codes
    "55P03": DatabaseBusy,  # lock_not_available
    "40P01": DatabaseBusy,  # deadlock_detected
    "40001": DatabaseBusy,  # serialization_failure
    "57P01": DatabaseUnavailable,  # admin_shutdown: the server is stopping
    "57P02": DatabaseUnavailable,  # crash_shutdown
    "57P03": DatabaseUnavailable,  # cannot_connect_now: starting up or in recovery
    "53300": DatabaseUnavailable,  # too_many_connections
    "25006": DatabaseReadOnly,  # read_only_sql_transaction (also a hot standby)
    "XX001": DatabaseCorrupt,  # data_corrupted
    "XX002": DatabaseCorrupt,  # index_corrupted
    "42501": DatabaseRefused,  # insufficient_privilege: grants, row-level security, rights guards
}
# the server's guards (sync/policies.py) mark their refusals with this hint prefix
_REFUSED_HINT = "desktop-crm:refused:"
_POSTGRES_CONNECTION_CLASS = "08"  # connection_exception and its subclasses


def classify(exc: BaseException) -> DatabaseError | None:
    """The typed error a driver failure stands for; ``None`` when it is not an environmental one.

    Looks through peewee's wrapper (``orig``) and the exception's chain for the driver's own
    exception. A ``DatabaseError`` of this module is returned as it is; any other ``CrmError`` is
    already an expected problem with its own message, whatever driver failure it was raised from.
    """
    if isinstance(exc, CrmError):
        return exc if isinstance(exc, DatabaseError) else None
    for candidate in _chain(exc):
        kind = _kind_of(candidate)
        if kind is not None:
            return kind()
    return None


@contextlib.contextmanager
def database_errors() -> Iterator[None]:
    """Re-raise an environmental driver failure as its typed error (the original chained to it).

    A context manager and, like every ``contextlib.contextmanager``, a decorator
    (``@database_errors()``). Bugs pass through untouched.
    """
    try:
        yield
    except Exception as error:
        typed = classify(error)
        if typed is None or typed is error:
            raise
        raise typed from error


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        for linked in (getattr(current, "orig", None), current.__cause__, current.__context__):
            if isinstance(linked, BaseException):
                pending.append(linked)


def _kind_of(exc: BaseException) -> Callable[[], DatabaseError] | None:
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        return _SQLITE_CODES.get(code & 0xFF) if isinstance(code, int) else None
    psycopg = sys.modules.get("psycopg")  # never imported here: a psycopg error means it is loaded
    if psycopg is None or not isinstance(exc, psycopg.Error):
        return None
    state = getattr(exc, "sqlstate", None)
    hint = getattr(getattr(exc, "diag", None), "message_hint", None)
    if isinstance(hint, str) and hint.startswith(_REFUSED_HINT):
        return DatabaseRefused
    if isinstance(state, str):
        if state.startswith(_POSTGRES_CONNECTION_CLASS):
            return DatabaseUnavailable
        return _POSTGRES_STATES.get(state)
    # No SQLSTATE: the failure is the client's own, connecting or talking to the server.
    return DatabaseUnavailable if isinstance(exc, psycopg.OperationalError) else None
