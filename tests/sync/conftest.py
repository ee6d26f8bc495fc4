"""Sync test fixtures: each test gets its own PostgreSQL database with the sync layer installed.

``server init`` (the app's migrations plus the sync schema) runs once per session into a template
database; each test's database is a copy of it (``CREATE DATABASE … TEMPLATE``), which takes a
fraction of a second instead of several seconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlparse, urlunparse

import pytest

from desktop_crm.models import database


def _with_database(server_url: str, name: str) -> str:
    return urlunparse(urlparse(server_url)._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def sync_template(pg_server: str) -> Iterator[str]:
    from desktop_crm.sync.server import init_server
    from tests.pg import create_database, drop_database

    url = create_database(pg_server, "sync_template")
    init_server(url)
    obj = database.obj
    if obj is not None and not obj.is_closed():
        obj.close()
    yield urlparse(url).path.lstrip("/")
    drop_database(pg_server, url)


@pytest.fixture
def server_url(pg_server: str, sync_template: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh PostgreSQL database as ``desktop-crm server init`` leaves it."""
    from tests.pg import _admin, _counter, drop_database

    slug = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:40]
    name = f"s{next(_counter)}_{slug}"
    _admin(pg_server, f'CREATE DATABASE "{name}" TEMPLATE "{sync_template}"')
    url = _with_database(pg_server, name)
    yield url
    obj = database.obj
    if obj is not None and not obj.is_closed():
        obj.close()
    drop_database(pg_server, url)


# A server that asks for passwords and speaks TLS with a self-signed certificate (credential tests).
from tests.sync.secure_pg import fresh_credentials, office  # noqa: E402, F401
