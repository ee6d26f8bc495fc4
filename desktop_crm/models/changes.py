"""Change notices: which tables a committed write touched, told to whoever listens.

Every database made by :func:`desktop_crm.models.db.make_database` is watched (:func:`watch`): a
peewee query hook reads the table of each ``INSERT``/``UPDATE``/``DELETE`` it runs and, once the
outermost transaction commits (or at once for a statement outside a transaction), the listeners
get the set of tables. A rolled-back transaction tells nothing. So every write of every service —
whatever screen, command or worker thread made it — announces itself without the service having to
remember to; the views turn the tables into the entities they reload (``services.system.changes``).

Changes made elsewhere enter the same path through :func:`announce`: another user's commit on
PostgreSQL (``LISTEN crm_changed``), a sync round, another process writing the same SQLite file
(:func:`external_change`, a ``PRAGMA data_version`` poll).

Listeners are called on the thread that committed; a listener that is a bound method is held
weakly (a closed window's bridge does not keep it alive).
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Callable, Iterable
from typing import Any

import peewee

Listener = Callable[[frozenset[str]], None]

#: Any table: what an outside change announces when it cannot tell which tables it touched.
ALL = "*"

_WRITE = re.compile(
    r'^\s*(?:WITH\b.*?\)\s*)?(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?'
    r'|DELETE\s+FROM)\s+(?:ONLY\s+)?"?(?:\w+"?\.)?"?(\w+)"?',
    re.IGNORECASE | re.DOTALL,
)

_listeners: list[Any] = []  # callables or weak methods
_lock = threading.Lock()
_local = threading.local()
_commits = 0  # commits announced by this process (tells the data_version poll what was ours)


def written_table(sql: str) -> str | None:
    """The table a write statement changes (``None`` for a read or anything else)."""
    head = sql.lstrip()[:7].upper()
    if not head.startswith(("INSERT", "UPDATE", "DELETE", "REPLACE", "WITH")):
        return None
    match = _WRITE.match(sql)
    return match.group(1).lower() if match else None


def _target(db: Any) -> Any:
    return getattr(db, "obj", db)  # a proxy stands for the database bound to it now


def subscribe(listener: Listener, db: Any = None) -> None:
    """Call ``listener(tables)`` after each commit that changed ``tables`` (any thread); with
    ``db``, only for changes to that database (a window of one database ignores another's)."""
    ref: Any = weakref.WeakMethod(listener) if hasattr(listener, "__self__") else listener
    with _lock:
        _listeners.append((ref, _target(db)))


def unsubscribe(listener: Listener) -> None:
    with _lock:
        for entry in list(_listeners):
            ref = entry[0]
            target = ref() if isinstance(ref, weakref.WeakMethod) else ref
            if target is None or target == listener:
                _listeners.remove(entry)


def announce(tables: Iterable[str], db: Any = None) -> None:
    """Tell the listeners that ``tables`` changed (also for changes made elsewhere); with ``db``,
    the listeners of that database (and those of any)."""
    changed = frozenset(tables)
    if not changed:
        return
    source = _target(db)
    with _lock:
        entries = list(_listeners)
    for entry in entries:
        ref, wanted = entry
        if source is not None and wanted is not None and wanted is not source:
            continue
        listener = ref() if isinstance(ref, weakref.WeakMethod) else ref
        if listener is None:
            with _lock:
                if entry in _listeners:
                    _listeners.remove(entry)
            continue
        listener(changed)


def _pending() -> set[str]:
    pending: set[str] | None = getattr(_local, "pending", None)
    if pending is None:
        pending = _local.pending = set()
    return pending


def _flush(db: Any) -> None:
    global _commits
    pending = _pending()
    if not pending:
        return
    tables = frozenset(pending)
    pending.clear()
    _local.registered = None
    with _lock:
        _commits += 1
    announce(tables, db)


def local_commits() -> int:
    """How many commits this process announced so far."""
    return _commits


def _hook(db: peewee.Database) -> Callable[[Any], None]:
    def on_query(event: Any) -> None:
        if event.exception is not None:
            return
        table = written_table(event.sql)
        if table is None:
            return
        _pending().add(table)
        top = db.top_transaction()
        if top is None:
            _flush(db)
        elif getattr(_local, "registered", None) is not top and not isinstance(top, peewee._manual):
            _local.registered = top  # one callback per transaction; a rollback drops it
            db.after_commit(lambda: _flush(db))

    return on_query


def watch(db: peewee.Database) -> None:
    """Announce the committed writes made through ``db`` (idempotent)."""
    if not any(getattr(hook, "_crm_changes", False) for hook in db.query_hooks):
        hook: Any = _hook(db)
        hook._crm_changes = True
        db.query_hooks.append(hook)


class DataVersion:
    """``PRAGMA data_version`` of a SQLite database: did another connection commit since last time?

    Commits of this process are announced by their own hook; :meth:`changed` reports only what no
    local commit explains (another process on the same file: the command-line sync, a second copy
    of the application).
    """

    def __init__(self, db: Any) -> None:
        self.db = db
        self.version = self._read()
        self.commits = local_commits()

    def _read(self) -> int | None:
        if not isinstance(getattr(self.db, "obj", self.db), peewee.SqliteDatabase):
            return None
        row = self.db.execute_sql("PRAGMA data_version").fetchone()
        return int(row[0]) if row else None

    def changed(self) -> bool:
        version, commits = self._read(), local_commits()
        outside = version != self.version and commits == self.commits
        self.version, self.commits = version, commits
        return outside
