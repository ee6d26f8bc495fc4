"""``desktop-crm server init --server URL`` (install or upgrade the sync layer on PostgreSQL) and
``desktop-crm server add-user`` (one PostgreSQL login per person, with its row-level scope).

The administrator's own password comes from the URL, libpq's ``PGPASSFILE``/``~/.pgpass``, the
keyring, or ``--password-stdin`` (``init``, ``purge``); ``add-user --password-stdin`` reads the *new*
login's password. Every failure is one translated line on stderr and a non-zero exit, never a
traceback.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from desktop_crm.commands import (
    connection_failure,
    count,
    output_file,
    postgres_url,
    read_password_stdin,
    version_text,
)

PASSWORD_STDIN_ADMIN = "read the administrator's password from standard input"


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("server", help="administer the shared PostgreSQL server")
    actions = parser.add_subparsers(dest="server_command", metavar="ACTION", required=True)
    init = actions.add_parser("init", help="install or upgrade the server schema (idempotent)")
    init.add_argument("--server", required=True, type=postgres_url,
                      help="postgresql:// URL (an administrator)")
    init.add_argument("--min-app-version", type=version_text,
                      help="refuse sync from application versions below this")
    init.add_argument("--password-stdin", action="store_true", help=PASSWORD_STDIN_ADMIN)
    init.set_defaults(func=run_init)
    user = actions.add_parser("add-user", help="create one person's login or reset its password")
    user.add_argument("--server", required=True, type=postgres_url,
                      help="postgresql:// URL (an administrator)")
    user.add_argument("--user", required=True, help="the CRM user's sign-in name or e-mail")
    user.add_argument("--login", help="the PostgreSQL login (default: from the CRM user)")
    user.add_argument("--password-stdin", action="store_true",
                      help="read the new login's password from standard input")
    user.add_argument("--scope", choices=("own", "team", "all"), default="own",
                      help="only for servers set up before roles and rights; otherwise the CRM "
                           "user's role decides")
    user.add_argument("--manager", action="store_true", help=argparse.SUPPRESS)
    user.set_defaults(func=run_add_user)
    purge = actions.add_parser("purge", help="remove old tombstones every device has seen")
    purge.add_argument("--server", required=True, type=postgres_url,
                       help="postgresql:// URL (an administrator)")
    purge.add_argument("--password-stdin", action="store_true", help=PASSWORD_STDIN_ADMIN)
    purge.add_argument("--older-than-days", type=count(1, 36500), default=180)
    purge.add_argument("--stale-after-days", type=count(1, 36500), default=180)
    purge.set_defaults(func=run_purge)
    backup = actions.add_parser("backup", help="dump the server database with pg_dump (custom "
                                               "format, restored with pg_restore)")
    backup.add_argument("--server", required=True, type=postgres_url,
                        help="postgresql:// URL of the CRM database")
    backup.add_argument("--to", required=True, type=output_file, dest="target",
                        help="the file to write (for example crm-2026-05-04.dump)")
    backup.add_argument("--pg-dump", help="the pg_dump program (default: found on PATH or in "
                                          "PostgreSQL's usual folders)")
    backup.add_argument("--password-stdin", action="store_true", help=PASSWORD_STDIN_ADMIN)
    backup.set_defaults(func=run_backup)


def _admin_url(args: argparse.Namespace) -> str | None:
    """The administrator's URL, with the password from stdin when asked (``None``: none given)."""
    from desktop_crm.models.credentials import with_password

    if not getattr(args, "password_stdin", False):
        return str(args.server)
    password = read_password_stdin()
    return with_password(args.server, password) if password else None


def _fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


def _guarded(url: str, work: Any) -> int:
    """Run ``work()``; expected failures become one line on stderr and exit code 1."""
    from desktop_crm._drivers import load_psycopg
    from desktop_crm.errors import CrmError

    psycopg = load_psycopg()
    try:
        return int(work())
    except CrmError as error:
        cause = _connection_cause(error)
        return _fail(connection_failure(url, cause) if cause is not None else error.message)
    except psycopg.OperationalError as error:
        return _fail(connection_failure(url, error))
    except psycopg.Error as error:
        return _fail(str(error).strip().splitlines()[0])


