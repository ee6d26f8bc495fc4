"""What the signed-in user may do and see: the one place services ask.

The acting user is set by signing in (``services.system.session``); until then nothing is allowed
(there is no fallback to an administrator). Its role's actions and scopes are read once per sign-in
and again after roles or users change (:func:`reload`).

* ``require(action, responsible_id=…, pipeline_id=…)`` raises :class:`PermissionDenied` (translated)
  when the role lacks the action or the record lies outside its scope; ``can(...)`` answers the same
  without raising.
* Visibility: ``scope_for(pipeline_id)``, ``visible_users(scope)`` (``None``: everyone), and the
  query conditions ``deal_condition(Deal)`` (each deal by its pipeline's scope),
  ``responsible_condition(field)`` (leads, contacts, companies: the role's own scope). Unassigned
  rows are visible to every scope.

Scope ``own``: rows whose responsible is the user; ``team``: the user and the users whose head is
the user; ``all``: every row.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from desktop_crm.errors import PermissionDenied
from desktop_crm.i18n import N_, _
from desktop_crm.models import AccessRole, Action, Preset, RoleScope, Scope, User
from desktop_crm.models.people import PRESET_NAMES, parse_actions

ACTION_LABELS: dict[Action, str] = {
    Action.VIEW: N_("View records"),
    Action.CREATE: N_("Create records"),
    Action.EDIT: N_("Edit records"),
    Action.DELETE: N_("Delete records"),
    Action.EXPORT: N_("Export data"),
    Action.IMPORT: N_("Import data"),
    Action.REOPEN: N_("Reopen closed deals"),
    Action.ISSUE_DOCUMENTS: N_("Issue and cancel documents"),
    Action.REGISTER_PAYMENTS: N_("Register payments"),
    Action.CHANGE_SETTINGS: N_("Change settings"),
    Action.CHANGE_PRICES: N_("Change catalog prices"),
    Action.MANAGE_USERS: N_("Manage users and rights"),
}
SCOPE_LABELS: dict[Scope, str] = {
    Scope.OWN: N_("Own records"),
    Scope.TEAM: N_("Team's records"),
    Scope.ALL: N_("All records"),
}
_REFUSALS: dict[Action, str] = {
    Action.VIEW: N_("Your role does not allow you to see this record."),
    Action.CREATE: N_("Your role does not allow you to create records here."),
    Action.EDIT: N_("Your role does not allow you to change this record."),
    Action.DELETE: N_("Your role does not allow you to delete records."),
    Action.EXPORT: N_("Your role does not allow you to export data."),
    Action.IMPORT: N_("Your role does not allow you to import data."),
    Action.REOPEN: N_("Your role does not allow you to reopen closed deals."),
    Action.ISSUE_DOCUMENTS: N_("Your role does not allow you to issue or cancel documents."),
    Action.REGISTER_PAYMENTS: N_("Your role does not allow you to register payments."),
    Action.CHANGE_SETTINGS: N_("Your role does not allow you to change settings."),
    Action.CHANGE_PRICES: N_("Your role does not allow you to change catalog prices."),
    Action.MANAGE_USERS: N_("Your role does not allow you to manage users and rights."),
}


@dataclass(frozen=True)
class Actor:
    """The signed-in user's rights, read once."""

    user_id: uuid.UUID | None  # None: the tests' built-in administrator (no row)
    name: str
    actions: frozenset[Action]
    scope: Scope
    pipeline_scopes: dict[uuid.UUID, Scope] = field(default_factory=dict)
    team: frozenset[uuid.UUID] = frozenset()

    def scope_for(self, pipeline_id: uuid.UUID | None) -> Scope:
        if pipeline_id is None:
            return self.scope
        return self.pipeline_scopes.get(pipeline_id, self.scope)


_actor: Actor | None = None


def role_display_name(name: str, preset: str) -> str:
    """A preset role's name is shown translated while nobody renamed it."""
    for key, english in PRESET_NAMES.items():
        if preset == key.value and name == english:
            return _(english)
    return name


def load_actor(user_id: uuid.UUID) -> Actor:
    user: Any = User.get_by_id(user_id)
    role: Any = AccessRole.get_or_none(
        (AccessRole.id == user.access_role_id) & AccessRole.deleted_at.is_null())
    if role is None:  # a deleted role leaves its users with nothing
        return Actor(user.id, user.name, frozenset(), Scope.OWN)
    scopes = {r.pipeline_id: Scope(r.scope) for r in
              RoleScope.alive().where(RoleScope.role == role.id)}
    team = {user.id} | {u.id for u in User.alive().select(User.id).where(User.head == user.id)}
    return Actor(user.id, user.name, parse_actions(role.actions), Scope(role.scope), scopes,
                 frozenset(team))


