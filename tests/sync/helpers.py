"""In-process replicas for sync tests: real SQLite files against a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desktop_crm.models import database
from desktop_crm.models.db import make_database
from desktop_crm.models.schema import migrate
from desktop_crm.sync import capture
from desktop_crm.sync.replica import Replica


def new_replica(path: Path, server_url: str, **kwargs: Any) -> Replica:
    db = make_database(str(path))
    db.connect()
    database.initialize(db)
    migrate(db)
    replica = Replica(db, server_url, **kwargs)
    return replica


def use(replica: Replica) -> Replica:
    """Bind the app's models to this replica's database (tests drive several in one process)."""
    database.initialize(replica.db)
    return replica


def outbox_size(replica: Replica) -> int:
    return capture.pending_count(replica.db)


def admin(url: str) -> Any:
    from desktop_crm.sync.server import connect

    conn = connect(url)
    conn.autocommit = True
    return conn
