"""The Settings section: own companies, pipelines and stages, rules, users, language, connection.

Plain values in and out; each write is one transaction.

* Rules: ``rules_settings()`` → :class:`RulesSettings` (the values the rules read now);
  ``save_rules_settings(values)`` stores only what differs from the defaults.
* Own companies: ``own_companies()``, ``own_company_card(id)`` (with ``logo``/``stamp``/
  ``signature`` image bytes), ``save_own_company(id | None, values)`` — requisites validated like a
  client's (:class:`services.cards.RequisitesInvalid`); one of them is the default.
* Pipelines and stages: ``pipelines()``, ``save_pipeline(id | None, name, is_default)``,
  ``delete_pipeline(id)`` (refused while deals use it), ``stages(pipeline_id)`` →
  :class:`StageInfo`, ``save_stage(id | None, pipeline_id, values)``, ``move_stage(id, ±1)``,
  ``delete_stage(id)`` (refused while deals are in it; a pipeline keeps at least one open stage).
* Users: ``user_rows()``, ``save_user(id | None, values)`` — the head of a user is another active
  user and the relation has no cycle.
* Language: ``user_language(id)`` / ``set_user_language(id, code)`` (applied after a restart).
* Database connection: ``connection_url_for_settings(url, password)`` keeps the password in the
  OS keyring and returns the URL without it; ``test_connection(url)``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import phonenumbers

from desktop_crm import money, validation
from desktop_crm.entities import Entity
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import LANGUAGES, N_, _, ngettext
from desktop_crm.ids import IdLike, OwnCompanyId, StageId, UserId, as_uuid
from desktop_crm.models import (
    AccessRole,
    Action,
    Deal,
    OwnCompany,
    Pipeline,
    Preset,
    Role,
    Stage,
    StageKind,
    User,
    VatMode,
    database,
)
from desktop_crm.models.base import column_text
from desktop_crm.models.people import PRESET_IDS
from desktop_crm.services.billing import numbering
from desktop_crm.services.listing import refresh
from desktop_crm.services.sales import cards, rules
from desktop_crm.services.sales import pipelines as sales_pipelines
from desktop_crm.services.sales import stages as stage_rules
from desktop_crm.services.sales.pipelines import PipelineInfo
from desktop_crm.services.system import access, custom_fields, rights
from desktop_crm.services.system.settings import SettingSpec

# --- rules ----------------------------------------------------------------------------------------


@dataclass
class RulesSettings:
    comment_min_words: int
    comment_min_chars: int
    comment_stop_phrases: list[str]
    inactivity_days: int
    contact_required_preset: str  # "full" | "light"
    phone_region: str
    lost_reasons: list[str]  # empty: the built-in, translated list
    won_reasons: list[str] = field(default_factory=list)  # empty: the built-in, translated list
    offline_numbering: str = "device_series"  # "device_series" | "provisional" (sync.md §2.11)


_RULE_SPECS: dict[str, SettingSpec[Any]] = {
    "comment_min_words": rules.COMMENT_MIN_WORDS,
    "comment_min_chars": rules.COMMENT_MIN_CHARS,
    "comment_stop_phrases": rules.COMMENT_STOP_PHRASES,
    "inactivity_days": rules.INACTIVITY_DAYS,
    "contact_required_preset": rules.CONTACT_PRESET,
    "phone_region": rules.PHONE_REGION,
    "lost_reasons": rules.LOST_REASONS,
    "won_reasons": rules.WON_REASONS,
    "offline_numbering": numbering.OFFLINE_NUMBERING,
}


def rules_settings() -> RulesSettings:
    return RulesSettings(**{name: spec.get() for name, spec in _RULE_SPECS.items()})


def default_lost_reasons() -> list[str]:
    return [_(reason) for reason in rules.DEFAULT_LOST_REASONS]


def default_won_reasons() -> list[str]:
    return [_(reason) for reason in rules.DEFAULT_WON_REASONS]


def phone_regions() -> list[str]:
    return sorted(phonenumbers.SUPPORTED_REGIONS)


def rules_errors(values: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    limits = {"comment_min_words": (1, 50), "comment_min_chars": (1, 1000),
              "inactivity_days": (1, 3650)}
    for name, (low, high) in limits.items():
        if name in values:
            value = values[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                errors[name] = _("Enter a whole number from {low} to {high}.").format(
                    low=low, high=high)
    if "contact_required_preset" in values and values["contact_required_preset"] not in (
        "full", "light"
    ):
        errors["contact_required_preset"] = _("Choose a preset.")
    if "phone_region" in values and str(values["phone_region"]).upper() not in (
        phonenumbers.SUPPORTED_REGIONS
    ):
        errors["phone_region"] = _("Choose a country code such as RU or IT.")
    if "offline_numbering" in values and values["offline_numbering"] not in (
        numbering.OFFLINE_NUMBERING_MODES
    ):
        errors["offline_numbering"] = _("Choose how invoices are numbered offline.")
    for name in ("comment_stop_phrases", "lost_reasons"):
        if name in values:
            try:
                if isinstance(values[name], str):
                    raise validation.refuse(name, _("{field}: enter a text."))
                for item in values[name]:
                    validation.text_value(item, name, max_length=300, label=_RULE_LABELS[name])
            except (ValidationError, TypeError) as error:
                errors[name] = error.message if isinstance(error, ValidationError) else \
                    _("{field}: enter a text.").format(field=validation.label(name, _RULE_LABELS[name]))
    return errors


_RULE_LABELS = {"comment_stop_phrases": N_("stop phrases"), "lost_reasons": N_("reasons for a loss")}


# What makes a comment "detailed" decides deals' last interaction and correctness (stored columns).
DEAL_FLAG_SETTINGS = frozenset({"comment_min_words", "comment_min_chars", "comment_stop_phrases"})


def save_rules_settings(values: Mapping[str, Any]) -> bool:
    """Save the rules page. True when deals' stored flags now need :func:`recompute_deal_flags`."""
    rights.require(Action.CHANGE_SETTINGS)
    unknown = set(values) - set(_RULE_SPECS)
    if unknown:
        raise ValueError(f"unknown rule settings: {sorted(unknown)}")
    errors = rules_errors(values)
    if errors:
        name, message = next(iter(errors.items()))
        raise ValidationError(message, field=name)
    deals_affected = False
    with database.atomic():
        for name, value in values.items():
            spec = _RULE_SPECS[name]
            if name in ("comment_stop_phrases", "lost_reasons", "won_reasons"):
                value = [validation.text_value(v, name, max_length=300) for v in value if str(v).strip()]
            elif name == "phone_region":
                value = str(value).upper()
            if value == spec.get():
                continue
            deals_affected |= name in DEAL_FLAG_SETTINGS
            if value == spec.default:
                spec.reset()
            else:
                spec.set(value)
    return deals_affected


