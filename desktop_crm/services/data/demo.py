"""A realistic, reproducible demo database, from a few deals to a million.

``build_demo(url, DemoOptions(deals=…, seed=…, locale="ru"|"it"|"both"))`` fills an empty SQLite
file or PostgreSQL database with Russian and Italian sellers, their users, pipelines (the stages of
the seed documents), catalog, client companies, contacts, leads, deals with lines, timelines, stage
history, quotes, invoices and payments.

Everything derives from one seeded random generator and a fixed "now" (:data:`DEMO_NOW`), ids
included (UUIDv7 shaped: the row's creation time, then random bits from the generator), so the same
seed always gives the same database.

Rows go in through one bulk path on both engines: raw ``executemany`` on the driver's cursor, in
big transactions, with every stored value precomputed (folded search texts, name keys, e-mail keys,
E.164 phones, cached amounts and correctness flags as the sales rules define them). Secondary
indexes and search triggers are dropped for the load and re-created from their own DDL afterwards,
then the search index is rebuilt. A SQLite demo is built beside its target and renamed into place
only when complete; a PostgreSQL demo is one transaction. Either way nothing is half-written.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from desktop_crm import money
from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.normalize import email_key, fold, name_key, search_text
from desktop_crm.services.billing import requisites as rq
from desktop_crm.services.data import demo_data as D

#: The demo's "now": stage history, tasks and overdue flags are laid out before this moment.
DEMO_NOW = dt.datetime(2026, 11, 20, 9, 0, 0)
HISTORY_DAYS = 730
LOCALES = ("ru", "it", "both")
DEALS_PER_TRANSACTION = 50_000

Progress = Callable[[str, int, int], None]

#: Document numbers as the documents service numbers them by default (``services.numbering``).
NUMBER_PATTERNS = {
    ("ru", "invoice"): "{seq}",
    ("ru", "quote"): "КП-{year}-{seq:04d}",
    ("it", "invoice"): "{year}/{seq:04d}",
    ("it", "quote"): "PRV-{year}-{seq:04d}",
}


class DemoError(CrmError):
    """The demo database cannot be built where asked."""


@dataclass(frozen=True)
class DemoOptions:
    deals: int = 5_000
    seed: int = 1
    locale: str = "both"
    now: dt.datetime = DEMO_NOW

    def __post_init__(self) -> None:
        if self.deals < 0:
            raise DemoError(_("The number of deals cannot be negative."))
        if self.locale not in LOCALES:
            raise DemoError(_("Unknown demo locale {locale}: use ru, it or both.").format(
                locale=self.locale))


@dataclass
class DemoSummary:
    url: str
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def deals(self) -> int:
        return self.rows.get("deal", 0)


def build_demo(url: str, options: DemoOptions | None = None,
               progress: Progress | None = None) -> DemoSummary:
    """Build the demo into ``url`` (a SQLite path that does not exist yet or is an empty database,
    or an empty PostgreSQL database). Returns how many rows each table received."""
    from desktop_crm.models import database
    from desktop_crm.models.db import is_postgres_url, open_database, sqlite_path
    from desktop_crm.models.schema import migrate

    options = options or DemoOptions()
    started = time.perf_counter()
    previous = database.obj
    if is_postgres_url(url):
        db = open_database(url)
        try:
            migrate(db)
            _refuse_filled(db, url)
            with db.atomic():
                rows = _Builder(db, "postgres", options, progress).run()
        finally:
            db.close()
            database.initialize(previous)
    else:
        target = sqlite_path(url)
        if target.exists() and target.stat().st_size > 0:
            _refuse_existing_file(target)
        building = target.with_name(target.name + ".building")
        _remove_sqlite_files(building)
        db = open_database(str(building))
        try:
            migrate(db)
            db.execute_sql("PRAGMA journal_mode = OFF")
            db.execute_sql("PRAGMA synchronous = OFF")
            db.execute_sql("PRAGMA cache_size = -1000000")
            rows = _Builder(db, "sqlite", options, progress).run()
            db.execute_sql("PRAGMA journal_mode = WAL")
            db.close()
            _remove_sqlite_files(target)
            os.replace(building, target)
        except BaseException:
            if not db.is_closed():
                db.close()
            _remove_sqlite_files(building)
            raise
        finally:
            database.initialize(previous)
    return DemoSummary(url, rows, time.perf_counter() - started)


def _remove_sqlite_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        candidate = path.with_name(path.name + suffix)
        if candidate.exists():
            candidate.unlink()


def _refuse_existing_file(path: Path) -> None:
    """An existing file is only replaced when it is an empty, freshly created CRM database."""
    import sqlite3

    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
            filled = "deal" not in tables or conn.execute(
                'SELECT (SELECT count(*) FROM "user") + (SELECT count(*) FROM deal)').fetchone()[0]
        conn.close()
    except sqlite3.DatabaseError:
        filled = True
    if filled:
        raise DemoError(
            _("{path} already exists. The demo is only built into a new file: choose another "
              "name or remove that file first.").format(path=path))


def _refuse_filled(db: Any, url: str) -> None:
    from desktop_crm.models.db import redact

    count = db.execute_sql('SELECT (SELECT count(*) FROM "user") + (SELECT count(*) FROM deal)')
    if count.fetchone()[0]:
        raise DemoError(
            _("The database {name} already holds data. The demo is only built into an empty "
              "database.").format(name=redact(url)))


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

    def uuid_text(self, value: Any) -> str:
        return str(value if self.postgres else uuid.UUID(bytes=value))


class _Table:
    """Rows for one table, sent with ``executemany``; columns we do not fill get their defaults."""

    def __init__(self, builder: _Builder, model: Any, columns: list[str]) -> None:
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
    pipelines: list[tuple[Any, D.PipelineSpec, list[Any], list[Any]]] = field(default_factory=list)
    groups: list[tuple[Any, str, list[tuple[Any, D.ProductSpec, Decimal]]]] = field(default_factory=list)
    companies: list[tuple[Any, str]] = field(default_factory=list)
    contacts: list[tuple[Any, Any, _Person]] = field(default_factory=list)  # id, company id, person
    company_names: list[str] = field(default_factory=list)


class _Builder:
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

    def run(self) -> dict[str, int]:
        self.cursor = self.db.cursor()
        saved = self._drop_secondary_indexes()
        if self.engine == "sqlite":
            # Parents are always written before or with their children (``check`` and the tests
            # verify the result); per-row key look-ups would double the load time.
            self.db.execute_sql("PRAGMA foreign_keys = OFF")
            self.db.execute_sql("BEGIN")
        self._define_tables()
        codes = ["ru", "it"] if self.options.locale == "both" else [self.options.locale]
        self.progress(_("Users, pipelines and products"), 0, self.options.deals)
        for code in codes:
            self.locales[code] = self._reference_data(code)
        self.flush()
        self._clients(codes)
        self.commit()
        self._deals(codes)
        self._open_leads(codes)
        self._number_documents()
        self._sequences_and_notifications()
        self.commit()
        if self.engine == "sqlite":
            self.db.execute_sql("COMMIT")
        self.progress(_("Indexes and search"), self.options.deals, self.options.deals)
        if self.engine == "postgres":
            # Check the deferred foreign keys now: indexes cannot be built over pending checks.
            self.db.execute_sql("SET CONSTRAINTS ALL IMMEDIATE")
        self._restore_indexes(saved)
        from desktop_crm.models.search import rebuild_search_index

        rebuild_search_index(self.db, self.engine)
        if self.engine == "sqlite":
            self.db.execute_sql("PRAGMA foreign_keys = ON")
            self.db.execute_sql("PRAGMA analysis_limit = 1000")
        self.db.execute_sql("ANALYZE")
        return {name: t.count for name, t in self.tables.items() if t.count}

    def _drop_secondary_indexes(self) -> list[str]:
        """Drop secondary indexes and search triggers for the load; returns their DDL to re-create."""
        if self.engine == "sqlite":
            rows = self.db.execute_sql(
                "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
                "AND sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY type, name").fetchall()
            for kind, name, _sql in rows:
                self.db.execute_sql(f'DROP {kind.upper()} "{name}"')
            return [sql for _kind, _name, sql in rows]
        rows = self.db.execute_sql(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname "
            "AND c.connamespace = current_schema()::regnamespace) ORDER BY i.indexname").fetchall()
        for name, _sql in rows:
            self.db.execute_sql(f'DROP INDEX "{name}"')
        return [sql for _name, sql in rows]

    def _restore_indexes(self, statements: list[str]) -> None:
        for statement in statements:
            self.db.execute_sql(statement)

    def _define_tables(self) -> None:
        m = self.m
        base = "id created_at updated_at"
        req = ("legal_name short_name country inn kpp ogrn bank_name bik corr_account account "
               "vat_number fiscal_code rea iban bic address postal_code city province email phone")
        person = ("last_name first_name middle_name birth_date mobile_phone mobile_phone_e164 "
                  "work_phone work_phone_e164 private_email work_email name_key search_text")
        self.t_user = self.table(m.User, f"{base} name email email_key role head_id locale active")
        self.t_own = self.table(m.OwnCompany, f"{base} {req} regime_fiscale pec director_name "
                                "accountant_name default_currency default_vat_rate vat_mode is_default")
        self.t_company = self.table(m.Company, f"{base} {req} responsible_id website comment search_text")
        self.t_contact = self.table(m.Contact, f"{base} {person} company_id responsible_id position "
                                    "source comment private_email_key work_email_key")
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
        """A line's amount after discount, as the sales rules compute it (half-up, money.py)."""
        key = (str(price), qty, discount)
        amount = self._line_cache.get(key)
        if amount is None:
            gross = money.round_money(price * qty)
            amount = self._line_cache[key] = gross - money.percent_of(gross, Decimal(discount))
        return amount

    def person(self, code: str) -> _Person:
        rng = self.rng
        female = rng.random() < 0.45
        if code == "ru":
            last = rng.choice(D.RU_LAST_NAMES) if rng.random() < 0.95 else rng.choice(D.RU_LAST_NAMES_INVARIANT)
            patronymic = rng.choice(D.RU_PATRONYMICS)
            if female:
                return _Person(D.feminine(last), rng.choice(D.RU_FEMALE_NAMES), patronymic[1], True)
            return _Person(last, rng.choice(D.RU_MALE_NAMES), patronymic[0], False)
        first = rng.choice(D.IT_FEMALE_NAMES if female else D.IT_MALE_NAMES)
        return _Person(rng.choice(D.IT_LAST_NAMES), first, "", female)

    def mobile(self, code: str) -> tuple[str, str]:
        """A mobile number as typed (one of several habits) and its E.164 form."""
        rng = self.rng
        if code == "ru":
            p = rng.choice(D.RU_MOBILE_PREFIXES)
            n = f"{rng.randrange(10_000_000):07d}"
            e164 = f"+7{p}{n}"
            style = rng.randrange(6)
            typed = (
                f"+7 ({p}) {n[:3]}-{n[3:5]}-{n[5:]}", f"8 {p} {n[:3]} {n[3:5]} {n[5:]}", f"8{p}{n}",
                f"+7 {p} {n[:3]}-{n[3:5]}-{n[5:]}", f"8 ({p}) {n[:3]}-{n[3:5]}-{n[5:]}", e164,
            )[style]
            return typed, e164
        p = rng.choice(D.IT_MOBILE_PREFIXES)
        n = f"{rng.randrange(10_000_000):07d}"
        e164 = f"+39{p}{n}"
        style = rng.randrange(4)
        typed = (f"+39 {p} {n[:3]} {n[3:]}", f"+39 {p} {n}", f"+39 {p}-{n[:3]}-{n[3:]}", e164)[style]
        return typed, e164

    def landline(self, code: str, city: D.City) -> tuple[str, str]:
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
        return rng.choice(D.RU_DEAL_NOTES if code == "ru" else D.IT_DEAL_NOTES).format(**slots)

    def date_text(self, code: str, day: dt.date) -> str:
        if code == "ru":
            return f"{day.day} {D.RU_MONTHS_GENITIVE[day.month - 1]}"
        return f"{day.day} {D.IT_MONTHS[day.month - 1]}"

    # -- reference data --

    def _reference_data(self, code: str) -> _Locale:
        loc = _Locale(code, currency="RUB" if code == "ru" else "EUR", vat_on_top=code == "it")
        v, rng = self.values, self.rng
        created = self.start - dt.timedelta(days=30 if code == "ru" else 20)
        ts = v.ts(created)
        loc.own_company = self._own_company(code, created)

        # Users: the admin, heads of sales and their managers.
        if code == "ru":
            staff = [("Смирнова Ольга Викторовна", "o.smirnova", "admin", None),
                     ("Кузнецов Андрей Викторович", "a.kuznetsov", "head", None),
                     ("Лебедева Наталья Игоревна", "n.lebedeva", "head", None)]
            managers = [("Соколов Дмитрий", 1), ("Морозова Анна", 1), ("Волков Артём", 1),
                        ("Фёдорова Алёна", 1), ("Новиков Игорь", 2), ("Павлова Ксения", 2),
                        ("Егоров Семён", 2), ("Орлова Юлия", 2)]
            domain = "tehnosfera.ru"
        else:
            staff = [("Giulia Romano", "g.romano", "head", None)]
            managers = [("Marco Bianchi", 0), ("Chiara Ferri", 0), ("Luca Moretti", 0),
                        ("Sara Galli", 0), ("Niccolò Conti", 0)]
            domain = "tecnosfera.it"
        ids = []
        for name, login, role, _head in staff:
            uid = self.new_id(created)
            ids.append(uid)
            email = f"{login}@{domain}"
            self.t_user.add((uid, ts, ts, name, email, email_key(email), role, None, code, v.true))
        for name, head_index in managers:
            uid = self.new_id(created)
            login = ".".join(D.translit(part) if code == "ru" else part.lower().replace("ò", "o")
                             for part in reversed(name.split()))
            email = f"{login}@{domain}"
            head = ids[head_index]
            self.t_user.add((uid, ts, ts, name, email, email_key(email), "sales", head, code, v.true))
            loc.users.append(uid)
            loc.user_weights.append(0.6 + rng.random())
            loc.heads[uid] = head

        # Pipelines with their stages.
        specs = (D.RU_MAIN, D.RU_CORPORATE) if code == "ru" else (D.IT_MAIN,)
        for order, spec in enumerate(specs):
            pid = self.new_id(created)
            self.t_pipeline.add((pid, ts, ts, spec.name, order + (0 if code == "ru" else 10),
                                 v.boolean((order == 0 and code == "ru") or (code == "it" and
                                           self.options.locale == "it"))))
            stage_ids = []
            for index, stage in enumerate(spec.stages):
                sid = self.new_id(created)
                stage_ids.append(sid)
                templates = [{"subject": s, "due_days": d} for s, d in stage.tasks]
                self.t_stage.add((sid, ts, ts, pid, stage.name, index, stage.kind,
                                  money.to_minor_units(stage.probability, money.PERCENT_PLACES),
                                  stage.color, _json(templates), _json([]),
                                  v.boolean(stage.requires_correct)))
            loc.pipelines.append((pid, spec, stage_ids, [spec.weight]))

        # Catalog.
        catalog = D.RU_PRODUCTS if code == "ru" else D.IT_PRODUCTS
        for order, (group_name, products) in enumerate(catalog.items()):
            gid = self.new_id(created)
            self.t_group.add((gid, ts, ts, group_name, order + (0 if code == "ru" else 10)))
            items = []
            for spec in products:
                prid = self.new_id(created)
                price = Decimal(spec.price)
                self.t_product.add((prid, ts, ts, spec.name, spec.sku, spec.unit, spec.unit_code,
                                    money.to_minor_units(price, 2), loc.currency,
                                    money.to_minor_units(spec.vat, money.PERCENT_PLACES), gid, v.true,
                                    search_text(spec.name, spec.sku)))
                items.append((prid, spec, price))
            loc.groups.append((gid, group_name, items))
        return loc

    def _own_company(self, code: str, created: dt.datetime) -> Any:
        v = self.values
        ts = v.ts(created)
        oid = self.new_id(created)
        if code == "ru":
            inn = _inn_with_check("7725", "48193")
            bank, bik, corr, _swift = D.RU_BANKS[0]
            account = rq.account_control_key("40702810038000104217", bik, correspondent=False)
            ogrn = _ogrn_with_check("11877", "46", "331950")
            row = ("Общество с ограниченной ответственностью «ТехноСфера»", "ООО «ТехноСфера»", "RU",
                   inn, "772501001", ogrn, bank, bik, corr, account, "", "", "", "", "",
                   "ул. Летниковская, д. 10, стр. 4, офис 312", "115114", "Москва", "",
                   "info@tehnosfera.ru", "+7 (495) 741-20-35",
                   "", "", "Соколов Игорь Александрович", "Белова Марина Сергеевна", "RUB",
                   money.to_minor_units(22, money.PERCENT_PLACES), "included", v.true)
        else:
            piva = _partita_iva_with_check("0912345", "015")
            bban = "03069" + "09606" + "100000012345"
            bban = rq.italian_cin(bban) + bban
            iban = "IT" + rq.iban_check_digits("IT", bban) + bban
            row = ("Tecnosfera S.r.l.", "Tecnosfera", "IT", "", "", "", "Intesa Sanpaolo S.p.A.", "",
                   "", "", piva, piva, "MI-2098765", iban, "BCITITMMXXX",
                   "Via Giovanni Battista Pirelli 27", "20124", "Milano", "MI",
                   "amministrazione@tecnosfera.it", "+39 02 8725 3140",
                   "RF01", "tecnosfera@pec.it", "Paolo Colombo", "Elena Sala", "EUR",
                   money.to_minor_units(22, money.PERCENT_PLACES), "on_top",
                   v.boolean(self.options.locale == "it"))
        self.t_own.add((oid, ts, ts, *row))
        return oid

    # -- companies, contacts --

    def _clients(self, codes: list[str]) -> None:
        rng, v = self.rng, self.values
        total = max(self.options.deals, 20)
        share = {"ru": 0.65, "it": 0.35} if len(codes) == 2 else {codes[0]: 1.0}
        for code in codes:
            loc = self.locales[code]
            n_contacts = max(12, int(total * 0.34 * share[code]))
            n_companies = max(4, n_contacts // 6)
            cities = D.RU_CITIES if code == "ru" else D.IT_CITIES
            for _i in range(n_companies):
                created = self.moment(rng.random() * 0.5)
                cid = self.new_id(created)
                city = rng.choice(cities)
                street = rng.choice(city.streets)
                phone, _e164 = self.landline(code, city)
                responsible = rng.choice(loc.users)
                if code == "ru":
                    root = rng.choice(D.RU_COMPANY_ROOTS) + rng.choice(D.RU_COMPANY_TAILS).lower()
                    short_form, long_form = D.RU_COMPANY_FORMS[0 if rng.random() < 0.85 else 1]
                    short, legal = f"{short_form} «{root}»", f"{long_form} «{root}»"
                    inn = _inn_with_check(city.region, f"{rng.randrange(100000):05d}")
                    kpp = city.region + "01001"
                    ogrn = _ogrn_with_check(f"1{rng.randrange(2, 25):02d}", city.region[:2],
                                            f"{rng.randrange(10 ** 8):08d}"[:7])
                    bank, bik, corr, _swift = rng.choice(D.RU_BANKS)
                    account = rq.account_control_key(f"40702810{rng.randrange(10 ** 12):012d}", bik,
                                                     correspondent=False)
                    domain = D.translit(root) + ".ru"
                    address = f"{street}, д. {rng.randrange(1, 120)}, офис {rng.randrange(1, 500)}"
                    row = (legal, short, "RU", inn, kpp, ogrn, bank, bik, corr, account, "", "", "",
                           "", "", address, city.postal_code, city.name, "", f"info@{domain}", phone)
                    search = search_text(legal, short, inn, "", city.name, f"info@{domain}")
                else:
                    surname = rng.choice(D.IT_LAST_NAMES)
                    sector = rng.choice(D.IT_COMPANY_SECTORS)
                    form = rng.choice(D.IT_COMPANY_FORMS)
                    short = f"{surname} {sector}"
                    legal = f"{short} {form}"
                    piva = _partita_iva_with_check(f"{rng.randrange(10 ** 7):07d}",
                                                   f"{rng.randrange(1, 100):03d}")
                    bank, abi, bic = rng.choice(D.IT_BANKS)
                    bban = abi + f"{rng.randrange(10 ** 5):05d}" + f"{rng.randrange(10 ** 12):012d}"
                    bban = rq.italian_cin(bban) + bban
                    iban = "IT" + rq.iban_check_digits("IT", bban) + bban
                    domain = D.translit(surname + sector) + ".it"
                    address = f"{street} {rng.randrange(1, 200)}"
                    row = (legal, short, "IT", "", "", "", bank, "", "", "", piva, piva, "", iban, bic,
                           address, city.postal_code, city.name, city.region, f"info@{domain}", phone)
                    search = search_text(legal, short, "", piva, city.name, f"info@{domain}")
                ts = v.ts(created)
                self.t_company.add((cid, ts, ts, *row, responsible, f"www.{domain}", "", search))
                loc.companies.append((cid, domain))
                loc.company_names.append(short)
            for _i in range(n_contacts):
                created = self.moment(rng.random() * 0.6)
                company_id, domain = (rng.choice(loc.companies) if rng.random() < 0.75
                                      else (None, ""))
                person = self.person(code)
                contact_id = self.new_id(created)
                self._contact_row(loc, contact_id, created, person, company_id, domain)
                loc.contacts.append((contact_id, company_id, person))
            self.flush()

    def _contact_row(self, loc: _Locale, cid: Any, created: dt.datetime, p: _Person,
                     company_id: Any, domain: str) -> None:
        rng, v, code = self.rng, self.values, loc.code
        mobile, mobile_e164 = self.mobile(code)
        work, work_e164 = ("", "")
        if company_id is not None and rng.random() < 0.5:
            work, work_e164 = self.landline(code, rng.choice(D.RU_CITIES if code == "ru" else D.IT_CITIES))
        latin_last = D.translit(p.last) if code == "ru" else p.last.lower().replace(" ", "").replace("'", "")
        latin_first = D.translit(p.first) if code == "ru" else p.first.lower().replace("ò", "o")
        domains = D.RU_MAIL_DOMAINS if code == "ru" else D.IT_MAIL_DOMAINS
        private = rng.choice((f"{latin_first}.{latin_last}", f"{latin_last}{rng.randrange(70, 99)}",
                              f"{latin_first[0]}.{latin_last}")) + "@" + rng.choice(domains)
        if rng.random() < 0.08:
            private = private.capitalize()
        work_email = f"{latin_first[0]}.{latin_last}@{domain}" if domain else ""
        birth = dt.date(rng.randrange(1962, 2003), rng.randrange(1, 13), rng.randrange(1, 29))
        full = " ".join(x for x in (p.last, p.first, p.middle) if x)
        ts = v.ts(created)
        self.t_contact.add((
            cid, ts, ts, p.last, p.first, p.middle, v.date(birth), mobile, mobile_e164, work, work_e164,
            private, work_email, name_key(p.last, p.first, p.middle),
            search_text(full, mobile, mobile_e164, work_e164, private, work_email),
            company_id, self.rng.choices(loc.users, loc.user_weights)[0],
            rng.choice(D.RU_POSITIONS if code == "ru" else D.IT_POSITIONS),
            rng.choice(D.RU_SOURCES if code == "ru" else D.IT_SOURCES), "",
            email_key(private), email_key(work_email),
        ))

    # -- deals --

    def _deals(self, codes: list[str]) -> None:
        n = self.options.deals
        rng = self.rng
        ru_share = 0.65 if len(codes) == 2 else (1.0 if codes == ["ru"] else 0.0)
        rank = 0
        for i in range(n):
            code = "ru" if rng.random() < ru_share else "it"
            created = self.moment((i + rng.random()) / max(n, 1))
            rank += 1024
            self._deal(self.locales[code], created, rank)
            if (i + 1) % 10_000 == 0:
                self.flush()
                self.progress(_("Deals"), i + 1, n)
            if (i + 1) % DEALS_PER_TRANSACTION == 0:
                self.commit()
        self.flush()
        if n % 10_000:
            self.progress(_("Deals"), n, n)

    def _deal(self, loc: _Locale, created: dt.datetime, rank: int) -> None:  # noqa: C901 - one story
        rng, v, code = self.rng, self.values, loc.code
        now = self.now
        pid, spec, stage_ids, _w = (loc.pipelines[0] if len(loc.pipelines) == 1 or rng.random() < 0.7
                                    else loc.pipelines[1])
        stages = spec.stages
        open_indexes = [k for k, s in enumerate(stages) if s.kind == "open"]
        won_index = next(k for k, s in enumerate(stages) if s.kind == "won")
        lost_index = next(k for k, s in enumerate(stages) if s.kind == "lost")
        age_days = (now - created).total_seconds() / 86400

        # Where the deal got to.
        closed = rng.random() < min(0.85, age_days / 200)
        won = closed and rng.random() < 0.42
        if won:  # stages may be skipped on the way to a win (moves between open stages are free)
            later = open_indexes[1:]
            path = [open_indexes[0], *sorted(rng.sample(later, min(len(later), rng.randrange(1, 3))))]
        else:
            path = open_indexes[:1 + min(int(rng.expovariate(1.0)), len(open_indexes) - 1)]
        if closed:
            path = [*path, won_index if won else lost_index]
        final = stages[path[-1]]
        needs_correct = any(stages[k].requires_correct for k in path) and final.kind != "lost"

        # Stage timing: dwell times squeezed into the deal's age.
        dwell = [rng.expovariate(1 / 9.0) + 0.2 for _ in path[1:]]
        # An open deal entered its current stage days or weeks ago (so its tasks are partly due).
        budget = age_days * 0.97 if closed else max(0.0, age_days - rng.expovariate(1 / 12))
        if sum(dwell) > budget:
            factor = budget / sum(dwell)
            dwell = [d * factor for d in dwell]
        entered = [created]
        for days in dwell:
            entered.append(entered[-1] + dt.timedelta(seconds=int(days * 86400) + 60))
        last_entered = entered[-1]
        closed_at = last_entered if closed else None

        # Who and what.
        responsible = rng.choices(loc.users, loc.user_weights)[0]
        group_index = rng.randrange(len(loc.groups))
        gid, _group_name, products = loc.groups[group_index]
        contact_pick = None
        for _attempt in range(6):
            ci = rng.randrange(len(loc.contacts))
            key = (loc.code, ci * 16 + group_index)
            if closed or key not in self.open_slots:
                contact_pick = ci
                if not closed:
                    self.open_slots.add(key)
                break
        if contact_pick is None:  # every try collided with an open deal: keep this one closed-lost
            closed, won = True, False
            path = [*open_indexes[:1], lost_index]
            final = stages[lost_index]
            needs_correct = False
            entered = [created, created + dt.timedelta(days=min(3.0, age_days * 0.5), seconds=60)]
            last_entered = closed_at = entered[-1]
            contact_pick = rng.randrange(len(loc.contacts))
        contact_id, company_id, person = loc.contacts[contact_pick]

        # Completeness: only early or lost deals may lack something (later stages require it).
        has_group = needs_correct or rng.random() > 0.04
        has_contact = needs_correct or rng.random() > 0.03
        has_comment = needs_correct or rng.random() > 0.10
        has_lines = needs_correct or rng.random() > 0.06
        if not has_contact:
            contact_id = company_id = None

        deal_id = self.new_id(created)
        n_lines = (1 if rng.random() < 0.55 else 2 if rng.random() < 0.65 else 3) if has_lines else (
            1 if rng.random() < 0.3 else 0)
        amount = Decimal("0.00")
        main_product = products[0][1].name
        main_qty = 1
        line_vats = []
        line_rows = []
        for order in range(n_lines):
            prid, pspec, price = rng.choice(products)
            qty = rng.choice(pspec.quantities)
            discount = rng.choice((0, 0, 0, 0, 5, 10, 15)) if has_lines else 100
            vat = pspec.vat if not (code == "ru" and pspec.vat == 22 and created.year < 2026) else 20
            line_amount = self.line_amount(price, qty, discount)
            amount += line_amount
            if order == 0:
                main_product, main_qty = pspec.name, qty
            line_vats.append(vat)
            line_rows.append((prid, pspec, price, qty, discount, vat, line_amount))
            lts = v.ts(created)
            self.t_line.add((self.new_id(created), lts, lts, deal_id, prid, pspec.name,
                             qty * 1000, pspec.unit, pspec.unit_code, money.to_minor_units(price, 2),
                             discount * 100, vat * 100, order))

        company_name = loc.company_names[rng.randrange(len(loc.company_names))]
        titles = D.RU_DEAL_TITLES if code == "ru" else D.IT_DEAL_TITLES
        short_product = main_product.split(",")[0]
        title = rng.choice(titles).format(product=short_product, company=company_name)[:300]
        first = f"{person.first} {person.middle}".strip() if code == "ru" else person.first
        slots = {"person": first, "product": short_product, "qty": main_qty,
                 "discount": rng.choice((3, 5, 7, 10)), "a": "а" if person.female else ""}
        detailed_texts = D.RU_DETAILED if code == "ru" else D.IT_DETAILED
        filler_texts = D.RU_FILLER if code == "ru" else D.IT_FILLER

        def detailed(at: dt.datetime) -> str:
            slots["date"] = self.date_text(code, (at + dt.timedelta(days=rng.randrange(2, 15))).date())
            return rng.choice(detailed_texts).format(**slots)

        comment = self.deal_note(code, slots, created) if has_comment else (rng.choice(filler_texts) if rng.random() < 0.5 else "")
        lead_id = None
        if rng.random() < 0.45:
            lead_id = self._converted_lead(loc, created, person, contact_id, company_name,
                                           short_product, responsible, detailed)

        add_activity = self.t_activity.add
        author = responsible
        # Creation entry and the stage history.
        ats = v.ts(created)
        stage_names = [stages[k].name for k in path]
        add_activity((self.new_id(created), ats, ats, "stage_change", "", "", None, ats, "done",
                      author, None, v.false, deal_id, None, None, stage_ids[path[0]],
                      self.payload("created", "", stage_names[0], "open", "")))
        self.t_change.add((self.new_id(created), ats, ats, deal_id, None, stage_ids[path[0]], ats,
                           author, 0))
        lost_reason = ""
        for step in range(1, len(path)):
            at = entered[step]
            t = v.ts(at)
            seconds = int((at - entered[step - 1]).total_seconds())
            to_stage = stages[path[step]]
            if to_stage.kind == "lost":
                lost_reason = rng.choice(D.RU_LOST_REASONS if code == "ru" else D.IT_LOST_REASONS)
            payload = self.payload("moved", stage_names[step - 1], stage_names[step], to_stage.kind,
                                   lost_reason)
            self.t_change.add((self.new_id(at), t, t, deal_id, stage_ids[path[step - 1]],
                               stage_ids[path[step]], t, author, seconds))
            add_activity((self.new_id(at), t, t, "stage_change", "", "", None, t, "done", author, None,
                          v.false, deal_id, None, None, stage_ids[path[step]], payload))

        # Tasks from the stage templates: done or cancelled in stages left, planned in the current one.
        for step, k in enumerate(path):
            stage = stages[k]
            at = entered[step]
            left_at = entered[step + 1] if step + 1 < len(path) else None
            # The current stage shows all its tasks; the stage left last its first one (done, or
            # cancelled when the deal moved on). Older stages' tasks are not kept in the demo.
            if left_at is None:
                templates = stage.tasks
            elif step == len(path) - 2:
                templates = stage.tasks[:1]
            else:
                continue
            for subject, due_days in templates:
                due = at + dt.timedelta(days=due_days)
                t = v.ts(at)
                if left_at is not None:
                    done = rng.random() < 0.8 and due - dt.timedelta(days=due_days) < left_at
                    done_at = min(left_at, at + dt.timedelta(hours=rng.randrange(2, 24 * due_days + 3)))
                    add_activity((self.new_id(at), t, t, "task", subject, "", v.ts(due),
                                  v.ts(done_at if done else left_at), "done" if done else "cancelled",
                                  author, responsible, v.false, deal_id, None, None, stage_ids[k],
                                  EMPTY))
                elif not closed:
                    if due < now and rng.random() < 0.55:
                        done_at = min(now, due - dt.timedelta(hours=rng.randrange(0, 20)))
                        done_at = max(done_at, at)
                        add_activity((self.new_id(at), t, t, "task", subject, "", v.ts(due),
                                      v.ts(done_at), "done", author, responsible, v.false, deal_id,
                                      None, None, stage_ids[k], EMPTY))
                    else:
                        if due < now and rng.random() < 0.5:  # rescheduled to the coming days
                            due = now.replace(hour=10) + dt.timedelta(days=rng.randrange(1, 11))
                        add_activity((self.new_id(at), t, t, "task", subject, "", v.ts(due), None,
                                      "planned", author, responsible, v.false, deal_id, None, None,
                                      stage_ids[k], EMPTY))

        # Interactions: calls, meetings, e-mails, messages; detailed ones keep the deal active.
        end = closed_at or now
        span = max((end - created).total_seconds(), 3600.0)
        n_interactions = 1 + int(rng.expovariate(1.5))
        last_interaction = None
        subjects = D.RU_INTERACTION_SUBJECTS if code == "ru" else D.IT_INTERACTION_SUBJECTS
        moments = sorted(created + dt.timedelta(seconds=int(span * rng.random()))
                         for _ in range(n_interactions))
        if has_comment and rng.random() < 0.15:
            t = v.ts(created)
            add_activity((self.new_id(created), t, t, "comment", "", comment, None, t, "done", author,
                          None, v.false, deal_id, None, None, None, EMPTY))
        for at in moments:
            kind = rng.choice(("call", "call", "call", "email", "meeting", "message"))
            is_detailed = has_comment and rng.random() < 0.72
            body = detailed(at) if is_detailed else rng.choice(filler_texts)
            answered = (is_detailed and (kind != "message" or rng.random() < 0.8)) or (
                not is_detailed and kind in ("call", "meeting") and rng.random() < 0.3)
            t = v.ts(at)
            add_activity((self.new_id(at), t, t, kind, rng.choice(subjects[kind]), body, None, t,
                          "done", author, None, v.boolean(answered), deal_id, None, contact_id, None,
                          EMPTY))
            if is_detailed and answered:
                last_interaction = at if last_interaction is None or at > last_interaction else last_interaction

        # Correctness as the sales rules define it (services.rules.deal_missing_fields).
        missing = []
        if not has_group:
            missing.append("product_group")
        if contact_id is None:
            missing.append("contact")
        if not has_comment:
            missing.append("comment")
        if amount <= 0:
            missing.append("lines")
        current = stages[path[-1]]
        current_id = stage_ids[path[-1]]
        expected = (closed_at.date() if closed_at else
                    (last_entered + dt.timedelta(days=rng.randrange(14, 120))).date())
        dts = v.ts(created)
        self.t_deal.add((
            deal_id, dts, v.ts(max(last_entered, last_interaction or created)), title, pid, current_id,
            contact_id, company_id, responsible, gid if has_group else None, loc.currency,
            money.to_minor_units(amount, 2), v.date(expected),
            money.to_minor_units(current.probability, money.PERCENT_PLACES), lead_id, lost_reason,
            comment, v.ts(closed_at), v.ts(last_entered), v.ts(last_interaction),
            v.boolean(not missing), _json(missing), rank, self.fold_cached(title),
            # the furthest step reached (a stage's sort_order is its index): lost is off the ladder
            max(k for k in path if stages[k].kind != "lost")))

        # Documents: quotes from the proposal stage on, invoices at closing and for won deals.
        roles = {stages[k].role: entered[step] for step, k in enumerate(path) if stages[k].role}
        if "proposal" in roles and line_rows and rng.random() < 0.35:
            status = ("accepted" if won else "rejected" if closed else
                      "sent" if rng.random() < 0.7 else "draft")
            quote_id = self._document(loc, "quote", roles["proposal"], deal_id, contact_id, company_id,
                                      company_name, responsible, line_rows, status)
        else:
            quote_id = None
        if (won and rng.random() < 0.6) or ("closing" in roles and not closed and rng.random() < 0.25):
            at = closed_at if won else roles["closing"]
            status = ("draft" if not won else rng.choice(("paid", "paid", "paid", "issued", "partially_paid")))
            self._document(loc, "invoice", at, deal_id, contact_id, company_id, company_name,
                           responsible, line_rows, status, quote_id)
        if won and created > self.now - dt.timedelta(days=30):
            self.closed_for_notification.append((loc.heads[responsible], deal_id, title, closed_at))

    def _converted_lead(self, loc: _Locale, deal_created: dt.datetime, person: _Person, contact_id: Any,
                        company_name: str, product: str, responsible: Any,
                        detailed: Callable[[dt.datetime], str]) -> Any:
        rng, v, code = self.rng, self.values, loc.code
        created = deal_created - dt.timedelta(seconds=rng.randrange(3600, 10 * 86400))
        lead_id = self.new_id(created)
        titles = D.RU_LEAD_TITLES if code == "ru" else D.IT_LEAD_TITLES
        title = rng.choice(titles).format(product=product, company=company_name)[:300]
        self._lead_row(loc, lead_id, created, person, title, "converted", company_name, contact_id,
                       responsible, deal_created)
        call_at = created + (deal_created - created) / 2
        t = v.ts(call_at)
        subjects = D.RU_INTERACTION_SUBJECTS if code == "ru" else D.IT_INTERACTION_SUBJECTS
        self.t_activity.add((self.new_id(call_at), t, t, "call", subjects["call"][0], detailed(call_at),
                             None, t, "done", responsible, None, v.true, None, lead_id, None, None,
                             EMPTY))
        return lead_id

    def _lead_row(self, loc: _Locale, lead_id: Any, created: dt.datetime, p: _Person, title: str,
                  status: str, company_name: str, contact_id: Any, responsible: Any,
                  converted_at: dt.datetime | None) -> None:
        rng, v, code = self.rng, self.values, loc.code
        mobile, mobile_e164 = self.mobile(code)
        latin = D.translit(p.last) if code == "ru" else p.last.lower().replace(" ", "").replace("'", "")
        private = f"{latin}{rng.randrange(1, 99)}@" + rng.choice(
            D.RU_MAIL_DOMAINS if code == "ru" else D.IT_MAIL_DOMAINS)
        full = " ".join(x for x in (p.last, p.first, p.middle) if x)
        ts = v.ts(created)
        self.t_lead.add((
            lead_id, ts, v.ts(converted_at or created), p.last, p.first, p.middle, None, mobile,
            mobile_e164, "", "", private, "", name_key(p.last, p.first, p.middle),
            search_text(title, full, company_name, mobile_e164, private),
            title, rng.choice(D.RU_SOURCES if code == "ru" else D.IT_SOURCES), status, company_name,
            contact_id, responsible, "", v.ts(converted_at)))

    def _open_leads(self, codes: list[str]) -> None:
        """Leads not converted (yet): new and in progress are recent, junk ones any age."""
        rng, v = self.rng, self.values
        n = max(6, self.options.deals // 8)
        for i in range(n):
            code = rng.choice(codes)
            loc = self.locales[code]
            status = rng.choice(("new", "new", "in_progress", "in_progress", "in_progress", "junk"))
            fraction = 1 - rng.random() * (0.06 if status != "junk" else 0.9)
            created = min(self.moment(fraction), self.now - dt.timedelta(hours=1))
            person = self.person(code)
            company_name = rng.choice(loc.company_names) if rng.random() < 0.6 else ""
            product = rng.choice(rng.choice(loc.groups)[2])[1].name.split(",")[0]
            titles = D.RU_LEAD_TITLES if code == "ru" else D.IT_LEAD_TITLES
            title = rng.choice(titles).format(product=product, company=company_name or person.last)
            lead_id = self.new_id(created)
            responsible = rng.choices(loc.users, loc.user_weights)[0]
            self._lead_row(loc, lead_id, created, person, title, status, company_name, None,
                           responsible, None)
            if status != "new":
                at = created + dt.timedelta(hours=rng.randrange(1, 30))
                at = min(at, self.now)
                t = v.ts(at)
                filler = D.RU_FILLER if code == "ru" else D.IT_FILLER
                body = rng.choice(filler)
                self.t_activity.add((self.new_id(at), t, t, "call", "", body, None, t, "done",
                                     responsible, None, v.false, None, lead_id, None, None, EMPTY))
            if (i + 1) % 20_000 == 0:
                self.flush()
        self.flush()

    # -- documents --

    def _document(self, loc: _Locale, kind: str, at: dt.datetime, deal_id: Any, contact_id: Any,
                  company_id: Any, company_name: str, author: Any,
                  line_rows: list[tuple[Any, ...]], status: str, quote_id: Any = None) -> Any:
        rng, v, code = self.rng, self.values, loc.code
        doc_id = self.new_id(at)
        t = v.ts(at)
        issue_date = at.date()
        subtotal = vat_total = total = Decimal("0.00")
        line_table = self.t_quote_line if kind == "quote" else self.t_invoice_line
        for order, (prid, pspec, price, qty, discount, vat, line_amount) in enumerate(line_rows):
            if loc.vat_on_top:
                net = line_amount
                vat_amount = money.percent_of(net, Decimal(vat))
                gross = net + vat_amount
            else:
                gross = line_amount
                vat_amount = money.round_money(gross * vat / (100 + vat))
                net = gross - vat_amount
            subtotal += net
            vat_total += vat_amount
            total += gross
            line_table.add((self.new_id(at), t, t, doc_id, prid, pspec.name, qty * 1000, pspec.unit,
                            pspec.unit_code, money.to_minor_units(price, 2), discount * 100, vat * 100,
                            order, money.to_minor_units(net, 2), money.to_minor_units(vat_amount, 2),
                            money.to_minor_units(gross, 2)))
        numbered = status != "draft"
        year = issue_date.year
        buyer = {"name": company_name} if company_id is not None else {}
        parties = (deal_id, loc.own_company, contact_id, company_id, author)
        body = (v.date(issue_date) if numbered else None, code, loc.currency,
                "on_top" if loc.vat_on_top else "included", money.to_minor_units(subtotal, 2),
                money.to_minor_units(vat_total, 2), money.to_minor_units(total, 2), _json(buyer))
        if kind == "quote":
            valid = issue_date + dt.timedelta(days=14 if code == "ru" else 30)
            tail: tuple[Any, ...] = (status, v.date(valid), t if numbered else None)
        else:
            due = issue_date + dt.timedelta(days=5 if code == "ru" else 30)
            paid = Decimal("0.00")
            if status in ("paid", "partially_paid"):
                parts = [total] if status == "paid" and rng.random() < 0.7 else [
                    money.round_money(total * Decimal("0.5")), None]
                if status == "paid" and len(parts) == 2:
                    parts[1] = total - parts[0]
                for index, part in enumerate(p for p in parts if p is not None):
                    paid_on = issue_date + dt.timedelta(days=rng.randrange(1, 20) + 10 * index)
                    paid_on = min(paid_on, self.now.date())
                    pt = v.ts(dt.datetime.combine(paid_on, dt.time(12)))
                    self.t_payment.add((self.new_id(at), pt, pt, doc_id, v.date(paid_on),
                                        money.to_minor_units(part, 2),
                                        "Платёжное поручение" if code == "ru" else "Bonifico"))
                    paid += part
            tail = (quote_id, status, v.date(due), "", year if numbered else None, None,
                    money.to_minor_units(paid, 2), t if numbered else None)
        if numbered:
            # Numbers are gapless and chronological per seller, type and year: they are given
            # once every document is known (``_number_documents``).
            self.pending_documents.append((at, doc_id, kind, code, year, t, parties, body, tail,
                                           self.new_id(at)))
        else:
            table = self.t_quote if kind == "quote" else self.t_invoice
            table.add((doc_id, t, t, *parties, "", *body, *tail))
        return doc_id

    def _number_documents(self) -> None:
        v = self.values
        self.pending_documents.sort(key=lambda doc: (doc[0], doc[1]))
        for _at, doc_id, kind, code, year, t, parties, body, tail, activity_id in self.pending_documents:
            key = (parties[1], kind, year)
            sequence = self.sequence_counters.get(key, 0) + 1
            self.sequence_counters[key] = sequence
            number = NUMBER_PATTERNS[code, kind].format(seq=sequence, year=year)
            if kind == "quote":
                self.t_quote.add((doc_id, t, t, *parties, number, *body, *tail))
            else:
                tail = (*tail[:5], sequence, *tail[6:])
                self.t_invoice.add((doc_id, t, t, *parties, number, *body, *tail))
            payload = {"document_type": kind, "document_id": v.uuid_text(doc_id), "number": number,
                       "language": code}
            self.t_activity.add((activity_id, t, t, "document", "", "", None, t, "done", parties[4],
                                 None, v.false, parties[0], None, None, None, _json(payload)))
        self.pending_documents.clear()
        self.flush()

    def _sequences_and_notifications(self) -> None:
        v = self.values
        t = v.ts(self.now)
        for (own, kind, year), last in sorted(self.sequence_counters.items(),
                                              key=lambda item: (item[0][1], item[0][2], str(item[0][0]))):
            pattern = NUMBER_PATTERNS["ru" if own == self.locales.get("ru", _Locale("")).own_company
                                      else "it", kind]
            self.t_sequence.add((self.new_id(self.now), t, t, own, kind, year, "", pattern, last + 1))
        for head, deal_id, title, closed_at in self.closed_for_notification[-200:]:
            ct = v.ts(closed_at)
            self.t_notification.add((self.new_id(closed_at), ct, ct, head, title[:300], "", "deal",
                                     v.uuid_text(deal_id)))


# --- requisites with valid check digits ------------------------------------------------------------


def _inn_with_check(office: str, serial: str) -> str:
    """A 10-digit ИНН of an organisation: tax office (4) + serial (5) + check digit."""
    base = office + serial
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    check = sum(int(d) * w for d, w in zip(base, weights)) % 11 % 10
    return base + str(check)


def _ogrn_with_check(sign_year: str, region: str, serial: str) -> str:
    """A 13-digit ОГРН: sign and year (3), region (2), serial to 12 digits, then the check digit."""
    base = (sign_year + region + serial + "0000000")[:12]
    return base + rq.ogrn_check_digit(base + "0")


def _partita_iva_with_check(serial: str, office: str) -> str:
    """Partita IVA: 7-digit serial + 3-digit provincial office + Luhn check digit."""
    base = serial + office
    total = 0
    for index, char in enumerate(base):
        digit = int(char)
        if index % 2:
            digit *= 2
            digit = digit - 9 if digit > 9 else digit
        total += digit
    return base + str((10 - total % 10) % 10)
