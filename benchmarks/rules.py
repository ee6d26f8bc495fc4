"""Benchmark: computing the sales-rules report (issue 3) on the demo database.

    uv run python benchmarks/rules.py [--db PATH] [--deals N] [--repeat K]

Measures ``services.report.rules_report()`` — per manager, the incorrect deals with what they miss,
the inactive deals and the overdue tasks — from the call to the finished report object (all rows
fetched and decoded), median of ``--repeat`` runs after one warm-up. Without ``--db`` it uses the
shared 1,000,000-deal demo (``benchmarks/.cache/demo-1m.db``) when ``--deals`` is 1,000,000, else
builds a demo of ``--deals`` deals in ``benchmarks/.cache/`` (said on stderr). The database is only
read. ``extra`` also reports the query plans that prove the active/inactive marks of a list need
no full scan.

Prints one JSON line: ``{"metric": "rules_report_s", ...}`` (goal ≤ 5 s at 1,000,000 deals).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks._common import demo_database, emit, note, open_readonly, parser  # noqa: E402

GOAL_S = 5.0


def plans(db) -> dict[str, str]:
    """EXPLAIN QUERY PLAN of the list queries that mark or filter active deals (SQLite)."""
    from desktop_crm.models import Deal
    from desktop_crm.services.sales import rules

    queries = {
        "list_page_with_active_mark": Deal.alive(Deal.id, Deal.title, rules.active_column())
        .order_by(Deal.created_at.desc())
        .limit(50),
        "active_deals_filter": Deal.alive(Deal.id).where(rules.active_condition()).limit(50),
    }
    result = {}
    for name, query in queries.items():
        sql, params = query.sql()
        rows = db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()
        result[name] = "; ".join(str(row[-1]) for row in rows)
    return result


def main() -> int:
    args = parser(__doc__.splitlines()[0]).parse_args()

    from desktop_crm.models import Deal
    from desktop_crm.models.schema import LATEST_VERSION, current_version
    from desktop_crm.services.reporting.report import rules_report

    path = demo_database(args)
    db = open_readonly(path)
    version = current_version(db)
    if version != LATEST_VERSION:
        note(f"{path} is at schema {version}, this code expects {LATEST_VERSION}: run "
             f"'desktop-crm migrate --db {path}' on a copy first")
        return 2
    deals = Deal.select().count()
    note(f"{path}: {deals} deals; warm-up run")
    report = rules_report()
    timings = []
    for run in range(args.repeat):
        started = time.perf_counter()
        report = rules_report()
        timings.append(time.perf_counter() - started)
        note(f"run {run + 1}/{args.repeat}: {timings[-1]:.3f} s")
    emit(
        "rules_report_s", round(statistics.median(timings), 3), "s", GOAL_S,
        deals=deals, managers=len(report.managers), **report.totals,
        runs=[round(t, 3) for t in timings],
        measured="rules_report() call to the finished report object (all rows fetched and "
                 "decoded), warm cache, median; database opened read-only",
        plans=plans(db),
    )
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
