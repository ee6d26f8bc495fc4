"""The whole business as one archive: export, import into an empty database, every table equal."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest

from desktop_crm.models import Company, Contact, DocumentFile, DocumentType, FileFormat, database
from desktop_crm.models.db import open_database
from desktop_crm.models.schema import LATEST_VERSION, migrate
from desktop_crm.services.data import archive
from desktop_crm.services.data.archive import ArchiveRefused
from tests.backups.conftest import table_rows

FTS_PARTS = ("_fts", "_fts_data", "_fts_idx", "_fts_docsize", "_fts_config", "_fts_content")


def business_rows(path: Path | str) -> dict[str, list[tuple[object, ...]]]:
    """Every table but the search index's (rebuilt by its triggers) and the schema version's
    (its date is the migration's): what an archive must carry over exactly."""
    rows = table_rows(path)
    return {name: value for name, value in rows.items()
            if not name.endswith(FTS_PARTS) and name != "schema_version"}


def _empty_database(path: Path) -> None:
    db = open_database(str(path))
    migrate(db)


def _stored_documents() -> None:
    """Two issued files, as issuing a document stores them (with a text equal to the NULL mark)."""
    for name, data, fmt in (("Счёт № 7 от 04.05.2026.pdf", b"%PDF-1.4\n\xff\x00 a PDF", FileFormat.PDF),
                            ("IT01234567890_00001.xml", "<p>Perché</p>".encode(), FileFormat.XML)):
        DocumentFile.create(document_type=DocumentType.INVOICE, document_id=str(uuid.uuid4()),
                            file_format=fmt, filename=name, content=data,
                            sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    company = Company.select().first()
    company.pec = "\\N"
    company.sdi_code = None
    company.save()


def test_export_then_import_into_an_empty_database_gives_every_table(demo_db: str,
                                                                     tmp_path: Path) -> None:
    _stored_documents()
    target = tmp_path / "business.zip"
    made = archive.export_archive(target)
    assert made.rows > 1000 and made.files > 0
    database.obj.close()
    before = business_rows(demo_db)
    with zipfile.ZipFile(target) as opened:
        names = set(opened.namelist())
        manifest = json.loads(opened.read("manifest.json"))
        contacts = opened.read("tables/contact.csv")
        readme = opened.read("README.txt").decode("utf-8")
    assert {"README.txt", "manifest.json", "tables/contact.csv", "tables/deal.csv"} <= names
    pdf = next(name for name in names if name.startswith("files/invoice/")
               and name.endswith("Счёт № 7 от 04.05.2026.pdf"))
    with zipfile.ZipFile(target) as opened:
        assert opened.read(pdf) == b"%PDF-1.4\n\xff\x00 a PDF"
    assert manifest["schema_version"] == LATEST_VERSION
    assert {t["name"]: t["rows"] for t in manifest["tables"]}["contact"] == len(before["contact"])
    assert contacts.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads UTF-8
    header = next(csv.reader(io.StringIO(contacts.decode("utf-8-sig")), delimiter=";"))
    assert header[:2] == ["id", "created_at"] and "last_name" in header
    assert "contact:" in readme

    fresh = tmp_path / "fresh.db"
    _empty_database(fresh)
    result = archive.import_archive(target)
    assert result.rows == made.rows and result.files == made.files
    database.obj.close()
    after = business_rows(fresh)
    assert sorted(after) == sorted(before)
    for table in before:  # table by table
        assert after[table] == before[table], table
    assert after["company"] == before["company"]  # "\\N" text and NULL kept apart
    assert before["custom_field"] and before["custom_value"]  # the demo's BANT answers came along


def test_an_archive_is_refused_by_a_database_that_is_not_empty_or_newer(demo_db: str,
                                                                         tmp_path: Path) -> None:
    target = tmp_path / "business.zip"
    archive.export_archive(target)
    with pytest.raises(ArchiveRefused, match="not empty"):
        archive.import_archive(target)
    database.obj.close()
    newer = tmp_path / "newer.zip"
    with zipfile.ZipFile(target) as source, zipfile.ZipFile(newer, "w") as copy:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "manifest.json":
                manifest = json.loads(data)
                manifest["schema_version"] = LATEST_VERSION + 1
                data = json.dumps(manifest).encode()
            copy.writestr(item, data)
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(target) as source, zipfile.ZipFile(damaged, "w") as copy:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "tables/deal.csv":
                data = data.replace(b";", b";x", 1)
            copy.writestr(item, data)
    fresh = tmp_path / "fresh.db"
    _empty_database(fresh)
    with pytest.raises(ArchiveRefused, match="newer version"):
        archive.import_archive(newer)
    with pytest.raises(ArchiveRefused, match="does not match its checksum"):
        archive.import_archive(damaged)
    not_zip = tmp_path / "notes.zip"
    not_zip.write_text("hello")
    with pytest.raises(ArchiveRefused, match="not an archive"):
        archive.import_archive(not_zip)
    assert Contact.select().count() == 0


def test_the_commands_export_and_import_an_archive(demo_db: str, tmp_path: Path) -> None:
    database.obj.close()
    run = [sys.executable, "-m", "desktop_crm"]
    target = tmp_path / "all.zip"
    made = subprocess.run([*run, "export-archive", "--db", demo_db, "--to", str(target)],
                          capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    fresh = tmp_path / "fresh.db"
    put = subprocess.run([*run, "import-archive", str(target), "--db", str(fresh)],
                         capture_output=True, text=True, check=False)
    assert put.returncode == 0, put.stderr
    assert business_rows(fresh) == business_rows(demo_db)
    again = subprocess.run([*run, "import-archive", str(target), "--db", str(fresh)],
                           capture_output=True, text=True, check=False)
    assert again.returncode == 1 and "not empty" in again.stderr and "Traceback" not in again.stderr


def _tables_of(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as opened:
        return {name: opened.read(name) for name in opened.namelist()
                if name.startswith(("tables/", "files/"))}


@pytest.mark.postgres
def test_from_postgresql_to_sqlite_every_table_is_the_same(pg_url: str, tmp_path: Path) -> None:
    from tests.shell.conftest import build_world

    db = open_database(pg_url)
    migrate(db)
    build_world()
    _stored_documents()
    first = tmp_path / "from-postgres.zip"
    archive.export_archive(first)
    db.close()
    fresh = tmp_path / "fresh.db"
    _empty_database(fresh)
    archive.import_archive(first)
    second = tmp_path / "from-sqlite.zip"
    archive.export_archive(second)
    database.obj.close()
    one, two = _tables_of(first), _tables_of(second)
    assert sorted(one) == sorted(two)
    for name in one:  # table by table, and file by file
        assert one[name] == two[name], name
    assert one["tables/deal.csv"].count(b"\r\n") > 3


@pytest.mark.postgres
def test_from_sqlite_into_an_empty_postgresql(demo_db: str, pg_url: str, tmp_path: Path) -> None:
    _stored_documents()
    first = tmp_path / "from-sqlite.zip"
    archive.export_archive(first)
    database.obj.close()
    db = open_database(pg_url)
    migrate(db)
    archive.import_archive(first)  # references to later rows set afterwards, on PostgreSQL too
    second = tmp_path / "from-postgres.zip"
    archive.export_archive(second)
    db.close()
    one, two = _tables_of(first), _tables_of(second)
    assert sorted(one) == sorted(two)
    for name in one:
        assert one[name] == two[name], name
