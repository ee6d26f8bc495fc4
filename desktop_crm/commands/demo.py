"""``desktop-crm demo``: build a realistic demo database (a few deals to a million)."""

from __future__ import annotations

import argparse
import sys
import time

from desktop_crm.commands import count, database_arg


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "demo", help="build a demo database (companies, contacts, deals, documents)"
    )
    parser.add_argument("--db", type=database_arg, help="new SQLite file or empty postgresql:// database",
                        default=argparse.SUPPRESS)
    parser.add_argument("--deals", type=count(0, 10_000_000), default=5000,
                        help="number of deals (default 5000)")
    parser.add_argument("--seed", type=count(0), default=1, help="random seed: same seed, same database")
    parser.add_argument("--locale", choices=("ru", "it", "both"), default="both",
                        help="Russian, Italian or both sellers (default both)")
    parser.add_argument("--without-files", dest="files", action="store_false",
                        help="do not issue the demo's papers or store its documents' files now "
                             "(faster; quotes and invoices are then stored on first print)")
    parser.set_defaults(func=run)


class _Progress:
    """Progress on stderr: a line per phase, then a percentage at most every half second."""

    def __init__(self) -> None:
        self.phase = ""
        self.shown = 0.0

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase != self.phase or done >= total or now - self.shown > 0.5:
            percent = 100 * done // total if total else 100
            counts = f"{done:,}/{total:,}".replace(",", " ")
            print(f"{phase}: {counts} ({percent}%)", file=sys.stderr, flush=True)
            self.phase, self.shown = phase, now


def run(args: argparse.Namespace) -> int:
    from desktop_crm.commands import database_url
    from desktop_crm.errors import CrmError
    from desktop_crm.i18n import _, ngettext
    from desktop_crm.models.db import redact
    from desktop_crm.services.data.demo import DemoOptions, build_demo

    url = database_url(args)
    try:
        options = DemoOptions(deals=args.deals, seed=args.seed, locale=args.locale,
                              files=getattr(args, "files", True))
        summary = build_demo(url, options, progress=_Progress())
    except CrmError as error:
        print(error.message, file=sys.stderr)
        return 1
    rows = sum(summary.rows.values())
    print(
        ngettext(
            "{name}: demo database with {deals} deal ({rows} rows) built in {seconds} s",
            "{name}: demo database with {deals} deals ({rows} rows) built in {seconds} s",
            summary.deals,
        ).format(name=redact(url), deals=summary.deals, rows=rows,
                 seconds=f"{summary.seconds:.1f}")
    )
    print(_("Seed {seed}: the same seed always builds the same database.").format(seed=args.seed))
    return 0
