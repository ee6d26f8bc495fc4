"""``desktop-crm automation run-due --db DB [--user LOGIN]``: the delayed robots whose time has
come, as the main window runs them every few minutes (for a computer where the app is not open, or
a scheduled job). The command acts as the user with ``LOGIN`` (else the first administrator) and
executes the runs this database owns; it prints how many were done and how many skipped, and why."""

from __future__ import annotations

import argparse

from desktop_crm.commands import database_arg, signed_in


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("automation", help="robots and triggers of the pipelines")
    actions = parser.add_subparsers(dest="automation_command", metavar="ACTION", required=True)
    due = actions.add_parser("run-due", help="execute the delayed robots whose time has come")
    due.add_argument("--db", type=database_arg, help="SQLite file path or postgresql:// URL",
                     default=argparse.SUPPRESS)
    due.add_argument("--user", default="", help="the login of the user the robots act for "
                     "(default: the first administrator)")
    due.set_defaults(func=run_due)


def run_due(args: argparse.Namespace) -> int:
    from desktop_crm.i18n import _
    from desktop_crm.services.sales.automation import engine

    with signed_in(args) as user:
        runs = engine.run_due(user.id)
    done = [run for run in runs if run.state == engine.DONE]
    print(_("Robots done: {done}, skipped: {skipped}.").format(
        done=len(done), skipped=len(runs) - len(done)))
    for run in runs:
        if run.state != engine.DONE:
            print(_("Skipped: {reason}").format(reason=run.reason))
    return 0
