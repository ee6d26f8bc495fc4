"""Imported bank statements and their incoming lines: the review list of payments to match
(schema step 13). Payments they produce are ordinary ``payment`` rows carrying the line's key."""

from __future__ import annotations

import peewee

from desktop_crm.models.base import BaseModel, fk
from desktop_crm.models.documents import Invoice, Payment
from desktop_crm.models.enums import BankLineStatus
from desktop_crm.models.fields import EnumField, MoneyField
from desktop_crm.models.people import OwnCompany, User


class BankStatement(BaseModel):
    """One imported statement file."""

    own_company = fk(OwnCompany, null=True)
    account = peewee.CharField(max_length=34, default="")
    file_format = peewee.CharField(max_length=20, default="")  # "1c" or "camt053"
    file_name = peewee.CharField(max_length=255, default="")
    sha256 = peewee.CharField(max_length=64, default="")
    period_from = peewee.DateField(null=True)
    period_to = peewee.DateField(null=True)
    imported_by = fk(User, null=True)
    outgoing = peewee.IntegerField(default=0)  # lines of money out: counted, not kept
    elsewhere = peewee.IntegerField(default=0)  # lines into accounts not our companies'


class BankLine(BaseModel):
    """An incoming payment of a statement: what the bank said and what became of it."""

    statement = fk(BankStatement, backref="lines")
    line_key = peewee.CharField(max_length=64, index=True)
    account = peewee.CharField(max_length=34, default="")
    number = peewee.CharField(max_length=40, default="")
    booked_on = peewee.DateField()
    amount = MoneyField()
    currency = peewee.CharField(max_length=3, default="")
    payer_name = peewee.CharField(max_length=300, default="")
    payer_tax_id = peewee.CharField(max_length=16, default="")
    payer_account = peewee.CharField(max_length=34, default="")
    purpose = peewee.TextField(default="")
    status = EnumField(BankLineStatus, default=BankLineStatus.UNMATCHED)
    reason = peewee.CharField(max_length=40, default="")  # why unmatched: a code the service explains
    invoice = fk(Invoice, null=True)
    payment = fk(Payment, null=True)
