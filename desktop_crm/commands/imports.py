"""``desktop-crm import FILE --entity …``: import contacts, companies, leads, deals or products from a
CSV, XLSX or vCard file (or another CRM's export); ``desktop-crm import --undo BATCH``: take an
import back.

Prints the created, merged, skipped and rejected rows (rejected ones with their row numbers and
reasons); ``--json`` prints one object with the keys ``created``, ``merged``, ``skipped``,
``rejected`` (a list of ``{"row", "reasons"}``) and ``batch``. The exit status is 0 when the import
ran, even with rejected rows, and 1 when it could not run (the message says why).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from desktop_crm.commands import _refuse, database_arg, shown, uuid_text

ENTITIES = ("contacts", "companies", "leads", "deals", "products")
FORMATS = ("auto", "csv", "xlsx", "vcard", "bitrix24", "amocrm")


def input_file(value: str) -> str:
    """A file to read: it exists and is not a folder."""
    from pathlib import Path

    from desktop_crm.i18n import _

    if not value.strip() or "\x00" in value:
        raise _refuse(_("“{value}” is not a file name.").format(value=shown(value)))
    path = Path(value)
    if path.is_dir():
        raise _refuse(_("{path} is a folder: give the file to import.").format(path=shown(path)))
    if not path.is_file():
        raise _refuse(_("The file {path} does not exist.").format(path=shown(path)))
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "import", help="import contacts, companies, leads, deals or products from a CSV, XLSX or "
                       "vCard file; --undo takes an import back")
    parser.add_argument("file", nargs="?", type=input_file, help="the file to import")
    parser.add_argument("--db", type=database_arg, help="SQLite file path or postgresql:// URL",
                        default=argparse.SUPPRESS)
    parser.add_argument("--entity", choices=ENTITIES, help="what the file holds")
    parser.add_argument("--format", choices=FORMATS, default="auto", dest="file_format",
                        help="the file's format (default: detected)")
    parser.add_argument("--map", dest="preset", default="",
                        help="a saved column mapping (default: suggested from the headers)")
    parser.add_argument("--on-duplicate", choices=("skip", "merge", "create"), default="skip",
                        help="what to do with a row that duplicates a record (default: skip)")
    parser.add_argument("--winner", choices=("file", "database"), default="file",
                        help="with --on-duplicate merge: whose value a merge keeps (default: file)")
    parser.add_argument("--create-missing", action="store_true",
                        help="create the companies, pipelines, stages and product groups the "
                             "file names and the database lacks")
    parser.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
    parser.add_argument("--json", action="store_true", help="print the outcome as one JSON object")
    parser.add_argument("--undo", type=uuid_text, metavar="BATCH",
                        help="take back the import with this batch id")
    parser.add_argument("--user", default="",
                        help="login of the user who imports (default: the first administrator); "
                             "the user's rights apply")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from desktop_crm.commands import signed_in
    from desktop_crm.errors import CrmError
    from desktop_crm.i18n import _

    if args.undo is None and (args.file is None or args.entity is None):
        print(_("Give the file to import and --entity, or --undo BATCH."), file=sys.stderr)
        return 2
    if args.undo is not None and args.file is not None:
        print(_("--undo takes no file: give either a file to import or --undo BATCH."),
              file=sys.stderr)
        return 2
    try:
        with signed_in(args):
            if args.undo is not None:
                return _undo(args)
            return _import(args)
    except CrmError as error:
        message = " ".join(error.message.split())
        if getattr(args, "json", False):
            print(json.dumps({"error": message}, ensure_ascii=False))
        print(message, file=sys.stderr)
        return 1


def _import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from desktop_crm.services.data.imports import engine, formats, mapping
    from desktop_crm.services.system import rights

    table = formats.read_table(args.file, args.file_format)
    actor = rights.current()
    if args.preset:
        assert actor is not None and actor.user_id is not None
        columns = mapping.load_preset(args.entity, actor.user_id, args.preset)
    else:
        columns = mapping.suggest_mapping(args.entity, table.headers, table.format)
    request = engine.ImportRequest(
        args.entity, table, columns, engine.OnDuplicate(args.on_duplicate),
        engine.Winner(args.winner), dry_run=args.dry_run, create_missing=args.create_missing,
        file_name=Path(args.file).name)
    report = engine.run_import(request)
    if args.json:
        print(json.dumps(as_json(report), ensure_ascii=False))
    else:
        _print_report(report)
    return 0


def as_json(report: Any) -> dict[str, Any]:
    return {
        "created": report.created,
        "merged": report.merged,
        "skipped": report.skipped,
        "rejected": [{"row": r.row, "reasons": list(r.reasons)} for r in report.rejected],
        "batch": str(report.batch_id) if report.batch_id else None,
        "dry_run": report.dry_run,
    }


def _print_report(report: Any) -> None:
    from desktop_crm.i18n import _

    print(_("Created: {count}").format(count=report.created))
    print(_("Merged: {count}").format(count=report.merged))
    print(_("Skipped (duplicates): {count}").format(count=report.skipped))
    print(_("Rejected: {count}").format(count=len(report.rejected)))
    for rejected in report.rejected:
        print(_("  row {row}: {reasons}").format(row=rejected.row, reasons=" ".join(rejected.reasons)))
    if report.dry_run:
        print(_("Dry run: nothing was written."))
    elif report.batch_id:
        print(_("Batch: {batch} (undo with: desktop-crm import --undo {batch})").format(
            batch=report.batch_id))


def _undo(args: argparse.Namespace) -> int:
    from desktop_crm.i18n import _
    from desktop_crm.services.data.imports import engine

    undone = engine.undo_import(args.undo)
    if args.json:
        print(json.dumps({"batch": str(undone.batch_id), "removed": undone.removed,
                          "restored": undone.restored}))
    else:
        print(_("Import {batch} undone: {removed} records removed, {restored} restored.").format(
            batch=undone.batch_id, removed=undone.removed, restored=undone.restored))
    return 0
