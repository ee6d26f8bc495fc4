"""``desktop-crm export-archive --db DB --to FILE`` (the whole business as one ZIP: a CSV per table,
the documents' files, a manifest) and ``desktop-crm import-archive FILE --db DB`` (into an empty or
new database; refused on one that holds data). These commands act with every right: whoever may
run them may read and write the database file anyway."""

from __future__ import annotations

import argparse
from pathlib import Path

from desktop_crm.commands import database_arg, database_url, output_file


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = subparsers.add_parser("export-archive",
                                   help="write the whole business to a ZIP archive")
    export.add_argument("--db", type=database_arg, help="SQLite file path or postgresql:// URL",
                        default=argparse.SUPPRESS)
    export.add_argument("--to", required=True, type=output_file, dest="target",
                        help="the archive to write (.zip)")
    export.set_defaults(func=run_export)
    load = subparsers.add_parser("import-archive",
                                 help="recreate the business of an archive in an empty database")
    load.add_argument("file", help="the archive (.zip) made by export-archive")
    load.add_argument("--db", type=database_arg, help="SQLite file path or postgresql:// URL "
                      "(a new file is created)", default=argparse.SUPPRESS)
    load.add_argument("--progress", action="store_true",
                      help="print the progress on standard output (done, total, text; tabs)")
    load.set_defaults(func=run_import)


def run_export(args: argparse.Namespace) -> int:
    from desktop_crm.i18n import _
    from desktop_crm.models.db import open_database, redact
    from desktop_crm.services.data.archive import export_archive
    from desktop_crm.services.system import rights

    url = database_url(args)
    db = open_database(url)
    try:
        from desktop_crm.models.schema import migrate

        migrate(db)
        with rights.acting(rights.administrator()):
            made = export_archive(Path(args.target))
    finally:
        db.close()
    print(_("{name}: {rows} rows of {tables} tables and {files} files written to {path}.").format(
        name=redact(url), rows=made.rows, tables=made.tables, files=made.files, path=made.path))
    return 0


def run_import(args: argparse.Namespace) -> int:
    from desktop_crm.i18n import _
    from desktop_crm.models.db import open_database, redact
    from desktop_crm.models.schema import migrate
    from desktop_crm.services.data.archive import import_archive, read_manifest
    from desktop_crm.services.system import rights

    read_manifest(args.file)  # a wrong file is refused before a database is created for it
    url = database_url(args)
    db = open_database(url)
    try:
        migrate(db)
        def report(done: int, total: int, text: str) -> None:
            print(f"{done}\t{total}\t{text}", flush=True)

        with rights.acting(rights.administrator()):
            result = import_archive(Path(args.file), report if args.progress else None)
    finally:
        db.close()
    print(_("{name}: {rows} rows of {tables} tables and {files} files imported from {path}.").format(
        name=redact(url), rows=result.rows, tables=result.tables, files=result.files,
        path=args.file))
    return 0
