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
Returns the number of deals refreshed. One transaction: with a ``progress`` (``workers.Progress``)
it reports its steps and stops between them when cancelled, changing nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

import peewee

from desktop_crm.entities import Entity
from desktop_crm.i18n import _
from desktop_crm.models import ActivityKind, ActivityStatus, Deal, Stage, dialect
from desktop_crm.services.sales import rules
from desktop_crm.services.system import custom_fields


def _key(value: Any) -> Any:
    """A UUID as the engine stores it (16 bytes on SQLite, uuid on PostgreSQL)."""
    return Deal.id.db_value(value)


LINE_NET_SQL = (
    "(((l.price * l.quantity + 500) / 1000) - "
    "((((l.price * l.quantity + 500) / 1000) * l.discount_percent + 5000) / 10000))"
)


def refresh_rules(deal_ids: Iterable[uuid.UUID] | None = None, progress: Any = None) -> int:
    """Recompute amount, correctness, missing fields and last interaction of deals (see above)."""
    db = dialect.bound()
    with db.atomic():
        temp = dialect.TempTables(db)
        try:
            scope = ""
            if deal_ids is not None:
                ids = list(deal_ids)
                if not ids:
                    return 0
                temp.create("rules_scope", "id {key} PRIMARY KEY")
                temp.insert("rules_scope", [(_key(i),) for i in ids])
                scope = "rules_scope"
            return _refresh(db, temp, scope, _Steps(progress))
        finally:
            temp.drop_all()


class _Steps:
    """Reports the refresh's steps to a ``workers.Progress`` and lets it cancel between them."""

    TOTAL = 4

    def __init__(self, progress: Any) -> None:
        self.progress = progress

    def __call__(self, done: int) -> None:
        if self.progress is not None:
            self.progress.check()
            self.progress.report(done, self.TOTAL, _("Recomputing deals for the rules…"), force=True)


