"""Sales plans (schema step 15): a target per manager or per head's team, per month or quarter,
optionally per pipeline, as an amount in one currency or as a count of won deals. Synced."""

from __future__ import annotations

import uuid

import peewee

from desktop_crm.models.base import BaseModel, fk
from desktop_crm.models.catalog import Pipeline
from desktop_crm.models.fields import MoneyField
from desktop_crm.models.people import User


class SalesPlan(BaseModel):
    """One target. ``team``: the owner is a head and the plan covers the owner and the users whose
    head they are; else the owner's own deals. ``period_kind`` is ``month`` or ``quarter`` and
    ``period_start`` the first day of it. ``metric`` is ``amount`` (``target`` in ``currency``) or
    ``count`` (``target`` a whole number of won deals, ``currency`` empty)."""

    owner = fk(User, backref="sales_plans")
    owner_id: uuid.UUID
    team = peewee.BooleanField(default=False)
    period_kind = peewee.CharField(max_length=10, default="month")
    period_start = peewee.DateField(index=True)
    pipeline = fk(Pipeline, null=True, backref="sales_plans")
    pipeline_id: uuid.UUID | None
    metric = peewee.CharField(max_length=10, default="amount")
    target = MoneyField()
    currency = peewee.CharField(max_length=3, default="")

    class Meta:
        table_name = "sales_plan"
