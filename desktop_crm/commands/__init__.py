"""Subcommands of ``desktop-crm`` (see ``desktop_crm.cli``)."""

from __future__ import annotations

import argparse

from desktop_crm.config import default_database_url


def database_url(args: argparse.Namespace) -> str:
    """The database a command works on: ``--db`` (before or after the command) or the default."""
    return getattr(args, "db", None) or default_database_url()


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
