"""``desktop-crm calendar export --db DB --to FILE [--user LOGIN]``: one's tasks and meetings as
an iCalendar file (RFC 5545) for Outlook, Thunderbird, Google or Apple Calendar. The command acts as
the user with ``LOGIN`` (else the first administrator) and exports that user's own diary."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop_crm.commands import database_arg, output_file, signed_in


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("calendar", help="the calendar of tasks and meetings")
    actions = parser.add_subparsers(dest="calendar_command", metavar="ACTION", required=True)
    export = actions.add_parser("export", help="write one's tasks and meetings to an .ics file")
    export.add_argument("--db", type=database_arg, help="SQLite file path or postgresql:// URL",
                        default=argparse.SUPPRESS)
    export.add_argument("--to", required=True, type=output_file, dest="target",
                        help="the iCalendar file to write (.ics)")
    export.add_argument("--user", default="", help="the login of the user whose tasks to export "
                        "(default: the first administrator)")
    export.set_defaults(func=run_export)


def run_export(args: argparse.Namespace) -> int:
    from desktop_crm.i18n import _
    from desktop_crm.services.sales import calendar

    with signed_in(args) as user:
        text = calendar.export_ics(user.id)
    Path(args.target).write_bytes(text.encode("utf-8"))
    count = text.count("BEGIN:VTODO") + text.count("BEGIN:VEVENT")
    print(_("{count} tasks and meetings of {name} written to {path}.").format(
        count=count, name=user.name, path=args.target))
    return 0
