"""Robots and triggers of a pipeline, as Settings › Automation edits them (issue 23).

A rule says: *when* an event happens to a deal of the pipeline (it enters a stage, a quote is
accepted, an invoice is paid in full, the client replies by e-mail, a field is set), *if* an
optional condition on one of the deal's fields holds, *do* an action (create a task, send an e-mail
from a template through the outbox, set a field, notify someone, move the deal), at once or a
number of days later if the deal is still in the stage.

* ``rules(pipeline)`` → the pipeline's rules in order, each with its sentence (:func:`sentence`)
* ``save_rule(rule_id or None, values)`` → :class:`RuleInfo` (validated; one transaction)
* ``set_active(rule_id, active)``, ``delete_rule(rule_id)``, ``move_rule(rule_id, steps)``
* ``choices(pipeline)`` → what the rule dialog offers (stages, people, templates, fields)

Conditions read a deal through :func:`field_value`, the one place that knows a deal's fields.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from desktop_crm import validation
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import N_, _, ngettext
from desktop_crm.i18n.formatting import format_date, format_quantity
from desktop_crm.ids import IdLike, as_uuid, optional_uuid
from desktop_crm.models import (
    Action,
    AutomationRule,
    Deal,
    Pipeline,
    Stage,
    StageKind,
    User,
    database,
)
from desktop_crm.services.system import rights


class Event(enum.StrEnum):
    ENTERING_STAGE = "entering_stage"
    QUOTE_ACCEPTED = "quote_accepted"
    INVOICE_PAID = "invoice_paid"
    CLIENT_REPLIED = "client_replied"
    FIELD_SET = "field_set"


class Act(enum.StrEnum):
    CREATE_TASK = "create_task"
    SEND_EMAIL = "send_email"
    SET_FIELD = "set_field"
    NOTIFY = "notify"
    MOVE_TO = "move_to"


class Person(enum.StrEnum):
    """Who a task is for or a notification goes to."""

    RESPONSIBLE = "responsible"
    HEAD = "head"
    USER = "user"


class Operator(enum.StrEnum):
    EQUAL = "eq"
    NOT_EQUAL = "ne"
    GREATER = "gt"
    AT_LEAST = "ge"
    LESS = "lt"
    AT_MOST = "le"
    FILLED = "filled"
    EMPTY = "empty"


EVENT_LABELS = {
    Event.ENTERING_STAGE: N_("A deal enters a stage"),
    Event.QUOTE_ACCEPTED: N_("The client accepts a quote"),
    Event.INVOICE_PAID: N_("An invoice is paid in full"),
    Event.CLIENT_REPLIED: N_("The client replies by e-mail"),
    Event.FIELD_SET: N_("A field of the deal is set"),
}
ACTION_LABELS = {
    Act.CREATE_TASK: N_("Create a task"),
    Act.SEND_EMAIL: N_("Send an e-mail to the contact"),
    Act.SET_FIELD: N_("Set a field"),
    Act.NOTIFY: N_("Notify someone"),
    Act.MOVE_TO: N_("Move the deal to a stage"),
}
PERSON_LABELS = {
    Person.RESPONSIBLE: N_("the responsible"),
    Person.HEAD: N_("the responsible's head"),
    Person.USER: N_("a colleague"),
}
OPERATOR_SIGNS = {
    Operator.EQUAL: "=", Operator.NOT_EQUAL: "≠", Operator.GREATER: ">", Operator.AT_LEAST: "≥",
    Operator.LESS: "<", Operator.AT_MOST: "≤",
}
OPERATOR_LABELS = {
    **OPERATOR_SIGNS,
    Operator.FILLED: N_("is filled"),
    Operator.EMPTY: N_("is empty"),
}
# e-mail templates a robot may send: templates/mail/<language>.<kind>.txt over the deal
MAIL_TEMPLATES = {
    "robot_followup": N_("Follow-up on the proposal"),
    "robot_thanks": N_("Thanks for the payment"),
}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    label: str  # N_-marked
    kind: str  # number | date | user | text
    settable: bool  # a robot may set it (and setting it is an event)


# The fixed fields of a deal that conditions read and robots set; the deal's custom fields join
# them as ``custom.<key>`` (:func:`deal_fields`).
FIELDS: dict[str, FieldSpec] = {
    "amount": FieldSpec(N_("Amount"), "number", False),
    "probability": FieldSpec(N_("Probability, %"), "number", True),
    "expected_close_date": FieldSpec(N_("Expected close date"), "date", True),
    "responsible": FieldSpec(N_("Responsible"), "user", True),
    "currency": FieldSpec(N_("Currency"), "text", False),
    "comment": FieldSpec(N_("Comment"), "text", True),
}
MAX_DELAY_DAYS = 365
CUSTOM_PREFIX = "custom."
# how a custom field's kind compares; links to contacts and companies are not offered
_CUSTOM_KINDS = {"number": "number", "money": "number", "date": "date", "text": "text",
                 "list": "text", "yes_no": "yes_no", "multi_list": "choices"}


def deal_fields(pipeline: IdLike | None = None) -> dict[str, FieldSpec]:
    """The fields conditions may read and robots set: the fixed ones, then the live custom fields
    of deals (of ``pipeline``'s deals when given) as ``custom.<key>`` (a multi-list is only read:
    «contains»)."""
    from desktop_crm.services.system import custom_fields

    found = dict(FIELDS)
    for item in custom_fields.fields("deals", pipeline_id=pipeline):
        kind = _CUSTOM_KINDS.get(str(item.kind))
        if kind is not None:
            found[CUSTOM_PREFIX + item.key] = FieldSpec(item.label, kind, kind != "choices")
    return found


def field_spec(key: str) -> FieldSpec | None:
    if key in FIELDS:
        return FIELDS[key]
    return deal_fields().get(key) if key.startswith(CUSTOM_PREFIX) else None


def _spec(key: str) -> FieldSpec:
    spec = field_spec(key)
    if spec is None:
        raise ValidationError(_("“{field}” is not a field of a deal.").format(field=key), "field")
    return spec


def field_label(key: str) -> str:
    spec = field_spec(key)
    return _(spec.label) if spec is not None else key


def _days_value(value: Any, field: str) -> int:
    number = validation.parse_number(value if value not in (None, "") else 0, field)
    if number != number.to_integral_value() or not 0 <= number <= MAX_DELAY_DAYS:
        raise ValidationError(_("Enter a whole number of days from 0 to {most}.").format(
            most=MAX_DELAY_DAYS), field)
    return int(number)


def field_value(deal: Deal, key: str) -> Any:
    """The value of the deal's field ``key`` (a key of :func:`deal_fields`) for conditions."""
    _spec(key)
    if key.startswith(CUSTOM_PREFIX):
        from desktop_crm.services.system import custom_values

        return custom_values.values_by_key("deals", deal.id).get(key.removeprefix(CUSTOM_PREFIX))
    if key == "responsible":
        return deal.responsible_id
    return getattr(deal, key)


