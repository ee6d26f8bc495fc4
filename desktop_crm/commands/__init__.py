"""Subcommands of ``desktop-crm`` (see ``desktop_crm.cli``).

The argument types below check a value when the command line is parsed, so a bad argument is one
translated line (``desktop-crm render: --deal: …``) and exit status 2, never a traceback from deep
inside a command.
"""

from __future__ import annotations

import argparse
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from desktop_crm.config import default_database_url
from desktop_crm.i18n import _

if TYPE_CHECKING:
    from desktop_crm.services.system.session import UserRef


def database_url(args: argparse.Namespace) -> str:
    """The database a command works on: ``--db`` (before or after the command) or the default."""
    return getattr(args, "db", None) or default_database_url()


@contextmanager
def signed_in(args: argparse.Namespace) -> Iterator[UserRef]:
    """The command's database, brought to the current schema, with the user of ``--user`` (else
    the first administrator) signed in: a command acts as a user, so that user's rights apply.
    The database is closed afterwards; the user stays signed in until the process ends."""
    from desktop_crm.models.db import open_database
    from desktop_crm.models.schema import migrate
    from desktop_crm.services.system import session

    db = open_database(database_url(args))
    try:
        migrate(db)
        yield session.sign_in_for_tool(getattr(args, "user", "") or "")
    finally:
        db.close()


def _refuse(message: str) -> argparse.ArgumentTypeError:
    return argparse.ArgumentTypeError(message)


def shown(value: object, limit: int = 60) -> str:
    """A value typed by the user, fit to be quoted in a one-line message: control characters,
    line breaks and lone surrogates escaped, long values shortened."""
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def uuid_text(value: str) -> str:
    """An id (UUID), returned in its canonical text."""
    try:
        return str(uuid.UUID(value.strip()))
    except (ValueError, AttributeError):
        raise _refuse(_("“{value}” is not an id (a UUID such as "
                        "0190f5e4-7d3a-7c41-9a52-3f0b2c8e6d10).").format(value=shown(value))) from None


def postgres_url(value: str) -> str:
    """A ``postgresql://`` server URL."""
    from urllib.parse import urlparse

    try:
        parsed = urlparse(value)
        _port = parsed.port  # raises on a port that is not a number
    except ValueError:
        parsed = None
    if parsed is None or parsed.scheme not in ("postgresql", "postgres") or not parsed.hostname \
            or "\x00" in value:
        raise _refuse(_("“{value}” is not a server address: give a URL such as "
                        "postgresql://user@host:5432/crm.").format(value=shown(value)))
    return value


def database_arg(value: str) -> str:
    """``--db``: a SQLite file path or a ``postgresql://`` URL."""
    if value.startswith(("postgresql:", "postgres:")):
        return postgres_url(value)
    if not value.strip() or "\x00" in value:
        raise _refuse(_("“{value}” is not a database file path or server address.").format(
            value=shown(value)))
    return value


def count(minimum: int = 0, maximum: int | None = None) -> Callable[[str], int]:
    """A whole number in ``minimum..maximum``."""
    def parse(value: str) -> int:
        try:
            number = int(value.strip())
        except ValueError:
            raise _refuse(_("“{value}” is not a whole number.").format(value=shown(value))) from None
        if number < minimum or (maximum is not None and number > maximum):
            if maximum is None:
                message = _("{value} is too small: at least {minimum}.")
            else:
                message = _("{value} is out of range: from {minimum} to {maximum}.")
            raise _refuse(message.format(value=shown(number), minimum=minimum, maximum=maximum))
        return number

    parse.__name__ = "count"
    return parse


def output_file(value: str) -> str:
    """A file to write: its folder exists and it is not itself a folder."""
    path = Path(value)
    if not value.strip() or "\x00" in value:
        raise _refuse(_("“{value}” is not a file name.").format(value=shown(value)))
    if path.is_dir():
        raise _refuse(_("{path} is a folder: give the name of the file to write.").format(path=shown(path)))
    if not path.parent.is_dir():
        raise _refuse(_("The folder {folder} does not exist.").format(folder=shown(path.parent)))
    return value


def version_text(value: str) -> str:
    """An application version such as 1.4 or 1.4.2."""
    parts = value.strip().split(".")
    if not 1 <= len(parts) <= 4 or not all(part.isdigit() and part.isascii() for part in parts):
        raise _refuse(_("“{value}” is not a version number such as 1.4.2.").format(value=shown(value)))
    return value.strip()
def read_password_stdin() -> str:
    """One line of standard input without its line end (``--password-stdin``); ``""`` if none."""
    import sys

    line = sys.stdin.readline()
    return line.rstrip("\r\n")


def connection_failure(url: str, error: BaseException) -> str:
    """One translated line for a failed connection to ``url`` (never a traceback)."""
    from desktop_crm.i18n import _
    from desktop_crm.models.credentials import explain_connection_error

    return explain_connection_error(url, error) or _("Cannot reach the server: {reason}").format(
        reason=str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    )