def _refresh(db: peewee.Database, temp: dialect.TempTables, scope: str, step: _Steps) -> int:
    p = db.param
    interaction = [str(k) for k in rules.interaction_kinds()]
    commented = [str(ActivityKind.COMMENT), *interaction]
    done = str(ActivityStatus.DONE)

    def in_scope(column: str) -> str:
        return f" AND {column} IN (SELECT id FROM {scope})" if scope else ""

    def marks(values: list[Any]) -> str:
        return ", ".join([p] * len(values))

    step(0)
    # 1. Verdicts on every distinct text that could be a detailed comment (Python, once per text).
    texts: set[str] = set()
    cursor = dialect.execute(
        f"SELECT DISTINCT comment FROM deal WHERE deleted_at IS NULL{in_scope('id')}"
    )
    texts.update(row[0] for row in cursor.fetchall() if row[0])
    cursor = dialect.execute(
        "SELECT DISTINCT body FROM activity WHERE deal_id IS NOT NULL AND deleted_at IS NULL "
        f"AND kind IN ({marks(commented)}) AND status = {p}{in_scope('deal_id')}",
        [*commented, done],
    )
    texts.update(row[0] for row in cursor.fetchall() if row[0])
    policy = rules.comment_policy()
    detailed = [(text,) for text in texts if rules.is_detailed(text, policy).detailed]
    temp.create_text_set("rules_detailed", "body")
    if detailed:
        temp.insert("rules_detailed", detailed)

    step(1)
    # 2. Per-deal facts, set-based: line sums, a line above zero, last interaction, a detailed entry.
    temp.create(
        "rules_amount", "deal_id {key} PRIMARY KEY, amount BIGINT NOT NULL",
        f"SELECT l.deal_id, SUM({LINE_NET_SQL}) FROM deal_line l WHERE l.deleted_at IS NULL"
        f"{in_scope('l.deal_id')} GROUP BY l.deal_id",
    )
    temp.create(
        "rules_positive", "deal_id {key} PRIMARY KEY",
        f"SELECT DISTINCT l.deal_id FROM deal_line l WHERE l.deleted_at IS NULL "
        f"AND {LINE_NET_SQL} > 0{in_scope('l.deal_id')}",
    )
    temp.create(
        "rules_last", "deal_id {key} PRIMARY KEY, at {stamp}",
        "SELECT a.deal_id, MAX(COALESCE(a.done_at, a.created_at)) FROM activity a "
        "JOIN rules_detailed r ON r.body = a.body "
        f"WHERE a.deal_id IS NOT NULL AND a.deleted_at IS NULL AND a.kind IN ({marks(interaction)}) "
        f"AND a.status = {p} AND a.client_answered = {p}{in_scope('a.deal_id')} GROUP BY a.deal_id",
        [*interaction, done, True],
    )
    temp.create(
        "rules_commented", "deal_id {key} PRIMARY KEY",
        "SELECT DISTINCT a.deal_id FROM activity a JOIN rules_detailed r ON r.body = a.body "
        f"WHERE a.deal_id IS NOT NULL AND a.deleted_at IS NULL AND a.kind IN ({marks(commented)}) "
        f"AND a.status = {p}{in_scope('a.deal_id')}",
        [*commented, done],
    )

    step(2)
    # 3. Which fields each deal needs: the business-wide list, plus each stage's own.
    base = set(rules.DEAL_REQUIRED_FIELDS.get())
    stage_needs: dict[str, list[Any]] = {name: [] for name in rules.DEAL_FIELDS}
    for stage in Stage.select(Stage.id, Stage.required_fields):
        for name in stage.required_fields or []:
            if name in stage_needs or name.startswith(rules.CUSTOM_PREFIX):
                stage_needs.setdefault(name, []).append(stage.id)

    params: list[Any] = []

    def need(name: str) -> str:
        if name in base:
            return "1 = 1"
        if not stage_needs[name]:
            return "1 = 0"
        params.extend(_key(i) for i in stage_needs[name])
        return f"deal.stage_id IN ({marks(stage_needs[name])})"

    missing_sql = {
        "product_group": "deal.product_group_id IS NULL",
        "stage": (
            "NOT EXISTS (SELECT 1 FROM stage s WHERE s.id = deal.stage_id "
            "AND s.pipeline_id = deal.pipeline_id AND s.deleted_at IS NULL)"
        ),
        "contact": "deal.contact_id IS NULL",
        "comment": (
            "NOT (deal.comment IN (SELECT body FROM rules_detailed) OR "
            "deal.id IN (SELECT deal_id FROM rules_commented))"
        ),
        "lines": "deal.id NOT IN (SELECT deal_id FROM rules_positive)",
        "company": "deal.company_id IS NULL",
        "responsible": "deal.responsible_id IS NULL",
        "expected_close_date": "deal.expected_close_date IS NULL",
    }
    pieces = [
        f"CASE WHEN ({need(name)}) AND {missing_sql[name]} THEN '\"{name}\", ' ELSE '' END"
        for name in rules.DEAL_FIELDS
    ]
    pieces += _custom_pieces(stage_needs, params, p)
    missing_fields_sql = "'[' || RTRIM(" + " || ".join(pieces) + ", ', ') || ']'"
    step(3)
    cursor = dialect.execute(
        "UPDATE deal SET "
        "amount = COALESCE((SELECT amount FROM rules_amount WHERE deal_id = deal.id), 0), "
        "last_interaction_at = (SELECT at FROM rules_last WHERE deal_id = deal.id), "
        f"missing_fields = {missing_fields_sql} WHERE deal.deleted_at IS NULL{in_scope('deal.id')}",
        params,
    )
    count = cursor.rowcount
    dialect.execute(
        f"UPDATE deal SET correct = (missing_fields = '[]') WHERE deal.deleted_at IS NULL{in_scope('id')}"
    )
    return int(count)


def _custom_pieces(stage_needs: dict[str, list[Any]], params: list[Any], p: str) -> list[str]:
    """The missing-field pieces of the custom deal fields a stage requires (``cf_<key>``): missing
    when the deal, in such a stage (and of the field's pipeline), has no live value row with
    something in it. Appends their parameters to ``params`` in the order of the SQL."""
    pieces = []
    for custom in custom_fields.fields(Entity.DEALS):
        stage_ids = stage_needs.get(custom.column)
        if not stage_ids:
            continue
        params.extend(_key(i) for i in stage_ids)
        pipeline = ""
        if custom.pipeline_id is not None:
            pipeline = f" AND deal.pipeline_id = {p}"
            params.append(_key(custom.pipeline_id))
        params.append(_key(custom.id))
        pieces.append(
            f"CASE WHEN deal.stage_id IN ({', '.join([p] * len(stage_ids))}){pipeline} AND NOT EXISTS "
            f"(SELECT 1 FROM custom_value v WHERE v.row_id = deal.id AND v.field_id = {p} "
            "AND v.deleted_at IS NULL AND (v.text_value IS NOT NULL OR v.number_value IS NOT NULL "
            "OR v.date_value IS NOT NULL OR v.link_id IS NOT NULL)) "
            f"THEN '\"{custom.column}\", ' ELSE '' END"
        )
    return pieces