def _compare(actual: Any, operator: Operator, expected: Any) -> bool:
    if operator == Operator.FILLED:
        return actual not in (None, "")
    if operator == Operator.EMPTY:
        return actual in (None, "")
    if actual is None:
        return operator == Operator.NOT_EQUAL
    if isinstance(actual, tuple) and operator in (Operator.EQUAL, Operator.NOT_EQUAL):
        return (expected in actual) == (operator == Operator.EQUAL)  # a multi-list: contains
    comparisons = {
        Operator.EQUAL: lambda a, b: a == b, Operator.NOT_EQUAL: lambda a, b: a != b,
        Operator.GREATER: lambda a, b: a > b, Operator.AT_LEAST: lambda a, b: a >= b,
        Operator.LESS: lambda a, b: a < b, Operator.AT_MOST: lambda a, b: a <= b,
    }
    return bool(comparisons[operator](actual, expected))


def _typed(key: str, value: Any) -> Any:
    """A stored value of ``key`` as the deal holds it (a number as Decimal, a date, a user id)."""
    spec = _spec(key)
    kind = spec.kind
    if value in (None, ""):
        return None if kind not in ("text", "choices") else ""
    if key.startswith(CUSTOM_PREFIX):
        return _custom_typed(key, kind, value)
    if kind == "number":
        return validation.parse_number(value, "value", label=_(spec.label))
    if kind == "date":
        return validation.date_value(value, "value")
    if kind == "user":
        return as_uuid(value)
    return str(value)


