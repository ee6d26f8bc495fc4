"""``desktop-crm sync --db LOCAL --server URL``: one sync round; prints pushed, pulled, conflicts.

A local file that has never synced becomes a replica and uploads everything it holds; a path where
no database exists yet (in a folder that does) becomes a new replica and downloads what the server
holds. Exit code 0 when the round succeeded and nothing waits for the user; 3
(:data:`EXIT_ATTENTION`) when it succeeded but refused changes or unresolved conflicts remain; 1 when
it failed, 2 for a wrong command line.

The password: in the URL, libpq's ``PGPASSFILE``, the keyring, or ``--password-stdin`` (then kept in
the keyring for the next rounds when this computer has one; when it has none, that is said once).

"""

from __future__ import annotations

import argparse
import sys

from desktop_crm.commands import database_arg, postgres_url

EXIT_ATTENTION = 3  # the round finished, but refused changes or open conflicts need the user


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("sync", help="synchronise a local database with the server")
    parser.add_argument("--db", type=database_arg, help="the local SQLite file", default=argparse.SUPPRESS)
    parser.add_argument("--server", required=True, type=postgres_url,
                        help="postgresql:// URL of the shared server")
    parser.add_argument("--password-stdin", action="store_true",
                        help="read the server password from standard input")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from desktop_crm.commands import database_url, read_password_stdin
    from desktop_crm.errors import CrmError
    from desktop_crm.i18n import _, ngettext
    from desktop_crm.models import credentials
    from desktop_crm.models.db import is_postgres_url, redact
    from desktop_crm.sync.hlc import CLOCK_WARN_MS
    from desktop_crm.sync.replica import sync_once
    from desktop_crm.sync.server import clock_off_text

    local = database_url(args)
    if is_postgres_url(local):
        print(_("--db must be a local SQLite file; the server goes in --server."), file=sys.stderr)
        return 2
    if args.password_stdin:
        password = read_password_stdin()
        if not password:
            print(_("No password on standard input."), file=sys.stderr)
            return 1
        if not credentials.remember_password(credentials.strip_password(args.server), password):
            print(credentials.not_remembered_text(), file=sys.stderr)

    reported = []

    def progress(done: int, total: int, text: str) -> None:
        print(f"\r{text} {done}/{total}", end="", file=sys.stderr, flush=True)
        reported.append(done)

    try:
        from desktop_crm.services.billing.invoices import refreeze_final_numbers

        result = sync_once(local, args.server, progress=progress, after_round=refreeze_final_numbers)
    except CrmError as error:
        print(error.message, file=sys.stderr)
        return 1
    if reported:  # end the progress line
        print(file=sys.stderr)
    parked_total = result.parked_total
    print(
        _("{name}: pushed {pushed}, pulled {pulled}, conflicts {conflicts}, refused {parked}").format(
            name=redact(local), pushed=result.pushed, pulled=result.pulled,
            conflicts=result.conflicts, parked=parked_total,
        )
    )
    if parked_total:
        print(
            ngettext(
                "{n} refused change is kept aside; review it in the application (Sync → Refused "
                "changes).",
                "{n} refused changes are kept aside; review them in the application (Sync → "
                "Refused changes).",
                parked_total,
            ).format(n=parked_total),
            file=sys.stderr,
        )
    if abs(result.clock_offset_ms) > CLOCK_WARN_MS:
        print(
            _("Warning: {problem}; set the correct date, time and time zone on this computer.").format(
                problem=clock_off_text(result.clock_offset_ms)
            ),
            file=sys.stderr,
        )
    if result.open_conflicts:
        print(
            ngettext(
                "{n} conflict is not reviewed yet; review it in the application (Sync → "
                "Conflicts).",
                "{n} conflicts are not reviewed yet; review them in the application (Sync → "
                "Conflicts).",
                result.open_conflicts,
            ).format(n=result.open_conflicts),
            file=sys.stderr,
        )
    return EXIT_ATTENTION if parked_total or result.open_conflicts else 0
