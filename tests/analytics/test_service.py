"""Sales analytics on a small hand-made pipeline, on SQLite and PostgreSQL.

Every expected figure below is worked out by hand from the fixture (the table in ``conftest.py``);
each row's deal filter must select exactly the deals the row counts.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from desktop_crm.errors import ValidationError
from desktop_crm.models import Pipeline
from desktop_crm.services.reporting import analytics
from desktop_crm.services.reporting.analytics import Period, ReportScope
from desktop_crm.services.sales import rules
from tests.analytics.conftest import NOW, PERIOD, Sales


def titles(deal_filter: analytics.DealFilter) -> set[str]:
    return {row.title for row in deal_filter.query()}


def rub(text: str) -> dict[str, Decimal]:
    return {"RUB": Decimal(text)}


def test_funnel_counts_each_deal_up_to_the_furthest_stage_it_reached(sales: Sales) -> None:
    report = analytics.funnel(sales.scope)
    assert report.created == 8
    got = [(r.stage.name, r.deals, r.amounts, r.share) for r in report.rows]
    assert got == [
        ("New", 8, {"RUB": Decimal("4683.83"), "EUR": Decimal("500.00")}, Decimal("100.0")),
        ("Proposal", 6, {"RUB": Decimal("4283.83"), "EUR": Decimal("500.00")}, Decimal("75.0")),
        ("Negotiation", 3, rub("2033.83"), Decimal("37.5")),
        ("Won", 2, rub("1700.50"), Decimal("25.0")),
    ]
    assert all(isinstance(v, Decimal) for r in report.rows for v in r.amounts.values())
    assert report.won == 2 and report.win_rate == Decimal("25.0")
    # D10 went back from Proposal to New and still counts as having reached Proposal; D5, created
    # directly in Negotiation, counts for every earlier step; D6, created lost, only entered.
    assert titles(report.rows[1].filter) == {"D1", "D2", "D3", "D5", "D10", "D11"}
    for row in report.rows:
        assert row.filter.count() == row.deals


def test_stage_to_stage_conversion_and_where_deals_are_lost(sales: Sales) -> None:
    report = analytics.funnel(sales.scope)
    got = [
        (c.from_stage.name, c.to_stage.name, c.entered, c.advanced, c.rate, c.lost_here)
        for c in report.conversions
    ]
    assert got == [
        ("New", "Proposal", 8, 6, Decimal("75.0"), 1),
        ("Proposal", "Negotiation", 6, 3, Decimal("50.0"), 1),
        ("Negotiation", "Won", 3, 2, Decimal("66.7"), 0),
    ]
    assert titles(report.conversions[0].filter) == {"D6"}
    assert titles(report.conversions[1].filter) == {"D2"}
    assert titles(report.conversions[2].filter) == set()
    assert titles(report.conversions[2].advanced_filter) == {"D1", "D5"}


def test_time_in_stages_average_and_median_from_the_history(sales: Sales) -> None:
    report = analytics.stage_time(sales.scope)
    got = [(r.stage.name, r.stays, r.average_days, r.median_days) for r in report.rows]
    # New: 5 (D1), 2 (D2), 4 (D3), 5 (D10), 139 (D13); D7's stay ended in 2025, D9 is deleted
    # Proposal: 10 (D1), 6 (D2), 6 (D7), 5 (D10, which then went back to New)
    # Negotiation: 12 (D1), 40 (D5), 38 (D7)
    assert got == [
        ("New", 5, Decimal(31), Decimal(5)),
        ("Proposal", 4, Decimal("6.75"), Decimal(6)),
        ("Negotiation", 3, Decimal(30), Decimal(38)),
    ]
    assert report.slowest is not None and report.slowest.stage.name == "Negotiation"
    assert titles(report.rows[0].filter) == {"D1", "D2", "D3", "D10", "D13"}
    assert titles(report.rows[2].filter) == {"D1", "D5", "D7"}


def test_median_of_an_even_number_of_stays_is_the_mean_of_the_middle_two(sales: Sales) -> None:
    before_march = Period(dt.date(2026, 1, 1), dt.date(2026, 2, 28))
    report = analytics.stage_time(ReportScope(sales.pipeline.id, before_march))
    new = report.rows[0]
    # New stays ending before March: 5, 2, 4, 5 → median (4 + 5) / 2
    assert (new.stays, new.median_days, new.average_days) == (4, Decimal("4.5"), Decimal(4))


def test_won_and_lost_by_manager_and_by_reason(sales: Sales) -> None:
    report = analytics.managers(sales.scope, now=NOW)
    got = [
        (r.name, r.won, r.won_amounts, r.lost, r.lost_amounts, r.win_rate) for r in report.rows
    ]
    assert got == [
        ("Boris", 2, {"RUB": Decimal("700.50"), "EUR": Decimal("1200.00")}, 0, {}, Decimal("100.0")),
        ("Anna", 1, rub("1000.00"), 2, rub("2400.00"), Decimal("33.3")),
        ("(no responsible)", 0, {}, 1, rub("100.00"), Decimal("0.0")),
    ]
    reasons = [(r.reason, r.deals, r.amounts) for r in report.lost_reasons]
    assert reasons == [("Price", 2, rub("2400.00")), ("", 1, rub("100.00"))]
    assert titles(report.lost_reasons[0].filter) == {"D2", "D7"}
    anna = report.rows[1]
    assert titles(anna.lost_filter) == {"D2", "D7"} and titles(anna.won_filter) == {"D1"}
    assert titles(report.rows[2].lost_filter) == {"D6"}


def test_incorrect_and_inactive_open_deals_per_manager(sales: Sales) -> None:
    report = analytics.managers(sales.scope, now=NOW)
    by_name = {r.name: (r.open, r.incorrect, r.inactive) for r in report.rows}
    # inactive by the rules: incorrect, or no interaction since 2026-03-01 12:00 (30 days before
    # NOW): D4 (incorrect, never reached), D10 (last reached 02-26); D3 and D11 are active
    assert by_name == {"Boris": (3, 1, 1), "Anna": (1, 0, 1), "(no responsible)": (0, 0, 0)}
    boris, anna = report.rows[0], report.rows[1]
    assert titles(boris.incorrect_filter) == {"D4"}
    assert titles(boris.inactive_filter) == {"D4"}
    assert titles(anna.inactive_filter) == {"D10"}
    assert titles(boris.open_filter) == {"D3", "D4", "D11"}
    rules.INACTIVITY_DAYS.set(40)  # cut-off 2026-02-19 12:00: D10 is active again
    later = analytics.managers(sales.scope, now=NOW)
    assert {r.name: r.inactive for r in later.rows}["Anna"] == 0
    assert later.inactivity_days == 40


def test_forecast_weights_amounts_by_stage_probability_per_month_and_currency(sales: Sales) -> None:
    report = analytics.forecast(sales.scope)
    got = [(r.month, r.currency, r.deals, r.amount, r.weighted) for r in report.rows]
    assert got == [
        (dt.date(2026, 2, 1), "RUB", 1, Decimal("300.00"), Decimal("30.00")),
        (dt.date(2026, 3, 1), "EUR", 1, Decimal("500.00"), Decimal("200.00")),
        # 333.33 × 70 % = 233.331 → 233.33
        (dt.date(2026, 3, 1), "RUB", 1, Decimal("333.33"), Decimal("233.33")),
    ]
    assert report.totals() == {
        "RUB": (Decimal("633.33"), Decimal("263.33")),
        "EUR": (Decimal("500.00"), Decimal("200.00")),
    }
    assert [titles(r.filter) for r in report.rows] == [{"D4"}, {"D3"}, {"D11"}]


def test_sales_by_product_group(sales: Sales) -> None:
    report = analytics.product_groups(sales.scope)
    got = [(r.name, r.deals, r.amounts) for r in report.rows]
    assert got == [
        ("Hardware", 2, {"RUB": Decimal("1000.00"), "EUR": Decimal("1200.00")}),
        ("Services", 1, rub("700.50")),
    ]
    assert titles(report.rows[0].filter) == {"D1", "D13"}


def test_tables_lay_out_every_report_with_a_filter_per_row(sales: Sales) -> None:
    from desktop_crm.models import User
    from desktop_crm.services.reporting import plans

    plans.save_plan(None, {"owner_id": User.select().first().id, "period_kind": "quarter",
                           "period_start": sales.scope.period.start, "metric": "count",
                           "target": "3"})  # the managers' plan table has a row too
    for kind in analytics.ReportKind:
        report = analytics.compute(kind, sales.scope)
        for table in analytics.tables(kind, report):
            assert table.title and table.columns and table.rows
            for row in table.rows:
                assert len(row.cells) == len(table.columns)
                assert row.filter is not None
    managers = analytics.managers(sales.scope, now=NOW).table()
    titles_ = [c.title for c in managers.columns]
    assert titles_[:4] == ["Manager", "Won", "Won, EUR", "Won, RUB"]
    inactive_column = titles_.index("Inactive")
    anna = managers.rows[1]
    assert anna.cells[0] == "Anna"
    assert titles(anna.filter_at(inactive_column)) == {"D10"}


def test_an_empty_pipeline_gives_empty_reports(any_db: object) -> None:
    pipeline = Pipeline.create(name="Empty")
    scope = ReportScope(pipeline.id, PERIOD)
    assert analytics.funnel(scope).rows == ()
    assert analytics.funnel(scope).win_rate is None
    assert analytics.stage_time(scope).rows == ()
    assert analytics.managers(scope, now=NOW).rows == ()
    assert analytics.forecast(scope).rows == ()
    assert analytics.product_groups(scope).rows == ()


def test_a_period_must_not_end_before_it_starts() -> None:
    with pytest.raises(ValidationError):
        Period(dt.date(2026, 2, 1), dt.date(2026, 1, 31))
    assert analytics.default_period(dt.date(2026, 3, 15)) == Period(
        dt.date(2025, 4, 1), dt.date(2026, 3, 15)
    )


def test_the_deals_behind_a_figure_are_listed_newest_first(sales: Sales) -> None:
    report = analytics.managers(sales.scope, now=NOW)
    anna = report.rows[1]
    page = analytics.deal_page(anna.lost_filter)
    assert page.total == 2
    assert [(r.title, r.stage, r.responsible, r.amount) for r in page.rows] == [
        ("D2", "Lost", "Anna", Decimal("2000.00")),
        ("D7", "Lost", "Anna", Decimal("400.00")),
    ]
    limited = analytics.deal_page(analytics.funnel(sales.scope).rows[0].filter, limit=3)
    assert limited.total == 8
    assert [r.title for r in limited.rows] == ["D11", "D6", "D10"]
    conversion = analytics.funnel(sales.scope).conversion_table()
    proposal = conversion.rows[1]
    assert proposal.cells[0] == "Proposal → Negotiation"
    assert titles(proposal.filter_at(4)) == {"D2"}  # lost at Proposal
    assert titles(proposal.filter_at(2)) == {"D1", "D5", "D11"}  # moved on to Negotiation
    assert proposal.filter_at(0) == proposal.filter
