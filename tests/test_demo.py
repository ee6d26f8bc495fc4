"""The demo database: reproducible, valid requisites, the seeds' stages, rule-consistent deals."""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from desktop_crm import cli
from desktop_crm.models import (
    ALL_MODELS,
    Activity,
    ActivityKind,
    Company,
    Contact,
    Deal,
    DealLine,
    Invoice,
    InvoiceLine,
    Lead,
    OwnCompany,
    Payment,
    Pipeline,
    Product,
    Quote,
    Stage,
    StageChange,
    User,
    database,
)
from desktop_crm.models.db import open_database
from desktop_crm.normalize import fold
from desktop_crm.services.billing import documents, requisites
from desktop_crm.services.data.demo import DEMO_NOW, DemoError, DemoOptions, build_demo

SMALL = 240


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo(str(path), DemoOptions(deals=SMALL, seed=11))
    return path


@pytest.fixture
def demo(demo_path: Path):
    db = open_database(str(demo_path))
    yield db
    db.close()


def dump(path: Path) -> dict[str, list[tuple]]:
    """Every row of every CRM table, in key order (the schema_version row is the build's own)."""
    with sqlite3.connect(path) as conn:
        result = {
            model._meta.table_name: conn.execute(
                f'SELECT * FROM "{model._meta.table_name}" ORDER BY id').fetchall()
            for model in ALL_MODELS
        }
    conn.close()
    return result


def test_same_seed_gives_the_same_database_ids_included(tmp_path: Path, demo_path: Path):
    again = tmp_path / "again.db"
    other = tmp_path / "other.db"
    build_demo(str(again), DemoOptions(deals=SMALL, seed=11))
    build_demo(str(other), DemoOptions(deals=SMALL, seed=12, files=False))
    first, second = dump(demo_path), dump(again)
    assert first == second
    assert sum(len(rows) for rows in first.values()) > SMALL * 5
    assert dump(other)["deal"] != first["deal"]


def test_ids_are_uuid7_made_at_the_row_creation_time(demo):
    from desktop_crm.ids import uuid7_time_ms

    for deal in Deal.select().limit(50):
        assert deal.id.version == 7
        created_ms = int((deal.created_at - dt.datetime(1970, 1, 1)).total_seconds() * 1000)
        assert uuid7_time_ms(deal.id) == created_ms
        assert deal.created_at <= DEMO_NOW


def test_own_companies_have_valid_requisites(demo):
    from stdnum import iban
    from stdnum.it import iva
    from stdnum.ru import inn, ogrn

    own = {company.country: company for company in OwnCompany.select()}
    assert set(own) == {"RU", "IT"}
    ru, it = own["RU"], own["IT"]
    assert inn.is_valid(ru.inn) and ogrn.is_valid(ru.ogrn)
    assert ru.bik and ru.account and ru.corr_account and ru.kpp
    assert iva.is_valid(it.vat_number) and iban.is_valid(it.iban) and it.bic and it.rea
    for company in own.values():
        assert requisites.requisites_errors(company) == {}
    assert (ru.default_currency, ru.default_vat_rate, ru.vat_mode) == ("RUB", Decimal("22.00"), "included")
    assert (it.default_currency, it.vat_mode, it.regime_fiscale) == ("EUR", "on_top", "RF01")


def test_client_companies_have_valid_requisites(demo):
    from stdnum.it import iva
    from stdnum.ru import inn

    companies = list(Company.select())
    assert {c.country for c in companies} == {"RU", "IT"}
    for company in companies:
        assert requisites.requisites_errors(company) == {}, company.legal_name
        if company.country == "RU":
            assert inn.is_valid(company.inn) and len(company.inn) == 10
        else:
            assert iva.is_valid(company.vat_number)


