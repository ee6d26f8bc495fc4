"""``desktop-crm backup --db DB --to FOLDER`` (a backup of a SQLite database made with the online
backup API, safe while the app works on it) and ``desktop-crm restore FILE --db DB`` (the backup
checked, the current file kept as a backup, the backup put back and brought to this version's
schema). A PostgreSQL server is backed up with ``desktop-crm server backup``."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop_crm.commands import database_arg, database_url


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    backup = subparsers.add_parser("backup", help="back up a SQLite database into a folder")
    backup.add_argument("--db", type=database_arg, help="SQLite file path",
                        default=argparse.SUPPRESS)
    backup.add_argument("--to", dest="folder",
                        help="the backup folder (default: the one chosen in Settings › Backups)")
    backup.set_defaults(func=run_backup)
    restore = subparsers.add_parser("restore", help="put a backup back in place of the database")
    restore.add_argument("file", help="the backup file (.db)")
    restore.add_argument("--db", type=database_arg, help="SQLite file path",
                         default=argparse.SUPPRESS)
    restore.add_argument("--backups", dest="folder",
                         help="where the replaced database is kept (default: the backup folder)")
    restore.set_defaults(func=run_restore)


def _sqlite_file(url: str) -> Path:
    from desktop_crm.errors import CrmError
    from desktop_crm.i18n import _
    from desktop_crm.models.db import is_postgres_url, sqlite_path

    if is_postgres_url(url):
        raise CrmError(_("A server database is backed up with 'desktop-crm server backup' "
                         "(pg_dump) and restored with pg_restore."))
    return sqlite_path(url)


def run_backup(args: argparse.Namespace) -> int:
    from desktop_crm.i18n import _
    from desktop_crm.services.system.backups import backup_database

    database = _sqlite_file(database_url(args))
    folder = Path(args.folder) if args.folder else None
    info = backup_database(database, folder, "manual")
    print(_("Backup of {name} written to {path} ({size} bytes).").format(
        name=database, path=info.path, size=info.size))
    return 0


def run_restore(args: argparse.Namespace) -> int:
    from desktop_crm.i18n import _
    from desktop_crm.models.db import open_database
    from desktop_crm.models.schema import migrate
    from desktop_crm.services.system.backups import restore

    database = _sqlite_file(database_url(args))
    folder = Path(args.folder) if args.folder else None
    result = restore(Path(args.file), database, folder)
    db = open_database(str(database))
    try:
        migrated = migrate(db)
    finally:
        db.close()
    print(_("{name} restored from {backup} (schema {version}).").format(
        name=database, backup=result.restored_from, version=migrated.to_version))
    if result.previous is not None:
        print(_("The replaced database is kept as {path}.").format(path=result.previous.path))
    return 0
