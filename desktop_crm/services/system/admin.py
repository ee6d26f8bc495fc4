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

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import phonenumbers

from desktop_crm import money
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import LANGUAGES, _, ngettext
from desktop_crm.ids import IdLike, OwnCompanyId, StageId, UserId, as_uuid
from desktop_crm.models import (
    Deal,
    OwnCompany,
    Pipeline,
    Role,
    Stage,
    StageKind,
    User,
    VatMode,
    database,
)
from desktop_crm.services.billing import numbering
from desktop_crm.services.listing import refresh
from desktop_crm.services.sales import cards, rules
from desktop_crm.services.sales import pipelines as sales_pipelines
from desktop_crm.services.sales import stages as stage_rules
from desktop_crm.services.sales.pipelines import PipelineInfo
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
            if not isinstance(value, int) or not low <= value <= high:
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
    return errors


# What makes a comment "detailed" decides deals' last interaction and correctness (stored columns).
DEAL_FLAG_SETTINGS = frozenset({"comment_min_words", "comment_min_chars", "comment_stop_phrases"})


def save_rules_settings(values: Mapping[str, Any]) -> bool:
    """Save the rules page. True when deals' stored flags now need :func:`recompute_deal_flags`."""
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
                value = [" ".join(str(v).split()) for v in value if str(v).strip()]
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
    unknown = set(values) - set(OWN_FIELDS)
    if unknown:
        raise ValueError(f"unknown own-company fields: {sorted(unknown)}")
    plain = {k: v for k, v in values.items() if k in cards.REQUISITE_FIELDS}
    cleaned = cards._clean_requisites(plain, cards.REQUISITE_FIELDS)
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
                value = bytes(value) if value else None
            elif name == "default_vat_rate":
                value = cards.parse_decimal(value, name, money.PERCENT_PLACES)
                if not Decimal(0) <= value <= Decimal(100):
                    raise ValidationError(_("VAT is a percentage from 0 to 100."), field=name)
            elif name == "vat_mode":
                value = VatMode(value)
            elif name == "is_default":
                value = bool(value)
            elif name == "default_currency":
                value = str(value or "").strip().upper()
                if len(value) != 3:
                    raise ValidationError(
                        _("The currency is a three-letter code such as RUB or EUR."), field=name)
            else:
                value = str(value or "").strip()
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
    name = " ".join((name or "").split())
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


def deal_field_choices() -> list[tuple[str, str]]:
    """The fields a stage can require: ``(name, translated label)``."""
    return [(name, rules.field_label(name)) for name in rules.DEAL_FIELDS]


def stage_errors(values: Mapping[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not " ".join(str(values.get("name") or "").split()):
        errors["name"] = _("Give the stage a name.")
    try:
        probability = cards.parse_decimal(values.get("probability", 0), "probability",
                                          money.PERCENT_PLACES)
        if not Decimal(0) <= probability <= Decimal(100):
            errors["probability"] = _("The probability is a percentage from 0 to 100.")
    except ValidationError as error:
        errors["probability"] = error.message
    color = str(values.get("color") or "")
    if not (len(color) in (7, 9) and color.startswith("#")):
        errors["color"] = _("Choose a colour.")
    for template in values.get("task_templates") or []:
        if not str(template.get("subject") or "").strip():
            errors["task_templates"] = _("Every task template needs a subject.")
        elif int(template.get("due_days", 0)) < 0:
            errors["task_templates"] = _("A task cannot be due before the deal enters the stage.")
    unknown = set(values.get("required_fields") or []) - set(rules.DEAL_FIELDS)
    if unknown:
        errors["required_fields"] = _("Unknown required fields.")
    return errors


def save_stage(stage_id: IdLike | None, pipeline_id: IdLike, values: Mapping[str, Any]) -> StageId:
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
        stage.name = " ".join(str(values["name"]).split())
        stage.kind = new_kind
        stage.probability = cards.parse_decimal(values.get("probability", 0), "probability",
                                                money.PERCENT_PLACES)
        stage.color = str(values.get("color") or "#4a90d9")
        stage.task_templates = [
            {"subject": " ".join(str(t["subject"]).split()), "due_days": int(t.get("due_days", 0))}
            for t in values.get("task_templates") or []
        ]
        stage.required_fields = [name for name in rules.DEAL_FIELDS
                                 if name in set(values.get("required_fields") or [])]
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
    role: str
    head_id: UserId | None
    locale: str
    active: bool


def user_rows() -> list[UserRow]:
    query: list[Any] = list(User.alive().order_by(User.active.desc(), User.name))
    return [UserRow(UserId(u.id), u.name, u.email, str(u.role), UserId(u.head_id) if u.head_id else None,
                    u.locale or "", bool(u.active)) for u in query]


def save_user(user_id: IdLike | None, values: Mapping[str, Any]) -> UserId:
    name = " ".join(str(values.get("name") or "").split())
    if not name:
        raise ValidationError(_("Give the user a name."), field="name")
    email = str(values.get("email") or "").strip()
    if email and ("@" not in email or "." not in email.rsplit("@", 1)[-1]):
        raise ValidationError(_("“{email}” is not a valid e-mail address.").format(email=email),
                              field="email")
    with database.atomic():
        user: Any = User() if user_id is None else User.get_by_id(as_uuid(user_id))
        head_id = as_uuid(values["head"]) if values.get("head") else None
        if head_id is not None:
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
        active = bool(values.get("active", True))
        role = Role(values.get("role", "sales"))
        if user_id is not None and user.role == Role.ADMIN and (role != Role.ADMIN or not active):
            admins = User.alive().where((User.role == Role.ADMIN) & (User.active == True)  # noqa: E712
                                        & (User.id != user.id))
            if not admins.exists():
                raise ValidationError(_("Keep at least one active administrator."), field="role")
        user.name = name
        user.email = email
        user.role = role
        user.head = head_id
        locale = str(values.get("locale") or "")
        user.locale = locale if locale in LANGUAGES else ""
        user.active = active
        user.save()
        return UserId(user.id)


def role_labels() -> list[tuple[str, str]]:
    return [("admin", _("Administrator")), ("head", _("Head of sales")), ("sales", _("Salesperson"))]


def user_language(user_id: IdLike) -> str:
    user = User.get_or_none(User.id == as_uuid(user_id))
    return (user.locale or "") if user else ""


def set_user_language(user_id: IdLike, language: str) -> None:
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
        raise ValidationError(
            _("Cannot connect to the server: {reason}").format(reason=str(error).strip())
        ) from error
    return _("Connected: PostgreSQL {version}.").format(version=version)
