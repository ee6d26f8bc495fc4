"""Settings › Users and rights: the roles (presets and custom ones), their actions and scopes per
pipeline. Managing them needs ``manage_users``; each write is one transaction and the signed-in
user's rights are re-read afterwards (``rights.reload``).

* ``roles()`` → :class:`RoleRow` (display name, preset, actions, default scope, scopes per pipeline,
  how many users have it); ``save_role(id | None, values)``; ``delete_role(id)`` (refused for the
  presets and for a role users still have).
* ``action_labels()``, ``scope_labels()``: the checkboxes and choices of the role editor.
* Somebody active must keep ``manage_users``: a change that would leave nobody able to manage users
  is refused.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.ids import IdLike, as_uuid
from desktop_crm.models import AccessRole, Action, Pipeline, RoleScope, Scope, User, database
from desktop_crm.models.people import actions_text, parse_actions
from desktop_crm.services.system import rights


@dataclass(frozen=True)
class RoleRow:
    id: uuid.UUID
    name: str  # as shown (a preset's translated while not renamed)
    stored_name: str
    preset: str  # '' for a custom role
    actions: frozenset[str]
    scope: str
    pipeline_scopes: dict[str, str]  # pipeline id (text) → scope, overrides only
    users: int


def action_labels() -> list[tuple[str, str]]:
    return [(action.value, _(label)) for action, label in rights.ACTION_LABELS.items()]


def scope_labels() -> list[tuple[str, str]]:
    return [(scope.value, _(label)) for scope, label in rights.SCOPE_LABELS.items()]


def roles() -> list[RoleRow]:
    """Every live role: the presets first, then custom roles by name."""
    rows: list[Any] = list(AccessRole.alive())
    counts: dict[uuid.UUID, int] = {}
    for user in User.alive().select(User.access_role).where(User.active == True):  # noqa: E712
        if user.access_role_id is not None:
            counts[user.access_role_id] = counts.get(user.access_role_id, 0) + 1
    overrides: dict[uuid.UUID, dict[str, str]] = {}
    for scope in RoleScope.alive():
        overrides.setdefault(scope.role_id, {})[str(scope.pipeline_id)] = str(scope.scope)
    order = {"admin": 0, "head": 1, "manager": 2, "accountant": 3}
    rows.sort(key=lambda r: (order.get(r.preset, 9), r.name.lower()))
    return [
        RoleRow(r.id, rights.role_display_name(r.name, r.preset), r.name, r.preset,
                frozenset(a.value for a in parse_actions(r.actions)), str(r.scope),
                overrides.get(r.id, {}), counts.get(r.id, 0))
        for r in rows
    ]


def save_role(role_id: IdLike | None, values: Mapping[str, Any]) -> uuid.UUID:
    """Create or change a role: ``name``, ``actions`` (values), ``scope`` and ``pipeline_scopes``
    (``{pipeline id: scope}``; a pipeline left out follows the role's scope)."""
    rights.require(Action.MANAGE_USERS)
    name = " ".join(str(values.get("name") or "").split())
    if not name:
        raise ValidationError(_("Give the role a name."), field="name")
    try:
        actions = frozenset(Action(a) for a in values.get("actions") or ())
        scope = Scope(values.get("scope") or Scope.OWN)
        pipeline_scopes = {as_uuid(p): Scope(s) for p, s in
                           dict(values.get("pipeline_scopes") or {}).items()}
    except ValueError:
        raise ValidationError(_("Choose the role's rights from the list."), field="actions") from None
    with database.atomic():
        role: Any = AccessRole() if role_id is None else _live_role(role_id)
        if role.preset and name == rights.role_display_name(role.name, role.preset):
            name = role.name  # the translated preset name shown: keep it untranslated
        role.name = name
        role.actions = actions_text(actions)
        role.scope = scope
        role.save()
        _save_pipeline_scopes(role.id, pipeline_scopes)
        _keep_someone_managing_users()
    rights.reload()
    return uuid.UUID(str(role.id))


def _save_pipeline_scopes(role_id: uuid.UUID, wanted: dict[uuid.UUID, Scope]) -> None:
    live = set(Pipeline.alive().select(Pipeline.id).tuples())
    wanted = {p: s for p, s in wanted.items() if (p,) in live}
    existing = {s.pipeline_id: s for s in RoleScope.alive().where(RoleScope.role == role_id)}
    for pipeline_id, row in existing.items():
        if pipeline_id not in wanted:
            row.soft_delete()
        elif row.scope != wanted[pipeline_id]:
            row.scope = wanted[pipeline_id]
            row.save()
    for pipeline_id, scope in wanted.items():
        if pipeline_id not in existing:
            RoleScope.create(role=role_id, pipeline=pipeline_id, scope=scope)


def delete_role(role_id: IdLike) -> None:
    rights.require(Action.MANAGE_USERS)
    with database.atomic():
        role: Any = _live_role(role_id)
        if role.preset:
            raise ValidationError(_("A preset role cannot be deleted; change its rights instead."))
        if User.alive().where(User.access_role == role.id).exists():
            raise ValidationError(_("Users still have this role: give them another role first."))
        for scope in RoleScope.alive().where(RoleScope.role == role.id):
            scope.soft_delete()
        role.soft_delete()
    rights.reload()


def _live_role(role_id: IdLike) -> Any:
    role = AccessRole.get_or_none((AccessRole.id == as_uuid(role_id))
                                  & AccessRole.deleted_at.is_null())
    if role is None:
        raise ValidationError(_("The role no longer exists."))
    return role


def _keep_someone_managing_users() -> None:
    """Refuse (inside the caller's transaction) a change that leaves no active user able to manage
    users and rights."""
    managing = [r.id for r in AccessRole.alive()
                if Action.MANAGE_USERS in parse_actions(r.actions)]
    if not managing or not User.alive().where(
            (User.active == True) & User.access_role.in_(managing)).exists():  # noqa: E712
        raise ValidationError(_("Keep at least one active user who can manage users and rights."))


def keep_someone_managing_users() -> None:
    """For the user editor: the same check after a user's role or status changed."""
    _keep_someone_managing_users()


def role_ids(names: Iterable[str]) -> list[uuid.UUID]:
    """Role ids by stored or shown name (tests and the command line)."""
    wanted = set(names)
    return [r.id for r in roles() if r.name in wanted or r.stored_name in wanted]
