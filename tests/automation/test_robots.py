"""Each robot action and each trigger on a real database (SQLite and PostgreSQL): what it makes,
with ids derived from its run, exactly once per rule, deal and event; refusals recorded as skipped
runs on the deal's timeline, never a crash."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from desktop_crm import i18n
from desktop_crm.errors import ValidationError
from desktop_crm.models import (
    Activity,
    AutomationRun,
    MailMessage,
    Notification,
    StageChange,
)
from desktop_crm.services.billing import invoices, quotes
from desktop_crm.services.mail import accounts, parse, store
from desktop_crm.services.sales import deals, stages, timeline
from desktop_crm.services.sales.automation import engine, rules
from desktop_crm.services.sales.automation.actions import ROBOT_DOMAIN, effect_id
from desktop_crm.services.system import custom_fields, custom_values
from tests.automation.conftest import Sales
from tests.factories import make_deal_lines, make_own_company, make_product_group

TASK = {"text": "Перезвонить клиенту", "due_days": 2, "who": "responsible"}


def robot_entries(deal_id: object) -> list[str]:
    """The robots' timeline entries of the deal, oldest first."""
    return [entry.title for entry in reversed(timeline.timeline(deal=deal_id))
            if entry.title.startswith("Robot")]


def test_a_stage_robot_creates_one_task_for_the_responsible(sales: Sales):
    rule = sales.rule("entering_stage", "create_task", TASK, stage_id=sales.proposal.id)
    now = dt.datetime(2026, 12, 1, 9)
    moved = stages.move_deal(sales.deal.id, sales.proposal.id, sales.manager.id, now=now)
    change = StageChange.get(StageChange.id == moved.stage_change_id)
    run_id = engine.run_id(rule.id, sales.deal.id, str(change.id))
    task = Activity.get_by_id(effect_id(run_id, "task"))
    assert (task.subject, task.assignee_id, task.due_at) == (
        "Перезвонить клиенту", sales.manager.id, now + dt.timedelta(days=2))
    assert AutomationRun.get_by_id(run_id).state == "done"
    assert task.id in moved.created_task_ids
    # the same event seen again (replayed, re-delivered) is not acted on twice
    assert engine.on_event(engine.DealEvent(rules.Event.ENTERING_STAGE, sales.deal.id,
                                            str(change.id)), sales.manager.id) == []
    assert Activity.select().where(Activity.subject == "Перезвонить клиенту").count() == 1
    assert robot_entries(sales.deal.id) == [
        "Robot created the task «Перезвонить клиенту» for Пётр Иванов"]
    # undoing the move takes the robot's task back with it
    stages.undo_move(moved, sales.manager.id)
    assert Activity.get_by_id(task.id).deleted_at is not None


def test_notify_the_head_and_a_skipped_run_when_there_is_no_head(sales: Sales):
    sales.rule("entering_stage", "notify", {"who": "head", "text": "Сделка на переговорах"},
               stage_id=sales.negotiation.id)
    stages.move_deal(sales.deal.id, sales.negotiation.id, sales.manager.id)
    [note] = Notification.select().where(Notification.user == sales.head.id)
    assert (note.title, note.body, note.link_id) == (
        "Сделка на переговорах", "Поставка станков", str(sales.deal.id))
    sales.manager.head = None
    sales.manager.save()
    stages.move_deal(sales.deal.id, sales.proposal.id, sales.manager.id)
    stages.move_deal(sales.deal.id, sales.negotiation.id, sales.manager.id)
    runs = engine.runs_of(sales.deal.id)
    assert [r.state for r in runs] == ["done", "skipped"]
    assert runs[1].reason == "Пётр Иванов has no head."
    assert robot_entries(sales.deal.id)[-1] == "Robot did not act: Пётр Иванов has no head."


