"""Giving a person their own PostgreSQL login (``desktop-crm server add-user``), safely.

The administrator names the CRM user by sign-in name (``login``, once the rights model has it) or
e-mail, never by id. What is refused, each with one translated sentence: a CRM user that does not
exist (or was deleted, or is disabled), an empty password, a login name PostgreSQL reserves, and an
existing PostgreSQL role the application did not create — a superuser, the administrator's own role,
any role that is not a member of ``crm_user`` and mapped in ``sync.login`` (``--login postgres``
must never change the superuser's password or map it to a salesperson).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _

LOGIN_PATTERN = re.compile(r"^[a-z_][a-z0-9_.-]{0,62}$")
RESERVED = {"postgres", "public", "crm_user", "crm_manager", "none", "current_user", "session_user"}


class LoginRefused(CrmError):
    """The login cannot be created or changed; the message says why."""


@dataclass(frozen=True)
class CrmUser:
    id: uuid.UUID
    name: str
    email: str
    login: str


@dataclass(frozen=True)
class LoginResult:
    login: str
    user: CrmUser
    created: bool


def _has_column(conn: Any, table: str, column: str) -> bool:
    return conn.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = %s AND column_name = %s",
        (table, column),
    ).fetchone() is not None


def find_user(conn: Any, reference: str) -> CrmUser:
    """The live CRM user whose sign-in name or e-mail is ``reference`` (case-insensitive)."""
    text = reference.strip()
    if not text:
        raise LoginRefused(_("Name the CRM user with --user (their sign-in name or e-mail)."))
    has_login = _has_column(conn, "user", "login")
    login_sql = "login" if has_login else "''"
    rows = conn.execute(
        f'SELECT id, name, email, {login_sql}, active FROM "user" WHERE deleted_at IS NULL '
        f"AND (lower(email) = lower(%s){' OR lower(login) = lower(%s)' if has_login else ''})",
        (text, text) if has_login else (text,),
    ).fetchall()
    if not rows:
        raise LoginRefused(
            _("There is no CRM user {user}. Create the user in the application first "
              "(Settings › Users), then give them a login.").format(user=text)
        )
    if len(rows) > 1:
        raise LoginRefused(
            _("Several CRM users match {user}; name the user by sign-in name.").format(user=text)
        )
    user_id, name, email, login, active = rows[0]
    if not active:
        raise LoginRefused(_("The CRM user {user} is disabled.").format(user=text))
    return CrmUser(user_id, name or "", email or "", login or "")


def default_login(user: CrmUser) -> str:
    """The PostgreSQL login for ``user`` when none is named: their sign-in name, else the part of
    their e-mail before ``@``, lower-cased and limited to the characters a login may hold."""
    base = user.login or user.email.split("@", 1)[0]
    return re.sub(r"[^a-z0-9_.-]+", "_", base.lower()).strip("_.-")[:63]


def check_login_name(login: str) -> None:
    if not LOGIN_PATTERN.match(login) or login in RESERVED or login.startswith("pg_"):
        raise LoginRefused(
            _("{login} cannot be used as a login: use lower-case letters, digits, '_', '.' or '-', "
              "starting with a letter, and not a name PostgreSQL reserves.").format(login=login)
        )


def check_role_is_ours(conn: Any, login: str) -> bool:
    """Whether a role named ``login`` exists; refuses one the application did not create."""
    row = conn.execute(
        "SELECT rolsuper, rolcreaterole, rolbypassrls, rolname = session_user, "
        "pg_has_role(oid, 'crm_user', 'MEMBER') FROM pg_roles WHERE rolname = %s",
        (login,),
    ).fetchone()
    if row is None:
        return False
    superuser, createrole, bypass, is_me, member = row
    mapped = conn.execute("SELECT 1 FROM sync.login WHERE login = %s", (login,)).fetchone()
    if superuser or createrole or bypass or is_me or not member or mapped is None:
        raise LoginRefused(
            _("The PostgreSQL role {login} exists and was not created by Desktop CRM (for example "
              "an administrator); it is left unchanged. Choose another login.").format(login=login)
        )
    return True


def provision_login(
    conn: Any, user_reference: str, password: str, login: str | None = None,
    scope: str = "own", manager: bool = False,
) -> LoginResult:
    """Create (or reset the password of) the login of one CRM user, in the caller's transaction;
    raises :class:`LoginRefused` (nothing changed) on anything it must not do."""
    from desktop_crm.sync import security

    user = find_user(conn, user_reference)
    name = (login or default_login(user)).strip()
    check_login_name(name)
    if not password:
        raise LoginRefused(_("The password is empty; nothing was changed."))
    existed = check_role_is_ours(conn, name)
    security.add_login(conn, name, password, user.id, scope, manager)
    return LoginResult(name, user, not existed)


__all__ = ["LoginRefused", "LoginResult", "check_login_name", "default_login", "find_user",
           "provision_login"]
