"""Fetching mail over IMAP: the inbox and the sent folder, only what is new, linked to the CRM.

``fetch(user=None, endpoint=None)`` reads the signed-in user's mailbox (or the one ``endpoint``
names: ``desktop-crm mail fetch --imap URL``):

* folders: ``INBOX`` and the sent folder — the account's own setting, else the folder flagged
  ``\\Sent`` (RFC 6154 SPECIAL-USE), else a common name ("Sent", "Sent Items", "Posta inviata",
  "Отправленные", …);
* incremental: per mailbox and folder the ``UIDVALIDITY`` and the last UID read are kept (a per-user
  setting, so every device of the user shares it); a changed ``UIDVALIDITY`` reads the folder again
  and Message-IDs already stored are skipped — a message the outbox sent is never stored twice;
* messages are read with ``BODY.PEEK[]`` (the server's \\Seen flags stay as they are), parsed by
  ``parse.parse`` and stored by ``store.store_message`` (linking, the timeline, the answered rule);
  SDI's receipts in a PEC inbox go to ``billing.sdi``.

The network is used outside any database transaction; each folder's batch is one transaction with
its new UID, so an interrupted fetch resumes where it stopped and never stores a message twice.
"""

from __future__ import annotations

import datetime as dt
import imaplib
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.ids import IdLike, optional_uuid
from desktop_crm.models import database
from desktop_crm.services.mail import accounts, store
from desktop_crm.services.mail.parse import ParsedMessage, parse
from desktop_crm.services.mail.transport import (
    NOT_CONFIGURED,
    Endpoint,
    MailError,
    close_quietly,
    explain,
    open_imap,
)
from desktop_crm.services.system.settings import SettingSpec, declare

log = logging.getLogger(__name__)
# {mailbox: {folder: [uidvalidity, last uid]}}, mailbox = "user@host:port"
FETCH_STATE: SettingSpec[dict[str, dict[str, list[int]]]] = declare("mail.fetch_state", {}, per_user=True)
BATCH = 50
FIRST_DAYS = 90  # how far back a folder read for the first time goes
SENT_NAMES = ("Sent", "Sent Items", "Sent Messages", "Sent Mail", "INBOX.Sent", "INBOX/Sent",
              "[Gmail]/Sent Mail", "Posta inviata", "Inviata", "Elementi inviati", "Отправленные",
              "Исходящие")
_LIST_LINE = re.compile(rb'^\((?P<flags>[^)]*)\) (?P<sep>"[^"]*"|NIL) (?P<name>.+)$')


@dataclass(frozen=True, slots=True)
class FetchResult:
    read: int = 0  # new messages read from the server
    stored: tuple[store.StoredMessage, ...] = ()  # linked to a contact, company or deal
    ignored: int = 0  # from and to addresses the CRM does not know
    duplicates: int = 0  # already stored (sent by the outbox, fetched before, another device)
    receipts: tuple[str, ...] = ()  # SDI receipts applied, as one line each
    folders: tuple[str, ...] = field(default=())


def _mailbox_key(endpoint: Endpoint) -> str:
    return f"{endpoint.username}@{endpoint.host}:{endpoint.port}".lower()


def _resolve(
    user: IdLike | None, endpoint: Endpoint | None
) -> tuple[Endpoint, accounts.MailAccountDTO | None]:
    account = accounts.account_of(user) if user is not None or endpoint is None else None
    if endpoint is not None:
        return endpoint, account
    if account is None:
        raise MailError(_("Set up your mail account in Settings first."), NOT_CONFIGURED)
    imap = accounts.imap_endpoint(account)
    if imap is None:
        raise MailError(_("Your mail account has no IMAP server: set it in Settings to receive mail."),
                        NOT_CONFIGURED)
    return imap, account