def _custom_typed(key: str, kind: str, value: Any) -> Any:
    """A custom field's value checked as the field's kind checks it (its choices, its limits)."""
    from desktop_crm.services.system import custom_fields, custom_values

    item = next(f for f in custom_fields.fields("deals") if f.key == key.removeprefix(CUSTOM_PREFIX))
    columns = custom_values.parse_value(item, [value] if kind == "choices" else value)
    if kind == "yes_no":
        return columns["text_value"] == "1"
    if kind == "number":
        return columns["number_value"]
    if kind == "date":
        return columns["date_value"]
    return str(value).strip()


def stored_value(key: str, text: Any) -> Any:
    """A value as a rule keeps it (``str`` of the typed value) back as the deal holds it."""
    kind = _spec(key).kind
    if text in (None, ""):
        return None if kind not in ("text", "choices") else ""
    if kind == "yes_no":
        return str(text) == "True"
    if kind == "number":
        return Decimal(str(text))
    if kind == "date":
        return dt.date.fromisoformat(str(text))
    if kind == "user":
        return as_uuid(str(text))
    return str(text)


def condition_holds(deal: Deal, condition: Mapping[str, Any] | None) -> bool:
    """Whether the rule's condition (``{}``: none) holds for the deal now."""
    if not condition:
        return True
    key = str(condition["field"])
    operator = Operator(condition["operator"])
    return _compare(field_value(deal, key), operator, stored_value(key, condition.get("value")))


# --- the rules of a pipeline --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleInfo:
    id: uuid.UUID
    pipeline_id: uuid.UUID
    stage_id: uuid.UUID | None
    event: Event
    event_field: str
    condition: dict[str, Any]
    action: Act
    params: dict[str, Any]
    delay_days: int
    position: int
    active: bool
    sentence: str  # the rule as one readable sentence in the UI language


def _info(row: AutomationRule) -> RuleInfo:
    return RuleInfo(row.id, row.pipeline_id, row.stage_id, Event(row.event), row.event_field,
                    dict(row.condition or {}), Act(row.action), dict(row.params or {}),
                    row.delay_days, row.position, bool(row.active), sentence(row))


def rules(pipeline: IdLike) -> list[RuleInfo]:
    with database.atomic():
        rows = list(AutomationRule.alive()
                    .where(AutomationRule.pipeline == as_uuid(pipeline))
                    .order_by(AutomationRule.position, AutomationRule.created_at))
        return [_info(row) for row in rows]


def rule(rule_id: IdLike) -> RuleInfo:
    with database.atomic():
        return _info(_rule(rule_id))


def _rule(rule_id: IdLike) -> AutomationRule:
    row = AutomationRule.get_or_none((AutomationRule.id == as_uuid(rule_id))
                                     & AutomationRule.deleted_at.is_null())
    if row is None:
        raise ValidationError(_("The rule no longer exists."))
    return row


def _stage_of(pipeline_id: uuid.UUID, stage: Any, field: str) -> Stage:
    row = Stage.get_or_none((Stage.id == as_uuid(stage)) & Stage.deleted_at.is_null())
    if row is None or row.pipeline_id != pipeline_id:
        raise ValidationError(_("Choose a stage of this pipeline."), field)
    return row


def _user(value: Any, field: str) -> uuid.UUID:
    found = User.get_or_none((User.id == optional_uuid(value)) & User.deleted_at.is_null()) \
        if value else None
    if found is None:
        raise ValidationError(_("Choose a colleague."), field)
    return as_uuid(found)


def _person(params: Mapping[str, Any], cleaned: dict[str, Any]) -> None:
    try:
        who = Person(params.get("who") or Person.RESPONSIBLE)
    except ValueError:
        raise ValidationError(_("Choose who it is for."), "who") from None
    cleaned["who"] = who.value
    if who == Person.USER:
        cleaned["user_id"] = str(_user(params.get("user_id"), "user_id"))


