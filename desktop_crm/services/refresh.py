"""Bulk recomputation of the rule columns of deals, in SQL: after imports, after the demo generator,
after a rule setting changed (a new stop phrase, another required field).

``refresh_rules(deal_ids=None)`` recomputes, for every live deal (or only ``deal_ids``), exactly what
``rules.refresh_deal`` computes for one deal:

* ``amount`` — the sum of the lines' net amounts, in integer minor units
  (gross = price × quantity rounded half-up; net = gross − discount rounded half-up);
* ``last_interaction_at`` — the latest answered interaction with a detailed comment;
* ``missing_fields`` and ``correct`` — the business-wide required fields plus the stage's own.

Whether a text is a *detailed comment* is decided in Python (``rules.is_detailed``) once per
distinct text; the verdicts go to a temporary table the UPDATE joins. Derived columns are caches,
so ``updated_at`` is left alone (they are recomputed on every device, not synced as edits).
Returns the number of deals refreshed. One transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import peewee

from desktop_crm.models import ActivityKind, ActivityStatus, Deal, Stage, database
from desktop_crm.models.db import engine
from desktop_crm.services import rules

BATCH = 500


def _db() -> peewee.Database:
    return database.obj if isinstance(database, peewee.DatabaseProxy) else database


def _chunks(items: list[Any], size: int = BATCH) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _key(value: Any) -> Any:
    """A UUID as the engine stores it (16 bytes on SQLite, uuid on PostgreSQL)."""
    return Deal.id.db_value(value)


LINE_NET_SQL = (
    "(((l.price * l.quantity + 500) / 1000) - "
    "((((l.price * l.quantity + 500) / 1000) * l.discount_percent + 5000) / 10000))"
)


def refresh_rules(deal_ids: Iterable[uuid.UUID] | None = None) -> int:
    """Recompute amount, correctness, missing fields and last interaction of deals (see above)."""
    db = _db()
    eng = engine(db)
    p = db.param
    with db.atomic():
        scope = ""
        if deal_ids is not None:
            ids = list(deal_ids)
            if not ids:
                return 0
            db.execute_sql(
                "CREATE TEMP TABLE rules_scope (id BLOB PRIMARY KEY)"
                if eng == "sqlite"
                else "CREATE TEMP TABLE rules_scope (id UUID PRIMARY KEY) ON COMMIT DROP"
            )
            for chunk in _chunks(ids):
                db.execute_sql(
                    "INSERT INTO rules_scope (id) VALUES " + ", ".join([f"({p})"] * len(chunk)),
                    [_key(i) for i in chunk],
                )
            scope = " AND deal.id IN (SELECT id FROM rules_scope)"
        count = _refresh(db, eng, scope)
        for table in ("rules_detailed", "rules_scope"):
            if eng == "sqlite":
                db.execute_sql(f"DROP TABLE IF EXISTS temp.{table}")
        return count


def _refresh(db: peewee.Database, eng: str, scope: str) -> int:
    p = db.param
    interaction = [str(k) for k in rules.interaction_kinds()]
    commented = [str(ActivityKind.COMMENT), *interaction]
    done = str(ActivityStatus.DONE)

    # 1. Verdicts on every distinct text that could be a detailed comment.
    texts: set[str] = set()
    cursor = db.execute_sql(
        f"SELECT DISTINCT deal.comment FROM deal WHERE deal.deleted_at IS NULL{scope}"
    )
    texts.update(row[0] for row in cursor.fetchall() if row[0])
    kinds_sql = ", ".join([p] * len(commented))
    cursor = db.execute_sql(
        f"SELECT DISTINCT a.body FROM activity a JOIN deal ON deal.id = a.deal_id "
        f"WHERE a.deleted_at IS NULL AND a.kind IN ({kinds_sql}) AND a.status = {p} "
        f"AND deal.deleted_at IS NULL{scope}",
        [*commented, done],
    )
    texts.update(row[0] for row in cursor.fetchall() if row[0])
    policy = rules.comment_policy()
    detailed = [text for text in texts if rules.is_detailed(text, policy).detailed]
    if eng == "sqlite":
        db.execute_sql("CREATE TEMP TABLE rules_detailed (body TEXT PRIMARY KEY)")
    else:
        db.execute_sql("CREATE TEMP TABLE rules_detailed (body TEXT NOT NULL) ON COMMIT DROP")
        db.execute_sql("CREATE INDEX ON rules_detailed USING hash (body)")
    for chunk in _chunks(detailed):
        db.execute_sql(
            "INSERT INTO rules_detailed (body) VALUES " + ", ".join([f"({p})"] * len(chunk)),
            chunk,
        )
    if eng == "postgres":
        db.execute_sql("ANALYZE rules_detailed")

    # 2. Which fields each deal needs: the business-wide list, plus each stage's own.
    base = set(rules.DEAL_REQUIRED_FIELDS.get())
    stage_needs: dict[str, list[Any]] = {name: [] for name in rules.DEAL_FIELDS}
    for stage in Stage.select(Stage.id, Stage.required_fields):
        for name in stage.required_fields or []:
            if name in stage_needs:
                stage_needs[name].append(stage.id)

    params: list[Any] = []

    def need(name: str) -> str:
        if name in base:
            return "1 = 1"
        if not stage_needs[name]:
            return "1 = 0"
        params.extend(_key(i) for i in stage_needs[name])
        return "deal.stage_id IN (" + ", ".join([p] * len(stage_needs[name])) + ")"

    def kinds(values: list[str]) -> str:
        params.extend(values)
        return ", ".join([p] * len(values))

    def value(v: Any) -> str:
        params.append(v)
        return p

    missing_sql = {
        "product_group": "deal.product_group_id IS NULL",
        "stage": (
            "NOT EXISTS (SELECT 1 FROM stage s WHERE s.id = deal.stage_id "
            "AND s.pipeline_id = deal.pipeline_id AND s.deleted_at IS NULL)"
        ),
        "contact": "deal.contact_id IS NULL",
        "comment": None,  # built below (needs parameters in order)
        "lines": (
            "NOT EXISTS (SELECT 1 FROM deal_line l WHERE l.deal_id = deal.id "
            f"AND l.deleted_at IS NULL AND {LINE_NET_SQL} > 0)"
        ),
        "company": "deal.company_id IS NULL",
        "responsible": "deal.responsible_id IS NULL",
        "expected_close_date": "deal.expected_close_date IS NULL",
    }

    # Parameters are collected in the order the SQL text is assembled.
    amount_sql = (
        f"COALESCE((SELECT SUM({LINE_NET_SQL}) FROM deal_line l "
        "WHERE l.deal_id = deal.id AND l.deleted_at IS NULL), 0)"
    )
    last_sql = (
        "(SELECT MAX(COALESCE(a.done_at, a.created_at)) FROM activity a "
        "WHERE a.deal_id = deal.id AND a.deleted_at IS NULL "
        f"AND a.kind IN ({kinds(interaction)}) AND a.status = {value(done)} "
        f"AND a.client_answered = {value(True)} "
        "AND a.body IN (SELECT body FROM rules_detailed))"
    )
    pieces = []
    for name in rules.DEAL_FIELDS:
        condition = f"({need(name)})"
        if name == "comment":
            missing = (
                "NOT (deal.comment IN (SELECT body FROM rules_detailed) OR EXISTS ("
                "SELECT 1 FROM activity a WHERE a.deal_id = deal.id AND a.deleted_at IS NULL "
                f"AND a.kind IN ({kinds(commented)}) AND a.status = {value(done)} "
                "AND a.body IN (SELECT body FROM rules_detailed)))"
            )
        else:
            missing = missing_sql[name]
        pieces.append(f"CASE WHEN {condition} AND {missing} THEN '\"{name}\", ' ELSE '' END")
    missing_fields_sql = "'[' || RTRIM(" + " || ".join(pieces) + ", ', ') || ']'"
    cursor = db.execute_sql(
        f"UPDATE deal SET amount = {amount_sql}, last_interaction_at = {last_sql}, "
        f"missing_fields = {missing_fields_sql} WHERE deal.deleted_at IS NULL{scope}",
        params,
    )
    count = cursor.rowcount
    db.execute_sql(
        f"UPDATE deal SET correct = (missing_fields = '[]') WHERE deal.deleted_at IS NULL{scope}"
    )
    return int(count)
