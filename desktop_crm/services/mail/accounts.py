"""Each user's mail account: settings in ``mail_account``, the password in the keyring.

A user manages their own account; a user manager (``manage_users``) manages everybody's. The
password never enters the database nor a file: ``models.credentials`` keeps it in the OS keyring
and, on a computer without one, for this session only (:func:`password_remembered` says which).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from desktop_crm.errors import PermissionDenied
from desktop_crm.i18n import _
from desktop_crm.ids import IdLike, as_uuid, optional_uuid
from desktop_crm.models import MailAccount, credentials, database
from desktop_crm.models.base import column_text
from desktop_crm.models.enums import Action, MailSecurity
from desktop_crm.services.mail.transport import (
    NOT_CONFIGURED,
    Endpoint,
    MailError,
    close_quietly,
    open_imap,
    open_smtp,
)
from desktop_crm.services.system import rights
from desktop_crm.validation import enum_value, refuse


@dataclass(frozen=True)
class MailAccountDTO:
    id: uuid.UUID
    user_id: uuid.UUID
    address: str
    display_name: str
    username: str
    smtp_host: str
    smtp_port: int
    smtp_security: MailSecurity
    imap_host: str
    imap_port: int
    imap_security: MailSecurity
    sent_folder: str
    has_password: bool
    pec: bool = False  # a PEC mailbox: Italian invoices go to SDI from it (step 14)

    @property
    def has_imap(self) -> bool:
        return bool(self.imap_host)


@dataclass(frozen=True)
class MailAccountInput:
    """What the settings page saves; ``password`` ``None`` keeps the remembered one."""

    address: str
    display_name: str = ""
    username: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: MailSecurity | str = MailSecurity.STARTTLS
    imap_host: str = ""
    imap_port: int = 993
    imap_security: MailSecurity | str = MailSecurity.SSL
    sent_folder: str = ""
    password: str | None = None
    pec: bool = False


def password_key(account_id: uuid.UUID, username: str, host: str) -> str:
    """The keyring entry of an account's password (``credentials`` keys by URL)."""
    return f"mail://{username}@{host or 'mail'}:1/{account_id}"


def _dto(row: MailAccount) -> MailAccountDTO:
    return MailAccountDTO(
        row.id, row.user_id, row.address, row.display_name, row.username, row.smtp_host,
        row.smtp_port, MailSecurity(row.smtp_security), row.imap_host, row.imap_port,
        MailSecurity(row.imap_security), row.sent_folder,
        credentials.stored_password(password_key(row.id, row.username, row.smtp_host)) is not None,
        bool(row.pec),
    )


def _acting_user() -> uuid.UUID | None:
    actor = rights.current()
    if actor is None:
        raise PermissionDenied(_("Sign in first."))
    return actor.user_id


def _require_manage(user_id: uuid.UUID) -> None:
    """One's own account, or anybody's with ``manage_users``."""
    acting = _acting_user()
    if acting is not None and acting != user_id and not rights.can(Action.MANAGE_USERS):
        raise PermissionDenied(_("Only a user manager may change another user's mail account."))


def _row_of(user_id: uuid.UUID) -> MailAccount | None:
    row: MailAccount | None = MailAccount.alive().where(MailAccount.user == user_id).first()
    return row


def account_of(user: IdLike | None = None) -> MailAccountDTO | None:
    """The mail account of ``user`` (default: the signed-in user), ``None`` when not set up."""
    user_id = optional_uuid(user) or _acting_user()
    if user_id is None:
        return None
    _require_manage(user_id)
    with database.atomic():
        row = _row_of(user_id)
        return _dto(row) if row else None


def account(account_id: IdLike) -> MailAccountDTO:
    with database.atomic():
        row = MailAccount.alive().where(MailAccount.id == as_uuid(account_id)).first()
        if row is None:
            raise MailError(_("This mail account no longer exists."), NOT_CONFIGURED)
        _require_manage(row.user_id)
        return _dto(row)


def _port(value: object, field: str) -> int:
    try:
        port = int(str(value).strip())
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:
        raise refuse(field, _("{field}: a port is a number from 1 to 65535."))
    return port


def _address(value: str) -> str:
    text = column_text(MailAccount, "address", value, required=True, label=_("E-mail address"))
    local, _at, domain = text.partition("@")
    if not local or "." not in domain or " " in text:
        raise refuse("address", _("{field}: not an e-mail address."), _("E-mail address"))
    return text


