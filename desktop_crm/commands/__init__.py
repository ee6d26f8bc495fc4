"""Subcommands of ``desktop-crm`` (see ``desktop_crm.cli``)."""

from __future__ import annotations

import argparse

from desktop_crm.config import default_database_url


def database_url(args: argparse.Namespace) -> str:
    """The database a command works on: ``--db`` (before or after the command) or the default."""
    return getattr(args, "db", None) or default_database_url()