def test_pipelines_have_the_stages_of_the_seed_documents(demo):
    stages = {
        pipeline.name: [(s.name, s.kind, s.requires_correct_deal)
                        for s in Stage.select().where(Stage.pipeline == pipeline).order_by(Stage.sort_order)]
        for pipeline in Pipeline.select()
    }
    assert [s[0] for s in stages["Продажи"][:5]] == [
        "Идентификация лида", "Квалификация лида", "Выставление коммерческого предложения",
        "Переговоры", "Закрытие сделки"]
    assert [s[0] for s in stages["Корпоративные продажи"]] == [
        "Квалификация", "Презентация", "Коммерческое предложение", "Контрактация",
        "Завершена с победой", "Завершена с проигрышем"]
    assert [s[0] for s in stages["Vendite"]] == [
        "Nuovo", "Qualifica", "Proposta inviata", "Negoziazione", "Chiuso vinto", "Chiuso perso"]
    for rows in stages.values():
        kinds = [kind for _name, kind, _req in rows]
        assert kinds.count("won") == 1 and kinds.count("lost") == 1
        # Correct deals are required from the proposal stage on and for a win, not for a loss.
        requires = [req for _name, _kind, req in rows]
        first = requires.index(True)
        assert all(requires[first:-1]) and not any(requires[:first]) and not requires[-1]
    creatio = Stage.get(Stage.name == "Контрактация")
    assert {"subject": "Согласовать и подписать договор с клиентом", "due_days": 14} in creatio.task_templates
    for stage in Stage.select():
        assert stage.color.startswith("#")
        assert all(set(t) == {"subject", "due_days"} for t in stage.task_templates)


def test_deal_amounts_are_the_sum_of_their_lines(demo):
    from desktop_crm.services.sales.rules import line_net_amount

    totals: Counter = Counter()
    for line in DealLine.select():
        totals[line.deal_id] += line_net_amount(line.price, line.quantity, line.discount_percent)
    deals = list(Deal.select())
    assert len(deals) == SMALL
    for deal in deals:
        assert deal.amount == totals.get(deal.id, Decimal("0.00"))
    assert any(line.price != line.price.to_integral_value() for line in DealLine.select())


def test_correctness_and_last_interaction_agree_with_the_rules(demo):
    from desktop_crm.services.sales import rules

    kinds = Counter()
    for deal in Deal.select():
        stored = (deal.amount, deal.correct, deal.missing_fields, deal.last_interaction_at)
        rules.refresh_deal(deal, save=False)
        recomputed = (deal.amount, deal.correct, deal.missing_fields, deal.last_interaction_at)
        assert stored == recomputed, deal.title
        kinds[deal.correct] += 1
        stage = Stage.get_by_id(deal.stage_id)
        if stage.requires_correct_deal:
            assert deal.correct
    assert kinds[True] and kinds[False]


def test_stage_history_leads_to_the_current_stage(demo):
    for deal in Deal.select():
        history = list(StageChange.select().where(StageChange.deal == deal).order_by(StageChange.changed_at))
        assert history[0].from_stage_id is None and history[0].changed_at == deal.created_at
        assert history[-1].to_stage_id == deal.stage_id
        assert history[-1].changed_at == deal.stage_entered_at
        for before, after in itertools.pairwise(history):
            assert after.from_stage_id == before.to_stage_id
            assert after.seconds_in_previous == int((after.changed_at - before.changed_at).total_seconds())
        stage = Stage.get_by_id(deal.stage_id)
        assert (deal.closed_at is not None) == (stage.kind != "open")
        assert bool(deal.lost_reason) == (stage.kind != "open")  # the closing reason: lost or won


def test_timeline_has_tasks_in_every_state_and_detailed_and_filler_comments(demo):
    tasks = Counter()
    for task in Activity.select().where(Activity.kind == ActivityKind.TASK):
        overdue = task.status == "planned" and task.due_at < DEMO_NOW
        tasks["overdue" if overdue else task.status] += 1
    assert tasks["planned"] and tasks["done"] and tasks["overdue"] and tasks["cancelled"]
    bodies = [a.body for a in Activity.select().where(Activity.kind == ActivityKind.CALL)]
    assert any(len(body) > 100 for body in bodies)
    assert any(body in ("перезвонить", "НД", "non risponde", "richiamare") for body in bodies)
    stage_entries = Activity.select().where(Activity.kind == ActivityKind.STAGE_CHANGE).count()
    assert stage_entries == StageChange.select().count()


def test_one_open_deal_per_contact_and_product_group(demo):
    pairs = Counter(
        (deal.contact_id, deal.product_group_id)
        for deal in Deal.select().where(Deal.closed_at.is_null() & Deal.contact.is_null(False))
    )
    assert pairs and max(pairs.values()) == 1


