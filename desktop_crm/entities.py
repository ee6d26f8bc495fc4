"""The entities of the CRM: the one list every other list of entities derives from.

An :class:`Entity` names a kind of record as the whole application speaks of it: the key of its list
section, of its per-user list settings, of the change notices views reload on, and of a
notification's link. Which database tables hold it is said here too, so that sync can tell the views
what a download changed. Adding an entity means adding a member here, then its model, its service and
its screen (see ARCHITECTURE.md).
"""

from __future__ import annotations

from enum import StrEnum


class Entity(StrEnum):
    DEALS = "deals"
    LEADS = "leads"
    CONTACTS = "contacts"
    COMPANIES = "companies"
    PRODUCTS = "products"
    TASKS = "tasks"
    QUOTES = "quotes"
    INVOICES = "invoices"
    ACTIVITIES = "activities"
    USERS = "users"
    PIPELINES = "pipelines"
    NOTIFICATIONS = "notifications"

    @property
    def tables(self) -> tuple[str, ...]:
        """The database tables whose rows belong to this entity."""
        return _TABLES[self]

    @property
    def link_kind(self) -> str:
        """The singular name a notification or a task uses to point at one record of it."""
        return _LINK_KINDS.get(self, "")

    @classmethod
    def of_table(cls, table: str) -> Entity | None:
        """The entity a table's rows belong to (``None`` for internal tables)."""
        return _ENTITY_OF_TABLE.get(table)

    @classmethod
    def of_link_kind(cls, kind: str) -> Entity | None:
        """The entity a notification's or a task's ``link_kind`` points at."""
        return _ENTITY_OF_LINK_KIND.get(kind)


LIST_ENTITIES: tuple[Entity, ...] = (
    Entity.DEALS,
    Entity.LEADS,
    Entity.CONTACTS,
    Entity.COMPANIES,
    Entity.PRODUCTS,
    Entity.TASKS,
    Entity.QUOTES,
    Entity.INVOICES,
)
"""The entities with a list section, in the sidebar's order."""

_TABLES: dict[Entity, tuple[str, ...]] = {
    Entity.DEALS: ("deal", "deal_line", "stage_change"),
    Entity.LEADS: ("lead",),
    Entity.CONTACTS: ("contact",),
    Entity.COMPANIES: ("company",),
    Entity.PRODUCTS: ("product", "product_group"),
    Entity.TASKS: (),
    Entity.QUOTES: ("quote", "quote_line"),
    Entity.INVOICES: ("invoice", "invoice_line", "payment"),
    Entity.ACTIVITIES: ("activity",),
    Entity.USERS: ("user",),
    Entity.PIPELINES: ("pipeline", "stage"),
    Entity.NOTIFICATIONS: ("notification",),
}
_ENTITY_OF_TABLE = {table: entity for entity, tables in _TABLES.items() for table in tables}

_LINK_KINDS = {
    Entity.DEALS: "deal",
    Entity.LEADS: "lead",
    Entity.CONTACTS: "contact",
    Entity.COMPANIES: "company",
    Entity.TASKS: "task",
    Entity.QUOTES: "quote",
    Entity.INVOICES: "invoice",
}
_ENTITY_OF_LINK_KIND = {kind: entity for entity, kind in _LINK_KINDS.items()}
