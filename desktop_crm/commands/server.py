"""``desktop-crm server init --server URL`` (install or upgrade the sync layer on PostgreSQL) and
``desktop-crm server add-user`` (one PostgreSQL login per person, with its row-level scope)."""

from __future__ import annotations

import argparse
import getpass
import sys

from desktop_crm.commands import count, postgres_url, uuid_text, version_text


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("server", help="administer the shared PostgreSQL server")
    actions = parser.add_subparsers(dest="server_command", metavar="ACTION", required=True)
    init = actions.add_parser("init", help="install or upgrade the server schema (idempotent)")
    init.add_argument("--server", required=True, type=postgres_url,
                      help="postgresql:// URL (an administrator)")
    init.add_argument("--min-app-version", type=version_text,
                      help="refuse sync from application versions below this")
    init.set_defaults(func=run_init)
    user = actions.add_parser("add-user", help="create or update one person's login")
    user.add_argument("--server", required=True, type=postgres_url,
                      help="postgresql:// URL (an administrator)")
    user.add_argument("--login", required=True)
    user.add_argument("--user-id", required=True, type=uuid_text, help="the CRM user's id (UUID)")
    user.add_argument("--scope", choices=("own", "team", "all"), default="own")
    user.add_argument("--manager", action="store_true")
    user.set_defaults(func=run_add_user)
    purge = actions.add_parser("purge", help="remove old tombstones every device has seen")
    purge.add_argument("--server", required=True, type=postgres_url,
                       help="postgresql:// URL (an administrator)")
    purge.add_argument("--older-than-days", type=count(1, 36500), default=180)
    purge.add_argument("--stale-after-days", type=count(1, 36500), default=180)
    purge.set_defaults(func=run_purge)


def run_init(args: argparse.Namespace) -> int:
    from desktop_crm.errors import CrmError
    from desktop_crm.i18n import _
    from desktop_crm.models.db import redact
    from desktop_crm.sync.server import init_server

    try:
        info = init_server(args.server, min_app_version=args.min_app_version)
    except CrmError as error:
        print(error.message, file=sys.stderr)
        return 1
    print(
        _("{name}: sync schema ready (schema {version}, {tables} tables, minimum app version "
          "{minimum})").format(
            name=redact(args.server), version=info["schema_version"], tables=info["tables"],
            minimum=info["min_app_version"],
        )
    )
    return 0


def run_add_user(args: argparse.Namespace) -> int:
    import uuid

    from desktop_crm.i18n import _
    from desktop_crm.sync import security
    from desktop_crm.sync.server import connect

    password = getpass.getpass(_("Password for {login}: ").format(login=args.login))
    with connect(args.server) as conn, conn.transaction():
        security.add_login(
            conn, args.login, password, uuid.UUID(args.user_id), args.scope, args.manager
        )
    print(_("Login {login} is ready (scope: {scope}).").format(login=args.login, scope=args.scope))
    return 0


def run_purge(args: argparse.Namespace) -> int:
    from desktop_crm.i18n import _
    from desktop_crm.sync.purge import purge_tombstones

    removed = purge_tombstones(
        args.server, retention_days=args.older_than_days, stale_after_days=args.stale_after_days
    )
    print(_("{count} tombstones purged.").format(count=removed))
    return 0