def test_leads_in_every_status_and_converted_ones_linked(demo):
    statuses = Counter(lead.status for lead in Lead.select())
    assert set(statuses) == {"new", "in_progress", "converted", "junk"}
    converted = Deal.select().where(Deal.source_lead.is_null(False))
    for deal in converted:
        lead = Lead.get_by_id(deal.source_lead_id)
        assert lead.status == "converted" and lead.contact_id == deal.contact_id
        assert lead.converted_at == deal.created_at


def test_stored_keys_are_what_the_models_compute(demo):
    """Bulk rows bypass before_save(): their folded texts, keys and E.164 phones must match it."""
    checked = Counter()
    for model, fields in (
        (Contact, ("search_text", "name_key", "mobile_phone_e164", "work_phone_e164",
                   "private_email_key", "work_email_key")),
        (Lead, ("search_text", "name_key", "mobile_phone_e164")),
        (Company, ("search_text",)),
        (Deal, ("search_text",)),
        (Product, ("search_text",)),
        (User, ("email_key",)),
    ):
        for row in model.select():
            stored = {name: getattr(row, name) for name in fields}
            row.before_save()
            assert stored == {name: getattr(row, name) for name in fields}
            checked[model.__name__] += 1
    assert checked["Contact"] > 50
    assert any("ё" in c.last_name + c.first_name + c.middle_name for c in Contact.select())
    assert Contact.select().where(Contact.mobile_phone_e164.startswith("+39")).count()


def test_search_index_finds_names_whatever_their_case_and_yo(demo):
    from desktop_crm.models.search import fts_query

    contact = Contact.select().where(Contact.last_name.contains("ё")).first()
    query = contact.last_name.upper().replace("Ё", "Е")
    rows = database.execute_sql(
        "SELECT count(*) FROM contact_fts WHERE contact_fts MATCH ?", (fts_query(query),)).fetchone()
    assert rows[0] >= 1


def test_quotes_invoices_and_payments_add_up(demo):
    assert Quote.select().count() and Invoice.select().count()
    for invoice in Invoice.select():
        lines = list(InvoiceLine.select().where(InvoiceLine.invoice == invoice))
        assert invoice.total == sum(line.total_amount for line in lines)
        # the header totals are what the documents service computes for these lines on save
        # (Russia: the subtotal is the sum of the VAT-inclusive amounts; Italy: VAT per rate)
        totals = documents.compute_totals(invoice.own_company.country, invoice.vat_mode, [
            {"quantity": line.quantity, "price": line.price, "discount_percent": line.discount_percent,
             "vat_rate": line.vat_rate, "natura": line.natura} for line in lines])
        assert (invoice.subtotal, invoice.vat_total, invoice.total) == (
            totals.subtotal, totals.vat_total, totals.grand_total)
        assert invoice.total == totals.net_total + totals.vat_total
        assert [(line.net_amount, line.vat_amount, line.total_amount) for line in lines] == [
            (result.net, result.vat, result.total) for result in totals.lines]
        paid = sum((p.amount for p in Payment.select().where(Payment.invoice == invoice)), Decimal("0.00"))
        assert invoice.paid_amount == paid
        if invoice.status == "paid":
            assert paid == invoice.total
        if invoice.status == "draft":
            assert invoice.number == "" and invoice.sequence_number is None
        else:
            assert invoice.number and invoice.sequence_number
    # Gapless and chronological per seller and year, as Russian and Italian practice requires.
    series: dict = {}
    for invoice in Invoice.select().where(Invoice.number != "").order_by(Invoice.sequence_number):
        series.setdefault((invoice.own_company_id, invoice.year), []).append(invoice)
    assert series
    for invoices in series.values():
        assert [i.sequence_number for i in invoices] == list(range(1, len(invoices) + 1))
        assert [i.issue_date for i in invoices] == sorted(i.issue_date for i in invoices)
        assert len({i.number for i in invoices}) == len(invoices)


def test_foreign_keys_and_integrity_hold(demo_path: Path):
    with sqlite3.connect(demo_path) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_italian_only_demo(tmp_path: Path):
    path = tmp_path / "it.db"
    summary = build_demo(str(path), DemoOptions(deals=30, seed=3, locale="it"))
    assert summary.deals == 30
    db = open_database(str(path))
    try:
        assert [p.name for p in Pipeline.select()] == ["Vendite"]
        assert {d.currency for d in Deal.select()} == {"EUR"}
        assert OwnCompany.get().is_default
        # an Italian business: Italian phone numbers, Italian filler phrases first
        from desktop_crm.services.sales import cards, rules

        assert rules.PHONE_REGION.get() == "IT"
        assert cards.phone_placeholder().startswith("+39 ")
        assert rules.COMMENT_STOP_PHRASES.get()[0] == "non risponde"
    finally:
        db.close()


