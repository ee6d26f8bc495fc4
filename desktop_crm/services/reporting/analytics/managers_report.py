"""Won and lost deals per manager and per lost reason; incorrect and inactive open deals."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import peewee
from peewee import SQL, fn

from desktop_crm import money
from desktop_crm.i18n import _, pgettext
from desktop_crm.ids import UserId
from desktop_crm.models import (
    Deal,
    StageKind,
    User,
    dialect,
    utcnow,
)
from desktop_crm.models.fields import coerce_uuid
from desktop_crm.services.reporting import plans as plan_service
from desktop_crm.services.reporting.analytics.inputs import (
    DealFilter,
    Period,
    ReportScope,
    pipeline_stages,
    visible_deals,
)
from desktop_crm.services.reporting.analytics.results import (
    Amounts,
    Column,
    ColumnKind,
    ReportTable,
    TableRow,
    add_amount,
    amount_columns,
    currencies_of,
    minor_to_money,
    name_of_pipeline,
    rate_of,
    scope_subtitle,
)
from desktop_crm.services.sales import rules


@dataclass(frozen=True)
class ManagerRow:
    user_id: UserId | None
    name: str
    won: int
    won_amounts: Amounts
    lost: int
    lost_amounts: Amounts
    win_rate: Decimal | None
    open: int
    incorrect: int
    inactive: int
    closed_filter: DealFilter
    won_filter: DealFilter
    lost_filter: DealFilter
    open_filter: DealFilter
    incorrect_filter: DealFilter
    inactive_filter: DealFilter


@dataclass(frozen=True)
class LostReasonRow:
    reason: str  # "" when none was given
    deals: int
    amounts: Amounts
    filter: DealFilter


@dataclass(frozen=True)
class ManagersReport:
    scope: ReportScope
    pipeline_name: str
    inactivity_days: int
    rows: tuple[ManagerRow, ...]
    lost_reasons: tuple[LostReasonRow, ...]
    #: why won deals were won (the closing reason asked when winning; Settings › Rules)
    won_reasons: tuple[LostReasonRow, ...] = ()
    #: the sales plans of months and quarters starting in the period (this pipeline or all)
    plans: tuple[plan_service.Progress, ...] = ()

    def plans_table(self) -> ReportTable:
        """Plan against fact: won deals per manager's or team's plan (see ``reporting.plans``)."""
        columns = (
            Column(_("Manager or team"), ColumnKind.TEXT), Column(_("Period"), ColumnKind.TEXT),
            Column(_("Goal"), ColumnKind.TEXT), Column(_("Target"), ColumnKind.TEXT),
            Column(_("Achieved"), ColumnKind.TEXT), Column(_("Done, %"), ColumnKind.PERCENT),
            Column(_("Expected by today"), ColumnKind.TEXT), Column(_("Status"), ColumnKind.TEXT),
        )
        rows = []
        for progress in self.plans:
            plan = progress.plan
            end = plan_service.period_end(plan.period_kind, plan.period_start)
            period = Period(plan.period_start, end - dt.timedelta(days=1))
            who = tuple(plan_service.team_of(plan.owner_id) if plan.team else [plan.owner_id])
            deals = DealFilter(
                self.scope.pipeline_id, label=_("Won for the plan: {who}").format(who=plan.who),
                stage_kinds=(StageKind.WON,), closed=period, responsible_ids=who,
                currency=plan.currency or None)
            rows.append(TableRow((
                plan.who, plan_service.period_label(plan.period_kind, plan.period_start),
                _(plan_service.METRIC_LABELS[plan.metric]),
                plan_service.format_value(plan, plan.target),
                plan_service.format_value(plan, progress.achieved), progress.percent,
                plan_service.format_value(plan, progress.expected),
                _("On track") if progress.on_track else _("Behind"),
            ), deals))
        return ReportTable(
            _("Sales plans"),
            scope_subtitle(self.pipeline_name, _("won deals against the plans"), self.scope.period),
            columns, tuple(rows))

    @property
    def currencies(self) -> tuple[str, ...]:
        return currencies_of(
            (r.won_amounts for r in self.rows),
            (r.lost_amounts for r in self.rows),
        )

    def table(self) -> ReportTable:
        currencies = self.currencies
        columns = [
            Column(_("Manager"), ColumnKind.TEXT),
            Column(_("Won"), ColumnKind.COUNT),
            *amount_columns(_("Won"), currencies),
            Column(_("Lost"), ColumnKind.COUNT),
            *amount_columns(_("Lost"), currencies),
            Column(_("Win rate, %"), ColumnKind.PERCENT),
            Column(_("Open now"), ColumnKind.COUNT),
            Column(pgettext("deal count", "Incorrect"), ColumnKind.COUNT),
            Column(pgettext("deal count", "Inactive"), ColumnKind.COUNT),
        ]
        k = len(currencies)
        rows = []
        for r in self.rows:
            cells = (
                r.name,
                r.won,
                *(r.won_amounts.get(c, money.ZERO) for c in currencies),
                r.lost,
                *(r.lost_amounts.get(c, money.ZERO) for c in currencies),
                r.win_rate,
                r.open,
                r.incorrect,
                r.inactive,
            )
            cell_filters = dict.fromkeys(range(1, 2 + k), r.won_filter)
            cell_filters.update(dict.fromkeys(range(2 + k, 3 + 2 * k), r.lost_filter))
            cell_filters[4 + 2 * k] = r.open_filter
            cell_filters[5 + 2 * k] = r.incorrect_filter
            cell_filters[6 + 2 * k] = r.inactive_filter
            rows.append(TableRow(cells, r.closed_filter, cell_filters))
        return ReportTable(
            _("Won and lost by manager"),
            scope_subtitle(self.pipeline_name, _("deals closed"), self.scope.period)
            + " · "
            + _("incorrect and inactive: open deals now, no interaction for {days} days").format(
                days=self.inactivity_days
            ),
            tuple(columns),
            tuple(rows),
        )

    def lost_reasons_table(self) -> ReportTable:
        currencies = currencies_of(r.amounts for r in self.lost_reasons)
        columns = (
            Column(_("Lost reason"), ColumnKind.TEXT),
            Column(_("Deals"), ColumnKind.COUNT),
            *amount_columns(_("Amount"), currencies),
        )
        rows = tuple(
            TableRow(
                (r.reason or _("(no reason given)"), r.deals,
                 *(r.amounts.get(c, money.ZERO) for c in currencies)),
                r.filter,
            )
            for r in self.lost_reasons
        )
        return ReportTable(
            _("Lost deals by reason"),
            scope_subtitle(self.pipeline_name, _("deals closed"), self.scope.period),
            columns,
            rows,
        )


    def won_reasons_table(self) -> ReportTable:
        currencies = currencies_of(r.amounts for r in self.won_reasons)
        columns = (
            Column(_("Won reason"), ColumnKind.TEXT),
            Column(_("Deals"), ColumnKind.COUNT),
            *amount_columns(_("Amount"), currencies),
        )
        rows = tuple(
            TableRow(
                (r.reason or _("(no reason given)"), r.deals,
                 *(r.amounts.get(c, money.ZERO) for c in currencies)),
                r.filter,
            )
            for r in self.won_reasons
        )
        return ReportTable(
            _("Won deals by reason"),
            scope_subtitle(self.pipeline_name, _("deals closed"), self.scope.period),
            columns,
            rows,
        )


def closed_deals(scope: ReportScope, stage_ids: list[uuid.UUID]) -> list[tuple[Any, ...]]:
    """Deals closed in the period in these stages, counted and summed per (stage, responsible,
    lost reason, currency, product group) — the won/lost and product-group reports fold these few
    rows. The grouping follows the column order of the analytics index on closed deals, so SQLite
    reads that index in order and never sorts."""
    if not stage_ids:
        return []
    period = scope.period
    keys = [Deal.stage, Deal.responsible, Deal.lost_reason, Deal.currency, Deal.product_group]
    query = (
        Deal.select(*keys, fn.COUNT(SQL("*")), fn.SUM(Deal.amount).coerce(False))
        .where(
            Deal.pipeline == scope.pipeline_id,
            Deal.deleted_at.is_null(),
            *visible_deals(),
            Deal.stage.in_(stage_ids),
            Deal.closed_at >= period.since,
            Deal.closed_at < period.until,
        )
        .group_by(*keys)
    )
    return dialect.tuples(query)


def managers(scope: ReportScope, now: dt.datetime | None = None) -> ManagersReport:
    """Won and lost per manager and per lost reason (closed in the period); incorrect and inactive
    open deals per manager (now; "inactive" as the rules define it: incorrect, or no interaction
    with a detailed comment within ``rules.inactivity_days``)."""
    period = scope.period
    now = now or utcnow()
    days = int(rules.INACTIVITY_DAYS.get())
    # Stage kinds are resolved in Python from the pipeline's few stages: no join per deal.
    kinds = {s.id: s.kind for s in pipeline_stages(scope.pipeline_id)}
    final = [i for i, kind in kinds.items() if kind != StageKind.OPEN]
    closed = closed_deals(scope, final)
    won: dict[uuid.UUID | None, int] = defaultdict(int)
    lost: dict[uuid.UUID | None, int] = defaultdict(int)
    won_amounts: dict[uuid.UUID | None, dict[str, Decimal]] = defaultdict(dict)
    lost_amounts: dict[uuid.UUID | None, dict[str, Decimal]] = defaultdict(dict)
    reasons: dict[str, int] = defaultdict(int)
    reason_amounts: dict[str, dict[str, Decimal]] = defaultdict(dict)
    won_reasons: dict[str, int] = defaultdict(int)
    won_reason_amounts: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for stage_id, user_key, reason, currency, _group, n, units in closed:
        user_id = None if user_key is None else coerce_uuid(user_key)
        amount = minor_to_money(units)
        if kinds[stage_id] == StageKind.WON:
            won[user_id] += n
            add_amount(won_amounts[user_id], currency, amount)
            key = (reason or "").strip(" ")
            won_reasons[key] += n
            add_amount(won_reason_amounts[key], currency, amount)
        else:
            lost[user_id] += n
            add_amount(lost_amounts[user_id], currency, amount)
            key = (reason or "").strip(" ")  # "Price" and " Price " are one reason (SQL TRIM)
            reasons[key] += n
            add_amount(reason_amounts[key], currency, amount)

    incorrect_sum = fn.SUM(peewee.Case(None, [(Deal.correct == False, 1)], 0))  # noqa: E712
    inactive_sum = fn.SUM(peewee.Case(None, [(rules.inactive_condition(now), 1)], 0))
    open_query = (
        Deal.select(Deal.responsible, fn.COUNT(SQL("*")), incorrect_sum, inactive_sum)
        .where(
            Deal.pipeline == scope.pipeline_id,
            Deal.deleted_at.is_null(),
            *visible_deals(),
            Deal.closed_at.is_null(),
        )
        .group_by(Deal.responsible)
    )
    open_counts: dict[uuid.UUID | None, tuple[int, int, int]] = {}
    for user_key, n, incorrect, inactive in dialect.tuples(open_query):
        user_id = None if user_key is None else coerce_uuid(user_key)
        open_counts[user_id] = (int(n), int(incorrect or 0), int(inactive or 0))

    user_ids = set(won) | set(lost) | set(open_counts)
    names = {
        u.id: u.name
        for u in User.select(User.id, User.name).where(User.id.in_([i for i in user_ids if i]))
    }
    base = DealFilter(scope.pipeline_id)
    rows = []
    for user_id in user_ids:
        name = names.get(user_id, "") if user_id else _("(no responsible)")
        who = (user_id,)
        n_open, n_incorrect, n_inactive = open_counts.get(user_id, (0, 0, 0))
        rows.append(
            ManagerRow(
                UserId(user_id) if user_id else None,
                name,
                won[user_id],
                dict(won_amounts[user_id]),
                lost[user_id],
                dict(lost_amounts[user_id]),
                rate_of(won[user_id], won[user_id] + lost[user_id]),
                n_open,
                n_incorrect,
                n_inactive,
                replace(
                    base,
                    label=_("Closed by {name}").format(name=name),
                    responsible_ids=who,
                    stage_kinds=(StageKind.WON, StageKind.LOST),
                    closed=period,
                ),
                replace(
                    base,
                    label=_("Won by {name}").format(name=name),
                    responsible_ids=who,
                    stage_kinds=(StageKind.WON,),
                    closed=period,
                ),
                replace(
                    base,
                    label=_("Lost by {name}").format(name=name),
                    responsible_ids=who,
                    stage_kinds=(StageKind.LOST,),
                    closed=period,
                ),
                replace(
                    base,
                    label=_("Open deals of {name}").format(name=name),
                    responsible_ids=who,
                    open_only=True,
                ),
                replace(
                    base,
                    label=_("Incorrect open deals of {name}").format(name=name),
                    responsible_ids=who,
                    open_only=True,
                    correct=False,
                ),
                replace(
                    base,
                    label=_("Inactive open deals of {name}").format(name=name),
                    responsible_ids=who,
                    open_only=True,
                    inactive_at=now,
                ),
            )
        )
    rows.sort(key=lambda r: (-r.won, -r.lost, -r.open, r.user_id is None, r.name.casefold()))
    reason_rows = sorted(
        (
            LostReasonRow(
                reason,
                n,
                dict(reason_amounts[reason]),
                replace(
                    base,
                    label=_("Lost: {reason}").format(reason=reason or _("(no reason given)")),
                    stage_kinds=(StageKind.LOST,),
                    closed=period,
                    lost_reason=reason,
                ),
            )
            for reason, n in reasons.items()
        ),
        key=lambda r: (-r.deals, r.reason.casefold()),
    )
    won_rows = sorted(
        (
            LostReasonRow(
                reason, n, dict(won_reason_amounts[reason]),
                replace(base, label=_("Won: {reason}").format(reason=reason or _("(no reason given)")),
                        stage_kinds=(StageKind.WON,), closed=period, lost_reason=reason),
            )
            for reason, n in won_reasons.items()
        ),
        key=lambda r: (-r.deals, r.reason.casefold()),
    )
    return ManagersReport(
        scope, name_of_pipeline(scope.pipeline_id), days, tuple(rows), tuple(reason_rows),
        tuple(won_rows), plan_service.progress_in(scope.pipeline_id, period.start, period.end,
                                                  now.date()),
    )