def _decode_name(raw: bytes) -> str:
    """A folder name from a LIST line (quoted or atom; modified UTF-7 left as the server sent it)."""
    text = raw.decode("utf-8", errors="replace").strip()
    if text.startswith('"') and text.endswith('"'):
        text = text[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return text


def list_folders(session: imaplib.IMAP4) -> list[tuple[str, str]]:
    """``(name, flags)`` of every folder the server lists."""
    status, lines = session.list()
    result = []
    for line in lines if status == "OK" else []:
        if not isinstance(line, bytes):
            continue
        match = _LIST_LINE.match(line)
        if match:
            result.append((_decode_name(match["name"]), match["flags"].decode("ascii", "replace")))
    return result


def sent_folder(session: imaplib.IMAP4, configured: str = "") -> str | None:
    folders = list_folders(session)
    names = {name for name, _flags in folders}
    if configured and configured in names:
        return configured
    for name, flags in folders:
        if "\\sent" in flags.lower():
            return name
    for candidate in SENT_NAMES:
        for name in names:
            if name.casefold() == candidate.casefold():
                return name
    return None


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _uid_validity(session: imaplib.IMAP4) -> int:
    _typ, data = session.response("UIDVALIDITY")
    try:
        return int(data[0]) if data and data[0] else 0
    except (TypeError, ValueError):
        return 0


def _new_uids(session: imaplib.IMAP4, last_uid: int) -> list[int]:
    """UIDs after ``last_uid``; a folder read for the first time: only the last FIRST_DAYS days
    (a mailbox of years is not downloaded whole)."""
    criteria = f"UID {last_uid + 1}:*"
    if last_uid == 0:
        since = dt.date.today() - dt.timedelta(days=FIRST_DAYS)
        months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
        criteria += f" SINCE {since.day}-{months[since.month - 1]}-{since.year}"
    status, data = session.uid("SEARCH", criteria)
    if status != "OK" or not data or not data[0]:
        return []
    # "N:*" always matches the last message, even when it is older than N: keep only newer ones
    return sorted(uid for uid in (int(x) for x in data[0].split()) if uid > last_uid)


def _fetch_raw(session: imaplib.IMAP4, uids: list[int]) -> Iterator[tuple[int, bytes]]:
    status, data = session.uid("FETCH", ",".join(str(u) for u in uids), "(UID BODY.PEEK[])")
    if status != "OK":
        return
    for item in data:
        if not isinstance(item, tuple) or len(item) < 2:
            continue
        match = re.search(rb"UID (\d+)", item[0])
        if match and isinstance(item[1], bytes):
            yield int(match.group(1)), item[1]


def fetch(user: IdLike | None = None, endpoint: Endpoint | None = None) -> FetchResult:
    """Read what is new in the inbox and the sent folder and store what concerns known clients."""
    imap, account = _resolve(user, endpoint)
    own = {a.lower() for a in (account.address if account else "", imap.username) if a and "@" in a}
    user_id = optional_uuid(user) or (account.user_id if account else None)
    key = _mailbox_key(imap)
    with database.atomic():
        own = store.known_own_addresses(own)
    session = open_imap(imap)
    totals = _Totals()
    try:
        # the sent folder first: a client's reply read afterwards finds the message it answers
        folders = []
        sent = sent_folder(session, account.sent_folder if account else "")
        if sent and sent.upper() != "INBOX":
            folders.append((sent, True))
        folders.append(("INBOX", False))
        for folder, is_sent in folders:
            _fetch_folder(session, folder, is_sent, key, own, user_id, account, totals)
    except MailError:
        raise
    except (imaplib.IMAP4.error, OSError) as error:
        raise explain(error, imap, "IMAP") from error
    finally:
        close_quietly(session)
    return FetchResult(totals.read, tuple(totals.stored), totals.ignored, totals.duplicates,
                       tuple(totals.receipts), tuple(totals.folders))


@dataclass
class _Totals:
    read: int = 0
    stored: list[store.StoredMessage] = field(default_factory=list)
    ignored: int = 0
    duplicates: int = 0
    receipts: list[str] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)


def _fetch_folder(
    session: imaplib.IMAP4, folder: str, is_sent: bool, key: str, own: set[str],
    user_id: object, account: accounts.MailAccountDTO | None, totals: _Totals,
) -> None:
    status, _data = session.select(_quote(folder), readonly=True)
    if status != "OK":
        return
    totals.folders.append(folder)
    validity = _uid_validity(session)
    state = FETCH_STATE.get(user_id).get(key, {})  # type: ignore[arg-type]
    known_validity, last_uid = state.get(folder, [0, 0])
    if known_validity != validity:
        last_uid = 0  # the folder was rebuilt: read it again (duplicates are skipped)
    uids = _new_uids(session, int(last_uid))
    for start in range(0, len(uids), BATCH):
        chunk = uids[start:start + BATCH]
        messages: list[tuple[int, ParsedMessage, bytes]] = [
            (uid, parse(raw), raw) for uid, raw in _fetch_raw(session, chunk)
        ]
        with database.atomic():
            for uid, parsed, raw in messages:
                totals.read += 1
                try:
                    with database.atomic():  # one message refused leaves the others stored
                        outcome = store.store_message(parsed, raw, is_sent=is_sent, own_addresses=own,
                                                      user=user_id, account=account.id if account else None)
                except CrmError as error:
                    log.warning("message %s in %s not stored: %s", uid, folder, error.message)
                    totals.ignored += 1
                    continue
                if outcome.receipts:
                    totals.receipts.extend(outcome.receipts)
                if outcome.stored is not None:
                    totals.stored.append(outcome.stored)
                elif outcome.duplicate:
                    totals.duplicates += 1
                elif not outcome.receipts:
                    totals.ignored += 1
            _save_state(user_id, key, folder, validity, max(chunk))
    if not uids and known_validity != validity:
        with database.atomic():
            _save_state(user_id, key, folder, validity, 0)


def _save_state(user_id: object, key: str, folder: str, validity: int, last_uid: int) -> None:
    state = FETCH_STATE.get(user_id)  # type: ignore[arg-type]
    state.setdefault(key, {})[folder] = [validity, last_uid]
    FETCH_STATE.set(state, user_id)  # type: ignore[arg-type]