def administrator() -> Actor:
    """Every action, every row: the tests' fixtures act as this (the product never does)."""
    return Actor(None, "administrator", frozenset(Action), Scope.ALL)


def act_as(actor: Actor | None) -> None:
    global _actor
    _actor = actor


@contextmanager
def acting(actor: Actor) -> Iterator[None]:
    previous = _actor
    act_as(actor)
    try:
        yield
    finally:
        act_as(previous)


def current() -> Actor | None:
    return _actor


def reload() -> None:
    """Re-read the acting user's rights (after roles, scopes, teams or users changed)."""
    if _actor is not None and _actor.user_id is not None:
        act_as(load_actor(_actor.user_id))


def _actor_or_refuse(action: Action) -> Actor:
    if _actor is None:
        raise PermissionDenied(_("Sign in first."))
    return _actor


def can(action: Action, responsible_id: Any = None, pipeline_id: Any = None) -> bool:
    try:
        require(action, responsible_id, pipeline_id)
    except PermissionDenied:
        return False
    return True


def require(action: Action, responsible_id: Any = None, pipeline_id: Any = None,
            scoped: bool = False) -> None:
    """Refuse ``action`` unless the role has it and (``scoped`` or a responsible is given) the
    record's responsible is within the scope (of the pipeline, for a deal)."""
    actor = _actor_or_refuse(action)
    if action not in actor.actions:
        raise PermissionDenied(_(_REFUSALS[action]))
    if (scoped or responsible_id is not None) and not in_scope(responsible_id, pipeline_id):
        raise PermissionDenied(_("This record belongs to someone outside your scope."))


def in_scope(responsible_id: Any, pipeline_id: Any = None) -> bool:
    actor = _actor
    if actor is None:
        return False
    if responsible_id is None:
        return True
    allowed = visible_users(actor.scope_for(_uuid(pipeline_id)))
    return allowed is None or _uuid(responsible_id) in allowed


def scope_for(pipeline_id: Any = None) -> Scope:
    actor = _actor
    return Scope.OWN if actor is None else actor.scope_for(_uuid(pipeline_id))


def visible_users(scope: Scope) -> frozenset[uuid.UUID] | None:
    """The responsibles whose rows ``scope`` shows; ``None``: every row."""
    actor = _actor
    if actor is None:
        return frozenset()
    if scope == Scope.ALL:
        return None
    if actor.user_id is None:
        return None
    return frozenset({actor.user_id}) if scope == Scope.OWN else actor.team


def responsible_condition(responsible: Any) -> Any:
    """A condition on a responsible field by the role's default scope (``None``: no condition)."""
    if _actor is None or Action.VIEW not in _actor.actions:
        return responsible.is_null(False) & responsible.is_null()  # nothing
    users = visible_users(scope_for(None))
    if users is None:
        return None
    return responsible.is_null() | responsible.in_(list(users))


def deal_condition(model: Any) -> Any:
    """A condition on deals by each pipeline's scope (``None``: every deal is visible)."""
    actor = _actor
    if actor is None or Action.VIEW not in actor.actions:
        return model.id.is_null()  # nothing
    default_users = visible_users(scope_for(None))
    overrides = {} if actor is None else actor.pipeline_scopes
    if default_users is None and all(
        visible_users(s) is None for s in overrides.values()):
        return None
    condition: Any = model.responsible.is_null()
    listed = list(overrides)
    for pipeline_id, scope in overrides.items():
        users = visible_users(scope)
        part = model.pipeline == pipeline_id
        condition |= part if users is None else part & model.responsible.in_(list(users))
    rest = model.pipeline.not_in(listed) if listed else None
    if default_users is None:
        default = rest if rest is not None else model.id.is_null(False)
    else:
        default = model.responsible.in_(list(default_users))
        default = default if rest is None else default & rest
    return condition | default


def cache_key() -> tuple[Any, ...]:
    """What cached queries must be keyed by besides their filter: the acting user's visibility."""
    actor = _actor
    if actor is None:
        return ("nobody",)
    return (actor.user_id, Action.VIEW in actor.actions, actor.scope,
            tuple(sorted((str(k), v) for k, v in actor.pipeline_scopes.items())),
            tuple(sorted(str(t) for t in actor.team)))


def scope_condition(model: Any) -> Any:
    """The rows of ``model`` the acting user may see (``None``: all of them). Deals by their
    pipeline's scope; leads, contacts and companies by their responsible; tasks and documents by
    their deal (and a task also by its lead and contact)."""
    from desktop_crm.models import Activity, Company, Contact, Deal, Invoice, Lead, Quote

    if _actor is None or Action.VIEW not in _actor.actions:
        return model.id.is_null()  # nobody signed in, or a role that may see nothing
    if model is Deal:
        return deal_condition(Deal)
    if model in (Lead, Contact, Company):
        return responsible_condition(model.responsible)
    if model in (Quote, Invoice):
        condition = deal_condition(Deal)
        if condition is None:
            return None
        return model.deal.in_(Deal.select(Deal.id).where(condition))
    if model is Activity:
        return activity_condition()
    return None


