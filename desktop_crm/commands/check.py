"""``desktop-crm check``: is the database readable, at this version's schema, intact and consistent?

The exit code is 0 only when every check holds. The checks are a list
(:func:`desktop_crm.services.system.integrity.database_checks`); a later issue adds its own (the sales-rules
report) behind its own option, and ``--json`` prints every outcome as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from desktop_crm.commands import count, database_arg

if TYPE_CHECKING:
    from desktop_crm.services.system.integrity import Check


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "check", help="check the database: integrity, references and schema version"
    )
    parser.add_argument("--db", type=database_arg, help="SQLite file path or postgresql:// URL",
                        default=argparse.SUPPRESS)
    parser.add_argument("--full", action="store_true",
                        help="complete integrity check even on a large SQLite file")
    parser.add_argument("--json", action="store_true", help="print the outcomes as JSON")
    parser.add_argument("--rules", action="store_true",
                        help="report the sales rules per manager: incorrect and inactive deals, "
                             "overdue tasks")
    parser.add_argument("--limit", type=count(0), default=20,
                        help="with --rules: at most this many items per list in the text output")
    parser.set_defaults(func=run)


def checks_for(args: argparse.Namespace) -> list[Check]:
    """The checks this run performs: the database checks, then those other options ask for."""
    from desktop_crm.services.system.integrity import database_checks

    checks = database_checks()
    if getattr(args, "rules", False):
        from desktop_crm.services.reporting.report import rules_check

        args.rules_sink = {}
        checks.append(rules_check(args.limit if args.limit > 0 else None, args.rules_sink))
    return checks


def run(args: argparse.Namespace) -> int:
    from desktop_crm.commands import database_url
    from desktop_crm.i18n import _, ngettext
    from desktop_crm.services.system.integrity import run_checks

    outcomes = run_checks(database_url(args), checks_for(args), full=args.full)
    ok = all(outcome.ok for outcome in outcomes)
    if args.json:
        payload = {"ok": ok, "checks": [o.as_dict() for o in outcomes]}
        if getattr(args, "rules_sink", None):
            payload["rules"] = args.rules_sink["report"]
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0 if ok else 1
    for outcome in outcomes:
        mark = "✓" if outcome.ok else "✗"
        print(f"{mark} {outcome.title}: {outcome.message}")
        for detail in outcome.details:
            print(f"    {detail}")
    failed = sum(1 for outcome in outcomes if not outcome.ok)
    if failed:
        print(ngettext("{count} check failed.", "{count} checks failed.", failed).format(count=failed),
              file=sys.stderr)
        return 1
    print(_("All checks passed."))
    return 0
