"""``desktop-crm mail …``: e-mail from the command line.

    desktop-crm mail send-document --db DB --deal ID --kind quote|invoice|… --to ADDRESS
                                   [--cc ADDRESS] [--lang ru|it] [--format pdf|docx|xml …]
                                   [--smtp URL] [--user LOGIN]
    desktop-crm mail flush --db DB [--smtp URL] [--user LOGIN]
    desktop-crm mail fetch --db DB [--imap URL] [--user LOGIN]

``send-document`` issues the document if it is a draft (as the app does before sending), queues the
message (subject and body from the mail template in the document's language unless ``--lang``) and
tries to send it: it prints whether it was sent or left queued, and exits 0 in both cases.
``flush`` sends what is queued and prints how many were sent. ``--smtp`` takes
``smtp://user:password@host:port`` (``smtps://`` for TLS from the start) and overrides the mail
account of the user (``--user``, default the first administrator).

Each sub-command is a module listed in ``MAIL_COMMAND_MODULES`` with ``register(subparsers)``.
"""

from __future__ import annotations

import argparse

MAIL_COMMAND_MODULES = ("mail_send", "mail_fetch")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    import importlib

    parser = subparsers.add_parser("mail", help="send documents and queued e-mail, fetch received mail")
    group = parser.add_subparsers(dest="mail_command", metavar="MAIL_COMMAND")
    group.required = True
    for name in MAIL_COMMAND_MODULES:
        importlib.import_module(f"desktop_crm.commands.{name}").register(group)


def common_arguments(parser: argparse.ArgumentParser) -> None:
    """``--db`` and ``--user`` of every ``mail`` sub-command."""
    from desktop_crm.commands import database_arg

    parser.add_argument("--db", type=database_arg, help="SQLite file path or postgresql:// URL",
                        default=argparse.SUPPRESS)
    parser.add_argument("--user", default="",
                        help="login of the user whose mail account is used (default: the first "
                             "administrator)")
