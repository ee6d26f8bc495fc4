"""One migrated PostgreSQL database for the whole property module: each test runs inside a
transaction that is rolled back (the services' own transactions are savepoints in it), so the
PostgreSQL half costs no CREATE DATABASE + migrate per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


@pytest.fixture(scope="module")
def fuzz_pg(pg_server: str) -> Iterator[object]:
    from desktop_crm.models.db import open_database
    from desktop_crm.models.schema import migrate
    from tests.pg import create_database, drop_database

    url = create_database(pg_server, "fuzz_service_inputs")
    db = open_database(url)
    migrate(db)
    yield db
    db.close()
    drop_database(pg_server, url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fuzz_db(request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh SQLite file, or the module's PostgreSQL database inside a rolled-back transaction."""
    from desktop_crm.models import database

    if request.param == "sqlite":
        yield request.getfixturevalue("db")
        return
    pg = request.getfixturevalue("fuzz_pg")
    database.initialize(pg)
    with pg.atomic() as transaction:
        yield pg
        transaction.rollback()