def recompute_deal_flags(stage_id: IdLike | None = None, progress: Any = None) -> int:
    """Recompute deals' correctness, missing fields and last interaction after a rule changed:
    every deal, or those in ``stage_id`` (its required fields changed). One transaction."""
    rights.require(Action.CHANGE_SETTINGS)
    deal_ids = None
    if stage_id is not None:
        rows: list[Any] = list(Deal.alive().select(Deal.id).where(Deal.stage == as_uuid(stage_id)))
        deal_ids = [row.id for row in rows]
    return refresh.refresh_rules(deal_ids, progress)


# --- own companies --------------------------------------------------------------------------------

OWN_EXTRA_FIELDS = (
    "regime_fiscale", "pec", "director_name", "accountant_name", "default_currency",
    "default_vat_rate", "vat_mode", "is_default",
)
IMAGE_FIELDS = ("logo", "stamp", "signature")
OWN_FIELDS = (*cards.REQUISITE_FIELDS, *OWN_EXTRA_FIELDS, *IMAGE_FIELDS)


@dataclass(frozen=True)
class OwnCompanyRow:
    id: OwnCompanyId
    name: str
    is_default: bool


def own_companies() -> list[OwnCompanyRow]:
    query: list[Any] = list(
        OwnCompany.alive().order_by(OwnCompany.is_default.desc(), OwnCompany.created_at))
    return [OwnCompanyRow(OwnCompanyId(c.id), c.short_name or c.legal_name or "—", bool(c.is_default))
            for c in query]


