"""Per-user interface preferences kept in the database (they follow the user to any desktop).

Each list remembers its column layout (``header``: the header's state as base64), its current
filter and the user's saved filters; views read and write them through these functions with plain
values (user ids, dicts), never touching ``Setting`` rows themselves.
Pure window geometry stays in the machine's local settings (``QSettings``).
"""

from __future__ import annotations

import uuid
from typing import Any

from desktop_crm.services.session import user_model
from desktop_crm.services.settings import REGISTRY, SettingSpec, declare

LIST_ENTITIES = (
    "deals",
    "leads",
    "contacts",
    "companies",
    "products",
    "tasks",
    "quotes",
    "invoices",
)


def _list_spec(entity: str) -> SettingSpec[dict[str, Any]]:
    key = f"ui.list.{entity}"
    spec = REGISTRY.get(key)
    if spec is None:
        spec = declare(key, {}, per_user=True)
    return spec


for _entity in LIST_ENTITIES:
    _list_spec(_entity)


def list_state(entity: str, user_id: uuid.UUID | str) -> dict[str, Any]:
    """``{"header": str, "filter": dict, "saved_filters": {name: dict}}`` (keys may be missing)."""
    return dict(_list_spec(entity).get(user_model(user_id)))


def save_list_state(entity: str, user_id: uuid.UUID | str, **values: Any) -> None:
    """Update some keys of a list's state (one transaction)."""
    spec = _list_spec(entity)
    user = user_model(user_id)
    state = dict(spec.get(user))
    state.update(values)
    spec.set(state, user)


def saved_filters(entity: str, user_id: uuid.UUID | str) -> dict[str, dict[str, Any]]:
    return dict(list_state(entity, user_id).get("saved_filters", {}))


def save_filter(entity: str, user_id: uuid.UUID | str, name: str, values: dict[str, Any]) -> None:
    filters = saved_filters(entity, user_id)
    filters[name] = values
    save_list_state(entity, user_id, saved_filters=filters)


def delete_saved_filter(entity: str, user_id: uuid.UUID | str, name: str) -> None:
    filters = saved_filters(entity, user_id)
    filters.pop(name, None)
    save_list_state(entity, user_id, saved_filters=filters)
