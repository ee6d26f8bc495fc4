"""Analytics › Managers: won deals by reason (the reason asked when winning), each row's deals
exactly those it counts; on SQLite and PostgreSQL, and in the analytics view as a third table."""

from __future__ import annotations

from decimal import Decimal

from desktop_crm.models import Deal
from desktop_crm.services.reporting import analytics
from tests.analytics.conftest import NOW


def test_won_deals_by_reason(sales) -> None:
    # D1 and D5 are won in the period (D13 too, in EUR): two with a reason, one without
    Deal.update(lost_reason="Best price").where(Deal.title.in_(["D1", "D13"])).execute()
    report = analytics.managers(sales.scope, now=NOW)
    got = [(r.reason, r.deals, r.amounts) for r in report.won_reasons]
    assert got == [("Best price", 2, {"RUB": Decimal("1000.00"), "EUR": Decimal("1200.00")}),
                   ("", 1, {"RUB": Decimal("700.50")})]
    assert {row.title for row in report.won_reasons[0].filter.query()} == {"D1", "D13"}
    table = report.won_reasons_table()
    assert table.title == "Won deals by reason"
    assert [row.cells[0] for row in table.rows] == ["Best price", "(no reason given)"]
    # the lost reasons are untouched by the won ones
    assert [(r.reason, r.deals) for r in report.lost_reasons] == [("Price", 2), ("", 1)]
    assert len(analytics.tables(analytics.ReportKind.MANAGERS, report)) == 4  # with sales plans
