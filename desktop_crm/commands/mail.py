"""``desktop-crm mail``: e-mail from the command line (``fetch`` here; sending in its own module)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from desktop_crm.commands.mail_fetch import add_fetch

    parser = subparsers.add_parser("mail", help="send and receive e-mail")
    commands = parser.add_subparsers(dest="mail_command", metavar="COMMAND", required=True)
    add_fetch(commands)
