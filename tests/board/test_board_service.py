"""The board service on both engines: exact column totals per currency from SQL, keyset pages that
never overlap, moves through the stage rules with the card on top, undo, quick-create, filters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from desktop_crm.ids import DealId, StageId
from desktop_crm.models import Activity, ActivityKind, ActivityStatus, Deal, database, utcnow
from desktop_crm.services.listing.lists import ListFilter
from desktop_crm.services.sales import board, contacts, deals
from desktop_crm.services.sales.rule_errors import StageChangeRefused
from tests.rules.conftest import CONTACT, DETAILED, build_world


@pytest.fixture
def world(any_db):
    return build_world()


def make_deals(world, count, stage=None, currency="RUB", amount="100.00", responsible=None):
    made = []
    for number in range(count):
        made.append(Deal.create(
            title=f"Сделка {number:03d}", pipeline=world.pipeline, stage=stage or world.qualification,
            currency=currency, amount=Decimal(amount), board_rank=(number + 1) * 1024,
            responsible=responsible or world.manager,
        ))
    return made


def test_one_pipeline_description_serves_the_board_the_settings_and_the_analytics(world):
    from desktop_crm.models import Pipeline
    from desktop_crm.services.reporting import analytics
    from desktop_crm.services.sales.pipelines import PipelineInfo
    from desktop_crm.services.system import admin

    first = Pipeline.create(name="Опт", sort_order=-1)
    assert board.pipelines() == admin.pipelines() == [
        PipelineInfo(first.id, "Опт", False),
        PipelineInfo(world.pipeline.id, "Корпоративные продажи", True),
    ]
    assert [p.name for p in analytics.pipelines()] == ["Корпоративные продажи", "Опт"]
    assert board.default_pipeline() == world.pipeline.id


def test_columns_follow_the_pipeline_with_won_and_lost_last(world):
    names = [c.name for c in board.columns(world.pipeline.id)]
    assert names == ["Квалификация", "Презентация", "Коммерческое предложение", "Контрактация",
                     "Завершена с победой", "Завершена с проигрышем"]
    kinds = [c.kind for c in board.columns(world.pipeline.id)]
    assert kinds[-2:] == ["won", "lost"]


def test_column_totals_are_exact_per_currency(world):
    make_deals(world, 3, amount="0.10")
    make_deals(world, 2, currency="EUR", amount="1234.56")
    make_deals(world, 1, stage=world.presentation, amount="5.00")
    totals = board.column_totals(world.pipeline.id)
    first = totals[StageId(world.qualification.id)]
    assert first.count == 5
    assert first.sum_of("RUB") == Decimal("0.30")  # no float drift
    assert first.sum_of("EUR") == Decimal("2469.12")
    assert first.sums[0] == ("EUR", Decimal("2469.12"))
    assert totals[StageId(world.presentation.id)].count == 1
    assert totals[StageId(world.won.id)].count == 0


def test_pages_follow_the_rank_and_never_overlap(world):
    made = make_deals(world, 95)
    seen = []
    cursor = None
    pages = 0
    while True:
        result = board.page(world.qualification.id, after=cursor, limit=40)
        pages += 1
        seen.extend(c.title for c in result.cards)
        if not result.has_more:
            break
        cursor = result.cursor
    assert pages == 3
    assert seen == [d.title for d in made]


def test_cards_carry_documents_overdue_tasks_and_flags(world):
    deal = make_deals(world, 1)[0]
    Activity.create(kind=ActivityKind.TASK, subject="Позвонить", status=ActivityStatus.PLANNED,
                    due_at=utcnow() - dt.timedelta(days=1), deal=deal, assignee=world.manager)
    Activity.create(kind=ActivityKind.TASK, subject="Потом", status=ActivityStatus.PLANNED,
                    due_at=utcnow() + dt.timedelta(days=1), deal=deal, assignee=world.manager)
    card = board.page(world.qualification.id).cards[0]
    assert card.overdue_tasks == 1
    assert card.quotes == 0 and card.invoices == 0
    assert card.correct is False and card.active is False
    assert card.responsible == world.manager.name


def test_filters_are_the_lists_filters(world):
    make_deals(world, 2)
    make_deals(world, 3, responsible=world.other_manager)
    mine = ListFilter(mine=True)
    assert board.column_totals(world.pipeline.id, mine, world.other_manager.id)[
        StageId(world.qualification.id)].count == 3
    page = board.page(world.qualification.id, ListFilter(responsible=(str(world.manager.id),)))
    assert len(page.cards) == 2


def correct_deal(world):
    contact = contacts.create_contact(CONTACT, world.manager)
    return deals.create_deal({
        "title": "Обучение отдела продаж", "contact": contact.id,
        "product_group": world.courses.id, "comment": DETAILED,
        "lines": [{"product": world.product.id, "quantity": "2"}],
    }, world.manager)


def test_move_puts_the_card_on_top_and_undo_restores_everything(world):
    make_deals(world, 3, stage=world.presentation)
    deal = correct_deal(world)
    before = Deal.get_by_id(deal.id).board_rank
    moved = board.move(deal.id, world.presentation.id, world.manager)
    assert board.page(world.presentation.id).cards[0].id == DealId(deal.id)
    totals = board.column_totals(world.pipeline.id)
    assert totals[StageId(world.presentation.id)].count == 4
    assert totals[StageId(world.qualification.id)].count == 0
    board.undo(moved, world.manager)
    row = Deal.get_by_id(deal.id)
    assert row.stage_id == world.qualification.id and row.board_rank == before


def test_a_refused_move_changes_nothing(world):
    deal = make_deals(world, 1)[0]
    check = board.check_move(deal.id, world.won.id)
    assert not check.allowed and "correct" in check.reason
    with pytest.raises(StageChangeRefused):
        board.move(deal.id, world.won.id, world.manager)
    assert Deal.get_by_id(deal.id).stage_id == world.qualification.id


def test_lost_needs_a_reason_from_the_list(world):
    deal = make_deals(world, 1)[0]
    assert board.check_move(deal.id, world.lost.id).needs_lost_reason
    with pytest.raises(StageChangeRefused):
        board.move(deal.id, world.lost.id, world.manager)
    reason = board.lost_reasons()[0]
    board.move(deal.id, world.lost.id, world.manager, lost_reason=reason)
    assert Deal.get_by_id(deal.id).lost_reason == reason


def test_quick_create_lands_on_top_of_its_column(world):
    make_deals(world, 2)
    created = board.quick_create("Новая заявка", world.qualification.id, world.manager)
    assert board.page(world.qualification.id).cards[0].id == created.id
    assert created.title == "Новая заявка"


class SettingReads:
    """Counts the statements that read the ``setting`` table (a real query log of peewee)."""

    def __init__(self) -> None:
        import logging

        self.statements: list[str] = []
        self._logger = logging.getLogger("peewee")
        self._handler = logging.Handler()
        self._handler.emit = self._record  # type: ignore[method-assign]

    def _record(self, record) -> None:
        sql = record.msg[0] if isinstance(record.msg, tuple) else str(record.msg)
        if 'FROM "setting"' in sql:
            self.statements.append(sql)

    def __enter__(self) -> SettingReads:
        import logging

        self._level = self._logger.level
        self._logger.setLevel(logging.DEBUG)
        self._logger.addHandler(self._handler)
        return self

    def __exit__(self, *exc) -> None:
        self._logger.removeHandler(self._handler)
        self._logger.setLevel(self._level)


def test_a_move_reads_the_rule_settings_once(world):
    from desktop_crm.services.sales import rules

    rules.INACTIVITY_DAYS.set(30)  # a stored value too, not only defaults
    deal = correct_deal(world)
    with SettingReads() as reads:
        moved = board.move(deal.id, world.presentation.id, world.manager)
    assert len(reads.statements) == 1, reads.statements
    with SettingReads() as reads:
        board.undo(moved, world.manager)
    assert len(reads.statements) == 1
    with SettingReads() as reads:
        board.check_move(deal.id, world.won.id)
    assert len(reads.statements) == 1


def test_settings_saved_between_moves_apply_to_the_next_move(world):
    """The snapshot lives for one action: no stale rule settings across moves (or processes)."""
    from desktop_crm.services.sales import rules

    first, second = make_deals(world, 2)
    with pytest.raises(StageChangeRefused):
        board.move(first.id, world.lost.id, world.manager)  # a reason is required
    rules.LOST_REASON_REQUIRED.set(False)
    board.move(first.id, world.lost.id, world.manager)
    assert Deal.get_by_id(first.id).stage_id == world.lost.id
    rules.LOST_REASON_REQUIRED.set(True)
    with pytest.raises(StageChangeRefused):
        board.move(second.id, world.lost.id, world.manager)


def test_a_snapshot_sees_the_settings_saved_inside_it(world):
    from desktop_crm.services.sales import rules
    from desktop_crm.services.system import settings

    with settings.snapshot() as snapshot:
        assert rules.TASK_DUE_DAYS.get() == 1
        rules.TASK_DUE_DAYS.set(4)
        assert rules.TASK_DUE_DAYS.get() == 4
        rules.TASK_DUE_DAYS.reset()
        assert rules.TASK_DUE_DAYS.get() == 1
        reasons = rules.LOST_REASONS.get()
        reasons.append("changed by the caller")
        assert rules.LOST_REASONS.get() == []  # every get() hands out its own copy
        assert snapshot.queries == 3  # read once, then again after each write
    assert rules.TASK_DUE_DAYS.get() == 1


def test_board_statements_read_along_their_indexes_even_with_stale_statistics(db):
    """The 1M demo after schema step 5: statistics for the old indexes only. Without its index
    hints SQLite read a column through deal(stage_id, currency, …) and sorted all of it, and
    counted each card's overdue tasks through activity(kind, due_at) (every task of the business).
    """
    world = build_world()
    make_deals(world, 5)
    database.execute_sql("ANALYZE")
    database.execute_sql("DELETE FROM sqlite_stat1")
    for index, stat in (("deal_stage_id_board_rank", "1000000 52632 1"),
                        ("activity_deal_id_created_at", "10728672 12 2")):
        database.execute_sql("INSERT INTO sqlite_stat1 VALUES (?, ?, ?)",
                             [index.split("_")[0], index, stat])
    database.execute_sql("ANALYZE sqlite_master")  # load the statistics above

    def plan(sql: str, params: list) -> str:
        return "\n".join(row[3] for row in database.execute_sql("EXPLAIN QUERY PLAN " + sql, params))

    query = board.PageQuery()
    for with_cursor in (False, True):
        compiled = query._compile(with_cursor)
        steps = plan(compiled.sql, list(compiled.params))
        assert "SEARCH t1 USING INDEX deal_stage_id_board_rank" in steps, steps
        assert "TEMP B-TREE" not in steps, steps
        assert "activity_kind_due_at" not in steps and "activity_deal_id_created_at" in steps, steps
    assert board.page(world.qualification.id).cards  # the hinted statement runs