def test_send_an_email_from_a_template_through_the_outbox(sales: Sales):
    accounts.save_account(accounts.MailAccountInput(
        address="petr@romashka.ru", display_name="Пётр Иванов", username="petr",
        smtp_host="smtp.romashka.ru"), user=sales.manager.id)
    rule = sales.rule("entering_stage", "send_email", {"template": "robot_followup"},
                      stage_id=sales.proposal.id)
    moved = stages.move_deal(sales.deal.id, sales.proposal.id, sales.manager.id)
    run_id = engine.run_id(rule.id, sales.deal.id, str(moved.stage_change_id))
    message = MailMessage.get_by_id(effect_id(run_id, "mail"))
    assert message.message_id == f"<{run_id}@{ROBOT_DOMAIN}>"
    assert (message.status, message.to_addresses, message.author_id, message.deal_id) == (
        "queued", "oleg@client.ru", sales.manager.id, sales.deal.id)
    assert message.subject == "Поставка станков: удалось ли посмотреть наше предложение?"
    assert message.body.startswith("Олег, добрый день!")
    assert message.body.rstrip().endswith("Пётр Иванов")


def test_an_email_to_a_contact_without_an_address_is_skipped(sales: Sales):
    sales.deal.contact.work_email = ""
    sales.deal.contact.save()
    sales.rule("entering_stage", "send_email", {"template": "robot_thanks"},
               stage_id=sales.proposal.id)
    stages.move_deal(sales.deal.id, sales.proposal.id, sales.manager.id)
    [run] = engine.runs_of(sales.deal.id)
    assert run.state == "skipped"
    assert run.reason == "The deal's contact and company have no e-mail address."
    assert MailMessage.select().count() == 0


def test_set_a_field_and_a_field_set_trigger_with_a_condition(sales: Sales):
    sales.rule("entering_stage", "set_field", {"field": "probability", "value": "60"},
               stage_id=sales.negotiation.id)
    # when the probability is set to at least 50: the head is told
    sales.rule("field_set", "notify", {"who": "head", "text": "Вероятная сделка"},
               event_field="probability",
               condition={"field": "probability", "operator": "ge", "value": "50"})
    stages.move_deal(sales.deal.id, sales.negotiation.id, sales.manager.id)
    assert sales.fresh().probability == Decimal("60")
    assert Notification.select().where(Notification.title == "Вероятная сделка").count() == 1
    deals.update_deal(sales.deal.id, {"probability": "30"}, sales.manager.id)  # condition false
    assert Notification.select().where(Notification.title == "Вероятная сделка").count() == 1
    deals.update_deal(sales.deal.id, {"probability": "90"}, sales.manager.id)
    assert Notification.select().where(Notification.title == "Вероятная сделка").count() == 2


def quote_for(sales: Sales) -> object:
    make_own_company("RU")
    make_deal_lines(sales.deal, [("Станок", "1", "100000.00", "22", "шт")])
    return quotes.send(quotes.create_from_deal(sales.deal.id).id)