def _text(params: Mapping[str, Any], name: str, limit: int, message: str) -> str:
    text = validation.text_value(params.get(name, ""), name, max_length=limit)
    if not text:
        raise ValidationError(message, name)
    return text


def _clean_params(action: Act, params: Mapping[str, Any], pipeline_id: uuid.UUID) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    if action == Act.CREATE_TASK:
        cleaned["text"] = _text(params, "text", 300, _("Say what the task is."))
        cleaned["due_days"] = _days_value(params.get("due_days"), "due_days")
        _person(params, cleaned)
    elif action == Act.NOTIFY:
        cleaned["text"] = _text(params, "text", 300, _("Write the notification."))
        _person(params, cleaned)
    elif action == Act.SEND_EMAIL:
        template = str(params.get("template", ""))
        if template not in MAIL_TEMPLATES:
            raise ValidationError(_("Choose an e-mail template."), "template")
        cleaned["template"] = template
    elif action == Act.SET_FIELD:
        key = str(params.get("field", ""))
        spec = field_spec(key)
        if spec is None or not spec.settable:
            raise ValidationError(_("Choose the field to set."), "field")
        value = _typed(key, params.get("value"))
        cleaned["field"] = key
        cleaned["value"] = "" if value is None else str(value)
        if key == "responsible":
            cleaned["value"] = str(_user(params.get("value"), "value"))
    else:
        target = _stage_of(pipeline_id, params.get("stage_id"), "stage_id")
        cleaned["stage_id"] = str(target.id)
    return cleaned


def _clean_condition(condition: Any) -> dict[str, Any]:
    if not isinstance(condition, Mapping) or not condition.get("field"):
        return {}
    key = str(condition["field"])
    _spec(key)
    try:
        operator = Operator(str(condition.get("operator") or ""))
    except ValueError:
        raise ValidationError(_("Choose how the field is compared."), "operator") from None
    if operator in (Operator.FILLED, Operator.EMPTY):
        return {"field": key, "operator": operator.value}
    value = _typed(key, condition.get("value"))
    if value in (None, ""):
        raise ValidationError(_("Enter the value to compare with."), "value")
    return {"field": key, "operator": operator.value, "value": str(value)}


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    pipeline = Pipeline.get_or_none((Pipeline.id == optional_uuid(values.get("pipeline_id")))
                                    & Pipeline.deleted_at.is_null())
    if pipeline is None:
        raise ValidationError(_("Choose a pipeline."), "pipeline_id")
    try:
        event = Event(str(values.get("event") or ""))
    except ValueError:
        raise ValidationError(_("Choose when the rule acts."), "event") from None
    try:
        action = Act(str(values.get("action") or ""))
    except ValueError:
        raise ValidationError(_("Choose what the rule does."), "action") from None
    stage_id = values.get("stage_id")
    stage = _stage_of(pipeline.id, stage_id, "stage_id") if stage_id else None
    if event == Event.ENTERING_STAGE and stage is None:
        raise ValidationError(_("Choose the stage."), "stage_id")
    event_field = str(values.get("event_field") or "") if event == Event.FIELD_SET else ""
    event_spec = field_spec(event_field) if event == Event.FIELD_SET else None
    if event == Event.FIELD_SET and (event_spec is None or not event_spec.settable):
        raise ValidationError(_("Choose the field whose setting starts the rule."), "event_field")
    delay = _days_value(values.get("delay_days"), "delay_days")
    return {
        "pipeline": pipeline.id, "stage": stage.id if stage else None, "event": event.value,
        "event_field": event_field, "condition": _clean_condition(values.get("condition")),
        "action": action.value, "params": _clean_params(action, _mapping(values.get("params")),
                                                        pipeline.id),
        "delay_days": delay, "active": bool(values.get("active", True)),
    }


