"""Bulk refresh in SQL equals the per-deal rules; the rules report and its command; lists mark
active deals from indexed columns without scanning the timeline."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

from desktop_crm.cli import main
from desktop_crm.models import Activity, ActivityKind, ActivityStatus, Deal, DealLine, Stage, database
from desktop_crm.models.db import engine
from desktop_crm.services.listing.refresh import refresh_rules
from desktop_crm.services.reporting.report import format_report, report_as_dict, rules_report
from desktop_crm.services.sales import contacts, deals, rules, timeline
from tests.rules.conftest import CONTACT, DETAILED, build_world


def rule_columns():
    return {
        d.id: (d.amount, d.correct, d.missing_fields, d.last_interaction_at)
        for d in Deal.select().order_by(Deal.id)
    }


def populate(world):
    """Deals in every rule state, made through the services."""
    contact = contacts.create_contact(CONTACT, world.manager)
    correct = deals.create_deal(
        {"title": "Верная", "contact": contact.id, "product_group": world.courses.id, "comment": DETAILED,
         "lines": [{"name": "Курс", "quantity": "1.5", "price": "0.67"},
                   {"name": "Скидка", "quantity": "1", "price": "100.10", "discount_percent": "12.5"}]},
        world.manager,
    )
    timeline.log_interaction(world.manager, ActivityKind.CALL, DETAILED, True, deal=correct.id,
                             occurred_at=dt.datetime(2026, 10, 1, 10, 0))
    timeline.log_interaction(world.manager, ActivityKind.CALL, "НД", True, deal=correct.id)
    stale = deals.create_deal(
        {"title": "Забытая", "contact": contact.id, "product_group": world.books.id,
         "lines": [{"name": "Книга", "quantity": "2", "price": "500"}]},
        world.manager,
    )
    timeline.add_comment(world.manager, DETAILED, deal=stale.id)
    timeline.log_interaction(world.manager, ActivityKind.MESSAGE, DETAILED, True, deal=stale.id,
                             occurred_at=dt.datetime(2026, 1, 5, 9, 0))
    bare = deals.create_deal({"title": "Пустая", "comment": "перезвонить"}, world.other_manager)
    deals.add_line(bare.id, {"name": "Бесплатно", "quantity": "1", "price": "0"}, world.other_manager)
    from desktop_crm.services.sales import stages

    stages.move_deal(stale.id, world.presentation, world.manager)
    # The stage's own requirements grow after the deal entered it: the next edit flags the deal.
    Stage.update(required_fields=["expected_close_date"]).where(Stage.id == world.presentation.id).execute()
    deals.update_deal(stale.id, {"title": "Забытая"}, world.manager)
    timeline.add_task(world.other_manager, "Позвонить клиенту", dt.datetime(2026, 1, 1, 9, 0), deal=bare.id)
    timeline.add_task(world.manager, "Будущая задача", dt.datetime(2099, 1, 1, 9, 0), deal=correct.id)
    return correct, stale, bare


def test_bulk_refresh_reproduces_the_per_deal_rules_exactly(world):
    correct, stale, _bare = populate(world)
    expected = rule_columns()
    assert expected[correct.id][0] == Decimal("88.60")
    assert expected[stale.id][2] == ["expected_close_date"]
    # Wipe the caches the way a bulk import leaves them, then recompute in SQL.
    Deal.update(amount=0, correct=False, missing_fields=[], last_interaction_at=None).execute()
    assert refresh_rules() == 3
    assert rule_columns() == expected
    # A changed rule setting is applied to every deal by the refresh.
    rules.COMMENT_STOP_PHRASES.set([*rules.COMMENT_STOP_PHRASES.get(), DETAILED.casefold()])
    refresh_rules([correct.id])
    after = rule_columns()
    assert after[correct.id][1] is False and after[correct.id][3] is None
    assert after[stale.id] == expected[stale.id]  # outside the scope


def test_rules_report_lists_per_manager_what_is_wrong(world):
    populate(world)
    now = dt.datetime(2026, 11, 20, 12, 0)
    report = rules_report(now=now)
    by_name = {m.name: m for m in report.managers}
    assert set(by_name) == {world.manager.name, world.other_manager.name}
    petr, giulia = by_name[world.manager.name], by_name[world.other_manager.name]
    assert [(d.title, d.missing) for d in petr.incorrect] == [("Забытая", ["expected_close_date"])]
    assert [d.title for d in petr.inactive] == []  # "Верная": called on 1 October, within 60 days
    assert [(d.title, d.missing) for d in giulia.incorrect] == [
        ("Пустая", ["product_group", "contact", "comment", "lines"])
    ]
    assert [t.subject for t in giulia.overdue] == ["Позвонить клиенту"]
    assert giulia.overdue[0].deal_title == "Пустая"
    later = rules_report(now=dt.datetime(2026, 12, 15, 12, 0))
    manager = next(m for m in later.managers if m.name == world.manager.name)
    assert [d.title for d in manager.inactive] == ["Верная"]
    assert report.totals == {"incorrect": 2, "inactive": 0, "overdue": 1}
    text = format_report(report)
    assert "Пустая: missing product group, contact, detailed comment" in text
    assert "Total: 2 incorrect, 0 inactive deals, 1 overdue tasks." in text
    data = report_as_dict(report)
    assert [m["name"] for m in data["managers"]] == [world.other_manager.name, world.manager.name]
    assert data["managers"][1]["incorrect_deals"][0]["missing"] == ["expected_close_date"]
    only = rules_report(now=now, responsible=world.other_manager.id)
    assert [m.name for m in only.managers] == [world.other_manager.name]


def test_check_rules_command_prints_text_and_json(tmp_path, capsys):
    from desktop_crm.models.db import open_database
    from desktop_crm.models.schema import migrate

    url = str(tmp_path / "crm.db")
    db = open_database(url)
    migrate(db)
    world = build_world()
    populate(world)
    db.close()
    assert main(["check", "--rules", "--db", url]) == 0
    out = capsys.readouterr().out
    assert f"== {world.other_manager.name} ==" in out and "Позвонить клиенту" in out
    assert main(["check", "--rules", "--json", "--db", url]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is True
    assert data["rules"]["totals"]["incorrect"] == 2
    assert {m["name"] for m in data["rules"]["managers"]} == {world.manager.name, world.other_manager.name}
    rules_outcome = next(c for c in data["checks"] if c["key"] == "rules")
    assert rules_outcome["message"].startswith("2 incorrect deals")
    assert main(["--lang", "ru", "check", "--rules", "--db", url]) == 0
    assert "некорректн" in capsys.readouterr().out


def _plan(sql: str, params: list) -> str:
    rows = database.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    return "\n".join(str(row[-1]) for row in rows)


def test_lists_filter_and_mark_active_deals_through_indexes_without_a_timeline_scan(sqlite_world):
    world = sqlite_world
    populate(world)
    assert engine(database.obj) == "sqlite"
    now = dt.datetime(2026, 11, 20)
    # A page of a list with an "active" mark per row: only the deal table is read.
    page = (
        Deal.alive(Deal.id, Deal.title, rules.active_column(now)).order_by(Deal.created_at.desc()).limit(50)
    )
    sql, params = page.sql()
    plan = _plan(sql, params)
    assert "activity" not in plan and "deal_line" not in plan
    assert "USING INDEX deal_created_at" in plan
    # "Only active deals": served by the last-interaction index, never a full scan.
    active = Deal.alive(Deal.id).where(rules.active_condition(now))
    plan = _plan(*active.sql())
    assert "SEARCH" in plan and "USING INDEX" in plan and "last_interaction_at>" in plan, plan
    # A manager's inactive deals (the report's query): the rules index over open deals.
    inactive = Deal.alive(Deal.id).where(
        (Deal.responsible == world.manager.id) & Deal.closed_at.is_null() & (Deal.correct == True)  # noqa: E712
        & (Deal.last_interaction_at < rules.activity_cutoff(now))
    )
    plan = _plan(*inactive.sql())
    assert "deal_responsible_id_correct_last_interaction_at" in plan
    # The marks are the same the rules compute row by row.
    marked = {row.title: bool(row.is_active) for row in Deal.alive(Deal.title, rules.active_column(now))}
    assert marked == {d.title: rules.is_active(d, now) for d in Deal.alive()}
    assert marked["Верная"] is True


def test_refresh_counts_only_answered_done_interactions(world):
    contact = contacts.create_contact(CONTACT, world.manager)
    deal = deals.create_deal({"title": "Т", "contact": contact.id}, world.manager)
    Activity.create(kind=ActivityKind.CALL, body=DETAILED, client_answered=True,
                    status=ActivityStatus.PLANNED, deal=deal.id, done_at=None)
    Activity.create(kind=ActivityKind.EMAIL, body=DETAILED, client_answered=False, deal=deal.id,
                    done_at=dt.datetime(2026, 5, 1))
    DealLine.create(deal=deal.id, name="X", quantity=Decimal("3"), price=Decimal("33.33"))
    refresh_rules()
    stored = Deal.get_by_id(deal.id)
    assert stored.last_interaction_at is None
    assert stored.amount == Decimal("99.99")
    recomputed = Deal.get_by_id(deal.id)
    rules.refresh_deal(recomputed, save=False)
    assert recomputed.last_interaction_at is None


def test_a_stricter_comment_rule_recomputes_the_stored_deal_flags(world):
    from desktop_crm.services.system import admin

    correct, _stale, _bare = populate(world)
    assert Deal.get_by_id(correct.id).correct
    # inactivity is computed when read: no recomputation is due
    assert admin.save_rules_settings({"inactivity_days": 30}) is False
    # a detailed comment now needs 20 words: the deal's 14-word comments no longer count
    assert admin.save_rules_settings({"comment_min_words": 20}) is True
    assert admin.save_rules_settings({"comment_min_words": 20}) is False  # unchanged
    assert Deal.get_by_id(correct.id).correct  # stored flags are stale until recomputed
    assert admin.recompute_deal_flags() == Deal.alive().count()
    recomputed = Deal.get_by_id(correct.id)
    assert not recomputed.correct and "comment" in recomputed.missing_fields
    assert recomputed.last_interaction_at is None
    expected = list(Deal.select().order_by(Deal.id))
    for row in expected:
        rules.refresh_deal(row)
    assert rule_columns() == {d.id: (d.amount, d.correct, d.missing_fields, d.last_interaction_at)
                              for d in expected}
