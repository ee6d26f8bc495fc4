"""Per-user interface preferences kept in the database (they follow the user to any desktop).

Each list remembers its column layout (``header``: the header's state as base64), its current
filter and the user's saved filters; the kanban board its pipeline and which stages are folded.
Views read and write them through these functions with plain values (user ids, dicts), never
touching ``Setting`` rows themselves. They are *per user* (``Setting.user``): two people signing in
on one computer each keep their own, and on a shared server each user's rows are theirs alone (the
server lets no other login read them, so they never reach another user's replica).
Pure window geometry stays in the machine's local settings (``QSettings``).
"""

from __future__ import annotations

from typing import Any

from desktop_crm import validation
from desktop_crm.entities import LIST_ENTITIES
from desktop_crm.ids import IdLike, as_uuid
from desktop_crm.models import User, database
from desktop_crm.models.db import is_read_only
from desktop_crm.services.system.settings import REGISTRY, SettingSpec, declare


def _list_spec(entity: str) -> SettingSpec[dict[str, Any]]:
    key = f"ui.list.{entity}"
    spec = REGISTRY.get(key)
    if spec is None:
        spec = declare(key, {}, per_user=True)
    return spec


for _entity in LIST_ENTITIES:
    _list_spec(_entity)

BOARD: SettingSpec[dict[str, Any]] = declare("ui.board", {}, per_user=True)


def _user(user_id: IdLike) -> User | None:
    user: User | None = User.alive().where(User.id == as_uuid(user_id)).first()
    return user


def list_state(entity: str, user_id: IdLike) -> dict[str, Any]:
    """``{"columns": [[key, width, hidden], …], "filter": dict, "saved_filters": {name: dict}}``
    (keys may be missing; an older ``"header"`` is Qt's binary header state)."""
    user = _user(user_id)
    return dict(_list_spec(entity).get(user)) if user is not None else {}


def save_list_state(entity: str, user_id: IdLike, **values: Any) -> None:
    """Update some keys of a list's state (one transaction); nothing for a removed user, nor on a
    database opened read-only (a column layout is not worth an error message there)."""
    spec = _list_spec(entity)
    user = _user(user_id)
    if user is None or is_read_only(database):
        return
    state = dict(spec.get(user))
    state.update(values)
    spec.set(state, user)


def saved_filters(entity: str, user_id: IdLike) -> dict[str, dict[str, Any]]:
    return dict(list_state(entity, user_id).get("saved_filters", {}))


def save_filter(entity: str, user_id: IdLike, name: str, values: dict[str, Any]) -> None:
    name = validation.text_value(name, "name", max_length=100, required=True)
    filters = saved_filters(entity, user_id)
    if isinstance(values.get("text"), str):
        values = {**values, "text": validation.search_value(values["text"])}
    filters[name] = values
    save_list_state(entity, user_id, saved_filters=filters)


def delete_saved_filter(entity: str, user_id: IdLike, name: str) -> None:
    filters = saved_filters(entity, user_id)
    filters.pop(name, None)
    save_list_state(entity, user_id, saved_filters=filters)


def board_state(user_id: IdLike) -> dict[str, Any]:
    """``{"pipeline": str, "collapsed": {stage id: bool}}`` of the user's board (keys may be missing)."""
    user = _user(user_id)
    return dict(BOARD.get(user)) if user is not None else {}


def save_board_state(user_id: IdLike, **values: Any) -> None:
    """Update some keys of the user's board state (one transaction, only when something changed)."""
    user = _user(user_id)
    if user is None:
        return
    state = dict(BOARD.get(user))
    if all(state.get(k) == v for k, v in values.items()):
        return
    state.update(values)
    BOARD.set(state, user)
