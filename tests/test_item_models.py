"""Every item model of the views meets Qt's model tester, filled from a real SQLite database.

The models are found by walking ``desktop_crm.views`` (so moving one to another module changes
nothing here); a new model class fails ``test_every_item_model_is_exercised`` until it gets an
exercise below. Each exercise fills its model the way its view does, hands it to the tester and
then changes it (reload, insert, remove, fetch more), which the tester also checks.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from PySide6.QtCore import QAbstractItemModel, QModelIndex, Qt

import desktop_crm.views
from desktop_crm.entities import LIST_ENTITIES
from desktop_crm.ids import DealId, StageId
from desktop_crm.models import Company, Contact, Deal, Pipeline, Role, Stage, User
from desktop_crm.services.listing import lists, search
from desktop_crm.services.reporting import analytics
from desktop_crm.services.sales import board, cards, deal_card, notifications, tasks, timeline
from tests.factories import (
    RU_LINES,
    make_company,
    make_contact,
    make_deal,
    make_deal_lines,
    make_own_company,
    make_pipeline,
    make_product,
    make_product_group,
    make_stages,
    make_user,
)

Check = Callable[..., None]  # qtmodeltester.check


def item_model_classes() -> dict[str, type]:
    """Every QAbstractItemModel subclass defined in a module of desktop_crm.views, by name."""
    found: dict[str, type] = {}
    package = desktop_crm.views
    for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (inspect.isclass(value) and issubclass(value, QAbstractItemModel)
                    and value.__module__ == module.__name__):
                found[value.__qualname__] = value
    return found


MODELS = item_model_classes()


@dataclass
class Data:
    user: User
    pipeline: Pipeline
    stages: list[Stage]
    company: Company
    contact: Contact
    deals: list[Deal]


@pytest.fixture
def data(db: object) -> Data:
    """A seller, a pipeline, a client with deals (with lines), comments, tasks and notifications."""
    make_own_company("RU")
    user = make_user("Анна Морозова", role=Role.ADMIN, email="anna@firma.ru")
    pipeline = make_pipeline("Продажи")
    stages = make_stages(pipeline, ["Новая", "КП отправлено"], won="Успешно", lost="Проиграна")
    group = make_product_group("Курсы")
    make_product("Курс «Продажи»", "19990.00", group=group)
    company = make_company("ООО «Ромашка»", inn="7707083893")
    contact = make_contact("Фёдоров", "Пётр", company=company, responsible=user)
    deals = []
    for number, title in enumerate(["Поставка ноутбуков", "Обучение отдела", "Ромашка: сервис"]):
        deal = make_deal(title, stage=stages[number % 2], company=company, contact=contact,
                         responsible=user, product_group=group, board_rank=(number + 1) * 1024,
                         amount="41990.00")
        make_deal_lines(deal, RU_LINES)
        deals.append(deal)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    for deal in deals:
        timeline.add_comment(user.id, "Обсудили сроки поставки и оплату", deal=deal.id)
    for days, subject in ((-2, "Перезвонить"), (0, "Отправить КП"), (3, "Встреча")):
        tasks.add_task(user.id, subject, now + dt.timedelta(days=days, minutes=5), "deals", deals[0].id)
    notifications.notify(user.id, "Новая сделка", "Поставка ноутбуков", "deals", deals[0].id)
    notifications.notify(user.id, "Задача просрочена")
    return Data(user, pipeline, stages, company, contact, deals)


def rows(model: QAbstractItemModel) -> int:
    return model.rowCount(QModelIndex())


# --- one exercise per model class ----------------------------------------------------------------


def exercise_report_table(model_class: type, check: Check, data: Data) -> None:
    model = model_class()
    check(model)
    scope = analytics.ReportScope(data.pipeline.id, analytics.default_period())
    shown = 0
    for kind in analytics.ReportKind:
        for table in analytics.tables(kind, analytics.compute(kind, scope)):
            model.set_table(table)
            shown += rows(model)
    assert shown > 0
    model.set_table(None)


def exercise_rows(model_class: type, check: Check, data: Data) -> None:
    model = model_class(["Deal", "Stage", "Amount"])
    check(model)
    model.set_rows([(str(deal.id), [deal.title, deal.stage, str(deal.amount)])
                    for deal in cards.deals_of(company=data.company.id)])
    assert rows(model) == len(data.deals)
    model.set_rows([])


def exercise_timeline(model_class: type, check: Check, data: Data) -> None:
    model = model_class()
    check(model)
    model.set_entries(timeline.timeline(deal=data.deals[0].id))
    assert rows(model) > 0
    model.set_entries(timeline.timeline(deal=data.deals[1].id))


def exercise_windowed(model_class: type, check: Check, data: Data) -> None:
    from desktop_crm import workers

    # The list rows' source lives beside the model, wherever that module goes.
    row_source = importlib.import_module(model_class.__module__).EntityRowSource
    shown = {}
    with workers.synchronous():
        for entity in LIST_ENTITIES:
            model = model_class(row_source(str(entity)))
            check(model)
            model.reload()
            shown[str(entity)] = rows(model)
            assert shown[str(entity)] == lists.count(str(entity))
            model.sort(0, Qt.SortOrder.DescendingOrder)
    assert shown["deals"] == len(data.deals)


def exercise_cards(model_class: type, check: Check, data: Data) -> None:
    model = model_class(StageId(data.stages[0].id))
    model.reload(board.PageQuery(user_id=data.user.id))
    # The tester comes after the first page: reload() resets and then fetches a page, and Qt's
    # tester (C++ and Python alike) answers modelReset by calling fetchMore before it marks the
    # reset finished, so that page would read to it as rows inserted inside the reset.
    check(model)
    assert rows(model) == 2
    card = model.remove(DealId(data.deals[0].id))
    assert card is not None
    model.place(card)
    assert rows(model) == 2
    model.reload(board.PageQuery(), enabled=False)


def exercise_lines(model_class: type, check: Check, data: Data) -> None:
    deal = deal_card.load(data.deals[0].id)
    model = model_class(deal.vat, deal.currency)
    check(model)
    model.set_lines(deal.lines)
    assert rows(model) == len(RU_LINES)
    model.add_line()
    model.setData(model.index(0, 1), "3")
    model.remove_line(1)
    model.undo_stack.undo()
    model.undo_stack.undo()


def exercise_search(model_class: type, check: Check, data: Data) -> None:
    model = model_class()
    check(model)
    model.set_groups(search.search("ром"))
    assert rows(model) > 0
    model.set_groups(search.search("федоров"))
    model.set_groups([])


def exercise_task_tree(model_class: type, check: Check, data: Data) -> None:
    model = model_class()
    check(model)
    model.set_buckets(tasks.my_tasks(data.user.id))
    assert sum(rows_under for rows_under in (
        model.rowCount(model.index(group, 0)) for group in range(rows(model)))) == 3


def exercise_notifications(model_class: type, check: Check, data: Data) -> None:
    model = model_class()
    check(model)
    model.set_items(tasks.notification_items(data.user.id))
    assert rows(model) == 2
    model.set_items([])


def exercise_statement_lines(model_class: type, check: Check, data: Data) -> None:
    import datetime as dt
    import uuid
    from decimal import Decimal

    from desktop_crm.ids import BankLineId
    from desktop_crm.models.enums import BankLineStatus
    from desktop_crm.services.billing.statements.imports import BankLineView

    def line(status: BankLineStatus, number: str) -> BankLineView:
        return BankLineView(BankLineId(uuid.uuid4()), status, number, dt.date(2026, 12, 2),
                            Decimal("100.00"), "RUB", "ООО «Лютик»", "7702345678", "Оплата по счету 1",
                            "", None, "", None, None, status.value, "", "02.12.2026", "100,00 ₽", "")

    model = model_class()
    check(model)
    model.set_lines([line(BankLineStatus.MATCHED, "1"), line(BankLineStatus.UNMATCHED, "2"),
                     line(BankLineStatus.IGNORED, "3")])
    assert rows(model) == 3
    assert model.data(model.index(0, 0), Qt.ItemDataRole.BackgroundRole) is not None
    model.set_lines([])


EXERCISES: dict[str, Callable[[type, Check, Data], None]] = {
    "ReportTableModel": exercise_report_table,
    "RowsModel": exercise_rows,
    "TimelineModel": exercise_timeline,
    "WindowedTableModel": exercise_windowed,
    "CardModel": exercise_cards,
    "LinesModel": exercise_lines,
    "SearchResultsModel": exercise_search,
    "TaskTreeModel": exercise_task_tree,
    "NotificationsModel": exercise_notifications,
    "StatementLinesModel": exercise_statement_lines,
}


def test_every_item_model_is_exercised() -> None:
    missing = sorted(set(MODELS) - set(EXERCISES))
    assert not missing, f"item models without an exercise in {__name__}: {missing}"
    gone = sorted(set(EXERCISES) - set(MODELS))
    assert not gone, f"exercises of models that no longer exist: {gone}"


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_item_model_passes_the_model_tester(name: str, qtmodeltester: Any, data: Data,
                                           qapp: Any) -> None:  # decorations are pixmaps
    if name not in MODELS:
        pytest.fail(f"{name} is not an item model in desktop_crm.views any more")
    EXERCISES[name](MODELS[name], qtmodeltester.check, data)