def test_an_accepted_quote_moves_the_deal(sales: Sales, tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    sales.rule("quote_accepted", "move_to", {"stage_id": sales.negotiation.id})
    sales.rule("entering_stage", "create_task", TASK, stage_id=sales.negotiation.id)
    quote = quote_for(sales)
    quotes.accept(quote.id)
    assert sales.fresh().stage_id == sales.negotiation.id
    assert sorted(robot_entries(sales.deal.id)) == [
        "Robot created the task «Перезвонить клиенту» for Пётр Иванов",  # fired by the move
        "Robot moved the deal to «Переговоры»",
    ]
    assert [run.state for run in engine.runs_of(sales.deal.id)] == ["done", "done"]


def test_a_refused_move_is_a_skipped_run_with_the_reason(sales: Sales):
    sales.negotiation.required_fields = ["expected_close_date"]
    sales.negotiation.save()
    sales.rule("field_set", "move_to", {"stage_id": sales.negotiation.id},
               event_field="probability")
    deals.update_deal(sales.deal.id, {"probability": "40"}, sales.manager.id)
    assert sales.fresh().stage_id == sales.new.id
    [run] = engine.runs_of(sales.deal.id)
    assert run.state == "skipped" and "fill in: expected close date" in run.reason.lower()
    assert robot_entries(sales.deal.id) == [f"Robot did not act: {run.reason}"]


def test_a_paid_invoice_moves_the_deal_to_won(sales: Sales, tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    sales.rule("invoice_paid", "move_to", {"stage_id": sales.won.id})
    quote = quote_for(sales)
    quotes.accept(quote.id)
    invoice = invoices.issue(quotes.to_invoice(quote.id).id)
    deals.update_deal(sales.deal.id, {  # a correct deal, so that it may be won
        "product_group": make_product_group().id,
        "comment": "Клиент выбрал станок с ЧПУ, оплата двумя частями, доставка в январе."},
        sales.manager.id)
    invoices.register_payment(invoice.id, "50000")
    assert sales.fresh().closed_at is None  # partly paid: not yet
    invoices.register_payment(invoice.id, invoice.total - Decimal("50000"))
    deal = sales.fresh()
    assert deal.stage_id == sales.won.id and deal.closed_at is not None, engine.runs_of(deal.id)
    [run] = engine.runs_of(sales.deal.id)
    assert run.id == engine.run_id(run.rule_id, deal.id, str(invoice.id))


def test_a_clients_reply_is_a_trigger(sales: Sales):
    sales.rule("client_replied", "create_task",
               {"text": "Ответить клиенту", "due_days": 0, "who": "user",
                "user_id": sales.head.id})
    raw = ("From: Олег Смирнов <oleg@client.ru>\r\nTo: petr@romashka.ru\r\n"
           "Subject: =?utf-8?b?0JLQvtC/0YDQvtGB?=\r\nMessage-ID: <reply-1@client.ru>\r\n"
           "Date: Tue, 01 Dec 2026 10:00:00 +0300\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           "Добрый день!\r\n").encode()
    for _attempt in range(2):  # fetched twice (two folders, two computers): one event
        store.store_message(parse.parse(raw), raw, is_sent=False, own_addresses={"petr@romashka.ru"},
                            user=sales.manager.id, account=None)
    [task] = Activity.select().where(Activity.subject == "Ответить клиенту")
    assert task.assignee_id == sales.head.id and task.deal_id == sales.deal.id


def test_a_delayed_robot_acts_when_its_time_comes_if_the_deal_stayed(sales: Sales):
    sales.rule("entering_stage", "create_task", TASK, stage_id=sales.proposal.id, delay_days=3)
    start = dt.datetime(2026, 12, 1, 9)
    stages.move_deal(sales.deal.id, sales.proposal.id, sales.manager.id, now=start)
    [run] = engine.runs_of(sales.deal.id)
    assert run.state == "pending" and run.due_at == start + dt.timedelta(days=3)
    assert engine.run_due(sales.manager.id, now=start + dt.timedelta(days=2)) == []
    [done] = engine.run_due(sales.manager.id, now=start + dt.timedelta(days=3, hours=1))
    assert done.state == "done"
    assert Activity.get_by_id(effect_id(run.id, "task")).subject == "Перезвонить клиенту"
    assert engine.run_due(sales.manager.id, now=start + dt.timedelta(days=9)) == []
    # the deal leaves the stage before the time: skipped, with the reason on the timeline
    stages.move_deal(sales.deal.id, sales.new.id, sales.manager.id, now=start + dt.timedelta(days=4))
    stages.move_deal(sales.deal.id, sales.proposal.id, sales.manager.id,
                     now=start + dt.timedelta(days=5))
    stages.move_deal(sales.deal.id, sales.negotiation.id, sales.manager.id,
                     now=start + dt.timedelta(days=6))
    [skipped] = engine.run_due(sales.manager.id, now=start + dt.timedelta(days=9))
    assert skipped.state == "skipped"
    assert skipped.reason == "The deal left the stage «Предложение» before the robot's time came."


def test_a_chain_of_robots_that_move_the_deal_back_and_forth_stops(sales: Sales):
    sales.rule("entering_stage", "move_to", {"stage_id": sales.negotiation.id},
               stage_id=sales.proposal.id)
    sales.rule("entering_stage", "move_to", {"stage_id": sales.proposal.id},
               stage_id=sales.negotiation.id)
    stages.move_deal(sales.deal.id, sales.proposal.id, sales.manager.id)
    runs = engine.runs_of(sales.deal.id)
    assert [r.state for r in runs] == ["done"] * engine.MAX_DEPTH + ["skipped"]
    assert runs[-1].reason.startswith("Too many robots in a row")


def test_rules_read_as_sentences_in_both_languages_and_refuse_bad_input(sales: Sales):
    made = sales.rule("entering_stage", "create_task", TASK, stage_id=sales.proposal.id,
                      delay_days=1, condition={"field": "amount", "operator": "ge",
                                               "value": "100000"})
    assert made.sentence == ("When a deal enters «Предложение», if Amount ≥ 100,000, after 1 day "
                             "if the deal is still in the stage: create the task «Перезвонить "
                             "клиенту» due in 2 days for the responsible.")
    i18n.set_language("ru")
    assert rules.rule(made.id).sentence == (
        "Когда сделка переходит на стадию «Предложение», если Сумма ≥ 100\xa0000, через 1 день, если "
        "сделка всё ещё на этой стадии: поставить задачу «Перезвонить клиенту» со сроком 2 дня, "
        "исполнитель — ответственный.")
    i18n.set_language("it")
    assert rules.rule(made.id).sentence.startswith("Quando una trattativa entra in «Предложение»")
    i18n.set_language("en")
    with pytest.raises(ValidationError) as refused:
        sales.rule("entering_stage", "create_task", {"text": "", "due_days": 1})
    assert refused.value.field == "stage_id"
    with pytest.raises(ValidationError) as refused:
        sales.rule("quote_accepted", "create_task", {"text": "", "due_days": 1})
    assert refused.value.field == "text"
    off = rules.set_active(made.id, False)
    assert not off.active
    stages.move_deal(sales.deal.id, sales.proposal.id, sales.manager.id)
    assert engine.runs_of(sales.deal.id) == []
    rules.delete_rule(made.id)
    assert rules.rules(sales.pipeline.id) == []


def test_custom_fields_in_conditions_set_by_robots_and_as_triggers(sales: Sales):
    budget = custom_fields.define_field("deals", "Бюджет", "money")
    rivals = custom_fields.define_field("deals", "Конкуренты", "multi_list", options=["Битрикс24", "amoCRM"])
    urgent = custom_fields.define_field("deals", "Срочно", "yes_no")
    keys = rules.choices(sales.deal.pipeline_id)
    assert {"custom." + budget.key, "custom." + rivals.key} <= {c.value for c in keys.fields}
    assert "custom." + rivals.key not in {c.value for c in keys.settable}  # a multi-list is only read
    # entering negotiation marks the deal urgent; an urgent deal with a big budget tells the head
    sales.rule("entering_stage", "set_field", {"field": "custom." + urgent.key, "value": "да"},
               stage_id=sales.negotiation.id)
    made = sales.rule("field_set", "notify", {"who": "head", "text": "Крупная срочная сделка"},
                      event_field="custom." + urgent.key,
                      condition={"field": "custom." + budget.key, "operator": "ge", "value": "500000"})
    assert "if Бюджет ≥ 500,000" in made.sentence and "When «Срочно» is set" in made.sentence
    custom_values.set_values("deals", sales.deal.id, {budget.key: "750000"})
    stages.move_deal(sales.deal.id, sales.negotiation.id, sales.manager.id)
    assert custom_values.values_by_key("deals", sales.deal.id)[urgent.key] is True
    assert Notification.select().where(Notification.title == "Крупная срочная сделка").count() == 1
    # «contains» on a multi-list
    sales.rule("field_set", "notify", {"who": "head", "text": "Против Битрикс24"},
               event_field="custom." + budget.key,
               condition={"field": "custom." + rivals.key, "operator": "eq", "value": "Битрикс24"})
    custom_values.set_values("deals", sales.deal.id, {rivals.key: ["amoCRM"], budget.key: "800000"})
    assert Notification.select().where(Notification.title == "Против Битрикс24").count() == 0
    custom_values.set_values("deals", sales.deal.id, {rivals.key: ["Битрикс24"], budget.key: "900000"})
    assert Notification.select().where(Notification.title == "Против Битрикс24").count() == 1
    with pytest.raises(ValidationError):  # not one of the field's choices
        sales.rule("field_set", "notify", {"who": "head", "text": "x"}, event_field="custom." + budget.key,
                   condition={"field": "custom." + rivals.key, "operator": "eq", "value": "Odoo"})