def save_rule(rule_id: IdLike | None, values: Mapping[str, Any]) -> RuleInfo:
    """Create (``rule_id`` None: last of its pipeline) or change a rule; refused as a translated
    ``ValidationError`` naming the field."""
    rights.require(Action.CHANGE_SETTINGS)
    cleaned = _clean(values)
    with database.atomic():
        if rule_id is None:
            last = (AutomationRule.alive().where(AutomationRule.pipeline == cleaned["pipeline"])
                    .order_by(AutomationRule.position.desc()).first())
            row = AutomationRule.create(position=(last.position + 1) if last else 0, **cleaned)
        else:
            row = _rule(rule_id)
            for name, value in cleaned.items():
                setattr(row, name, value)
            row.save()
        return _info(row)


def set_active(rule_id: IdLike, active: bool) -> RuleInfo:
    rights.require(Action.CHANGE_SETTINGS)
    with database.atomic():
        row = _rule(rule_id)
        row.active = active
        row.save()
        return _info(row)


def delete_rule(rule_id: IdLike) -> None:
    """Delete a rule; what it did stays (its runs and their effects)."""
    rights.require(Action.CHANGE_SETTINGS)
    with database.atomic():
        _rule(rule_id).soft_delete()


def move_rule(rule_id: IdLike, steps: int) -> list[RuleInfo]:
    """Move a rule up (``-1``) or down (``+1``) among its pipeline's rules."""
    rights.require(Action.CHANGE_SETTINGS)
    with database.atomic():
        row = _rule(rule_id)
        ordered = list(AutomationRule.alive().where(AutomationRule.pipeline == row.pipeline_id)
                       .order_by(AutomationRule.position, AutomationRule.created_at))
        index = next(i for i, r in enumerate(ordered) if r.id == row.id)
        target = max(0, min(len(ordered) - 1, index + steps))
        ordered.insert(target, ordered.pop(index))
        for position, item in enumerate(ordered):
            if item.position != position:
                item.position = position
                item.save()
        return rules(row.pipeline_id)


# --- rules as sentences ---------------------------------------------------------------------


def _stage_name(stage_id: Any) -> str:
    row = Stage.get_or_none(Stage.id == optional_uuid(stage_id)) if stage_id else None
    return row.name if row is not None else "—"


def _user_name(user_id: Any) -> str:
    row = User.get_or_none(User.id == optional_uuid(user_id)) if user_id else None
    return row.name if row is not None else "—"


def _whom(params: Mapping[str, Any]) -> str:
    who = Person(params.get("who") or Person.RESPONSIBLE)
    return _user_name(params.get("user_id")) if who == Person.USER else _(PERSON_LABELS[who])


def _days(count: int) -> str:
    return ngettext("{count} day", "{count} days", count).format(count=count)


def _value_text(key: str, value: Any) -> str:
    if value in (None, ""):
        return "—"
    kind = _spec(key).kind
    if kind == "user":
        return _user_name(value)
    if kind == "date":
        return format_date(stored_value(key, value))
    if kind == "number":
        return format_quantity(stored_value(key, value))
    if kind == "yes_no":
        return _("Yes") if stored_value(key, value) else _("No")
    return str(value)


def _when(row: AutomationRule) -> str:
    event = Event(row.event)
    if event == Event.ENTERING_STAGE:
        return _("When a deal enters «{stage}»").format(stage=_stage_name(row.stage_id))
    texts = {
        Event.QUOTE_ACCEPTED: _("When the client accepts a quote"),
        Event.INVOICE_PAID: _("When an invoice is paid in full"),
        Event.CLIENT_REPLIED: _("When the client replies by e-mail"),
        Event.FIELD_SET: _("When «{field}» is set").format(
            field=field_label(row.event_field) if field_spec(row.event_field) else "—"),
    }
    text = texts[event]
    if row.stage_id is not None:
        text += " " + _("in «{stage}»").format(stage=_stage_name(row.stage_id))
    return text


def _condition_text(condition: Mapping[str, Any]) -> str:
    key = str(condition.get("field", ""))
    if field_spec(key) is None:
        return ""
    operator = Operator(condition["operator"])
    label = field_label(key)
    if operator in (Operator.FILLED, Operator.EMPTY):
        return _("if {field} {operator}").format(field=label, operator=_(OPERATOR_LABELS[operator]))
    return _("if {field} {operator} {value}").format(
        field=label, operator=OPERATOR_SIGNS[operator], value=_value_text(key, condition.get("value")))


