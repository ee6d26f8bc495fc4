"""Stage transitions (seed 003): any order between open stages, tasks per stage, lost reasons,
won only when correct, closed deals locked (admin reopen), stage history, head notified, undo."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop_crm import i18n
from desktop_crm.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Deal,
    Notification,
    StageChange,
)
from desktop_crm.services.sales import contacts, deals, notifications, rules, stages, timeline
from desktop_crm.services.sales.rule_errors import PermissionDenied, StageChangeRefused
from tests.rules.conftest import CONTACT, DETAILED


def correct_deal(world, **extra):
    contact = contacts.create_contact(CONTACT, world.manager)
    values = {
        "title": "Обучение отдела продаж", "contact": contact.id, "product_group": world.courses.id,
        "comment": DETAILED, "lines": [{"product": world.product.id, "quantity": "2"}],
    }
    values.update(extra)
    return deals.create_deal(values, world.manager)


def planned_subjects(deal_id):
    return sorted(
        a.subject for a in Activity.alive().where(
            (Activity.deal == deal_id) & (Activity.kind == ActivityKind.TASK)
            & (Activity.status == ActivityStatus.PLANNED)
        )
    )


def test_new_deal_gets_the_first_stage_tasks_and_a_history_row(world):
    deal = correct_deal(world)
    assert planned_subjects(deal.id) == ["Подготовить презентацию", "Связаться с клиентом"]
    task = Activity.get((Activity.deal == deal.id) & (Activity.subject == "Подготовить презентацию"))
    assert task.assignee_id == world.manager.id
    assert task.due_at - Deal.get_by_id(deal.id).created_at == dt.timedelta(days=5)
    change = StageChange.get(StageChange.deal == deal.id)
    assert change.from_stage_id is None and change.to_stage_id == world.qualification.id


def test_moving_cancels_the_old_stage_tasks_and_creates_the_new_ones_in_any_order(world):
    deal = correct_deal(world)
    entered = Deal.get_by_id(deal.id).stage_entered_at
    later = entered + dt.timedelta(hours=3)
    result = stages.move_deal(deal.id, world.proposal, world.manager, now=later)
    assert planned_subjects(deal.id) == ["Презентовать КП"]
    cancelled = Activity.select().where(
        (Activity.deal == deal.id) & (Activity.status == ActivityStatus.CANCELLED)
    )
    assert sorted(a.subject for a in cancelled) == ["Подготовить презентацию", "Связаться с клиентом"]
    assert sorted(result.cancelled_task_ids) == sorted(a.id for a in cancelled)
    change = StageChange.get_by_id(result.stage_change_id)
    assert change.seconds_in_previous == 3 * 3600
    assert (change.from_stage_id, change.to_stage_id) == (world.qualification.id, world.proposal.id)
    # Back to an earlier stage: allowed, its tasks are created again.
    stages.move_deal(deal.id, world.qualification, world.manager, now=later + dt.timedelta(minutes=1))
    assert planned_subjects(deal.id) == ["Подготовить презентацию", "Связаться с клиентом"]
    entries = [e for e in timeline.timeline(deal=deal.id) if e.kind == ActivityKind.STAGE_CHANGE]
    assert [e.title for e in entries[:2]] == [
        "Stage changed: Коммерческое предложение → Квалификация",
        "Stage changed: Квалификация → Коммерческое предложение",
    ]
    assert entries[0].author == world.manager.name


def test_stages_requiring_a_correct_deal_refuse_an_incorrect_one(world):
    deal = deals.create_deal({"title": "Без контакта"}, world.manager)
    check = stages.can_move(deal.id, world.proposal.id)
    assert check.allowed is False
    assert check.missing == ["product_group", "contact", "comment", "lines"]
    assert check.reason == (
        "To move the deal to “Коммерческое предложение”, fill in: product group, contact, "
        "detailed comment, a product line with an amount above zero."
    )
    with pytest.raises(StageChangeRefused) as refusal:
        stages.move_deal(deal.id, world.proposal, world.manager)
    assert refusal.value.missing == check.missing
    assert Deal.get_by_id(deal.id).stage_id == world.qualification.id
    assert StageChange.select().where(StageChange.deal == deal.id).count() == 1
    # An open stage without requirements takes it.
    assert stages.can_move(deal.id, world.presentation.id).allowed is True
    i18n.set_language("it")
    assert "Per spostare la trattativa" in stages.can_move(deal.id, world.proposal.id).reason


def test_stage_required_fields_block_entry_until_filled(world):
    deal = correct_deal(world)
    check = stages.can_move(deal.id, world.contract.id)
    assert (check.allowed, check.missing) == (False, ["expected_close_date"])
    deals.update_deal(deal.id, {"expected_close_date": dt.date(2026, 12, 20)}, world.manager)
    assert stages.can_move(deal.id, world.contract.id).allowed is True


def test_won_requires_a_correct_deal(world):
    deal = deals.create_deal({"title": "Сделка"}, world.manager)
    check = stages.can_move(deal.id, world.won.id)
    assert check.allowed is False
    assert check.reason.startswith("Only a correct deal can be won. Missing: product group")
    i18n.set_language("ru")
    assert stages.can_move(deal.id, world.won.id).reason.startswith(
        "Выиграть можно только корректную сделку. Не хватает: группа продуктов"
    )


def test_lost_needs_a_reason_from_the_list_and_closes_the_deal(world):
    deal = correct_deal(world)
    check = stages.can_move(deal.id, world.lost.id)
    assert check.allowed and check.needs_lost_reason
    with pytest.raises(StageChangeRefused, match="Choose why the deal was lost"):
        stages.move_deal(deal.id, world.lost, world.manager)
    with pytest.raises(StageChangeRefused, match="is not one of the reasons"):
        stages.move_deal(deal.id, world.lost, world.manager, lost_reason="Луна не в той фазе")
    result = stages.move_deal(deal.id, world.lost, world.manager, lost_reason="Chose a competitor",
                              comment="Ушли к конкуренту из-за сроков поставки")
    stored = Deal.get_by_id(deal.id)
    assert stored.closed_at is not None and stored.lost_reason == "Chose a competitor"
    assert planned_subjects(deal.id) == []
    assert result.closed is True
    entry = timeline.timeline(deal=deal.id)[0]
    assert entry.title == "Deal lost (Chose a competitor): Квалификация → Завершена с проигрышем"
    assert entry.body == "Ушли к конкуренту из-за сроков поставки"


def test_without_the_lost_reason_rule_no_reason_is_asked_for(world):
    deal = correct_deal(world)
    rules.LOST_REASON_REQUIRED.set(False)
    check = stages.can_move(deal.id, world.lost.id)
    assert check.allowed and not check.needs_lost_reason  # the board then moves without asking
    stages.move_deal(deal.id, world.lost, world.manager)
    stored = Deal.get_by_id(deal.id)
    assert stored.closed_at is not None and stored.lost_reason == ""


def test_after_a_final_stage_only_an_admin_can_reopen_and_it_is_logged(world):
    deal = correct_deal(world)
    stages.move_deal(deal.id, world.won, world.manager)
    check = stages.can_move(deal.id, world.presentation.id)
    assert (check.allowed, check.reason) == (
        False, "The deal is closed; only an administrator can reopen it."
    )
    with pytest.raises(StageChangeRefused):
        stages.move_deal(deal.id, world.presentation, world.manager)
    with pytest.raises(PermissionDenied, match="reopen closed deals"):
        stages.reopen_deal(deal.id, world.presentation, world.manager)
    stages.reopen_deal(deal.id, world.presentation, world.admin, comment="Клиент вернул товар")
    stored = Deal.get_by_id(deal.id)
    assert stored.closed_at is None and stored.stage_id == world.presentation.id
    history = [e for e in timeline.timeline(deal=deal.id) if e.kind == ActivityKind.STAGE_CHANGE]
    assert history[0].title == "Deal reopened: Завершена с победой → Презентация"
    assert history[0].author == world.admin.name and history[0].body == "Клиент вернул товар"
    assert planned_subjects(deal.id) == ["Презентация"]


def test_closing_notifies_the_responsibles_head_in_the_heads_language(world):
    deal = correct_deal(world)
    assert notifications.unread_count(world.head) == 0
    result = stages.move_deal(deal.id, world.won, world.manager)
    assert notifications.unread_count(world.head) == 1
    note = notifications.list_notifications(world.head)[0]
    assert note.title == "Сделка выиграна: Обучение отдела продаж"  # the head reads Russian
    assert "39\xa0980,00\xa0₽" in note.body
    assert (note.link_kind, note.link_id) == ("deal", str(deal.id))
    assert result.notification_ids == [note.id]
    notifications.mark_read(note.id)
    assert notifications.unread_count(world.head) == 0
    assert notifications.unread_count(world.manager) == 0  # nobody else was told


def test_undo_takes_back_a_move_exactly(world):
    deal = correct_deal(world)
    before = Deal.get_by_id(deal.id)
    tasks_before = planned_subjects(deal.id)
    result = stages.move_deal(deal.id, world.won, world.manager)
    assert notifications.unread_count(world.head) == 1
    # taking back a won move reopens the deal: the reopening rule holds (no back door)
    with pytest.raises(PermissionDenied, match="does not allow you to reopen"):
        stages.undo_move(result, world.manager)
    stages.undo_move(result, world.admin)
    after = Deal.get_by_id(deal.id)
    assert (after.stage_id, after.closed_at, after.stage_entered_at) == (
        before.stage_id, None, before.stage_entered_at
    )
    assert planned_subjects(deal.id) == tasks_before
    assert notifications.unread_count(world.head) == 0
    assert StageChange.alive().where(StageChange.deal == deal.id).count() == 1
    assert all(e.kind != ActivityKind.STAGE_CHANGE or e.payload["event"] == "created"
               for e in timeline.timeline(deal=deal.id))
    # Once the deal moved on, an old result cannot be undone.
    first = stages.move_deal(deal.id, world.presentation, world.manager)
    stages.move_deal(deal.id, world.qualification, world.manager)
    with pytest.raises(StageChangeRefused, match="can no longer be undone"):
        stages.undo_move(first, world.manager)


def test_moving_to_the_same_stage_or_another_pipeline_is_refused(world):
    from desktop_crm.models import Pipeline, Stage

    deal = correct_deal(world)
    assert stages.can_move(deal.id, world.qualification.id).reason == "The deal is already in this stage."
    other = Stage.create(pipeline=Pipeline.create(name="Другая"), name="Новая")
    assert stages.can_move(deal.id, other.id).reason == "The stage belongs to another pipeline."


def test_task_lifecycle_and_overdue_flag(world):
    deal = correct_deal(world)
    due = dt.datetime(2020, 1, 1, 9, 0)
    task = timeline.add_task(world.manager, "Отправить договор", due, deal=deal.id)
    entry = next(e for e in timeline.timeline(deal=deal.id) if e.id == task.id)
    assert entry.overdue is True and entry.title == "Task: Отправить договор"
    timeline.reschedule_task(task.id, world.manager, dt.datetime(2099, 1, 1))
    assert next(e for e in timeline.timeline(deal=deal.id) if e.id == task.id).overdue is False
    timeline.complete_task(task.id, world.manager, result="Договор отправлен курьером")
    stored = Activity.get_by_id(task.id)
    assert stored.status == ActivityStatus.DONE and "курьером" in stored.body
    from desktop_crm.errors import ValidationError

    with pytest.raises(ValidationError, match="already done or cancelled"):
        timeline.cancel_task(task.id, world.manager)
    other = timeline.add_task(world.manager, "Позвонить", dt.datetime(2099, 1, 1), deal=deal.id)
    timeline.cancel_task(other.id, world.manager)
    titles = [e.title for e in timeline.timeline(deal=deal.id)]
    assert "Task done: Отправить договор" in titles and "Task cancelled: Позвонить" in titles
    assert Notification.select().count() == 0