def own_company_card(company_id: IdLike) -> dict[str, Any] | None:
    company = OwnCompany.get_or_none(
        (OwnCompany.id == as_uuid(company_id)) & OwnCompany.deleted_at.is_null()
    )
    if company is None:
        return None
    values: dict[str, Any] = {}
    for name in OWN_FIELDS:
        value = getattr(company, name)
        if name in IMAGE_FIELDS:
            values[name] = bytes(value) if value else b""
        elif name == "default_vat_rate":
            values[name] = money.to_decimal(value)
        elif name in ("vat_mode",):
            values[name] = str(value)
        else:
            values[name] = value if value is not None else ""
    return values


def save_own_company(company_id: IdLike | None, values: Mapping[str, Any]) -> OwnCompanyId:
    rights.require(Action.CHANGE_SETTINGS)
    unknown = set(values) - set(OWN_FIELDS)
    if unknown:
        raise ValueError(f"unknown own-company fields: {sorted(unknown)}")
    plain = {k: v for k, v in values.items() if k in cards.REQUISITE_FIELDS}
    cleaned = cards._clean_requisites(plain, cards.REQUISITE_FIELDS, OwnCompany)
    with database.atomic():
        company: Any  # a peewee row
        if company_id is None:
            company = OwnCompany()
        else:
            company = OwnCompany.get_or_none(
                (OwnCompany.id == as_uuid(company_id)) & OwnCompany.deleted_at.is_null()
            )
            if company is None:
                raise ValidationError(_("The company no longer exists."))
        for name, value in cleaned.items():
            setattr(company, name, value)
        for name in OWN_EXTRA_FIELDS + IMAGE_FIELDS:
            if name not in values:
                continue
            value = values[name]
            if name in IMAGE_FIELDS:
                if value and not isinstance(value, (bytes, bytearray, memoryview)):
                    raise validation.refuse(name, _("{field}: choose an image file."))
                value = bytes(value) if value else None
            elif name == "default_vat_rate":
                value = validation.percent_value(value, name)
            elif name == "vat_mode":
                value = validation.enum_value(value, VatMode, name)
            elif name == "is_default":
                value = bool(value)
            elif name == "default_currency":
                value = validation.currency_value(value, name)
            else:
                value = column_text(OwnCompany, name, value)
            setattr(company, name, value)
        errors = cards.requisites_field_errors(
            {n: getattr(company, n) for n in cards.REQUISITE_FIELDS})
        if errors:
            raise cards.RequisitesInvalid(errors)
        if not OwnCompany.alive().where(OwnCompany.is_default == True).exists():  # noqa: E712
            company.is_default = True
        company.save()
        if company.is_default:
            OwnCompany.update(is_default=False).where(
                (OwnCompany.id != company.id) & (OwnCompany.is_default == True)  # noqa: E712
            ).execute()
        return OwnCompanyId(company.id)


# --- pipelines and stages -------------------------------------------------------------------------


@dataclass(frozen=True)
class StageInfo:
    id: StageId
    name: str
    kind: str
    probability: Decimal
    color: str
    task_templates: list[dict[str, Any]] = field(default_factory=list)
    required_fields: list[str] = field(default_factory=list)
    requires_correct_deal: bool = False


def pipelines() -> list[PipelineInfo]:
    return sales_pipelines.pipelines()


def save_pipeline(pipeline_id: IdLike | None, name: str, is_default: bool = False) -> str:
    rights.require(Action.CHANGE_SETTINGS)
    name = column_text(Pipeline, "name", name)
    if not name:
        raise ValidationError(_("Give the pipeline a name."), field="name")
    with database.atomic():
        if pipeline_id is None:
            last = Pipeline.alive().order_by(Pipeline.sort_order.desc()).first()
            pipeline = Pipeline(sort_order=(last.sort_order + 1) if last else 0)
        else:
            pipeline = Pipeline.get_by_id(as_uuid(pipeline_id))
        pipeline.name = name
        pipeline.is_default = bool(is_default) or not Pipeline.alive().where(
            Pipeline.is_default == True  # noqa: E712
        ).exists()
        pipeline.save()
        if pipeline_id is None:
            Stage.create(pipeline=pipeline, name=_("New"), sort_order=0, kind=StageKind.OPEN)
            Stage.create(pipeline=pipeline, name=_("Won"), sort_order=1, kind=StageKind.WON,
                         probability=Decimal(100))
            Stage.create(pipeline=pipeline, name=_("Lost"), sort_order=2, kind=StageKind.LOST)
        if pipeline.is_default:
            Pipeline.update(is_default=False).where(
                (Pipeline.id != pipeline.id) & (Pipeline.is_default == True)  # noqa: E712
            ).execute()
        return str(pipeline.id)


