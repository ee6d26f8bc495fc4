"""What changed, as the views speak of it: the one change feed every window listens to.

The models announce the tables of every committed write (``models.changes``: a query hook on the
database, so no service can forget to); changes from elsewhere enter the same feed: another user
on PostgreSQL (``LISTEN``, see ``services.system.sync.ChangeListener``), a sync round, another
process on the same SQLite file (:class:`OutsideChanges`, polled by the views). Listeners get
entity keys (``Entity`` values, plus the names of tables no entity owns), on the committing thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from desktop_crm.entities import Entity
from desktop_crm.models import changes
from desktop_crm.models.base import database

EntitiesListener = Callable[[frozenset[str]], None]

#: Tables whose rows more than one entity shows (tasks are activities of kind "task").
_ALSO = {"activity": (Entity.TASKS,), "product_group": ("product_groups",)}


def entities_of(tables: Iterable[str]) -> frozenset[str]:
    """The entity keys views reload for changed ``tables`` (``*``: every entity)."""
    found: set[str] = set()
    for table in tables:
        if table == changes.ALL:
            found.update(str(entity) for entity in Entity)
            found.add("product_groups")
            continue
        entity = Entity.of_table(table)
        found.add(str(entity) if entity is not None else table)
        found.update(str(extra) for extra in _ALSO.get(table, ()))
    return frozenset(found)


class Feed:
    """A subscription: ``on_entities(keys)`` after each change (unsubscribe with :meth:`close`)."""

    def __init__(self, on_entities: EntitiesListener) -> None:
        self.on_entities = on_entities
        changes.subscribe(self._tables, database)  # the database open now: not another one

    def _tables(self, tables: frozenset[str]) -> None:
        self.on_entities(entities_of(tables))

    def close(self) -> None:
        changes.unsubscribe(self._tables)


def announce_tables(tables: Iterable[str]) -> None:
    """Tables changed elsewhere (another user, a sync round): tell every listener."""
    changes.announce(tables)


def announce_entities(entities: Iterable[str]) -> None:
    """Entities changed elsewhere: announced through their tables (an entity of no table as such)."""
    tables: set[str] = set()
    for key in entities:
        try:
            entity = Entity(key)
        except ValueError:
            tables.add(key)
            continue
        tables.update(entity.tables or (key,))
    changes.announce(tables)


class OutsideChanges:
    """Another process committed to this SQLite file (``PRAGMA data_version``); on PostgreSQL the
    server's notices do this job, so :meth:`poll` says nothing there."""

    def __init__(self) -> None:
        self.version = changes.DataVersion(database)

    def poll(self) -> bool:
        """Announce "everything changed" when another process wrote since the last poll."""
        if self.version.changed():
            changes.announce([changes.ALL], database)
            return True
        return False


__all__ = ["Feed", "OutsideChanges", "announce_entities", "announce_tables", "entities_of"]
