"""Keep the PostgreSQL driver out of start-up when the database is a SQLite file.

peewee imports psycopg as soon as peewee itself is imported (about 100 ms here). Until peewee is
first imported we mark psycopg as absent; :func:`load_psycopg` imports it on demand and hands it to
peewee exactly as peewee's own import would have.
"""

from __future__ import annotations

import sys
from types import ModuleType


def defer_psycopg() -> None:
    if "peewee" not in sys.modules and "psycopg" not in sys.modules:
        sys.modules["psycopg"] = None  # type: ignore[assignment]  # peewee sees "not installed"


def load_psycopg() -> ModuleType:
    if "psycopg" in sys.modules and sys.modules["psycopg"] is None:
        del sys.modules["psycopg"]
    import peewee
    import psycopg
    from psycopg.pq import TransactionStatus
    from psycopg.types.json import Json, Jsonb

    if getattr(peewee, "psycopg", None) is None:
        # what peewee's own import sets when psycopg is installed (names its stubs do not declare)
        for name, value in (("psycopg", psycopg), ("TransactionStatus", TransactionStatus),
                            ("Json_pg3", Json), ("Jsonb_pg3", Jsonb)):
            setattr(peewee, name, value)
        adapter = peewee.Psycopg3Adapter
        adapter.txn_idle = TransactionStatus.IDLE
        adapter.txn_inerror = TransactionStatus.INERROR
        adapter.txn_unknown = TransactionStatus.UNKNOWN
    return psycopg