def delete_pipeline(pipeline_id: IdLike) -> None:
    rights.require(Action.CHANGE_SETTINGS)
    with database.atomic():
        pipeline = Pipeline.get_by_id(as_uuid(pipeline_id))
        if Deal.alive().where(Deal.pipeline == pipeline.id).exists():
            raise ValidationError(_("The pipeline has deals; move them to another pipeline first."))
        doomed: list[Any] = list(Stage.alive().where(Stage.pipeline == pipeline.id))
        for stage in doomed:
            stage.soft_delete()
        pipeline.soft_delete()


def stages(pipeline_id: IdLike) -> list[StageInfo]:
    query: list[Any] = list(Stage.alive().where(Stage.pipeline == as_uuid(pipeline_id)).order_by(
        Stage.sort_order, Stage.created_at))
    return [
        StageInfo(StageId(s.id), s.name, str(s.kind), money.to_decimal(s.probability), s.color,
                  list(s.task_templates or []), list(s.required_fields or []),
                  bool(s.requires_correct_deal))
        for s in query
    ]


def deal_field_choices(pipeline_id: IdLike | None = None) -> list[tuple[str, str]]:
    """What a stage (of ``pipeline_id``) can require: ``(name, label)``, custom fields last."""
    return [(name, rules.field_label(name)) for name in rules.DEAL_FIELDS] + [
        (f.column, f.label) for f in custom_fields.fields(Entity.DEALS, pipeline_id=pipeline_id)]


#: The colour a new stage gets (settings' "New stage", a stage an import creates).
DEFAULT_STAGE_COLOR = "#4a90d9"


