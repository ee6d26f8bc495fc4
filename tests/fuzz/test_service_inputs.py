"""Property-based tests: bad input through every public service entry point that takes user input.

Each property feeds generated values of the classes that once crashed or were accepted (impossible
dates, NaN/Infinity/1e30 amounts, overflow, "50%", NUL, lone surrogates, 100 000-character names,
bad countries, bidi controls, plus random text, numbers and dates) into one entry point, on a real
SQLite file and on a real PostgreSQL database, and requires:

* a refusal is a ``CrmError`` (any other exception fails the test), and after it every table of
  the database is exactly as before (nothing half-written);
* what is accepted is stored clean: no NUL or other control character, lone surrogate or bidi
  control anywhere in the database.

CI runs a fixed, derandomised handful of examples per entry point; ``CRM_FUZZ_EXAMPLES=2000`` (any
number) runs a long, random soak.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_crm.errors import CrmError
from desktop_crm.models import database, dialect
from desktop_crm.services.billing import invoices, quotes
from desktop_crm.services.listing import preferences, search
from desktop_crm.services.sales import (
    calendar,
    cards,
    contacts,
    deal_card,
    deals,
    leads,
    reminders,
    stages,
    tasks,
    timeline,
)
from desktop_crm.services.sales.automation import rules as automation_rules
from desktop_crm.services.sales.deal_card import LineValues
from desktop_crm.services.system import admin
from tests.documents_fixtures import RU_LINES, deal_with_lines, russian_buyer, russian_seller
from tests.factories import make_contact
from tests.rules.conftest import build_world

SOAK = os.environ.get("CRM_FUZZ_EXAMPLES")
EXAMPLES = int(SOAK) if SOAK else 12

fuzz = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=not SOAK, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)

# --- the values ---------------------------------------------------------------------------------

HOSTILE_TEXT = st.sampled_from([
    "a\x00b", "\x00", "\ud800x", "x\udfff", "Иван\u202eвонаВ", "\u2066ООО\u2069", "\u200fRLM",
    "x" * 100_000, "Я" * 1001, "ß" * 100, "ﬃ" * 100, "  ", "", "\x07bell", "line\nbreak",
    "tab\there", "50%", "'; DROP", '"quoted" AND NEAR', "*", "Петров",
])
HOSTILE_NUMBER = st.sampled_from([
    "NaN", "nan", "sNaN", "Infinity", "-Infinity", "inf", "1e30", "1e17", "-1e17", "1E+999999",
    "1e-999999", "-1", "0", "50%", "150%", "abc", "", "1,2,3", "1 200,50", "١٢٣", "0x10",
    Decimal("NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity"), Decimal("1e30"),
    Decimal("92233720368547758.08"), Decimal("-0.001"), Decimal("12.345"), 10**30, 2**63, -1, 0,
    7, 1.5, float("nan"), float("inf"), True,
])
HOSTILE_DATE = st.sampled_from([
    "2023-02-29", "29.02.2023", "29.02.2024", "0000-01-01", "0001-01-01", "9999-12-31",
    "31.12.1899", "2101-01-01", "2024-13-01", "32.01.2024", "not a date", "2024-02-29T25:00",
    "\x00", "", dt.date(1, 1, 1), dt.date(9999, 12, 31), dt.datetime(1, 1, 1),
    dt.datetime(9999, 12, 31, 23, 59), dt.date(2025, 6, 1),
])
HOSTILE_COUNTRY = st.sampled_from(["ZZ", "RUS", "", "ru", "XX", "EU", "\x00", "R\u202eU", None, "IT"])
ANY_VALUE = st.one_of(
    HOSTILE_TEXT, HOSTILE_NUMBER, HOSTILE_DATE, HOSTILE_COUNTRY,
    st.text(max_size=40), st.none(), st.integers(), st.booleans(), st.dates(),
    st.decimals(allow_nan=True, allow_infinity=True),
)
TEXT_VALUE = st.one_of(HOSTILE_TEXT, st.text(max_size=40))


def values_of(fields: tuple[str, ...],
              base: dict[str, Any] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """``base`` with some of ``fields`` replaced by generated values."""
    return st.dictionaries(st.sampled_from(fields), ANY_VALUE, max_size=4).map(
        lambda changed: {**(base or {}), **changed})


# --- the database -------------------------------------------------------------------------------

_HOSTILE_STORED = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def dump() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (on SQLite the FTS shadow tables too: a half-written index shows),
    in a stable order."""
    if dialect.is_sqlite():
        listing = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    else:
        listing = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    names = sorted(row[0] for row in database.execute_sql(listing))
    return {name: sorted(database.execute_sql(f'SELECT * FROM "{name}"').fetchall(), key=repr)
            for name in names}


