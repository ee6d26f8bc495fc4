"""Schema creation and migrations on both engines."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from desktop_crm.errors import DatabaseTooNew, DatabaseUnreadable
from desktop_crm.models import Contact, SchemaVersion, User
from desktop_crm.models.db import open_database
from desktop_crm.models.migrations import STEPS
from desktop_crm.models.schema import LATEST_VERSION, _upsert_version, migrate, snapshot


def build_version_1(db) -> None:
    from desktop_crm.models.db import engine

    with db.atomic():
        STEPS[1](db, engine(db))
        _upsert_version(1)


def _fresh_snapshot(url: str) -> dict:
    db = open_database(url)
    migrate(db)
    shot = snapshot(db)
    db.close()
    return shot


def _create_version_1_contact(db, **values):
    """A contact as version 1 stored it: only the columns its table had then (later steps add
    columns the live model already writes)."""
    contact = Contact(**values)
    contact.before_save()
    columns = {column.name for column in db.get_columns("contact")}
    row = {f.column_name: f.db_value(contact.__data__.get(f.name)) for f in Contact._meta.sorted_fields
           if f.column_name in columns and f.name in contact.__data__}
    names = ", ".join(f'"{name}"' for name in row)
    marks = ", ".join([db.param] * len(row))
    db.execute_sql(f'INSERT INTO "contact" ({names}) VALUES ({marks})', list(row.values()))


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_version_1_database_upgrades_to_the_fresh_schema(engine, tmp_path, request):
    if engine == "sqlite":
        old_url, fresh_url = str(tmp_path / "old.db"), str(tmp_path / "fresh.db")
    else:
        old_url, fresh_url = request.getfixturevalue("pg_url"), None
        from tests.pg import create_database, drop_database

        server = request.getfixturevalue("pg_server")
        fresh_url = create_database(server, "fresh")
        request.addfinalizer(lambda: drop_database(server, fresh_url))

    db = open_database(old_url)
    build_version_1(db)
    _create_version_1_contact(db, last_name="Фёдоров", first_name="Иван", mobile_phone="8 916 123-45-67")
    db.close()

    db = open_database(old_url)
    result = migrate(db)
    assert (result.from_version, result.to_version) == (1, LATEST_VERSION)
    if engine == "sqlite":
        assert result.backup is not None and result.backup.exists()
    upgraded = snapshot(db)
    contact = Contact.get()
    assert contact.mobile_phone_e164 == "+79161234567"
    db.close()

    assert upgraded == _fresh_snapshot(fresh_url)


def test_fresh_database_is_at_latest_version(db):
    assert SchemaVersion.get().version == LATEST_VERSION
    assert migrate(db).migrated is False


def test_database_from_newer_version_is_refused(tmp_path):
    url = str(tmp_path / "new.db")
    db = open_database(url)
    migrate(db)
    SchemaVersion.update(version=LATEST_VERSION + 1).execute()
    db.close()
    db = open_database(url)
    with pytest.raises(DatabaseTooNew, match="newer version"):
        migrate(db)


def test_file_that_is_not_a_database_is_refused(tmp_path: Path):
    path = tmp_path / "notes.db"
    path.write_text("this is a shopping list, not a database\n" * 100)
    with pytest.raises(DatabaseUnreadable, match="is damaged or is not a database file"):
        open_database(str(path))


def test_soft_delete_only(any_db):
    user = User.create(name="Anna")
    with pytest.raises(TypeError):
        user.delete_instance()
    user.soft_delete()
    assert User.alive().count() == 0
    assert User.select().count() == 1


def test_money_roundtrips_exactly(any_db):
    from desktop_crm.models import OwnCompany

    company = OwnCompany.create(legal_name="ООО «Ромашка»", default_vat_rate=Decimal("20"))
    assert OwnCompany.get_by_id(company.id).default_vat_rate == Decimal("20.00")


def test_a_postgresql_connection_gives_up_on_a_vanished_server(pg_url):
    """Direct mode: a connect timeout, TCP keepalives and tcp_user_timeout on the real connection."""
    from desktop_crm.models.db import make_database

    db = make_database(pg_url)
    try:
        parameters = db.connection().info.get_parameters()
    finally:
        db.close()
    assert parameters["connect_timeout"] == "10"
    assert parameters["keepalives_idle"] == "30" and parameters["tcp_user_timeout"] == "60000"