def stage_errors(values: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    checks: dict[str, Any] = {
        "name": lambda: column_text(Stage, "name", values.get("name")),
        "probability": lambda: validation.percent_value(values.get("probability", 0), "probability"),
        "kind": lambda: validation.enum_value(values.get("kind", "open"), StageKind, "kind",
                                              label=N_("kind")),
        "task_templates": lambda: [_task_template(t) for t in values.get("task_templates") or []],
    }
    for name, check in checks.items():
        try:
            check()
        except ValidationError as error:
            errors[name] = error.message
    if "name" not in errors and not column_text(Stage, "name", values.get("name")):
        errors["name"] = _("Give the stage a name.")
    color = values.get("color") or ""
    if not (isinstance(color, str) and re.fullmatch(r"#[0-9A-Fa-f]{6}(?:[0-9A-Fa-f]{2})?", color)):
        errors["color"] = _("Choose a colour.")
    required = set(values.get("required_fields") or [])
    unknown = required - set(rules.ordered_fields(required))
    if unknown:
        errors["required_fields"] = _("Unknown required fields.")
    return errors


def _task_template(template: Any) -> dict[str, Any]:
    """A stage's task template (subject, days after entering the stage) as stored."""
    if not isinstance(template, Mapping):
        raise ValidationError(_("Every task template needs a subject."), field="task_templates")
    subject = validation.text_value(template.get("subject"), "task_templates", max_length=300)
    if not subject:
        raise ValidationError(_("Every task template needs a subject."), field="task_templates")
    days = template.get("due_days", 0)
    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= 3650:
        if isinstance(days, int) and not isinstance(days, bool) and days < 0:
            raise ValidationError(_("A task cannot be due before the deal enters the stage."),
                                  field="task_templates")
        raise validation.refuse("task_templates", _("Enter a whole number from {low} to {high}."),
                                low=0, high=3650)
    return {"subject": subject, "due_days": days}


def save_stage(stage_id: IdLike | None, pipeline_id: IdLike, values: Mapping[str, Any]) -> StageId:
    rights.require(Action.CHANGE_SETTINGS)
    errors = stage_errors(values)
    if errors:
        name, message = next(iter(errors.items()))
        raise ValidationError(message, field=name)
    with database.atomic():
        stage: Any  # a peewee row
        if stage_id is None:
            kind = StageKind(values.get("kind", "open"))
            stage = Stage(pipeline=as_uuid(pipeline_id),
                          sort_order=_new_stage_order(as_uuid(pipeline_id), kind))
        else:
            stage = Stage.get_by_id(as_uuid(stage_id))
        new_kind = StageKind(values.get("kind", "open"))
        if stage_id is not None and stage.kind == StageKind.OPEN and new_kind != StageKind.OPEN:
            _keep_an_open_stage(stage.pipeline_id, stage.id)
        # a stage joining or leaving the ladder (lost stages are off it) moves deals' furthest step
        ladder_changed = stage_id is not None and (stage.kind == StageKind.LOST) != (
            new_kind == StageKind.LOST)
        stage.name = column_text(Stage, "name", values["name"])
        stage.kind = new_kind
        stage.probability = validation.percent_value(values.get("probability", 0), "probability")
        stage.color = str(values.get("color") or DEFAULT_STAGE_COLOR)
        stage.task_templates = [_task_template(t) for t in values.get("task_templates") or []]
        stage.required_fields = rules.ordered_fields(values.get("required_fields") or [])
        stage.requires_correct_deal = bool(values.get("requires_correct_deal", False))
        stage.save()
        if ladder_changed:  # off the ladder: deals whose furthest step it was; on it: those below
            order = stage.sort_order
            lowest = order if new_kind == StageKind.LOST else None
            stage_rules.recompute_reached(stage.pipeline_id, lowest, order)
        return StageId(stage.id)


def _new_stage_order(pipeline_id: uuid.UUID, kind: StageKind) -> int:
    """Where a new stage goes: a won or lost stage last; an open one after the last open stage,
    so that the closing stages (Won, Lost) stay at the end — they move down one place, and deals
    that reached them keep their furthest step (rebuilt for the moved orders)."""
    ordered: list[Any] = list(Stage.alive().where(Stage.pipeline == pipeline_id).order_by(
        Stage.sort_order, Stage.created_at))
    if not ordered:
        return 0
    if kind != StageKind.OPEN:
        return int(ordered[-1].sort_order) + 1
    opened = [row for row in ordered if row.kind == StageKind.OPEN]
    position = (int(opened[-1].sort_order) + 1) if opened else int(ordered[0].sort_order)
    after = [row for row in ordered if row.sort_order >= position]
    if after:
        for row in reversed(after):  # from the end: no two stages ever share an order
            row.sort_order += 1
            row.save()
        stage_rules.recompute_reached(pipeline_id, position, int(after[-1].sort_order))
    return position


def _keep_an_open_stage(pipeline_id: uuid.UUID, leaving_id: uuid.UUID) -> None:
    others = Stage.alive().where(
        (Stage.pipeline == pipeline_id) & (Stage.kind == StageKind.OPEN) & (Stage.id != leaving_id)
    )
    if not others.exists():
        raise ValidationError(_("A pipeline needs at least one open stage."), field="kind")


def move_stage(stage_id: IdLike, delta: int) -> None:
    """Swap the stage with its neighbour (``delta`` -1: up, +1: down)."""
    rights.require(Action.CHANGE_SETTINGS)
    with database.atomic():
        stage: Any = Stage.get_by_id(as_uuid(stage_id))
        ordered: list[Any] = list(Stage.alive().where(Stage.pipeline == stage.pipeline_id).order_by(
            Stage.sort_order, Stage.created_at))
        index = [s.id for s in ordered].index(stage.id)
        target = index + delta
        if not 0 <= target < len(ordered):
            return
        ordered[index], ordered[target] = ordered[target], ordered[index]
        changed: list[int] = []
        for position, row in enumerate(ordered):
            if row.sort_order != position:
                changed += [row.sort_order, position]
                row.sort_order = position
                row.save()
        if changed:  # deals' furthest step is a sort_order: rebuild it where orders changed
            stage_rules.recompute_reached(stage.pipeline_id, min(changed), max(changed))


def delete_stage(stage_id: IdLike) -> None:
    rights.require(Action.CHANGE_SETTINGS)
    with database.atomic():
        stage: Any = Stage.get_by_id(as_uuid(stage_id))
        count = Deal.alive().where(Deal.stage == stage.id).count()
        if count:
            raise ValidationError(ngettext(
                "{count} deal is in this stage; move it to another stage first.",
                "{count} deals are in this stage; move them to another stage first.",
                count).format(count=count))
        if stage.kind == StageKind.OPEN:
            _keep_an_open_stage(stage.pipeline_id, stage.id)
        stage.soft_delete()
        if stage.kind != StageKind.LOST:  # off the ladder now: deals that got there fall back
            stage_rules.recompute_reached(stage.pipeline_id, stage.sort_order, stage.sort_order)


# --- users ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserRow:
    id: UserId
    name: str
    email: str
    role: str  # the old role, kept in step with the role's preset
    head_id: UserId | None
    locale: str
    active: bool
    access_role_id: uuid.UUID | None = None
    login: str = ""
    has_password: bool = False


def user_rows() -> list[UserRow]:
    query: list[Any] = list(User.alive().order_by(User.active.desc(), User.name))
    return [UserRow(UserId(u.id), u.name, u.email, str(u.role), UserId(u.head_id) if u.head_id else None,
                    u.locale or "", bool(u.active), u.access_role_id, u.login or "",
                    bool(u.password_hash)) for u in query]


def save_user(user_id: IdLike | None, values: Mapping[str, Any]) -> UserId:
    """Create or change a user: name, e-mail, role (``access_role``: a role id; or the old
    ``role``), login, head, language and status. Somebody active keeps managing users."""
    rights.require(Action.MANAGE_USERS)
    name = column_text(User, "name", values.get("name"))
    if not name:
        raise ValidationError(_("Give the user a name."), field="name")
    email = column_text(User, "email", values.get("email"))
    if email and ("@" not in email or "." not in email.rsplit("@", 1)[-1]):
        raise ValidationError(_("“{email}” is not a valid e-mail address.").format(email=email),
                              field="email")
    login = column_text(User, "login", values.get("login"))
    if login and (len(login) > 63 or any(c.isspace() for c in login)):
        raise ValidationError(_("A login is one word of at most 63 characters."), field="login")
    with database.atomic():
        user: Any = User() if user_id is None else User.get_by_id(as_uuid(user_id))
        head_id = as_uuid(values["head"]) if values.get("head") else None
        _check_head(user, user_id, head_id)
        if login and User.alive().where((User.login == login) & (User.id != user.id)).exists():
            raise ValidationError(_("Another user already has this login."), field="login")
        user.name = name
        user.email = email
        if values.get("access_role"):
            role_id = as_uuid(values["access_role"])
            if not AccessRole.alive().where(AccessRole.id == role_id).exists():
                raise ValidationError(_("The role no longer exists."), field="access_role")
            user.access_role = role_id
        elif "role" in values or user_id is None:
            user.role = validation.enum_value(values.get("role", "sales"), Role, "role",
                                             label=N_("role"))
        if "login" in values:
            user.login = login
        user.head = head_id
        locale = str(values.get("locale") or "")
        user.locale = locale if locale in LANGUAGES else ""
        user.active = bool(values.get("active", True))
        user.save()
        access.keep_someone_managing_users()
    rights.reload()
    return UserId(user.id)


def _check_head(user: Any, user_id: IdLike | None, head_id: uuid.UUID | None) -> None:
    if head_id is None:
        return
    if user_id is not None and head_id == user.id:
        raise ValidationError(_("A user cannot be their own head."), field="head")
    seen = {user.id} if user_id is not None else set()
    cursor: Any = User.get_or_none(User.id == head_id)
    while cursor is not None:
        if cursor.id in seen:
            raise ValidationError(
                _("This head is already in the user's team: the chain would go in a "
                  "circle."), field="head")
        seen.add(cursor.id)
        cursor = User.get_or_none(User.id == cursor.head_id) if cursor.head_id else None


def default_role_id() -> str:
    """The role a new user starts with: the manager preset."""
    return str(PRESET_IDS[Preset.MANAGER])


def role_labels() -> list[tuple[str, str]]:
    """The roles to choose from: ``(role id as text, name as shown)``."""
    return [(str(row.id), row.name) for row in access.roles()]


def user_language(user_id: IdLike) -> str:
    user = User.get_or_none(User.id == as_uuid(user_id))
    return (user.locale or "") if user else ""


def set_user_language(user_id: IdLike, language: str) -> None:
    """One's own language; another user's needs ``manage_users``."""
    actor = rights.current()
    if actor is None or (actor.user_id is not None and actor.user_id != as_uuid(user_id)):
        rights.require(Action.MANAGE_USERS)
    if language and language not in LANGUAGES:
        raise ValidationError(_("Unknown language."), field="language")
    with database.atomic():
        user = User.get_by_id(as_uuid(user_id))
        user.locale = language
        user.save()


# --- database connection --------------------------------------------------------------------------


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def connection_errors(kind: str, value: str) -> dict[str, str]:
    value = (value or "").strip()
    if kind == "sqlite":
        return {} if value else {"path": _("Choose the database file.")}
    from urllib.parse import urlparse

    if not is_postgres_url(value):
        return {"url": _("A PostgreSQL address starts with postgresql://")}
    parsed = urlparse(value)
    if not parsed.hostname or not parsed.path.strip("/"):
        return {"url": _("Write the server and the database: postgresql://user@host:5432/crm")}
    return {}


def store_connection(url: str, password: str = "") -> str:
    """The URL to keep in the local settings; the password goes to the OS keyring, never a file."""
    from desktop_crm.models import credentials

    url = url.strip()
    if not is_postgres_url(url):
        return url
    from urllib.parse import urlparse

    embedded = urlparse(url).password
    password = password or (embedded or "")
    clean = credentials.strip_password(url)
    if password:
        credentials.remember_password(clean, password)
    return clean


def stored_password(url: str) -> str:
    from desktop_crm.models import credentials

    return credentials.stored_password(url) or "" if is_postgres_url(url) else ""


def url_with_password(url: str) -> str:
    """A settings URL with its keyring password put back, for opening the database."""
    password = stored_password(url)
    if not password:
        return url
    from urllib.parse import quote, urlparse, urlunparse

    parsed = urlparse(url)
    if parsed.password is not None or not parsed.username:
        return url
    host = parsed.netloc.rsplit("@", 1)[-1]
    return urlunparse(parsed._replace(netloc=f"{parsed.username}:{quote(password, safe='')}@{host}"))


def test_connection(url: str) -> str:
    """Try a database address without switching to it; returns what was found (translated).

    A SQLite file that does not exist yet is fine (it is created on first use); an existing file
    must be a database. A PostgreSQL server is connected to with the keyring's password. Meant to
    run off the GUI thread (it may wait for the network up to the connect timeout).
    """
    url = url.strip()
    if not is_postgres_url(url):
        import sqlite3

        from desktop_crm.models.db import sqlite_path

        path = sqlite_path(url)
        if not path.parent.is_dir():
            raise ValidationError(_(
                "The folder {folder} does not exist. Check the path (is the drive or network share "
                "connected?).").format(folder=path.parent))
        if not path.exists():
            return _("The file does not exist yet: a new database will be created there.")
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as probe:
                tables = {row[0] for row in probe.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table'")}
            probe.close()
        except sqlite3.DatabaseError as error:
            raise ValidationError(
                _("The file is not a database: {reason}").format(reason=error)) from error
        if tables and "schema_version" not in tables:
            raise ValidationError(_("The file belongs to another application."))
        return _("The database file can be opened.") if tables else _(
            "The file is empty: a new database will be created there.")
    from desktop_crm.models import credentials

    try:
        with credentials.connect(url_with_password(url), connect_timeout=10) as connection:
            version = connection.execute("SHOW server_version").fetchone()[0]
    except Exception as error:
        explained = credentials.explain_connection_error(url, error)  # a password, a certificate
        raise ValidationError(
            explained or _("Cannot connect to the server: {reason}").format(reason=str(error).strip())
        ) from error
    return _("Connected: PostgreSQL {version}.").format(version=version)