def hostile_values(tables: dict[str, list[tuple[Any, ...]]]) -> list[tuple[str, str]]:
    return [(name, value[:60]) for name, rows in tables.items() for row in rows for value in row
            if isinstance(value, str) and _HOSTILE_STORED.search(value)]


def refused_or_clean(call: Callable[[], object]) -> None:
    before = dump()
    try:
        call()
    except CrmError as refusal:
        assert refusal.message and isinstance(refusal.message, str)
        assert dump() == before, f"half-written after: {refusal.message}"
    else:
        assert hostile_values(dump()) == []


@pytest.fixture
def world(fuzz_db, tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    built = build_world()
    russian_seller()
    built.deal = deal_with_lines(russian_buyer(), RU_LINES)  # type: ignore[attr-defined]
    built.contact = make_contact(last_name="Сидоров", first_name="Иван")  # type: ignore[attr-defined]
    built.lead = leads.create_lead({"title": "Заявка", "first_name": "Анна"}, built.manager)  # type: ignore[attr-defined]
    built.line = deals.lines(built.deal.id)[0]  # type: ignore[attr-defined]
    built.task = timeline.add_task(built.manager, "Позвонить", dt.datetime(2026, 5, 1, 9),  # type: ignore[attr-defined]
                                   deal=built.deal.id)
    return built


# --- sales ----------------------------------------------------------------------------------------

CONTACT = {"last_name": "Петров", "first_name": "Пётр", "birth_date": "1980-02-03",
           "mobile_phone": "+7 916 123-45-67", "private_email": "petrov@example.com"}


@fuzz
@given(values=values_of((*contacts.TEXT_FIELDS, "birth_date"), CONTACT))
def test_create_contact(world, values):
    refused_or_clean(lambda: contacts.create_contact(values, world.manager))


@fuzz
@given(values=values_of((*contacts.TEXT_FIELDS, "birth_date")))
def test_update_contact(world, values):
    refused_or_clean(lambda: contacts.update_contact(world.contact.id, values, world.manager))


LEAD_TEXT = tuple(f for f in leads.LEAD_FIELDS if f not in ("responsible", "contact"))


@fuzz
@given(values=values_of(LEAD_TEXT, {"title": "Заявка с сайта"}))
def test_create_and_update_lead(world, values):
    refused_or_clean(lambda: leads.create_lead(values, world.manager))
    refused_or_clean(lambda: leads.update_lead(world.lead.id, values, world.manager))


@fuzz
@given(reason=TEXT_VALUE)
def test_mark_lead_junk(world, reason):
    refused_or_clean(lambda: leads.mark_junk(world.lead.id, world.manager, reason))


DEAL_VALUES = ("title", "currency", "expected_close_date", "probability", "comment")
LINE_VALUES = ("name", "quantity", "price", "discount_percent", "vat_rate", "unit", "unit_code")
LINE = {"name": "Курс", "quantity": "2", "price": "100.00"}


@fuzz
@given(values=values_of(DEAL_VALUES, {"title": "Обучение"}), line=values_of(LINE_VALUES, LINE))
def test_create_deal_with_lines(world, values, line):
    refused_or_clean(lambda: deals.create_deal({**values, "lines": [line]}, world.manager))


@fuzz
@given(values=values_of(DEAL_VALUES))
def test_update_deal(world, values):
    refused_or_clean(lambda: deals.update_deal(world.deal.id, values, world.manager))


RULE = {"event": "quote_accepted", "action": "create_task"}
RULE_PARAMS = ("text", "due_days", "who", "user_id", "template", "field", "value", "stage_id")


@fuzz
@given(values=values_of(("event", "stage_id", "event_field", "delay_days", "action"), RULE),
       params=values_of(RULE_PARAMS, {"text": "Перезвонить", "due_days": 2}),
       condition=values_of(("field", "operator", "value"),
                           {"field": "amount", "operator": "ge", "value": "100"}))
def test_save_automation_rule(world, values, params, condition):
    refused_or_clean(lambda: automation_rules.save_rule(None, {
        **values, "pipeline_id": world.deal.pipeline_id, "params": params,
        "condition": condition}))


@fuzz
@given(line=values_of(LINE_VALUES, LINE))
def test_add_and_update_line(world, line):
    refused_or_clean(lambda: deals.add_line(world.deal.id, line, world.manager))
    refused_or_clean(lambda: deals.update_line(world.line.id, line, world.manager))


@fuzz
@given(values=values_of(DEAL_VALUES), price=HOSTILE_NUMBER, quantity=HOSTILE_NUMBER,
       name=TEXT_VALUE)
def test_deal_card_save(world, values, price, quantity, name):
    line = LineValues(name=name, quantity=quantity, price=price)
    refused_or_clean(lambda: deal_card.save(world.deal.id, values, [line], world.manager))


@fuzz
@given(text=TEXT_VALUE, subject=TEXT_VALUE, due=HOSTILE_DATE, kind=st.sampled_from(
    ["call", "meeting", "email", "message", "comment", "bogus", "\x00"]))
def test_timeline_entries(world, text, subject, due, kind):
    deal = world.deal.id
    refused_or_clean(lambda: timeline.add_comment(world.manager, text, deal=deal))
    refused_or_clean(lambda: timeline.log_interaction(world.manager, kind, text, True, deal=deal,
                                                      subject=subject))
    refused_or_clean(lambda: timeline.add_task(world.manager, subject, due, deal=deal, body=text))
    refused_or_clean(lambda: tasks.add_task(world.manager, subject, due, "deals", deal))
    refused_or_clean(lambda: timeline.reschedule_task(world.task.id, world.manager, due))


@fuzz
@given(due=HOSTILE_DATE, choice=TEXT_VALUE)
def test_calendar_moves_and_snoozes(world, due, choice):
    refused_or_clean(lambda: calendar.reschedule(world.task.id, world.manager, due))
    refused_or_clean(lambda: reminders.snooze(world.manager, world.task.id, choice,
                                              dt.datetime(2026, 5, 1, 9)))


@fuzz
@given(reason=TEXT_VALUE, comment=TEXT_VALUE)
def test_move_deal_to_lost(world, reason, comment):
    refused_or_clean(lambda: stages.move_deal(world.deal.id, world.lost.id, world.manager,
                                              lost_reason=reason, comment=comment))


@fuzz
@given(result=TEXT_VALUE)
def test_complete_task(world, result):
    task = timeline.add_task(world.manager, "Отправить КП", dt.datetime(2026, 5, 2), deal=world.deal.id)
    refused_or_clean(lambda: tasks.complete(task.id, world.manager, result))


# --- companies, products, settings ---------------------------------------------------------------

COMPANY = {"short_name": "ООО «Ромашка»", "country": "RU", "inn": "7707083893"}


@fuzz
@given(values=values_of((*cards.REQUISITE_FIELDS, "website", "comment", "sdi_code", "pec"), COMPANY),
       country=HOSTILE_COUNTRY)
def test_save_company(world, values, country):
    refused_or_clean(lambda: cards.save_company(None, values, world.manager))
    refused_or_clean(lambda: cards.save_company(None, {**values, "country": country}, world.manager))


@fuzz
@given(values=values_of(cards.REQUISITE_FIELDS + admin.OWN_EXTRA_FIELDS,
                        {**COMPANY, "legal_name": "ООО «Своя»"}))
def test_save_own_company(world, values):
    refused_or_clean(lambda: admin.save_own_company(None, values))


PRODUCT = {"name": "Курс", "price": "100", "currency": "RUB", "vat_rate": "20"}


@fuzz
@given(values=values_of(("name", "sku", "unit", "unit_code", "price", "currency", "vat_rate",
                         "active"), PRODUCT), group=TEXT_VALUE)
def test_save_product_and_group(world, values, group):
    refused_or_clean(lambda: cards.save_product(None, values, world.manager))
    refused_or_clean(lambda: cards.add_product_group(group))


@fuzz
@given(name=TEXT_VALUE, values=values_of(("name", "kind", "probability", "color"),
                                          {"name": "Новая", "kind": "open", "color": "#4a90d9"}),
       subject=TEXT_VALUE, days=ANY_VALUE)
def test_pipelines_and_stages(world, name, values, subject, days):
    refused_or_clean(lambda: admin.save_pipeline(None, name))
    templates = [{"subject": subject, "due_days": days}]
    stage = {**values, "task_templates": templates}
    refused_or_clean(lambda: admin.save_stage(None, world.pipeline.id, stage))


@fuzz
@given(values=values_of(("name", "email", "role", "locale", "active"),
                        {"name": "Новый", "email": "new@shop.example", "role": "sales"}),
       language=TEXT_VALUE)
def test_users(world, values, language):
    refused_or_clean(lambda: admin.save_user(None, values))
    refused_or_clean(lambda: admin.set_user_language(world.manager.id, language))


@fuzz
@given(values=values_of(("comment_min_words", "comment_min_chars", "inactivity_days",
                         "contact_required_preset", "phone_region", "offline_numbering")),
       phrases=st.lists(TEXT_VALUE, max_size=3))
def test_rules_settings(world, values, phrases):
    refused_or_clean(lambda: admin.save_rules_settings(values))
    refused_or_clean(lambda: admin.save_rules_settings({"lost_reasons": phrases,
                                                        "comment_stop_phrases": phrases}))


# --- documents, payments, search -----------------------------------------------------------------

DOC_LINE = {"name": "Ноутбук", "quantity": "1", "price": "100.00", "vat_rate": "20"}


@fuzz
@given(header=values_of(("subject", "intro", "basis", "notes", "valid_until", "due_date")),
       line=values_of(("name", "quantity", "price", "discount_percent", "vat_rate", "unit",
                       "unit_code", "description"), DOC_LINE))
def test_document_drafts(world, header, line):
    invoice = invoices.create_from_deal(world.deal.id)
    quote = quotes.create_from_deal(world.deal.id)
    invoice_header = {k: v for k, v in header.items() if k != "valid_until"}
    quote_header = {k: v for k, v in header.items() if k != "due_date"}
    refused_or_clean(lambda: invoices.save_draft(invoice.id, invoice_header, [line]))
    refused_or_clean(lambda: quotes.save_draft(quote.id, quote_header, [line]))


@pytest.fixture
def issued(world):
    draft = invoices.create_from_deal(world.deal.id)
    return invoices.issue(draft.id, on=dt.date(2026, 3, 2))


@fuzz
@given(amount=st.one_of(HOSTILE_NUMBER, st.decimals(allow_nan=True, allow_infinity=True)),
       paid_on=HOSTILE_DATE, note=TEXT_VALUE)
def test_register_payment(world, issued, amount, paid_on, note):
    refused_or_clean(lambda: invoices.register_payment(issued.id, amount, paid_on, world.manager, note))


@fuzz
@given(text=st.one_of(HOSTILE_TEXT, st.text(max_size=60)))
def test_search(world, text):
    refused_or_clean(lambda: search.search(text))
    refused_or_clean(lambda: deal_card.contact_choices(text))


@fuzz
@given(name=TEXT_VALUE, text=TEXT_VALUE)
def test_saved_list_filters(world, name, text):
    refused_or_clean(lambda: preferences.save_filter("contacts", world.manager.id, name, {"text": text}))


def test_names_whose_folded_keys_grow_past_their_column_save(world):
    """"ß" folds to "ss" and the name key joins three names: the derived keys are cut to their
    columns (PostgreSQL's VARCHAR refused them)."""
    names = {"last_name": "ß" * 100, "first_name": "ß" * 100, "middle_name": "ß" * 100,
             "private_email": "ß" * 60 + "@example.com"}
    saved = contacts.create_contact({**CONTACT, **names}, world.manager)
    assert saved.last_name == "ß" * 100
    lead = leads.create_lead({"title": "ß", **names}, world.manager)
    assert lead.first_name == "ß" * 100


@fuzz
@given(on=HOSTILE_DATE)
def test_issue_and_send_dates(world, on):
    invoice = invoices.create_from_deal(world.deal.id)
    refused_or_clean(lambda: invoices.issue(invoice.id, on=on))
    quote = quotes.create_from_deal(world.deal.id)
    refused_or_clean(lambda: quotes.send(quote.id, on=on))


# --- sales plans ----------------------------------------------------------------------------------

PLAN_FIELDS = ("period_kind", "period_start", "metric", "target", "currency", "owner_id", "team",
               "pipeline_id")


@fuzz
@given(values=values_of(PLAN_FIELDS), target=HOSTILE_NUMBER)
def test_save_plan(world, values, target):
    from desktop_crm.services.reporting import plans

    base = {"owner_id": world.manager, "period_kind": "month", "period_start": "2026-03-01",
            "metric": "amount", "target": target, "currency": "RUB"}
    refused_or_clean(lambda: plans.save_plan(None, {**base, **values}))
