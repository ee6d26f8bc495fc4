"""A small business on a real PostgreSQL for the rights tests (issue 17): four people with their own
PostgreSQL logins and one row of each kind for two of them, made by the owner (superuser).

* ``admin`` — the administrator preset, scope all; ``head`` — head of sales, scope team (``mgr_a``
  reports to them); ``mgr_a`` and ``mgr_b`` — the manager preset, scope own; ``acct`` — the
  accountant preset, scope all.
* ``rows[table]["a"]`` belongs to ``mgr_a`` (its deal, its quote, its notification…), ``["b"]`` to
  ``mgr_b``. For the personal tables (settings, notifications) every person has a row of their own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse, urlunparse

PASSWORD = "s3cret-Rights"
PEOPLE = {  # login name -> (preset role, its scope)
    "admin": ("admin", "all"),
    "head": ("head", "team"),
    "mgr_a": ("manager", "own"),
    "mgr_b": ("manager", "own"),
    "acct": ("accountant", "all"),
}


@dataclass
class World:
    url: str
    suffix: str
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    rows: dict[str, dict[str, uuid.UUID]] = field(default_factory=dict)
    service_pipeline: uuid.UUID | None = None

    def login(self, person: str) -> str:
        return f"{person}_{self.suffix}"

    def url_of(self, person: str) -> str:
        parsed = urlparse(self.url)
        netloc = f"{self.login(person)}:{PASSWORD}@{parsed.hostname}:{parsed.port}"
        return urlunparse(parsed._replace(netloc=netloc))

    def bare_url_of(self, person: str) -> str:
        parsed = urlparse(self.url)
        return urlunparse(parsed._replace(netloc=f"{self.login(person)}@{parsed.hostname}:{parsed.port}"))


@contextmanager
def connected(url: str) -> Iterator[Any]:
    from desktop_crm._drivers import load_psycopg

    conn = load_psycopg().connect(url)
    try:
        yield conn
    finally:
        conn.close()


def build(url: str) -> World:
    """The people, their logins and their rows (as the owner, through the application's models)."""
    from desktop_crm.models import (
        Activity,
        AutomationRule,
        AutomationRun,
        BankLine,
        BankStatement,
        Company,
        Contact,
        CustomField,
        CustomValue,
        Deal,
        DealLine,
        DocumentFile,
        DuplicateDismissal,
        FieldChange,
        Invoice,
        InvoiceLine,
        IssuedPaper,
        Lead,
        MailAccount,
        MailAttachment,
        MailMessage,
        Notification,
        NumberSequence,
        OwnCompany,
        Payment,
        Pipeline,
        Product,
        ProductGroup,
        Quote,
        QuoteLine,
        SalesPlan,
        Setting,
        Stage,
        StageChange,
        User,
    )
    from desktop_crm.models.custom import value_id
    from desktop_crm.models.enums import (
        ActivityKind,
        DocumentType,
        FileFormat,
        InvoiceStatus,
        MailStatus,
        Preset,
        QuoteStatus,
        Role,
    )
    from desktop_crm.models.people import PRESET_IDS
    from desktop_crm.sync import security
    from desktop_crm.sync.server import _bound_proxy, connect

    world = World(url, uuid.uuid4().hex[:6])
    rows: dict[str, dict[str, uuid.UUID]] = {}

    def keep(table: str, who: str, row: Any) -> Any:
        rows.setdefault(table, {})[who] = row.id
        return row

    with _bound_proxy(url) as db, db.atomic():
        head = User.create(name="Head", role=Role.HEAD)
        people = {
            "admin": User.create(name="Admin", role=Role.ADMIN),
            "head": head,
            "mgr_a": User.create(name="Manager A", role=Role.SALES, head=head),
            "mgr_b": User.create(name="Manager B", role=Role.SALES),
            "acct": User.create(name="Accountant", access_role=PRESET_IDS[Preset.ACCOUNTANT]),
        }
        rows["access_role"] = {"a": PRESET_IDS[Preset.MANAGER], "b": PRESET_IDS[Preset.ACCOUNTANT]}
        world.users = {k: v.id for k, v in people.items()}
        keep("user", "a", people["mgr_a"])
        keep("user", "b", people["mgr_b"])
        seller = OwnCompany.create(legal_name="Seller", inn="7701234567", account="40702810000000000001",
                                   is_default=True)
        keep("own_company", "a", seller)
        keep("own_company", "b", OwnCompany.create(legal_name="Second seller"))
        pipeline = keep("pipeline", "a", Pipeline.create(name="Sales", is_default=True))
        service = keep("pipeline", "b", Pipeline.create(name="Service"))
        stage = keep("stage", "a", Stage.create(pipeline=pipeline, name="New"))
        keep("stage", "b", Stage.create(pipeline=pipeline, name="Won", sort_order=1))
        group = keep("product_group", "a", ProductGroup.create(name="Courses"))
        keep("product_group", "b", ProductGroup.create(name="Books"))
        keep("product", "a", Product.create(name="Course", price=Decimal("100.00"), group=group))
        keep("product", "b", Product.create(name="Book", price=Decimal("10.00"), group=group))
        year = dt.date.today().year
        counter = NumberSequence.create(own_company=seller, document_type=DocumentType.INVOICE,
                                        year=year, series="", next_value=3)
        keep("number_sequence", "a", counter)
        keep("number_sequence", "b", NumberSequence.create(
            own_company=seller, document_type=DocumentType.QUOTE, year=year, series="", next_value=3))
        for who, person in (("a", people["mgr_a"]), ("b", people["mgr_b"])):
            company = keep("company", who, Company.create(short_name=f"Client {who}", responsible=person))
            contact = keep("contact", who, Contact.create(last_name=f"Contact {who}", company=company,
                                                          responsible=person))
            keep("lead", who, Lead.create(title=f"Lead {who}", responsible=person))
            deal = keep("deal", who, Deal.create(title=f"Deal {who}", pipeline=pipeline, stage=stage,
                                                 contact=contact, responsible=person))
            keep("field_change", who, FieldChange.create(
                entity="deal", row_id=deal.id, field="title", old_value="Deal", new_value=f"Deal {who}",
                action=uuid.uuid4(), user=person))
            keep("deal_line", who, DealLine.create(deal=deal, name="Course", quantity=Decimal(1),
                                                   price=Decimal("100.00")))
            keep("activity", who, Activity.create(kind=ActivityKind.COMMENT, body=f"On deal {who}",
                                                  deal=deal, author=person))
            rows.setdefault("contact_comment", {})[who] = Activity.create(
                kind=ActivityKind.COMMENT, body=f"Confidential note on contact {who}",
                contact=contact, author=person).id
            rows.setdefault("company_comment", {})[who] = Activity.create(
                kind=ActivityKind.COMMENT, body=f"Confidential note on company {who}",
                company=company, author=person).id
            keep("stage_change", who, StageChange.create(deal=deal, to_stage=stage,
                                                         changed_at=dt.datetime(2026, 1, 1)))
            quote = keep("quote", who, Quote.create(
                deal=deal, own_company=seller, contact=contact, company=company, author=person,
                number=f"Q-{who}", status=QuoteStatus.SENT, subtotal=Decimal("100.00"),
                total=Decimal("100.00"), issue_date=dt.date.today()))
            keep("quote_line", who, QuoteLine.create(quote=quote, name="Course", quantity=Decimal(1),
                                                     price=Decimal("100.00"),
                                                     total_amount=Decimal("100.00")))
            invoice = keep("invoice", who, Invoice.create(
                deal=deal, own_company=seller, contact=contact, company=company, author=person,
                number=str(1 if who == "a" else 2), status=InvoiceStatus.ISSUED, year=year,
                sequence_number=1 if who == "a" else 2, total=Decimal("100.00"),
                issue_date=dt.date.today()))
            keep("invoice_line", who, InvoiceLine.create(invoice=invoice, name="Course",
                                                         quantity=Decimal(1), price=Decimal("100.00")))
            payment = keep("payment", who, Payment.create(invoice=invoice, paid_on=dt.date.today(),
                                                          amount=Decimal("10.00")))
            statement = keep("bank_statement", who, BankStatement.create(
                own_company=seller, account="40702810938000000001", file_format="1c"))
            keep("bank_line", who, BankLine.create(
                statement=statement, line_key=f"key-{who}", booked_on=dt.date.today(),
                amount=Decimal("10.00"), status="matched", invoice=invoice, payment=payment))
            keep("issued_paper", who, IssuedPaper.create(
                kind="act", deal=deal, own_company=seller, source_kind="invoice",
                source_id=str(invoice.id), number=f"A-{who}", issue_date=dt.date.today(), year=year,
                sequence_number=1 if who == "a" else 2, frozen={"doc": {"number": f"A-{who}"}}))
            body = b"%PDF secret " + who.encode()
            keep("document_file", who, DocumentFile.create(
                document_type=DocumentType.QUOTE, document_id=str(quote.id), file_format=FileFormat.PDF,
                filename=f"quote-{who}.pdf", content=body, sha256=hashlib.sha256(body).hexdigest(),
                size=len(body)))
            message = keep("mail_message", who, MailMessage.create(
                author=person, deal=deal, contact=contact, subject=f"Offer {who}",
                status=MailStatus.SENT, message_id=f"<{who}@example.test>"))
            keep("mail_attachment", who, MailAttachment.create(
                mail_message=message, filename=f"quote-{who}.pdf", content=body,
                sha256=hashlib.sha256(body).hexdigest(), size=len(body)))
            rule = keep("automation_rule", who, AutomationRule.create(
                pipeline=pipeline, event="quote_accepted", action="notify",
                params={"who": "head", "text": f"Quote accepted {who}"}))
            keep("automation_run", who, AutomationRun.create(
                rule=rule, deal=deal, event_key=str(quote.id), state="done",
                due_at=dt.datetime(2026, 1, 1), stage=stage))
        keep("duplicate_dismissal", "a", DuplicateDismissal.create(
            contact=rows["contact"]["a"], other_contact=rows["contact"]["b"]))
        keep("duplicate_dismissal", "b", DuplicateDismissal.create(
            contact=rows["contact"]["b"], other_contact=rows["contact"]["a"]))
        keep("setting", "business", Setting.create(key="rules.inactivity_days", value=60))
        for person, user in people.items():
            keep("notification", person, Notification.create(user=user, title=f"For {person}"))
            keep("setting", person, Setting.create(key="ui.list.deal", user=user, value={"w": 1}))
            keep("mail_account", person, MailAccount.create(user=user, address=f"{person}@x.test"))
        for who, person in (("a", "mgr_a"), ("b", "mgr_b")):  # each manager's plan of a month
            keep("sales_plan", who, SalesPlan.create(
                owner=people[person], period_start=dt.date(2026, 3, 1), target=Decimal("100.00"),
                currency="RUB"))
        for who in ("a", "b"):  # a deal field of each, its value on each one's deal
            custom = keep("custom_field", who, CustomField.create(
                entity="deals", key=f"field_{who}", label=f"Field {who}", kind="text"))
            keep("custom_value", who, CustomValue.create(
                id=value_id(custom.id, rows["deal"][who]), field=custom, entity="deals",
                row_id=rows["deal"][who], text_value=f"Value {who}"))
    with connect(url) as conn:
        conn.autocommit = True
        for person, (_role, scope) in PEOPLE.items():
            security.add_login(conn, world.login(person), PASSWORD, world.users[person], scope)
    world.rows = rows
    world.service_pipeline = service.id
    return world


def drop_logins(world: World, admin_url: str) -> None:
    from desktop_crm.sync.server import connect

    with connect(admin_url) as conn:
        conn.autocommit = True
        for person in PEOPLE:
            login = world.login(person)
            conn.execute(f'DROP OWNED BY "{login}"')
            conn.execute(f'DROP ROLE IF EXISTS "{login}"')
