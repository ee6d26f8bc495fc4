"""The ``desktop-crm`` command: opens the GUI, or runs a subcommand.

Each subcommand lives in ``desktop_crm/commands/<name>.py`` with ``register(subparsers)``; heavy
imports stay inside the command's function so that start-up of the GUI stays fast.

A bad argument or an expected problem (``CrmError``, a database the environment stops, a file that
cannot be written) ends a command with one translated line on stderr and a non-zero exit status:
2 for the command line itself, 1 for a refusal (``sync`` adds 3: the round finished but refused
changes or open conflicts need the user). Only bugs print a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from typing import NoReturn

from desktop_crm import __version__

COMMAND_MODULES = (
    "migrate", "demo", "check", "screenshots", "server", "sync", "render", "templates", "backup",
    "archive", "imports", "statements", "mail", "calendar", "automation",
)

EXIT_REFUSED = 1  # the command ran and refused (a CrmError): its message says why
EXIT_USAGE = 2  # the command line is wrong


class UsageError(Exception):
    """A command line that cannot be run: ``str(self)`` is the one line to show."""


class Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one translated line (no usage dump, no ``sys.exit`` here)."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {_translated_usage(message)}")


# argparse's own messages (English, from its gettext domain) in the application's words
_USAGE_MESSAGES: tuple[tuple[str, str], ...] = (
    (r"the following arguments are required: (?P<names>.+)", "required"),
    (r"argument (?P<option>[^:]+): invalid choice: '?(?P<value>.*?)'? \(choose from (?P<choices>.*)\)",
     "choice"),
    (r"argument (?P<option>[^:]+): invalid \w+ value: '?(?P<value>.*?)'?$", "value"),
    (r"argument (?P<option>[^:]+): expected (?:one|at least one) argument", "expected"),
    (r"argument (?P<option>[^:]+): (?P<message>.+)", "typed"),
    (r"unrecognized arguments: (?P<names>.+)", "unknown"),
)


def _translated_usage(message: str) -> str:
    from desktop_crm.commands import shown

    return shown(_usage_text(message), limit=400)


def _usage_text(message: str) -> str:
    from desktop_crm.i18n import _

    for pattern, kind in _USAGE_MESSAGES:
        match = re.fullmatch(pattern, message, flags=re.DOTALL)
        if match is None:
            continue
        found = match.groupdict()
        option = found.get("option", "").split("/")[-1]
        if kind == "required":
            return _("required arguments missing: {names}.").format(names=found["names"])
        if kind == "choice":
            return _("{option}: “{value}” is not one of {choices}.").format(
                option=option, value=found["value"], choices=found["choices"].replace("'", ""))
        if kind == "value":
            return _("{option}: “{value}” is not a valid value.").format(
                option=option, value=found["value"])
        if kind == "expected":
            return _("{option} needs a value.").format(option=option)
        if kind == "typed":
            return f"{option}: {found['message']}"
        return _("unknown arguments: {names}.").format(names=found["names"])
    return message


def build_parser() -> argparse.ArgumentParser:
    from desktop_crm.commands import database_arg

    parser = Parser(prog="desktop-crm", description="Desktop CRM")
    parser.add_argument("--version", action="version", version=f"desktop-crm {__version__}")
    parser.add_argument("--db", type=database_arg,
                        help="SQLite file path or postgresql:// URL (default: user data)")
    parser.add_argument("--lang", choices=("en", "ru", "it"), help="UI language for this run")
    parser.add_argument(
        "--selftest",
        action="store_true",
        help="check this installation offscreen (demo data, documents, main window) and exit",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"desktop_crm.commands.{name}").register(subparsers)
    return parser


def _early_language(argv: list[str]) -> None:
    """``--lang`` before the command, applied before parsing, so that its mistakes are translated."""
    from desktop_crm.i18n import set_language

    language = None
    for index, token in enumerate(argv):
        if not token.startswith("-"):
            break  # the command: a later --lang belongs to it
        if token == "--lang" and index + 1 < len(argv):
            language = argv[index + 1]
        elif token.startswith("--lang="):
            language = token.partition("=")[2]
    set_language(language if language in ("en", "ru", "it") else None)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _early_language(argv)
    try:
        args = build_parser().parse_args(argv)
    except UsageError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    from desktop_crm.sync import capture

    capture.install()  # the composition root: sync takes part in opening and migrating databases
    from desktop_crm.services.system import history

    history.install()  # the signed-in user's saves are recorded as field history
    if args.selftest:
        from desktop_crm.selftest import run_selftest

        return run_selftest()
    if args.command is None:
        from desktop_crm.app import run_gui

        return run_gui(args.db, args.lang)
    from desktop_crm.i18n import set_language

    set_language(args.lang)
    return run_command(args)


def run_command(args: argparse.Namespace) -> int:
    """Run the parsed command; an expected problem is its one line and exit status 1."""
    from desktop_crm.errors import CrmError, classify
    from desktop_crm.i18n import _

    try:
        return int(args.func(args) or 0)
    except UsageError as error:
        print(error, file=sys.stderr)
        return EXIT_USAGE
    except CrmError as error:
        print(" ".join(error.message.split()), file=sys.stderr)
        return EXIT_REFUSED
    except OSError as error:  # a file or folder the command was told to use
        where = error.filename if error.filename is not None else ""
        print(_("Cannot use {path}: {reason}").format(
            path=where, reason=error.strerror or error), file=sys.stderr)
        return EXIT_REFUSED
    except Exception as error:
        typed = classify(error)  # a database the environment stops: locked, unreachable, damaged
        if typed is None:
            raise
        print(" ".join(typed.message.split()), file=sys.stderr)
        return EXIT_REFUSED


def gui_main() -> None:
    """Entry point of the windowed (no console) executable made by installers."""
    sys.exit(main([]))


if __name__ == "__main__":
    sys.exit(main())