def action_text(action: Act | str, params: Mapping[str, Any]) -> str:
    """What a rule does, as the second half of its sentence."""
    act = Act(action)
    if act == Act.CREATE_TASK and not int(params.get("due_days", 0)):
        return _("create the task «{text}» due today for {whom}").format(
            text=params.get("text", ""), whom=_whom(params))
    if act == Act.CREATE_TASK:
        return _("create the task «{text}» due in {days} for {whom}").format(
            text=params.get("text", ""), days=_days(int(params.get("due_days", 0))),
            whom=_whom(params))
    if act == Act.SEND_EMAIL:
        template = str(params.get("template", ""))
        return _("send the e-mail «{template}» to the deal's contact").format(
            template=_(MAIL_TEMPLATES[template]) if template in MAIL_TEMPLATES else template)
    if act == Act.SET_FIELD:
        key = str(params.get("field", ""))
        label = field_label(key)
        return _("set {field} to {value}").format(
            field=label, value=_value_text(key, params.get("value")) if field_spec(key) else "—")
    if act == Act.NOTIFY:
        return _("notify {whom}: «{text}»").format(whom=_whom(params), text=params.get("text", ""))
    return _("move the deal to «{stage}»").format(stage=_stage_name(params.get("stage_id")))


def sentence(row: AutomationRule) -> str:
    """The rule as one sentence: "When a deal enters «Proposal», after 2 days if it is still
    there: create the task «Call back» due in 1 day for the responsible." """
    parts = [_when(row)]
    condition = _condition_text(row.condition or {})
    if condition:
        parts.append(condition)
    if row.delay_days:
        parts.append(_("after {days} if the deal is still in the stage").format(
            days=_days(row.delay_days)))
    return _("{when}: {action}.").format(when=", ".join(parts),
                                          action=action_text(row.action, row.params or {}))


# --- what the rule dialog offers ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class RuleChoices:
    stages: list[Choice]  # every live stage of the pipeline
    targets: list[Choice]  # stages a robot may move a deal to (not lost: it needs a reason)
    people: list[Choice]
    templates: list[Choice]
    fields: list[Choice]  # fields a condition reads
    settable: list[Choice]  # fields a robot sets and whose setting is an event


def choices(pipeline: IdLike) -> RuleChoices:
    with database.atomic():
        stages = list(Stage.alive().where(Stage.pipeline == as_uuid(pipeline))
                      .order_by(Stage.sort_order))
        people = list(User.alive().where(User.active == True).order_by(User.name))  # noqa: E712
    fields = deal_fields(pipeline)
    return RuleChoices(
        [Choice(str(s.id), s.name) for s in stages],
        [Choice(str(s.id), s.name) for s in stages if s.kind != StageKind.LOST],
        [Choice(str(p.id), p.name) for p in people],
        [Choice(key, _(label)) for key, label in MAIL_TEMPLATES.items()],
        [Choice(key, _(spec.label)) for key, spec in fields.items()],
        [Choice(key, _(spec.label)) for key, spec in fields.items() if spec.settable],
    )


def timeline_title(payload: Mapping[str, Any]) -> str:
    """A robot's timeline entry (``payload`` of ``engine._finish``) in the UI language."""
    if payload.get("state") == "skipped":
        return _("Robot did not act: {reason}").format(reason=payload.get("reason") or "—")
    did = payload.get("did")
    subject, name = payload.get("subject", ""), payload.get("name", "")
    if did == "task":
        return _("Robot created the task «{subject}» for {name}").format(subject=subject, name=name)
    if did == "notify":
        return _("Robot notified {name}: «{subject}»").format(subject=subject, name=name)
    if did == "email":
        return _("Robot queued the e-mail «{subject}» to {name}").format(subject=subject, name=name)
    if did == "move":
        return _("Robot moved the deal to «{stage}»").format(stage=payload.get("stage", ""))
    key = str(payload.get("field", ""))
    return _("Robot set {field} to {value}").format(
        field=field_label(key), value=_value_text(key, payload.get("value")) if field_spec(key) else "—")
