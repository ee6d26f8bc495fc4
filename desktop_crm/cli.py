"""The ``desktop-crm`` command: opens the GUI, or runs a subcommand.

Each subcommand lives in ``desktop_crm/commands/<name>.py`` with ``register(subparsers)``; heavy
imports stay inside the command's function so that start-up of the GUI stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from desktop_crm import __version__

COMMAND_MODULES = ("migrate", "demo", "check", "screenshots", "server", "sync", "render", "templates")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="desktop-crm", description="Desktop CRM")
    parser.add_argument("--version", action="version", version=f"desktop-crm {__version__}")
    parser.add_argument("--db", help="SQLite file path or postgresql:// URL (default: user data)")
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


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from desktop_crm.sync import capture

    capture.install()  # the composition root: sync takes part in opening and migrating databases
    if args.selftest:
        from desktop_crm.selftest import run_selftest

        return run_selftest()
    if args.command is None:
        from desktop_crm.app import run_gui

        return run_gui(args.db, args.lang)
    from desktop_crm.i18n import set_language

    set_language(args.lang)
    return int(args.func(args) or 0)


def gui_main() -> None:
    """Entry point of the windowed (no console) executable made by installers."""
    sys.exit(main([]))


if __name__ == "__main__":
    sys.exit(main())
