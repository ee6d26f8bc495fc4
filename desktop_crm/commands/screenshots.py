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


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("screenshots", help="render each main screen to a PNG file")
    parser.add_argument("--db", help="SQLite file path or postgresql:// URL", default=argparse.SUPPRESS)
    parser.add_argument("--out", required=True, help="folder for the PNG files")
    parser.add_argument("--lang", choices=("en", "ru", "it"), default=argparse.SUPPRESS,
                        help="UI language of the screenshots")
    parser.add_argument("--only", nargs="*", default=None, help="names of the screens to render")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if "QT_QPA_PLATFORM" not in os.environ:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from desktop_crm.app import build_main_window, install_language
    from desktop_crm.commands import database_url
    from desktop_crm.errors import CrmError
    from desktop_crm.i18n import _
    from desktop_crm.models.db import open_database
    from desktop_crm.models.schema import migrate
    from desktop_crm.workers import set_synchronous

    url = database_url(args)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    language = getattr(args, "lang", None)
    install_language(app, language)
    try:
        db = open_database(url)
        migrate(db)
    except CrmError as error:
        print(error.message, file=sys.stderr)
        return 1
    set_synchronous(True)  # screens are shot when their data is complete
    settings = QSettings(str(out / "screenshots-settings.ini"), QSettings.Format.IniFormat)
    settings.clear()
    window = build_main_window(url, settings)
    window.resize(1366, 800)
    window.show()
    app.processEvents()
    written = 0
    for screen in window.context.registry.screens:
        if args.only and screen.name not in args.only:
            continue
        widget = screen.render(window.context, window)
        for _round in range(3):
            app.processEvents()
        target = out / f"{screen.name}.png"
        if not widget.grab().save(str(target)):
            print(_("Could not write {path}").format(path=target), file=sys.stderr)
            return 1
        print(target)
        written += 1
        if screen.cleanup is not None:
            screen.cleanup()
        elif widget is not window:
            widget.close()
        app.processEvents()
    window.close()
    Path(out / "screenshots-settings.ini").unlink(missing_ok=True)
    db.close()
    return 0 if written else 1
