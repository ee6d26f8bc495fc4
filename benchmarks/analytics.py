"""Benchmark: each analytics report on the demo database (goal: ≤ 200 ms at 1,000,000 deals).

    uv run python benchmarks/analytics.py [--db PATH] [--deals N] [--repeat K] [--pipeline NAME]
                                          [--period-days D]

Measures ``services.analytics.compute(report, scope)`` — the SQL aggregates plus folding the rows
into the typed result, exactly what the Analytics screen runs in its background job — for the
default pipeline (the largest one unless ``--pipeline``) and the screen's default period (the last
twelve calendar months up to the newest deal; ``--period-days`` for another length). One warm-up
run, then the median of ``--repeat`` runs, on a warm cache; ``cpu_ms`` in ``extra`` is the median
CPU time of the process over the same runs (on a shared, loaded machine the steadier figure).
Without ``--db`` the shared demo database (``benchmarks/.cache/demo-1m.db``) is used, or a demo
of ``--deals`` is built once in ``benchmarks/.cache/`` and reused. The database is only read.

Prints one JSON line per report (``analytics_<report>_ms``) on stdout; notes go to stderr.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import demo_database, emit, median, note, parser  # noqa: E402

GOAL_MS = 200


def main() -> int:
    arguments = parser(__doc__.splitlines()[0])
    arguments.add_argument("--pipeline", help="pipeline name (default: the one with the most deals)")
    arguments.add_argument("--period-days", type=int, default=0,
                           help="period length in days ending at the newest deal (default: the "
                                "screen's default, the last twelve calendar months)")
    args = arguments.parse_args()

    from peewee import SQL, fn

    from desktop_crm.models import Deal, Pipeline
    from desktop_crm.models.db import open_database, redact
    from desktop_crm.services.reporting import analytics
    from desktop_crm.services.reporting.analytics import Period, ReportKind, ReportScope

    url = str(demo_database(args))
    db = open_database(url)  # only read: the shared demo database is never written
    total = Deal.select(fn.COUNT(SQL("*"))).where(Deal.deleted_at.is_null()).scalar()
    if args.pipeline:
        pipeline = Pipeline.get(Pipeline.name == args.pipeline)
    else:
        biggest = (
            Deal.select(Deal.pipeline, fn.COUNT(SQL("*")).alias("n"))
            .where(Deal.deleted_at.is_null())
            .group_by(Deal.pipeline)
            .order_by(SQL("n").desc())
            .first()
        )
        pipeline = Pipeline.get_by_id(biggest.pipeline_id)
    newest = Deal.select(fn.MAX(Deal.created_at)).scalar()
    today = newest.date() if isinstance(newest, dt.datetime) else dt.date.today()
    if args.period_days:
        period = Period(today - dt.timedelta(days=args.period_days - 1), today)
    else:
        period = analytics.default_period(today)
    scope = ReportScope(pipeline.id, period)
    in_pipeline = Deal.select(fn.COUNT(SQL("*"))).where(
        Deal.deleted_at.is_null(), Deal.pipeline == pipeline.id
    ).scalar()
    note(
        f"{redact(url)}: {total:,} deals; pipeline {pipeline.name!r} with {in_pipeline:,}; "
        f"period {period.start} – {period.end}"
    )
    for kind in ReportKind:
        analytics.compute(kind, scope)  # warm-up
        timings, cpu = [], []
        for _run in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            report = analytics.compute(kind, scope)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        rows = sum(len(t.rows) for t in analytics.tables(kind, report))
        value = median(timings)
        emit(
            f"analytics_{kind.value}_ms",
            value,
            "ms",
            GOAL_MS,
            deals=total,
            pipeline_deals=in_pipeline,
            period=f"{period.start}/{period.end}",
            rows=rows,
            runs_ms=[round(t, 1) for t in timings],
            cpu_ms=median(cpu),
            measures="services.analytics.compute(report, scope): the SQL and folding its rows",
        )
        note(f"{kind.value}: {value} ms, {median(cpu)} ms CPU ({rows} rows)")
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