def _connection_cause(error: BaseException) -> BaseException | None:
    """The failed connection behind a classified database error, when it says what to do (a
    password or a certificate), rather than the general "cannot be reached"."""
    from desktop_crm.models.credentials import explain_connection_error

    seen = error.__cause__ or error.__context__
    while seen is not None:
        if explain_connection_error("", seen) is not None:
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def run_init(args: argparse.Namespace) -> int:
    from desktop_crm.i18n import _
    from desktop_crm.models.db import redact
    from desktop_crm.sync.server import init_server

    url = _admin_url(args)
    if url is None:
        return _fail(_("No password on standard input."))

    def work() -> int:
        info = init_server(url, min_app_version=args.min_app_version)
        print(
            _("{name}: sync schema ready (schema {version}, {tables} tables, minimum app version "
              "{minimum})").format(
                name=redact(args.server), version=info["schema_version"], tables=info["tables"],
                minimum=info["min_app_version"],
            )
        )
        return 0

    return _guarded(url, work)


def _new_password(args: argparse.Namespace, login: str) -> str:
    from desktop_crm.i18n import _

    if args.password_stdin:
        return read_password_stdin()
    if not sys.stdin.isatty():
        return ""
    try:
        return getpass.getpass(_("Password for {login}: ").format(login=login))
    except (EOFError, KeyboardInterrupt):
        return ""


def run_add_user(args: argparse.Namespace) -> int:
    from desktop_crm.i18n import _
    from desktop_crm.sync.logins import LoginRefused, provision_login
    from desktop_crm.sync.server import connect

    password = _new_password(args, args.login or args.user)
    if not password:
        return _fail(_("No password given: pass it on standard input with --password-stdin."))

    def work() -> int:
        with connect(args.server) as conn, conn.transaction():
            if conn.execute("SELECT to_regclass('sync.login')").fetchone()[0] is None:
                raise LoginRefused(_("The server is not set up yet: run 'desktop-crm server init' "
                                     "first."))
            result = provision_login(conn, args.user, password, args.login, args.scope,
                                     args.manager)
        text = (_("Login {login} created for {user}.") if result.created
                else _("Password of login {login} reset for {user}."))
        print(text.format(login=result.login, user=result.user.name or result.user.email))
        return 0

    return _guarded(args.server, work)


def run_purge(args: argparse.Namespace) -> int:
    from desktop_crm.i18n import _
    from desktop_crm.sync.purge import purge_tombstones

    url = _admin_url(args)
    if url is None:
        return _fail(_("No password on standard input."))

    def work() -> int:
        removed = purge_tombstones(
            url, retention_days=args.older_than_days, stale_after_days=args.stale_after_days
        )
        print(_("{count} tombstones purged.").format(count=removed))
        return 0

    return _guarded(url, work)


def run_backup(args: argparse.Namespace) -> int:
    from pathlib import Path

    from desktop_crm.errors import CrmError
    from desktop_crm.i18n import _
    from desktop_crm.models.credentials import stored_password, with_password
    from desktop_crm.models.db import redact
    from desktop_crm.services.system.server_backup import dump_server

    url = _admin_url(args)
    if url is None:
        return _fail(_("No password on standard input."))
    if not args.password_stdin:  # the keyring's password, if the URL has none (else ~/.pgpass)
        from urllib.parse import urlparse

        stored = stored_password(url) if urlparse(url).password is None else None
        url = with_password(url, stored) if stored else url
    try:
        made = dump_server(url, Path(args.target), args.pg_dump)
    except CrmError as error:
        return _fail(error.message)
    print(_("{name} backed up to {path} ({size} bytes); restore it with pg_restore.").format(
        name=redact(args.server), path=made.path, size=made.size))
    return 0