def activity_condition() -> Any:
    from desktop_crm.models import Activity, Contact, Deal, Lead

    deals = deal_condition(Deal)
    people = responsible_condition(Lead.responsible)
    if deals is None and people is None:
        return None
    parts: list[Any] = []
    if deals is not None:
        parts.append(Activity.deal.is_null() | Activity.deal.in_(Deal.select(Deal.id).where(deals)))
    if people is not None:
        parts.append(Activity.lead.is_null() | Activity.lead.in_(Lead.select(Lead.id).where(people)))
        contact = responsible_condition(Contact.responsible)
        parts.append(Activity.contact.is_null()
                     | Activity.contact.in_(Contact.select(Contact.id).where(contact)))
    condition = parts[0]
    for part in parts[1:]:
        condition &= part
    actor = _actor
    if actor is not None and actor.user_id is not None:
        condition |= Activity.assignee == actor.user_id  # one's own tasks, wherever they hang
    return condition


def require_visible(model: Any, row_id: Any) -> None:
    """Refuse when the row of ``model`` lies outside the acting user's scope."""
    condition = scope_condition(model)
    if condition is None:
        _actor_or_refuse(Action.VIEW)
        return
    if not model.select(model.id).where((model.id == _uuid(row_id)) & condition).exists():
        raise PermissionDenied(_("This record belongs to someone outside your scope."))


_UNCHANGED: Any = object()


def guard_write(model: Any, row_id: Any, responsible: Any = _UNCHANGED,
                pipeline_id: Any = None) -> None:
    """Refuse creating (``row_id`` None) or editing a row of ``model`` the role may not: the action,
    the row's current scope, and the responsible it is given (a manager creates for itself)."""
    if row_id is None:
        require(Action.CREATE)
    else:
        require(Action.EDIT)
        require_visible(model, row_id)
    given = responsible is not _UNCHANGED and responsible not in (None, "")
    if given and not in_scope(responsible, pipeline_id):
        raise PermissionDenied(_("You may only make someone within your scope responsible."))


def require_on(model: Any, row_id: Any, action: Action) -> None:
    """``action`` on one row of ``model``: the role has it and the row is within the scope."""
    require(action)
    require_visible(model, row_id)


def require_all(model: Any, ids: list[uuid.UUID], action: Action) -> None:
    """``action`` on every row of ``ids``: one outside the scope refuses the whole change."""
    require(action)
    condition = scope_condition(model)
    if condition is None or not ids:
        return
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        visible = model.select(model.id).where(model.id.in_(chunk) & condition).count()
        if visible != len(set(chunk)):
            raise PermissionDenied(_("Some of the records belong to someone outside your scope."))


def require_parents(action: Action, deal: Any = None, lead: Any = None, contact: Any = None,
                    company: Any = None) -> None:
    """``action`` on what a timeline entry, task or document hangs off: each given parent must be
    within the scope (entries follow their parent)."""
    from desktop_crm.models import Company, Contact, Deal, Lead

    require(action)
    for model, row_id in ((Deal, deal), (Lead, lead), (Contact, contact), (Company, company)):
        if row_id is not None:
            require_visible(model, row_id)


def require_self_or_scope(user_id: Any) -> None:
    """Another user's tasks are seen within the scope only (a head: the team's)."""
    require(Action.VIEW)
    if not in_scope(user_id):
        raise PermissionDenied(_("This record belongs to someone outside your scope."))


def require_self(user_id: Any) -> None:
    """One's own notifications only."""
    actor = _actor_or_refuse(Action.VIEW)
    if actor.user_id is not None and _uuid(user_id) != actor.user_id:
        raise PermissionDenied(_("These notifications belong to someone else."))


def user_may(user_id: Any, action: Action) -> bool:
    """Whether ``user_id``'s role has ``action`` (the author of a change, besides the actor)."""
    user: Any = User.get_or_none(User.id == _uuid(user_id))
    if user is None:
        return False
    role: Any = AccessRole.get_or_none(
        (AccessRole.id == user.access_role_id) & AccessRole.deleted_at.is_null())
    return role is not None and action in parse_actions(role.actions)


def preset_of(role_id: Any) -> str:
    role: Any = AccessRole.get_or_none(AccessRole.id == _uuid(role_id))
    return str(role.preset) if role else ""


def _uuid(value: Any) -> uuid.UUID | None:
    if value is None or value == "":
        return None
    if isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(getattr(value, "id", value)))


__all__ = ["ACTION_LABELS", "SCOPE_LABELS", "Action", "Actor", "Preset", "Scope"]
