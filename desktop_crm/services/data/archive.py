"""The whole business as one ZIP archive a person can open, and back into an empty database.

Inside the archive::

    README.txt            what this is, in the user's language, and how to read it
    manifest.json         schema and app version, the date, every table's row count and columns,
                          the SHA-256 of every other file in the archive
    tables/<table>.csv    one CSV per table (UTF-8 with BOM, ``;``-separated: Excel opens it as
                          it is in Russian and Italian; cells as ``archive_codec`` writes them)
    files/<type>/<id>/<file name>   the stored documents (PDF, DOCX, XML of quotes, invoices,
                          papers); ``document_file.csv`` names each in its column ``archive_path``

:func:`export_archive` reads every table (the tables of ``models.ALL_MODELS``) in one read
transaction and writes to a temporary file renamed at the end. :func:`import_archive` refuses a
database that holds anything (but the preset roles every new database has), an archive of a newer
schema, an archive whose files do not match their checksums or a cell that is not a value of its
column — before anything is written; then it inserts every row with its own id in one
transaction (references to rows inserted later, and to the row's own table, are set afterwards).
Exporting the whole business is for those who may export and see every record; importing one
needs the import right.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import peewee

from desktop_crm import __version__
from desktop_crm.errors import CrmError, PermissionDenied
from desktop_crm.filenames import safe_file_name
from desktop_crm.i18n import _
from desktop_crm.models import ALL_MODELS, AccessRole, DocumentFile, database
from desktop_crm.models.db import engine
from desktop_crm.models.enums import Action, Scope
from desktop_crm.models.people import PRESET_IDS
from desktop_crm.services.data.archive_codec import CellError, decode, encode
from desktop_crm.services.system import rights

FORMAT = "desktop-crm-archive"
FORMAT_VERSION = 1
DELIMITER = ";"
BATCH = 500
FILE_BATCH = 20

Report = Callable[[int, int, str], None]
Check = Callable[[], None]


class ArchiveRefused(CrmError):
    """An archive that cannot be made or imported: the message says why."""


@dataclass(frozen=True)
class ArchiveResult:
    path: Path
    tables: int
    rows: int
    files: int


def _tables() -> list[type[peewee.Model]]:
    return list(ALL_MODELS)


def _fields(model: type[peewee.Model]) -> list[peewee.Field]:
    return list(model._meta.sorted_fields)


# --- export -------------------------------------------------------------------------------------


def _require_whole_business(action: Action) -> None:
    rights.require(action)
    actor = rights.current()
    if actor is not None and actor.scope != Scope.ALL:
        raise PermissionDenied(_("Only a user who sees every record may move the whole business "
                                 "in or out."))


def export_archive(path: Path | str, report: Report | None = None,
                   check: Check | None = None) -> ArchiveResult:
    """Write the whole business to the ZIP ``path`` (see the module)."""
    from desktop_crm.models.schema import LATEST_VERSION, current_version

    _require_whole_business(Action.EXPORT)
    target = Path(path)
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=".zip.part",
                                         dir=target.parent)
    os.close(handle)
    counts: dict[str, int] = {}
    columns: dict[str, list[str]] = {}
    sums: dict[str, str] = {}
    files = 0
    total = sum(model.select().count() for model in _tables())
    done = 0
    try:
        with database.atomic(), zipfile.ZipFile(temp_name, "w", zipfile.ZIP_DEFLATED) as archive:
            for model in _tables():
                name = model._meta.table_name
                fields = _fields(model)
                names = [field.column_name for field in fields]
                document_files = model is DocumentFile
                if document_files:
                    names.append("archive_path")
                    fields = [f for f in fields if f.name != "content"]
                    names.remove("content")
                columns[name] = names
                buffer = io.StringIO(newline="")
                writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
                writer.writerow(names)
                rows = 0
                for raw in _raw_rows(model, fields):
                    cells = [encode(field, value) for field, value in zip(fields, raw, strict=True)]
                    if document_files:
                        where = _store_file(archive, raw, fields, sums)
                        cells.append(where)
                        files += 1
                    writer.writerow(cells)
                    rows += 1
                    done += 1
                    if check is not None and rows % BATCH == 0:
                        check()
                    if report is not None and rows % BATCH == 0:
                        report(done, total, _("Writing {table}…").format(table=name))
                data = ("\ufeff" + buffer.getvalue()).encode("utf-8")
                entry = f"tables/{name}.csv"
                archive.writestr(entry, data)
                sums[entry] = hashlib.sha256(data).hexdigest()
                counts[name] = rows
                if report is not None:
                    report(done, total, _("Writing {table}…").format(table=name))
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "schema_version": current_version(database.obj) or LATEST_VERSION,
                "app_version": __version__,
                "engine": engine(database.obj),
                "created_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
                "tables": [{"name": name, "rows": counts[name], "columns": columns[name]}
                           for name in counts],
                "files": files,
                "sha256": sums,
            }
            archive.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1))
            archive.writestr("README.txt", _readme(manifest))
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return ArchiveResult(target, len(counts), sum(counts.values()), files)


def _raw_rows(model: type[peewee.Model], fields: list[peewee.Field]) -> Iterator[tuple[Any, ...]]:
    """Every row of ``model`` as the database stores it (no conversion), by id."""
    query = model.select(*fields).order_by(model._meta.primary_key)
    cursor = database.execute(query)
    while True:
        batch = cursor.fetchmany(BATCH)
        if not batch:
            return
        yield from batch


def _store_file(archive: zipfile.ZipFile, raw: tuple[Any, ...], fields: list[peewee.Field],
                sums: dict[str, str]) -> str:
    values = {field.name: field.python_value(value) for field, value in zip(fields, raw,
                                                                              strict=True)}
    content = DocumentFile.select(DocumentFile.content).where(
        DocumentFile.id == values["id"]).scalar()
    data = bytes(content or b"")
    kind = str(values["document_type"])
    name = safe_file_name(Path(values["filename"]).stem, Path(values["filename"]).suffix[1:],
                          fallback="document")
    entry = f"files/{kind}/{values['id']}/{name}"
    archive.writestr(entry, data)
    sums[entry] = hashlib.sha256(data).hexdigest()
    return entry


def _readme(manifest: dict[str, Any]) -> str:
    lines = [
        _("Desktop CRM — the whole business in one archive"),
        "",
        _("Made on {date} by Desktop CRM {version} (database schema {schema}).").format(
            date=manifest["created_at"], version=manifest["app_version"],
            schema=manifest["schema_version"]),
        "",
        _("tables/ holds one CSV file per table (UTF-8, columns separated by semicolons): open "
          "them in Excel or LibreOffice. Dates are YEAR-MONTH-DAY, times are UTC, amounts use "
          "a dot, an empty cell is no value and \\N in a text column is no text either."),
        _("files/ holds the documents as they were issued (PDF, Word, XML); the column "
          "archive_path of document_file.csv says which is which."),
        _("manifest.json lists the tables, their row counts and the SHA-256 checksum of every "
          "file."),
        _("Desktop CRM imports this archive into an empty database: File › Import everything…, "
          "or desktop-crm import-archive FILE --db DB."),
        "",
        _("Rows per table:"),
    ]
    lines += [f"  {table['name']}: {table['rows']}" for table in manifest["tables"]]
    return "\r\n".join(lines) + "\r\n"


# --- import -------------------------------------------------------------------------------------


def _database_is_empty() -> bool:
    for model in _tables():
        query = model.select()
        if model is AccessRole:
            query = query.where(model.id.not_in(list(PRESET_IDS.values())))
        if query.exists():
            return False
    return True


def read_manifest(path: Path | str) -> dict[str, Any]:
    """The manifest of an archive, checked to be one this version can import."""
    from desktop_crm.models.schema import LATEST_VERSION

    try:
        with zipfile.ZipFile(path) as archive:
            manifest = json.loads(archive.read("manifest.json").decode("utf-8"))
    except FileNotFoundError as error:
        raise ArchiveRefused(_("There is no file {path}.").format(path=path)) from error
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise ArchiveRefused(_("{path} is not an archive of Desktop CRM (or it is damaged).").format(
            path=path)) from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveRefused(_("{path} is not an archive of Desktop CRM.").format(path=path))
    version = manifest.get("schema_version")
    if not isinstance(version, int) or version > LATEST_VERSION or \
            manifest.get("format_version", 0) > FORMAT_VERSION:
        raise ArchiveRefused(_(
            "The archive was made by a newer version of Desktop CRM (schema {found}, this version "
            "knows {known}). Update the application to import it.").format(
                found=version, known=LATEST_VERSION))
    return manifest


def import_archive(path: Path | str, report: Report | None = None,
                   check: Check | None = None) -> ArchiveResult:
    """Recreate the business of the archive ``path`` in the open, empty database (see the module)."""
    _require_whole_business(Action.IMPORT)
    manifest = read_manifest(path)
    if not _database_is_empty():
        raise ArchiveRefused(_("The database is not empty: an archive is imported only into an "
                               "empty database, so that nothing is mixed or overwritten. Create "
                               "a new database and import it there."))
    models = {model._meta.table_name: model for model in _tables()}
    wanted = [table["name"] for table in manifest.get("tables", [])]
    unknown = [name for name in wanted if name not in models]
    if unknown:
        raise ArchiveRefused(_("The archive has tables this version does not know: {names}.").format(
            names=", ".join(unknown)))
    total = sum(int(table.get("rows", 0)) for table in manifest["tables"])
    with zipfile.ZipFile(path) as archive:
        _verify_checksums(archive, manifest, check)
        order = [model for model in _tables() if model._meta.table_name in wanted]
        later: list[tuple[type[peewee.Model], Any, dict[str, Any]]] = []
        done = files = 0
        with database.atomic():
            AccessRole.delete().where(AccessRole.id.in_(list(PRESET_IDS.values()))).execute()
            for position, model in enumerate(order):
                inserted, stored = _import_table(archive, model, order[position:], later, check)
                done += inserted
                files += stored
                if report is not None:
                    report(done, total, _("Reading {table}…").format(table=model._meta.table_name))
            for model, key, values in later:  # references to rows inserted after their own
                model.update(values).where(model._meta.primary_key == key).execute()
    return ArchiveResult(Path(path), len(order), done, files)


def _verify_checksums(archive: zipfile.ZipFile, manifest: dict[str, Any],
                      check: Check | None) -> None:
    sums = manifest.get("sha256", {})
    for entry, expected in sums.items():
        if check is not None:
            check()
        try:
            digest = hashlib.sha256(archive.read(entry)).hexdigest()
        except (KeyError, zipfile.BadZipFile, OSError) as error:
            raise ArchiveRefused(_("The archive is incomplete or damaged: {entry} cannot be "
                                   "read.").format(entry=entry)) from error
        if digest != expected:
            raise ArchiveRefused(_("The archive is damaged: {entry} does not match its "
                                   "checksum.").format(entry=entry))


def _import_table(archive: zipfile.ZipFile, model: type[peewee.Model],
                  pending: list[type[peewee.Model]],
                  later: list[tuple[type[peewee.Model], Any, dict[str, Any]]],
                  check: Check | None) -> tuple[int, int]:
    """Insert one table's rows; foreign keys to tables not inserted yet (this one included) are
    kept in ``later``. Returns (rows, stored files)."""
    name = model._meta.table_name
    text = archive.read(f"tables/{name}.csv").decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITER)
    header = next(reader, [])
    by_column = {field.column_name: field for field in _fields(model)}
    extra = [column for column in header if column not in by_column and column != "archive_path"]
    if extra:
        raise ArchiveRefused(_("The table {table} of the archive has columns this version does "
                               "not know: {names}.").format(table=name, names=", ".join(extra)))
    key = _fields(model)[0].name  # every table's first field is its id
    deferred = {field.column_name for field in _fields(model)
                if isinstance(field, peewee.ForeignKeyField) and field.rel_model in pending}
    rows: list[dict[str, Any]] = []
    count = stored = 0
    for line, cells in enumerate(reader, start=2):
        if len(cells) != len(header):
            raise ArchiveRefused(_("{table}.csv, line {line}: {found} cells, {expected} "
                                   "expected.").format(table=name, line=line, found=len(cells),
                                                       expected=len(header)))
        values: dict[str, Any] = {}
        postponed: dict[str, Any] = {}
        for column, cell in zip(header, cells, strict=True):
            if column == "archive_path":
                values["content"] = archive.read(cell)
                stored += 1
                continue
            field = by_column[column]
            try:
                value = decode(field, cell)
            except CellError as error:
                raise ArchiveRefused(_("{table}.csv, line {line}, column {column}: “{value}” "
                                       "cannot be read ({reason}).").format(
                                           table=name, line=line, column=column, value=cell[:60],
                                           reason=error)) from error
            if column in deferred and value is not None:
                postponed[field.name] = value
                value = None
            values[field.name] = value
        if postponed:
            later.append((model, values[key], postponed))
        rows.append(values)
        if len(rows) >= BATCH:
            if check is not None:
                check()
            count += _insert(model, rows)
    count += _insert(model, rows)
    return count, stored


def _insert(model: type[peewee.Model], rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        by_shape.setdefault(tuple(row), []).append(row)
    for shape, same in by_shape.items():
        fields = [model._meta.fields[name] for name in shape]
        model.insert_many([[row[name] for name in shape] for row in same], fields=fields).execute()
    inserted = len(rows)
    rows.clear()
    return inserted
