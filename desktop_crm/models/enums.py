"""Stored enumerations. Values are stable identifiers, never shown to users as they are."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    ADMIN = "admin"
    HEAD = "head"
    SALES = "sales"


class VatMode(enum.StrEnum):
    """Whether line prices include VAT (Russian habit) or VAT is added on top (Italian habit)."""

    INCLUDED = "included"
    ON_TOP = "on_top"


class LeadStatus(enum.StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    CONVERTED = "converted"
    JUNK = "junk"


class StageKind(enum.StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class ActivityKind(enum.StrEnum):
    COMMENT = "comment"
    CALL = "call"
    MEETING = "meeting"
    EMAIL = "email"
    MESSAGE = "message"
    TASK = "task"
    STAGE_CHANGE = "stage_change"
    DOCUMENT = "document"
    SYSTEM = "system"


class ActivityStatus(enum.StrEnum):
    PLANNED = "planned"
    DONE = "done"
    CANCELLED = "cancelled"


class QuoteStatus(enum.StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"  # an older revision, read-only


class InvoiceStatus(enum.StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    CANCELLED = "cancelled"


class BankLineStatus(enum.StrEnum):
    """What became of an incoming line of an imported bank statement (schema step 13)."""

    MATCHED = "matched"  # registered as a payment of an invoice by this import
    UNMATCHED = "unmatched"  # waiting in the review list to be matched by hand or ignored
    IGNORED = "ignored"  # the user said it is not an invoice's payment
    KNOWN = "known"  # an earlier import (or a hand match) already registered it


class DocumentType(enum.StrEnum):
    QUOTE = "quote"
    INVOICE = "invoice"
    PAPER = "paper"  # an issued paper of a kind declared as data (acts, УПД, DDT, …)
    # Not a document: the counter of FatturaPA transmissions (ProgressivoInvio and the XML file
    # name) per own company and series, which must never repeat (numbering.take_progressive).
    FATTURAPA_TRANSMISSION = "fatturapa_transmission"


class FileFormat(enum.StrEnum):
    PDF = "pdf"
    DOCX = "docx"
    XML = "xml"


class Scope(enum.StrEnum):
    """Which rows a role sees: the user's own, the user's team's, or all."""

    OWN = "own"
    TEAM = "team"
    ALL = "all"


class Action(enum.StrEnum):
    """What a role may do (``access_role.actions``, comma-separated, sorted)."""

    VIEW = "view"
    CREATE = "create"
    EDIT = "edit"
    DELETE = "delete"
    EXPORT = "export"
    IMPORT = "import"
    REOPEN = "reopen"  # reopen closed deals
    ISSUE_DOCUMENTS = "issue_documents"  # issue and cancel quotes and invoices
    REGISTER_PAYMENTS = "register_payments"
    CHANGE_SETTINGS = "change_settings"
    CHANGE_PRICES = "change_prices"  # catalog prices
    MANAGE_USERS = "manage_users"


class Preset(enum.StrEnum):
    """The built-in roles (``access_role.preset``); a custom role has the preset ``''``."""

    ADMIN = "admin"
    HEAD = "head"
    MANAGER = "manager"
    ACCOUNTANT = "accountant"


class MailSecurity(enum.StrEnum):
    """How a mail connection is encrypted: STARTTLS on the plain port, TLS from the start, none."""

    STARTTLS = "starttls"
    SSL = "ssl"
    NONE = "none"


class MailDirection(enum.StrEnum):
    OUT = "out"
    IN = "in"


class MailStatus(enum.StrEnum):
    """An outgoing message's way through the outbox (``received`` for incoming ones).

    ``queued`` → ``sending`` (claimed; its Message-ID already committed) → ``sent`` or back to
    ``queued`` (a retry) or ``failed`` (refused for good); ``unknown``: a crash left it in
    ``sending`` and nothing proves whether the server took it (the user decides);
    ``cancelled``: taken out of the queue by the user."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNKNOWN = "unknown"
    RECEIVED = "received"
    CANCELLED = "cancelled"


class CustomFieldKind(enum.StrEnum):
    """What a custom field holds (``custom_field.kind``) and which ``custom_value`` column keeps it:
    text, list and yes/no (``"1"``/``"0"``) in ``text_value``, a multi-list as a JSON list in
    ``text_value``, number and money in ``number_value``, a date in ``date_value``, a contact or
    company in ``link_id``."""

    TEXT = "text"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    LIST = "list"
    MULTI_LIST = "multi_list"
    YES_NO = "yes_no"
    CONTACT_LINK = "contact_link"
    COMPANY_LINK = "company_link"
