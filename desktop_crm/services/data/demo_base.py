"""The demo builder's ground: values as each database driver stores them, bulk tables, and the
shared state and helpers of the generator (ids, moments, names, phones, texts).

Everything draws from one seeded random generator (:attr:`_Generator.rng`), so the order of the
draws is part of the demo's identity: the same seed gives the same database.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from desktop_crm.normalize import fold
from desktop_crm.services.data import demo_data
from desktop_crm.services.sales.rules import line_net_amount

if TYPE_CHECKING:
    from desktop_crm.services.data.demo import DemoOptions

#: The demo's "now": stage history, tasks and overdue flags are laid out before this moment.
DEMO_NOW = dt.datetime(2026, 11, 20, 9, 0, 0)
HISTORY_DAYS = 730
DEALS_PER_TRANSACTION = 50_000

Progress = Callable[[str, int, int], None]

# --- values as each driver wants them --------------------------------------------------------------

_UNIX = dt.datetime(1970, 1, 1)


def _json(value: Any) -> str:
    # Exactly what JSONField stores.
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


EMPTY = _json({})


class _Values:
    """Python values turned into what the database driver stores for our field types."""

    def __init__(self, engine: str, rng: random.Random) -> None:
        self.postgres = engine == "postgres"
        self.rng = rng
        self.true: Any = True if self.postgres else 1
        self.false: Any = False if self.postgres else 0

    def id_at(self, moment: dt.datetime) -> Any:
        """A UUIDv7 for a row created at ``moment``: its milliseconds, then seeded random bits."""
        ms = int((moment - _UNIX).total_seconds() * 1000)
        bits = self.rng.getrandbits(74)
        value = (ms << 80) | (0x7 << 76) | ((bits >> 62) << 64) | (0b10 << 62) | (bits & ((1 << 62) - 1))
        return uuid.UUID(int=value) if self.postgres else value.to_bytes(16, "big")

    def ts(self, moment: dt.datetime | None) -> Any:
        if moment is None or self.postgres:
            return moment
        return str(moment)

    def date(self, day: dt.date | None) -> Any:
        if day is None or self.postgres:
            return day
        return day.isoformat()

    def boolean(self, value: bool) -> Any:
        return self.true if value else self.false

    def uuid(self, value: uuid.UUID) -> Any:
        return value if self.postgres else value.bytes

    def uuid_text(self, value: Any) -> str:
        return str(value if self.postgres else uuid.UUID(bytes=value))


class _Table:
    """Rows for one table, sent with ``executemany``; columns we do not fill get their defaults."""

    def __init__(self, builder: _Generator, model: Any, columns: list[str]) -> None:
        self.builder = builder
        self.model = model
        self.rows: list[tuple[Any, ...]] = []
        self.count = 0
        fields = {f.column_name: f for f in model._meta.sorted_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise AssertionError(f"{model.__name__} has no columns {unknown}")
        extra = [f for name, f in fields.items() if name not in columns]
        self.extra = tuple(builder.default_value(f) for f in extra)
        names = [*columns, *(f.column_name for f in extra)]
        mark = "%s" if builder.values.postgres else "?"
        quoted = ", ".join('"' + name + '"' for name in names)
        marks = ", ".join(mark for _ in names)
        self.sql = f'INSERT INTO "{model._meta.table_name}" ({quoted}) VALUES ({marks})'
        self.width = len(columns)

    def add(self, row: tuple[Any, ...]) -> None:
        self.rows.append(row + self.extra if self.extra else row)

    def flush(self) -> None:
        if self.rows:
            self.builder.cursor.executemany(self.sql, self.rows)
            self.count += len(self.rows)
            self.rows.clear()


# --- the generator ---------------------------------------------------------------------------------


@dataclass
class _Person:
    last: str
    first: str
    middle: str
    female: bool


@dataclass
class _Locale:
    code: str  # ru / it
    own_company: Any = None
    currency: str = "RUB"
    vat_on_top: bool = False
    users: list[Any] = field(default_factory=list)  # sales users' ids
    user_weights: list[float] = field(default_factory=list)
    heads: dict[Any, Any] = field(default_factory=dict)  # sales user id -> head id
    pipelines: list[tuple[Any, demo_data.PipelineSpec, list[Any], list[Any]]] = field(default_factory=list)
    groups: list[tuple[Any, str, list[tuple[Any, demo_data.ProductSpec, Decimal]]]] = field(
        default_factory=list)
    companies: list[tuple[Any, str]] = field(default_factory=list)
    contacts: list[tuple[Any, Any, _Person]] = field(default_factory=list)  # id, company id, person
    company_names: list[str] = field(default_factory=list)
    company_name_of: dict[Any, str] = field(default_factory=dict)  # company id -> short name


class _Generator:
    """State and helpers shared by every part of the build (see :class:`demo_builder._Builder`)."""

    def __init__(self, db: Any, engine: str, options: DemoOptions, progress: Progress | None) -> None:
        from desktop_crm import models as m

        self.m = m
        self.db = db
        self.engine = engine
        self.options = options
        self.progress = progress or (lambda message, done, total: None)
        self.rng = random.Random(options.seed)
        self.values = _Values(engine, self.rng)
        self.cursor: Any = None
        self.now = options.now
        self.start = self.now - dt.timedelta(days=HISTORY_DAYS)
        self.tables: dict[str, _Table] = {}
        self.locales: dict[str, _Locale] = {}
        self.sequence_counters: dict[tuple[Any, str, int], int] = {}
        self.open_slots: set[tuple[str, int]] = set()
        self.closed_for_notification: list[tuple[Any, Any, str, dt.datetime]] = []
        self._line_cache: dict[tuple[str, int, int], Decimal] = {}
        self._fold_cache: dict[str, str] = {}
        self._payload_cache: dict[tuple[str, ...], str] = {}
        self.pending_documents: list[tuple[Any, ...]] = []

    # -- plumbing --

    def default_value(self, f: Any) -> Any:
        default = f.default() if callable(f.default) else f.default
        if default is None:
            if not f.null:
                raise AssertionError(f"{f.model.__name__}.{f.name} needs a value in the demo")
            return None
        value = f.db_value(default)
        if isinstance(value, dt.datetime):
            return self.values.ts(value)
        if isinstance(value, dt.date):
            return self.values.date(value)
        if isinstance(value, bool):
            return self.values.boolean(value)
        return value

    def table(self, model: Any, columns: str) -> _Table:
        t = _Table(self, model, columns.split())
        self.tables[model._meta.table_name] = t
        return t

    def flush(self) -> None:
        for t in self.tables.values():
            t.flush()

    def commit(self) -> None:
        """Flush and, on SQLite, commit the transaction so far (PostgreSQL keeps one transaction)."""
        self.flush()
        if self.engine == "sqlite":
            self.db.execute_sql("COMMIT")
            self.db.execute_sql("BEGIN")

    def _define_tables(self) -> None:
        m = self.m
        base = "id created_at updated_at"
        req = ("legal_name short_name country inn kpp ogrn bank_name bik corr_account account "
               "vat_number fiscal_code rea iban bic address postal_code city province email phone")
        person = ("last_name first_name middle_name birth_date mobile_phone mobile_phone_e164 "
                  "work_phone work_phone_e164 private_email work_email name_key search_text")
        self.t_user = self.table(m.User, f"{base} name email email_key role head_id locale active "
                                 "access_role_id login")
        self.t_own = self.table(m.OwnCompany, f"{base} {req} regime_fiscale pec director_name "
                                "accountant_name default_currency default_vat_rate vat_mode is_default")
        self.t_company = self.table(m.Company, f"{base} {req} responsible_id website comment search_text")
        self.t_contact = self.table(m.Contact, f"{base} {person} company_id responsible_id position "
                                    "source comment private_email_key work_email_key country fiscal_code "
                                    "inn address postal_code city province")
        self.t_lead = self.table(m.Lead, f"{base} {person} title source status company_name contact_id "
                                 "responsible_id comment converted_at")
        self.t_pipeline = self.table(m.Pipeline, f"{base} name sort_order is_default")
        self.t_stage = self.table(m.Stage, f"{base} pipeline_id name sort_order kind probability color "
                                  "task_templates required_fields requires_correct_deal")
        self.t_group = self.table(m.ProductGroup, f"{base} name sort_order")
        self.t_product = self.table(m.Product, f"{base} name sku unit unit_code price currency vat_rate "
                                    "group_id active search_text")
        self.t_deal = self.table(m.Deal, f"{base} title pipeline_id stage_id contact_id company_id "
                                 "responsible_id product_group_id currency amount expected_close_date "
                                 "probability source_lead_id lost_reason comment closed_at "
                                 "stage_entered_at last_interaction_at correct missing_fields board_rank "
                                 "search_text reached_order")
        self.t_line = self.table(m.DealLine, f"{base} deal_id product_id name quantity unit unit_code "
                                 "price discount_percent vat_rate line_order")
        self.t_activity = self.table(m.Activity, f"{base} kind subject body due_at done_at status "
                                     "author_id assignee_id client_answered deal_id lead_id contact_id "
                                     "stage_id payload")
        self.t_change = self.table(m.StageChange, f"{base} deal_id from_stage_id to_stage_id changed_at "
                                   "author_id seconds_in_previous")
        doc = ("deal_id own_company_id contact_id company_id author_id number issue_date language "
               "currency vat_mode subtotal vat_total total buyer_snapshot")
        self.t_quote = self.table(m.Quote, f"{base} {doc} status valid_until sent_at")
        self.t_invoice = self.table(m.Invoice, f"{base} {doc} quote_id status due_date series year "
                                    "sequence_number paid_amount issued_at")
        docline = ("product_id name quantity unit unit_code price discount_percent vat_rate line_order "
                   "net_amount vat_amount total_amount")
        self.t_quote_line = self.table(m.QuoteLine, f"{base} quote_id {docline}")
        self.t_invoice_line = self.table(m.InvoiceLine, f"{base} invoice_id {docline}")
        self.t_payment = self.table(m.Payment, f"{base} invoice_id paid_on amount note")
        self.t_sequence = self.table(m.NumberSequence, f"{base} own_company_id document_type year series "
                                     "pattern next_value")
        self.t_notification = self.table(m.Notification, f"{base} user_id title body link_kind link_id")

    # -- helpers --

    def moment(self, fraction: float) -> dt.datetime:
        """A moment ``fraction`` of the way through the demo's history (whole seconds)."""
        return self.start + dt.timedelta(seconds=int(fraction * HISTORY_DAYS * 86400))

    def new_id(self, moment: dt.datetime) -> Any:
        return self.values.id_at(moment)

    def payload(self, event: str, old: str, new: str, kind: str, reason: str) -> str:
        """The payload of a stage-change timeline entry (what ``services.timeline`` renders)."""
        key = (event, old, new, kind, reason)
        text = self._payload_cache.get(key)
        if text is None:
            value = {"event": event, "to_name": new, "to_kind": kind}
            if old:
                value["from_name"] = old
            if reason:
                value["lost_reason"] = reason
            text = self._payload_cache[key] = _json(value)
        return text

    def fold_cached(self, text: str) -> str:
        folded = self._fold_cache.get(text)
        if folded is None:
            folded = self._fold_cache[text] = fold(text)
        return folded

    def line_amount(self, price: Decimal, qty: int, discount: int) -> Decimal:
        """A line's amount after discount: the sales rules' own function, cached (few distinct lines)."""
        key = (str(price), qty, discount)
        amount = self._line_cache.get(key)
        if amount is None:
            amount = self._line_cache[key] = line_net_amount(price, Decimal(qty), Decimal(discount))
        return amount

    def person(self, code: str) -> _Person:
        rng = self.rng
        female = rng.random() < 0.45
        if code == "ru":
            last = (rng.choice(demo_data.RU_LAST_NAMES) if rng.random() < 0.95
                    else rng.choice(demo_data.RU_LAST_NAMES_INVARIANT))
            patronymic = rng.choice(demo_data.RU_PATRONYMICS)
            if female:
                return _Person(demo_data.feminine(last), rng.choice(demo_data.RU_FEMALE_NAMES),
                               patronymic[1], True)
            return _Person(last, rng.choice(demo_data.RU_MALE_NAMES), patronymic[0], False)
        first = rng.choice(demo_data.IT_FEMALE_NAMES if female else demo_data.IT_MALE_NAMES)
        return _Person(rng.choice(demo_data.IT_LAST_NAMES), first, "", female)

    def mobile(self, code: str) -> tuple[str, str]:
        """A mobile number as typed (one of several habits) and its E.164 form."""
        rng = self.rng
        if code == "ru":
            p = rng.choice(demo_data.RU_MOBILE_PREFIXES)
            n = f"{rng.randrange(10_000_000):07d}"
            e164 = f"+7{p}{n}"
            style = rng.randrange(6)
            typed = (
                f"+7 ({p}) {n[:3]}-{n[3:5]}-{n[5:]}", f"8 {p} {n[:3]} {n[3:5]} {n[5:]}", f"8{p}{n}",
                f"+7 {p} {n[:3]}-{n[3:5]}-{n[5:]}", f"8 ({p}) {n[:3]}-{n[3:5]}-{n[5:]}", e164,
            )[style]
            return typed, e164
        p = rng.choice(demo_data.IT_MOBILE_PREFIXES)
        n = f"{rng.randrange(10_000_000):07d}"
        e164 = f"+39{p}{n}"
        style = rng.randrange(4)
        typed = (f"+39 {p} {n[:3]} {n[3:]}", f"+39 {p} {n}", f"+39 {p}-{n[:3]}-{n[3:]}", e164)[style]
        return typed, e164

    def landline(self, code: str, city: demo_data.City) -> tuple[str, str]:
        rng = self.rng
        n = f"{rng.randrange(2 * 10 ** (city.subscriber_digits - 1), 10 ** city.subscriber_digits)}"
        if code == "ru":
            e164 = f"+7{city.area_code}{n}"
            typed = rng.choice((f"+7 ({city.area_code}) {n[:3]}-{n[3:5]}-{n[5:]}",
                                f"8 ({city.area_code}) {n[:3]}-{n[3:5]}-{n[5:]}",
                                f"+7 {city.area_code} {n}"))
            return typed, e164
        e164 = f"+39{city.area_code}{n}"
        typed = rng.choice((f"+39 {city.area_code} {n[:4]} {n[4:]}", f"+39 {city.area_code} {n}"))
        return typed, e164

    def deal_note(self, code: str, slots: dict[str, Any], at: dt.datetime) -> str:
        """The deal's own comment: a short, detailed summary of the need and the agreement."""
        rng = self.rng
        slots["date"] = self.date_text(code, (at + dt.timedelta(days=rng.randrange(7, 60))).date())
        notes = demo_data.RU_DEAL_NOTES if code == "ru" else demo_data.IT_DEAL_NOTES
        return rng.choice(notes).format(**slots)

    def date_text(self, code: str, day: dt.date) -> str:
        if code == "ru":
            return f"{day.day} {demo_data.RU_MONTHS_GENITIVE[day.month - 1]}"
        return f"{day.day} {demo_data.IT_MONTHS[day.month - 1]}"