def test_an_existing_database_is_never_overwritten(tmp_path: Path, demo_path: Path):
    with pytest.raises(DemoError, match="already exists"):
        build_demo(str(demo_path), DemoOptions(deals=5))
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes")
    with pytest.raises(DemoError):
        build_demo(str(notes), DemoOptions(deals=5))
    assert notes.read_text() == "my notes"
    assert not list(tmp_path.glob("*.building*"))


def test_bad_options_are_refused_with_a_message():
    with pytest.raises(DemoError, match="locale"):
        DemoOptions(locale="de")
    with pytest.raises(DemoError, match="negative"):
        DemoOptions(deals=-1)


def test_demo_command(tmp_path: Path, capsys):
    path = tmp_path / "cli.db"
    assert cli.main(["demo", "--db", str(path), "--deals", "25", "--seed", "4", "--locale", "ru"]) == 0
    captured = capsys.readouterr()
    assert "25" in captured.out and str(path) in captured.out
    assert "Deals" in captured.err  # progress goes to stderr
    assert cli.main(["demo", "--db", str(path), "--deals", "25"]) == 1
    assert "already exists" in capsys.readouterr().err


@pytest.mark.postgres
def test_demo_on_postgresql_is_the_same_database(pg_url, tmp_path: Path):
    """The same seed gives the same rows on PostgreSQL as on SQLite (same code path)."""
    options = DemoOptions(deals=60, seed=21)
    lite = tmp_path / "lite.db"
    build_demo(str(lite), options)
    summary = build_demo(pg_url, options)
    assert summary.deals == 60

    def rows(url: str) -> dict[str, list[tuple]]:
        db = open_database(url)
        try:
            return {model.__name__: list(model.select().order_by(model.id).tuples()) for model in ALL_MODELS}
        finally:
            db.close()

    on_postgres, on_sqlite = rows(pg_url), rows(str(lite))
    assert on_postgres == on_sqlite
    db = open_database(pg_url)
    try:
        from desktop_crm.services.sales import rules

        for deal in Deal.select():
            correct, missing = deal.correct, deal.missing_fields
            rules.refresh_deal(deal, save=False)
            assert (correct, missing) == (deal.correct, deal.missing_fields)
        found = database.execute_sql(
            "SELECT count(*) FROM contact WHERE search_text LIKE %s",
            ("%" + fold(Contact.get().last_name) + "%",)
        ).fetchone()[0]
        assert found >= 1
    finally:
        db.close()
    with pytest.raises(DemoError, match="already holds data"):
        build_demo(pg_url, options)


def test_corporate_deals_have_bant_the_decision_maker_and_competitors(demo):
    from desktop_crm.entities import Entity
    from desktop_crm.services.system import custom_fields, custom_values

    database.initialize(demo)
    corporate = Pipeline.get(Pipeline.name == "Корпоративные продажи")
    fields = custom_fields.fields(Entity.DEALS, pipeline_id=corporate.id)
    assert [f.key for f in fields] == ["budget", "authority", "need", "timeframe",
                                       "decision_maker", "competitors"]
    assert custom_fields.fields(Entity.DEALS, pipeline_id=Pipeline.get(Pipeline.name == "Продажи").id) == []
    stages = list(Stage.select().where(Stage.pipeline == corporate.id).order_by(Stage.sort_order))
    assert "cf_budget" in stages[1].required_fields and "cf_budget" not in stages[0].required_fields
    past_qualification = list(Deal.select().where((Deal.pipeline == corporate.id)
                                                  & (Deal.stage != stages[0].id)))
    assert past_qualification
    for deal in past_qualification:
        values = custom_values.values_by_key(Entity.DEALS, deal.id)
        assert values["budget"] is not None
        assert values["decision_maker"] == deal.contact_id
        assert deal.correct == (not deal.missing_fields)
    assert any(custom_values.values_by_key(Entity.DEALS, d.id)["competitors"]
               for d in past_qualification)
