from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktop_crm.models import database


@pytest.fixture
def server_url(pg_url: str) -> Iterator[str]:
    """An empty PostgreSQL database with the sync layer installed (``server init``)."""
    from desktop_crm.sync.server import init_server

    init_server(pg_url)
    yield pg_url
    obj = database.obj
    if obj is not None and not obj.is_closed():
        obj.close()
