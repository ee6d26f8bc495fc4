"""Who is working: signing in, the signed-in user as plain data for the UI, local passwords.

There is no fallback: someone signs in, or nothing is allowed (``services.system.rights``).

* SQLite: the person picks their name at start (the UI remembers the last choice per OS account);
  a user may have a password, kept as an argon2 hash in ``user.password_hash`` (never synced).
  :func:`sign_in` checks it. An empty database asks for its first administrator
  (:func:`create_first_administrator`).
* PostgreSQL with the sync layer installed (``server init``): the server login is the identity.
  :func:`server_identity` maps it through ``sync.login`` to exactly one CRM user; an application
  login that maps to none is refused. The server's owner (not an application login) signs in like
  on SQLite. A replica does the same with the login its last sync ran as (``login_user_id``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import argon2
import peewee

from desktop_crm.errors import SignInRefused, ValidationError
from desktop_crm.i18n import _
from desktop_crm.ids import IdLike, as_uuid
from desktop_crm.models import AccessRole, Action, Preset, Role, User, database
from desktop_crm.models.db import engine
from desktop_crm.models.people import PRESET_IDS
from desktop_crm.models.sync_meta import is_replica, meta_get
from desktop_crm.services.system import rights

_hasher = argon2.PasswordHasher()
# an application login: a direct member of crm_user (a superuser is a member of every role, but it is
# the server's owner, not a person of the CRM)
APPLICATION_LOGIN_SQL = (
    "EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
    "JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = 'crm_user' "
    "AND u.rolname = session_user AND NOT u.rolsuper)")


@dataclass(frozen=True)
class UserRef:
    """A user as the UI sees it (no database object)."""

    id: uuid.UUID
    name: str
    role: str
    locale: str
    login: str = ""
    role_name: str = ""
    has_password: bool = False


def _ref(user: Any, roles: dict[uuid.UUID, Any] | None = None) -> UserRef:
    """``roles``: every role by id, read once for many users (else the user's own is read)."""
    role: Any = (roles.get(user.access_role_id) if roles is not None
                 else AccessRole.get_or_none(AccessRole.id == user.access_role_id))
    role_name = rights.role_display_name(role.name, role.preset) if role else ""
    return UserRef(user.id, user.name, str(user.role), user.locale or "", user.login or "",
                   role_name, bool(user.password_hash))


def _active(user_id: IdLike) -> Any:
    try:
        key = as_uuid(user_id)
    except (ValueError, TypeError):
        key = None
    user = None if key is None else User.alive().where(
        (User.id == key) & (User.active == True)).first()  # noqa: E712
    if user is None:
        raise SignInRefused(_("This user does not exist or has been disabled."))
    return user


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def sign_in(user_id: IdLike, password: str = "") -> UserRef:
    """Work as ``user_id`` from now on; its password (if it has one) must match."""
    with database.atomic():
        user = _active(user_id)
        if user.password_hash:
            try:
                _hasher.verify(user.password_hash, password)
            except (argon2.exceptions.VerifyMismatchError, argon2.exceptions.InvalidHashError):
                raise SignInRefused(_("The password is wrong.")) from None
        rights.act_as(rights.load_actor(user.id))
        return _ref(user)


def current_user(user_id: IdLike | None = None) -> UserRef:
    """The signed-in user; given an id, that (active) user as the UI shows it (no sign-in)."""
    with database.atomic():
        if user_id is None:
            actor = rights.current()
            if actor is None or actor.user_id is None:
                raise SignInRefused(_("Nobody is signed in."))
            return _ref(_active(actor.user_id))
        return _ref(_active(user_id))


def sign_in_for_tool(login: str = "") -> UserRef:
    """Command-line tools that show the GUI on a database (``screenshots``): work as the user with
    ``login``, else the first active administrator (an empty database gets one). Never used by
    the application itself, which always asks (:func:`sign_in`) or follows the server login."""
    with database.atomic():
        if needs_first_administrator():
            return create_first_administrator(_("Administrator"), "admin")
        live = User.alive().where(User.active == True)  # noqa: E712
        user = live.where(User.login == login).first() if login else None
        if user is None and login:
            raise SignInRefused(_("No active user has the login {login}.").format(login=login))
        if user is None:
            user = live.where(User.role == Role.ADMIN).order_by(User.created_at).first()
        if user is None:
            raise SignInRefused(_("There is no active administrator: name the user to work as "
                                  "with --user LOGIN."))
        return _sign_in_without_password(user.id)


def _sign_in_without_password(user_id: IdLike) -> UserRef:
    """A user whose identity is already proven (a server login mapped to it) starts working."""
    with database.atomic():
        user = _active(user_id)
        rights.act_as(rights.load_actor(user.id))
        return _ref(user)


def sign_out() -> None:
    rights.act_as(None)


def users() -> list[UserRef]:
    """Active users, by name (pickers: responsible, assignee; the sign-in dialog)."""
    query: list[Any] = list(User.alive().where(User.active == True).order_by(User.name))  # noqa: E712
    roles = {role.id: role for role in AccessRole.select()}  # one query, not one per user
    return [_ref(user, roles) for user in query]


def signed_in() -> UserRef | None:
    """The user signed in in this process, if somebody is (the first-run assistant signs in the
    administrator it creates, so the start-up does not ask again)."""
    actor = rights.current()
    if actor is None or actor.user_id is None:
        return None
    user = User.alive().where((User.id == actor.user_id) & (User.active == True)).first()  # noqa: E712
    return _ref(user) if user is not None else None


def needs_first_administrator() -> bool:
    """True for a database without any active user: the first run creates the administrator."""
    return not User.alive().where(User.active == True).exists()  # noqa: E712


def create_first_administrator(name: str, login: str = "", password: str = "") -> UserRef:
    """The first user of an empty database, an administrator, signed in."""
    name = " ".join(name.split())
    if not name:
        raise ValidationError(_("Enter your name."), field="name")
    login = login.strip()
    with database.atomic():
        if not needs_first_administrator():
            raise SignInRefused(_("The database already has users: sign in as one of them."))
        user = User.create(name=name, login=login, role=Role.ADMIN,
                           access_role=PRESET_IDS[Preset.ADMIN],
                           password_hash=hash_password(password) if password else "")
        rights.act_as(rights.load_actor(user.id))
        return _ref(user)


def set_own_password(old_password: str, new_password: str) -> None:
    """The signed-in user changes their own local password ('' removes it)."""
    actor = rights.current()
    if actor is None or actor.user_id is None:
        raise SignInRefused(_("Nobody is signed in."))
    with database.atomic():
        user = _active(actor.user_id)
        if user.password_hash:
            try:
                _hasher.verify(user.password_hash, old_password)
            except (argon2.exceptions.VerifyMismatchError, argon2.exceptions.InvalidHashError):
                raise SignInRefused(_("The password is wrong.")) from None
        user.password_hash = hash_password(new_password) if new_password else ""
        user.save()


def set_password(user_id: IdLike, password: str) -> None:
    """An administrator sets (or, with '', removes) a user's local password."""
    rights.require(Action.MANAGE_USERS)
    with database.atomic():
        user: Any = User.get_or_none((User.id == as_uuid(user_id)) & User.deleted_at.is_null())
        if user is None:
            raise ValidationError(_("The user no longer exists."))
        user.password_hash = hash_password(password) if password else ""
        user.save()


# --- PostgreSQL: the server login is the identity ---------------------------------------------


def server_identity() -> UserRef | None:
    """The CRM user the connection's server login is mapped to, signed in.

    ``None`` where the login does not decide (SQLite without a sync server, a PostgreSQL without
    the sync layer, the server's owner): the user signs in by choosing. An application login, or
    a replica synced as one, that is mapped to no CRM user is refused (:class:`SignInRefused`).
    """
    db = database.obj
    if engine(db) == "sqlite":
        return _replica_identity(db)
    has_sync = db.execute_sql("SELECT to_regclass('sync.login') IS NOT NULL").fetchone()[0]
    if not has_sync:
        return None
    login, member = db.execute_sql(f"SELECT session_user, {APPLICATION_LOGIN_SQL}").fetchone()
    try:
        row = db.execute_sql(
            "SELECT user_id FROM sync.login WHERE login = session_user").fetchone()
    except peewee.DatabaseError:
        row = None
    if row is None or row[0] is None:
        if not member:
            return None
        raise SignInRefused(_(
            "The server login {login} is not assigned to any user of the CRM. Ask your "
            "administrator to assign it in Settings › Users and rights.").format(login=login))
    return _signed_in_as_mapped(row[0], login)


def _replica_identity(db: Any) -> UserRef | None:
    if not is_replica(db):
        return None
    user_id = meta_get(db, "login_user_id")
    login = meta_get(db, "login") or ""
    if not user_id:
        if login:
            raise SignInRefused(_(
                "The server login {login} is not assigned to any user of the CRM. Ask your "
                "administrator to assign it in Settings › Users and rights.").format(login=login))
        return None
    return _signed_in_as_mapped(user_id, login)


def _signed_in_as_mapped(user_id: Any, login: str) -> UserRef:
    try:
        return _sign_in_without_password(str(user_id))
    except SignInRefused:
        raise SignInRefused(_(
            "The server login {login} belongs to a user who is disabled or no longer exists. "
            "Ask your administrator.").format(login=login)) from None
