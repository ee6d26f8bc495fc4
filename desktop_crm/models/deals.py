"""Deals, their product lines and their timeline."""

from __future__ import annotations

import uuid

import peewee

from desktop_crm.models.base import BaseModel, fk
from desktop_crm.models.catalog import Pipeline, Product, ProductGroup, Stage
from desktop_crm.models.enums import ActivityKind, ActivityStatus
from desktop_crm.models.fields import (
    EnumField,
    JSONField,
    MoneyField,
    PercentField,
    QuantityField,
)
from desktop_crm.models.parties import Company, Contact, Lead
from desktop_crm.models.people import OwnCompany, User
from desktop_crm.normalize import search_text


class Deal(BaseModel):
    """A potential sale to one contact for one product group.

    ``amount`` is cached from the lines; ``correct``/``missing_fields`` and ``last_interaction_at``
    are kept current by the rules so that lists and the board can filter without scanning timelines.
    """

    title = peewee.CharField(max_length=300)
    pipeline = fk(Pipeline, backref="deals", index=False)
    pipeline_id: uuid.UUID
    stage = fk(Stage, backref="deals", index=False)
    stage_id: uuid.UUID
    contact = fk(Contact, null=True, backref="deals", index=False)
    contact_id: uuid.UUID | None
    company = fk(Company, null=True, backref="deals", index=False)
    company_id: uuid.UUID | None
    responsible = fk(User, null=True, backref="deals", index=False)
    responsible_id: uuid.UUID | None
    product_group = fk(ProductGroup, null=True, backref="deals")
    product_group_id: uuid.UUID | None
    currency = peewee.CharField(max_length=3, default="RUB")
    amount = MoneyField()
    expected_close_date = peewee.DateField(null=True)
    probability = PercentField()
    source_lead = fk(Lead, null=True, backref="deals")
    source_lead_id: uuid.UUID | None
    lost_reason = peewee.CharField(max_length=300, default="")
    comment = peewee.TextField(default="")
    closed_at = peewee.DateTimeField(null=True)
    stage_entered_at = peewee.DateTimeField(null=True)
    last_interaction_at = peewee.DateTimeField(null=True)
    correct = peewee.BooleanField(default=False)
    missing_fields = JSONField(default=list)
    board_rank = peewee.BigIntegerField(default=0)
    # The furthest step of its pipeline the deal has reached: the highest ``sort_order`` among the
    # open and won stages it has ever entered (lost stages are off the ladder; 0 when none). Kept by
    # ``services.stages`` on every stage change, read by the funnel (schema step 6).
    reached_order = peewee.IntegerField(default=0, constraints=[peewee.SQL("DEFAULT 0")])
    search_text = peewee.TextField(default="")
    # Step 8: the seller of the deal's documents (None: chosen by currency and country)
    own_company = fk(OwnCompany, null=True, backref="deals", index=False)
    own_company_id: uuid.UUID | None

    def before_save(self) -> None:
        self.search_text = search_text(self.title)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def live_lines(self) -> list[DealLine]:
        """The deal's live product lines in display order (what its amount and rules are made of)."""
        return list(
            DealLine.alive()
            .where(DealLine.deal == self.id)
            .order_by(DealLine.line_order, DealLine.created_at)
        )


# Hot queries get partial indexes over live rows: the board (stage column in rank order), lists by
# responsible and contact, and the activity filter.
_alive = Deal.deleted_at.is_null()
Deal.add_index(Deal.stage, Deal.board_rank, where=_alive)
Deal.add_index(Deal.pipeline, Deal.stage, Deal.amount, where=_alive)
Deal.add_index(Deal.responsible, Deal.stage, where=_alive)
Deal.add_index(Deal.contact, Deal.product_group, where=_alive)
Deal.add_index(Deal.company, where=_alive)
Deal.add_index(Deal.last_interaction_at, where=_alive)
Deal.add_index(Deal.created_at, where=_alive)
Deal.add_index(Deal.title, where=_alive)


class DealLine(BaseModel):
    deal = fk(Deal, backref="lines", index=False)
    deal_id: uuid.UUID
    product = fk(Product, null=True, backref="deal_lines")
    product_id: uuid.UUID | None
    name = peewee.CharField(max_length=500)
    quantity = QuantityField()
    unit = peewee.CharField(max_length=20, default="")
    unit_code = peewee.CharField(max_length=8, default="")
    price = MoneyField()
    discount_percent = PercentField()
    vat_rate = PercentField()
    line_order = peewee.IntegerField(default=0)

    class Meta:
        indexes = ((("deal", "line_order"), False),)


class Activity(BaseModel):
    """One entry of a timeline: a comment, call, meeting, task, stage change, document or note.

    ``client_answered`` tells an interaction with the client's answer from a message nobody
    answered; ``payload`` carries the details of system entries (stages, document ids, merges).
    """

    kind = EnumField(ActivityKind)
    subject = peewee.CharField(max_length=300, default="")
    body = peewee.TextField(default="")
    due_at = peewee.DateTimeField(null=True)
    done_at = peewee.DateTimeField(null=True)
    status = EnumField(ActivityStatus, default=ActivityStatus.DONE)
    author = fk(User, null=True, backref="authored_activities")
    author_id: uuid.UUID | None
    assignee = fk(User, null=True, backref="assigned_activities", index=False)
    assignee_id: uuid.UUID | None
    client_answered = peewee.BooleanField(default=False)
    deal = fk(Deal, null=True, backref="activities", index=False)
    deal_id: uuid.UUID | None
    lead = fk(Lead, null=True, backref="activities", index=False)
    lead_id: uuid.UUID | None
    contact = fk(Contact, null=True, backref="activities", index=False)
    contact_id: uuid.UUID | None
    company = fk(Company, null=True, backref="activities", index=False)
    company_id: uuid.UUID | None
    stage = fk(Stage, null=True, backref="activities")
    stage_id: uuid.UUID | None
    payload = JSONField(default=dict)


_alive_activity = Activity.deleted_at.is_null()
Activity.add_index(Activity.deal, Activity.created_at, where=_alive_activity)
Activity.add_index(Activity.lead, Activity.created_at, where=_alive_activity)
Activity.add_index(Activity.contact, Activity.created_at, where=_alive_activity)
Activity.add_index(Activity.company, Activity.created_at, where=_alive_activity)
Activity.add_index(Activity.assignee, Activity.status, Activity.due_at, where=_alive_activity)


class StageChange(BaseModel):
    deal = fk(Deal, backref="stage_changes", index=False)
    deal_id: uuid.UUID
    from_stage = fk(Stage, null=True, backref="+")
    from_stage_id: uuid.UUID | None
    to_stage = fk(Stage, backref="+", index=False)
    to_stage_id: uuid.UUID
    changed_at = peewee.DateTimeField()
    author = fk(User, null=True, backref="+")
    author_id: uuid.UUID | None
    seconds_in_previous = peewee.BigIntegerField(default=0)

    class Meta:
        indexes = ((("deal", "changed_at"), False), (("to_stage", "changed_at"), False))