def save_account(data: MailAccountInput, user: IdLike | None = None) -> MailAccountDTO:
    """Create or change ``user``'s (default: the signed-in user's) account; one transaction. The
    password, when given, goes to the keyring (or is kept for this session)."""
    user_id = optional_uuid(user) or _acting_user()
    if user_id is None:
        raise PermissionDenied(_("Sign in first."))
    _require_manage(user_id)
    values = {
        "address": _address(data.address),
        "display_name": column_text(MailAccount, "display_name", data.display_name,
                                    label=_("Display name")),
        "username": column_text(MailAccount, "username", data.username, label=_("User name")),
        "smtp_host": column_text(MailAccount, "smtp_host", data.smtp_host, required=True,
                                 label=_("SMTP server")),
        "smtp_port": _port(data.smtp_port, "smtp_port"),
        "smtp_security": enum_value(data.smtp_security, MailSecurity, "smtp_security"),
        "imap_host": column_text(MailAccount, "imap_host", data.imap_host, label=_("IMAP server")),
        "imap_port": _port(data.imap_port, "imap_port"),
        "imap_security": enum_value(data.imap_security, MailSecurity, "imap_security"),
        "sent_folder": column_text(MailAccount, "sent_folder", data.sent_folder,
                                   label=_("Sent folder")),
        "pec": bool(data.pec),
    }
    if not values["username"]:
        values["username"] = values["address"]
    with database.atomic():
        row = _row_of(user_id)
        old_key = password_key(row.id, row.username, row.smtp_host) if row else None
        if row is None:
            row = MailAccount(user=user_id)
        for name, value in values.items():
            setattr(row, name, value)
        row.save()
        key = password_key(row.id, row.username, row.smtp_host)
        if data.password is not None:
            credentials.remember_password(key, data.password)
        elif old_key and old_key != key:
            kept = credentials.stored_password(old_key)
            if kept is not None:
                credentials.remember_password(key, kept)
        return _dto(row)


def password_remembered() -> bool:
    """Whether passwords are kept by a keyring here (else only until the application closes)."""
    return credentials.keyring_problem() is None


def delete_account(user: IdLike | None = None) -> None:
    user_id = optional_uuid(user) or _acting_user()
    if user_id is None:
        raise PermissionDenied(_("Sign in first."))
    _require_manage(user_id)
    with database.atomic():
        row = _row_of(user_id)
        if row is not None:
            credentials.forget_password(password_key(row.id, row.username, row.smtp_host))
            row.soft_delete()


def password_of(account_dto: MailAccountDTO) -> str:
    found = credentials.stored_password(
        password_key(account_dto.id, account_dto.username, account_dto.smtp_host))
    return found or ""


def smtp_endpoint(account_dto: MailAccountDTO, password: str | None = None) -> Endpoint:
    return Endpoint(account_dto.smtp_host, account_dto.smtp_port, account_dto.smtp_security,
                    account_dto.username,
                    password if password is not None else password_of(account_dto))


def imap_endpoint(account_dto: MailAccountDTO, password: str | None = None) -> Endpoint | None:
    if not account_dto.imap_host:
        return None
    return Endpoint(account_dto.imap_host, account_dto.imap_port, account_dto.imap_security,
                    account_dto.username,
                    password if password is not None else password_of(account_dto))


@dataclass(frozen=True)
class ConnectionCheck:
    """The outcome of :func:`test_account`: per protocol ``None`` (fine) or what failed."""

    smtp_error: MailError | None
    imap_error: MailError | None
    imap_checked: bool

    @property
    def ok(self) -> bool:
        return self.smtp_error is None and self.imap_error is None


def test_account(account_dto: MailAccountDTO, password: str | None = None) -> ConnectionCheck:
    """Log in to the account's SMTP and (when set) IMAP servers for real; nothing is sent.
    Slow (network): call it off the GUI thread."""
    smtp_error: MailError | None = None
    imap_error: MailError | None = None
    try:
        close_quietly(open_smtp(smtp_endpoint(account_dto, password)))
    except MailError as error:
        smtp_error = error
    imap = imap_endpoint(account_dto, password)
    if imap is not None:
        try:
            close_quietly(open_imap(imap))
        except MailError as error:
            imap_error = error
    return ConnectionCheck(smtp_error, imap_error, imap is not None)


test_account.__test__ = False  # type: ignore[attr-defined]  # not a pytest test when imported


def test_settings(data: MailAccountInput, user: IdLike | None = None) -> ConnectionCheck:
    """:func:`test_account` on settings not saved yet (the settings page's "Test connection"):
    the password typed, else the one remembered for the user's account."""
    user_id = optional_uuid(user) or _acting_user()
    saved = account_of(user_id) if user_id is not None else None
    password = data.password if data.password else (password_of(saved) if saved else "")
    draft = MailAccountDTO(
        saved.id if saved else uuid.uuid4(), user_id or uuid.uuid4(), data.address.strip(),
        data.display_name, data.username.strip() or data.address.strip(), data.smtp_host.strip(),
        _port(data.smtp_port, "smtp_port"),
        enum_value(data.smtp_security, MailSecurity, "smtp_security"), data.imap_host.strip(),
        _port(data.imap_port, "imap_port"),
        enum_value(data.imap_security, MailSecurity, "imap_security"), data.sent_folder, True)
    if not draft.smtp_host:
        raise refuse("smtp_host", _("{field}: fill this in."), _("SMTP server"))
    return test_account(draft, password)


test_settings.__test__ = False  # type: ignore[attr-defined]
