"""``desktop-crm migrate``: bring a database to this version's schema."""

from __future__ import annotations

import argparse
import sys

from desktop_crm.commands import database_arg, database_url


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("migrate", help="create or upgrade the database schema")
    parser.add_argument("--db", type=database_arg, help="SQLite file path or postgresql:// URL",
                        default=argparse.SUPPRESS)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from desktop_crm.errors import CrmError
    from desktop_crm.i18n import _
    from desktop_crm.models.db import open_database, redact
    from desktop_crm.models.schema import LATEST_VERSION, current_version, migrate
    from desktop_crm.services.system.backups import before_risky_operation

    url = database_url(args)
    try:
        db = open_database(url)
        version = current_version(db)
        if version is not None and version < LATEST_VERSION:
            before_risky_operation("upgrade")  # a SQLite file: into the backup folder too
        result = migrate(db)
    except CrmError as error:
        print(error.message, file=sys.stderr)
        return 1
    db.close()
    name, version = redact(url), result.to_version
    if result.created:
        print(_("{name}: created with schema {version}").format(name=name, version=version))
    elif result.migrated:
        print(
            _("{name}: schema {old} upgraded to {version}").format(
                name=name, old=result.from_version, version=version
            )
        )
        if result.backup:
            print(_("Backup of the previous file: {path}").format(path=result.backup))
    else:
        print(_("{name}: schema {version}, up to date").format(name=name, version=version))
    return 0
