"""Robots and triggers of a pipeline (schema step 19): the rules set in Settings › Automation and
the idempotency record of each time a rule acted on a deal. Both sync.

``automation_run.id`` is deterministic (``uuid5`` of the rule, the deal and the event's own key, see
``services/sales/automation/engine.py``): the same event seen twice, on this computer or on two
replicas, is one run, and what the run made (task, e-mail, notification, timeline entry) has ids
derived from it, so sync merges them into one row each."""

from __future__ import annotations

import uuid

import peewee

from desktop_crm.models.base import BaseModel, fk
from desktop_crm.models.catalog import Pipeline, Stage
from desktop_crm.models.deals import Deal
from desktop_crm.models.fields import JSONField


class AutomationRule(BaseModel):
    """When ``event`` happens to a deal of ``pipeline`` (in ``stage``, when given) and its
    ``condition`` holds (``{}`` or ``{"field", "operator", "value"}``), do ``action`` with
    ``params``, ``delay_days`` later (0: at once). ``event_field``: the field of a ``field_set``
    event. Rules of a pipeline act in ``position`` order."""

    pipeline = fk(Pipeline, backref="automation_rules")
    pipeline_id: uuid.UUID
    stage = fk(Stage, null=True, backref="+")
    stage_id: uuid.UUID | None
    event = peewee.CharField(max_length=20)
    event_field = peewee.CharField(max_length=40, default="")
    condition = JSONField(default=dict)
    action = peewee.CharField(max_length=20)
    params = JSONField(default=dict)
    delay_days = peewee.IntegerField(default=0)
    position = peewee.IntegerField(default=0)
    active = peewee.BooleanField(default=True)

    class Meta:
        table_name = "automation_rule"


class AutomationRun(BaseModel):
    """One rule acting on one deal for one event: ``pending`` until ``due_at`` (delayed rules),
    then ``done`` or ``skipped`` (``reason``: why, in the words the timeline shows). ``stage``: the
    stage the deal was in when the event happened (a delayed run acts only if it is still there);
    ``device``: the replica that owns a pending run (only it executes it); ``depth``: how many
    robots led to this one (a chain is cut at ``engine.MAX_DEPTH``)."""

    rule = fk(AutomationRule, backref="runs")
    rule_id: uuid.UUID
    deal = fk(Deal, backref="+")
    deal_id: uuid.UUID
    event_key = peewee.CharField(max_length=300)
    state = peewee.CharField(max_length=10, default="pending")
    due_at = peewee.DateTimeField()
    done_at = peewee.DateTimeField(null=True)
    stage = fk(Stage, null=True, backref="+")
    stage_id: uuid.UUID | None
    device = peewee.CharField(max_length=64, default="")
    depth = peewee.IntegerField(default=0)
    reason = peewee.TextField(default="")

    class Meta:
        table_name = "automation_run"
        indexes = ((("state", "due_at"), False),)
