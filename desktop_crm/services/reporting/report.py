"""The rules report: per manager, the incorrect deals (with what is missing), the inactive deals and
the overdue tasks. Used by ``desktop-crm check --rules`` and by the heads' dashboard.

* ``rules_report(now=None, responsible=None)`` → :class:`RulesReport`
* ``report_as_dict(report)`` → JSON-ready ``dict`` (``--json``)
* ``format_report(report, limit=None)`` → text in the UI language

Only open deals are reported (a closed deal needs no more work). An incorrect deal is inactive by
definition (rule 2) but is listed once, under "incorrect"; "inactive" lists the correct deals with
no answered interaction with a detailed comment in the last ``rules.inactivity_days`` days.
The queries read the deal row's rule columns through the ``(responsible, correct,
last_interaction_at)`` index over open deals, and the tasks through ``(assignee, status, due_at)``;
no timeline is scanned.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from desktop_crm.i18n import _, ngettext
from desktop_crm.ids import IdLike, optional_uuid
from desktop_crm.models import ActivityKind, ActivityStatus, Deal, dialect, utcnow
from desktop_crm.models.fields import coerce_uuid
from desktop_crm.services.sales import rules


class IncorrectDeal(NamedTuple):
    id: str  # the deal's id as text (services accept it wherever an id is expected)
    title: str
    missing: list[str]


class InactiveDeal(NamedTuple):
    id: str
    title: str
    last_interaction_at: dt.datetime | None


class OverdueTask(NamedTuple):
    id: str
    subject: str
    due_at: dt.datetime
    deal_id: str | None
    deal_title: str


@dataclass
class ManagerSection:
    user_id: uuid.UUID | None
    name: str
    incorrect: list[IncorrectDeal] = field(default_factory=list)
    inactive: list[InactiveDeal] = field(default_factory=list)
    overdue: list[OverdueTask] = field(default_factory=list)


@dataclass
class RulesReport:
    generated_at: dt.datetime
    inactivity_days: int
    managers: list[ManagerSection]

    @property
    def totals(self) -> dict[str, int]:
        return {
            "incorrect": sum(len(m.incorrect) for m in self.managers),
            "inactive": sum(len(m.inactive) for m in self.managers),
            "overdue": sum(len(m.overdue) for m in self.managers),
        }


PLANNED_TASKS_INDEX = "activity_assignee_id_due_at_id_subject_deal_id"  # schema step 3 (frozen)


def rules_report(now: dt.datetime | None = None, responsible: IdLike | None = None) -> RulesReport:
    """Compute the report (for one manager when ``responsible`` is given)."""
    db = dialect.bound()
    p = db.param
    now = now or utcnow()
    cutoff = rules.activity_cutoff(now)
    who = optional_uuid(responsible)
    sections: dict[Any, ManagerSection] = {}

    def section(user_key: Any) -> ManagerSection:
        found = sections.get(user_key)
        if found is None:
            found = sections[user_key] = ManagerSection(
                coerce_uuid(user_key) if user_key is not None else None, ""
            )
        return found

    scope, scope_params = "", []
    if who is not None:
        scope, scope_params = f" AND responsible_id = {p}", [Deal.id.db_value(who)]
    # In the order of the (responsible, correct, last interaction) index over open deals: no sort,
    # and each manager's inactive deals come the longest-neglected first (never reached first).
    cursor = dialect.execute(
        f"SELECT responsible_id, {dialect.uuid_text_sql('id', db)}, title, missing_fields, correct, "
        "last_interaction_at FROM deal "
        "WHERE deleted_at IS NULL AND closed_at IS NULL AND (correct = "
        f"{p} OR last_interaction_at IS NULL OR last_interaction_at < {p}){scope} "
        f"ORDER BY responsible_id, correct, last_interaction_at{dialect.nulls_first(db)}",
        [False, cutoff, *scope_params],
    )
    decoded: dict[str, list[str]] = {}  # few distinct "missing" lists: decode each once
    current_key: Any = object()  # differs from every key: the first row picks its section
    target = ManagerSection(None, "")
    for user_key, deal_id, title, missing, correct, last in cursor:
        if user_key != current_key:
            target, current_key = section(user_key), user_key
        if not correct:
            fields = decoded.get(missing)
            if fields is None:
                fields = decoded[missing] = json.loads(missing or "[]")
            target.incorrect.append(IncorrectDeal(dialect.uuid_from_text(deal_id), title, fields))
        else:
            if last is not None and not isinstance(last, dt.datetime):
                last = dt.datetime.fromisoformat(last)
            target.inactive.append(InactiveDeal(dialect.uuid_from_text(deal_id), title, last))

    task_scope = f" AND a.assignee_id = {p}" if who is not None else ""
    # Literal status and kind: the planned-tasks index is partial on exactly these (SQLite uses a
    # partial index only when the query's own text implies its WHERE). SQLite is told to use it:
    # activity(kind, due_at) of step 5 has no statistics in an analysed file and looks cheaper,
    # though it reads every past task of the business (5 s instead of 1 s at a million deals).
    hint = dialect.named_index_hint(PLANNED_TASKS_INDEX, db)
    cursor = dialect.execute(
        f"SELECT a.assignee_id, {dialect.uuid_text_sql('a.id', db)}, a.subject, a.due_at, "
        f"{dialect.uuid_text_sql('a.deal_id', db)}, d.title FROM activity a{hint} "
        "LEFT JOIN deal d ON d.id = a.deal_id "
        f"WHERE a.deleted_at IS NULL AND a.status = '{ActivityStatus.PLANNED.value}' "
        f"AND a.kind = '{ActivityKind.TASK.value}' AND a.due_at < {p}"
        f"{task_scope} ORDER BY a.assignee_id, a.due_at",
        [now, *scope_params],
    )
    current_key = object()
    for user_key, task_id, subject, due_at, deal_id, deal_title in cursor:
        if user_key != current_key:
            target, current_key = section(user_key), user_key
        if not isinstance(due_at, dt.datetime):
            due_at = dt.datetime.fromisoformat(due_at)
        target.overdue.append(
            OverdueTask(dialect.uuid_from_text(task_id), subject, due_at,
                        dialect.uuid_from_text(deal_id) if deal_id is not None else None,
                        deal_title or "")
        )
    names = {
        coerce_uuid(row[0]): row[1]
        for row in dialect.execute('SELECT id, name FROM "user"').fetchall()
    }
    for item in sections.values():
        item.name = names.get(item.user_id, "") if item.user_id else _("No responsible")
    managers = sorted(sections.values(), key=lambda m: (m.user_id is None, m.name.casefold()))
    return RulesReport(now, int(rules.INACTIVITY_DAYS.get()), managers)


def report_as_dict(report: RulesReport) -> dict[str, Any]:
    """The report as plain JSON-ready data (ids as strings, times as ISO 8601 UTC)."""

    def iso(value: dt.datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "generated_at": iso(report.generated_at),
        "inactivity_days": report.inactivity_days,
        "totals": report.totals,
        "managers": [
            {
                "user_id": str(m.user_id) if m.user_id else None,
                "name": m.name,
                "incorrect_deals": [
                    {"id": str(d.id), "title": d.title, "missing": d.missing} for d in m.incorrect
                ],
                "inactive_deals": [
                    {"id": str(d.id), "title": d.title, "last_interaction_at": iso(d.last_interaction_at)}
                    for d in m.inactive
                ],
                "overdue_tasks": [
                    {
                        "id": str(t.id), "subject": t.subject, "due_at": iso(t.due_at),
                        "deal_id": t.deal_id, "deal_title": t.deal_title,
                    }
                    for t in m.overdue
                ],
            }
            for m in report.managers
        ],
    }


def format_report(report: RulesReport, limit: int | None = None) -> str:
    """The report as text for a terminal, in the UI language; ``limit`` caps each list."""
    lines: list[str] = []
    if not report.managers:
        return _("All open deals are correct and active, and no task is overdue.")

    def capped(items: list[Any]) -> tuple[list[Any], int]:
        if limit is None or len(items) <= limit:
            return items, 0
        return items[:limit], len(items) - limit

    for manager in report.managers:
        lines.append(f"== {manager.name} ==")
        if manager.incorrect:
            lines.append(
                ngettext("{count} incorrect deal:", "{count} incorrect deals:",
                         len(manager.incorrect)).format(
                    count=len(manager.incorrect)
                )
            )
            shown, more = capped(manager.incorrect)
            for deal in shown:
                lines.append(
                    "  - " + _("{title}: missing {fields}").format(
                        title=deal.title, fields=rules.field_list(deal.missing)
                    )
                )
            if more:
                lines.append("  " + _("… and {count} more").format(count=more))
        if manager.inactive:
            lines.append(
                ngettext(
                    "{count} inactive deal (no interaction with a detailed comment in {days} days):",
                    "{count} inactive deals (no interaction with a detailed comment in {days} days):",
                    len(manager.inactive),
                ).format(count=len(manager.inactive), days=report.inactivity_days)
            )
            shown, more = capped(manager.inactive)
            for deal in shown:
                last = (
                    deal.last_interaction_at.strftime("%Y-%m-%d")
                    if deal.last_interaction_at
                    else _("never")
                )
                lines.append(
                    "  - " + _("{title}: last interaction {date}").format(title=deal.title, date=last)
                )
            if more:
                lines.append("  " + _("… and {count} more").format(count=more))
        if manager.overdue:
            lines.append(
                ngettext("{count} overdue task:", "{count} overdue tasks:", len(manager.overdue)).format(
                    count=len(manager.overdue)
                )
            )
            shown, more = capped(manager.overdue)
            for task in shown:
                where = f" ({task.deal_title})" if task.deal_title else ""
                lines.append(
                    "  - " + _("{subject}{deal}: due {date}").format(
                        subject=task.subject, deal=where, date=task.due_at.strftime("%Y-%m-%d %H:%M")
                    )
                )
            if more:
                lines.append("  " + _("… and {count} more").format(count=more))
    totals = report.totals
    lines.append(
        _("Total: {incorrect} incorrect, {inactive} inactive deals, {overdue} overdue tasks.").format(
            **totals
        )
    )
    return "\n".join(lines)


def rules_check(limit: int | None = 20, sink: dict[str, Any] | None = None) -> Any:
    """The sales-rules report as a check of ``desktop-crm check --rules``.

    The outcome is informational (it holds whatever the report finds); its details are the text
    report with each list capped at ``limit``; the full report, as JSON-ready data, is put in
    ``sink["report"]`` for ``--json``.
    """
    from desktop_crm.services.system.integrity import Check, Context, Outcome

    def run(context: Context) -> Outcome:
        report = rules_report()
        if sink is not None:
            sink["report"] = report_as_dict(report)
        totals = report.totals
        message = _(
            "{incorrect} incorrect deals, {inactive} inactive deals, {overdue} overdue tasks."
        ).format(**totals)
        details = tuple(format_report(report, limit).splitlines()[:-1]) if report.managers else ()
        return Outcome("rules", True, _("Sales rules"), message, details)

    return Check("rules", run)
