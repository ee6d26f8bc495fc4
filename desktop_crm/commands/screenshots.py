"""``desktop-crm screenshots --db URL --out DIR [--lang ru|it|en]``: every main screen to PNG.

Renders offscreen (no display needed). Screens come from the UI registry
(``views/registry.py``: ``registry.add_screen``), so each area adds its own (lists, cards, kanban,
analytics…). One PNG per screen, named after it; the command prints the files written.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from desktop_crm.commands import database_arg


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("screenshots", help="render each main screen to a PNG file")
    parser.add_argument("--db", type=database_arg, help="SQLite file path or postgresql:// URL",
                        default=argparse.SUPPRESS)
    parser.add_argument("--out", required=True, help="folder for the PNG files")
    parser.add_argument("--lang", choices=("en", "ru", "it"), default=argparse.SUPPRESS,
                        help="UI language of the screenshots")
    parser.add_argument("--only", nargs="*", default=None, help="names of the screens to render")
    parser.add_argument("--user", default="",
                        help="login of the user the screens show (default: the first administrator)")
    parser.add_argument("--palette", choices=("system", "dark"), default="system",
                        help="dark: the screens in a dark palette (checks that every one stays readable)")
    parser.add_argument("--scale", type=float, default=None,
                        help="display scaling, e.g. 1.5 for 150 %% (sets QT_SCALE_FACTOR)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if getattr(args, "scale", None):
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)  # read when the QApplication starts
    from desktop_crm.commands import database_url
    from desktop_crm.errors import CrmError
    from desktop_crm.models.db import open_database
    from desktop_crm.models.schema import migrate
    from desktop_crm.views.screenshots import render_screenshots

    url = database_url(args)
    try:
        db = open_database(url)
        migrate(db)
    except CrmError as error:
        print(error.message, file=sys.stderr)
        return 1
    try:
        files = render_screenshots(url, Path(args.out), getattr(args, "lang", None), args.only,
                                   args.user, dark=args.palette == "dark")
    except OSError as error:
        print(str(error), file=sys.stderr)
        return 1
    finally:
        db.close()
    for path in files:
        print(path)
    return 0 if files else 1
