"""Robots across replicas and the server: exactly once per rule, deal and event.

* a stage change made on one replica fires its robots there; the other replica pulls the change, the
  run and the task, and fires nothing again;
* the same event seen on two offline replicas (the client's reply fetched on both) is one run, one
  task, one queued e-mail and one timeline entry on the server once both have synced;
* a delayed run is executed by the device that owns it only; the others pull it done.
"""

from __future__ import annotations

import datetime as dt

import pytest

from desktop_crm.models import (
    Activity,
    AutomationRun,
    Deal,
    MailMessage,
    Role,
    Stage,
    User,
)
from desktop_crm.services.mail import accounts, parse, store
from desktop_crm.services.sales import stages
from desktop_crm.services.sales.automation import engine, rules
from desktop_crm.services.sales.automation.actions import effect_id
from tests.factories import make_contact, make_deal, make_pipeline, make_stages
from tests.sync.helpers import admin, new_replica, use

pytestmark = pytest.mark.postgres

REPLY = (b"From: Luca Bianchi <luca@bianchi.example>\r\nTo: anna@rossi.example\r\n"
         b"Subject: Re: offerta\r\nMessage-ID: <reply-42@bianchi.example>\r\n"
         b"Date: Tue, 01 Dec 2026 10:00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
         b"Va bene, procediamo.\r\n")


def world(server_url: str, tmp_path) -> tuple[object, object, dict[str, object]]:
    """Replica a makes the sales world and its robots and syncs; replica b starts from the server."""
    a = new_replica(tmp_path / "a.db", server_url)
    use(a)
    anna = User.create(name="Anna Rossi", role=Role.SALES, locale="it")
    pipeline = make_pipeline("Vendite")
    new, proposal, negotiation = make_stages(pipeline, ["Nuova", "Proposta", "Trattativa"])
    contact = make_contact("Bianchi", "Luca", work_email="luca@bianchi.example", country="IT")
    deal = make_deal("Fornitura", stage=new, responsible=anna, contact=contact)
    accounts.save_account(accounts.MailAccountInput(
        address="anna@rossi.example", display_name="Anna Rossi", username="anna",
        smtp_host="smtp.rossi.example"), anna.id)
    base = {"pipeline_id": pipeline.id}
    task = rules.save_rule(None, {**base, "event": "entering_stage", "stage_id": proposal.id,
                                  "action": "create_task",
                                  "params": {"text": "Richiamare", "due_days": 2}})
    reply = rules.save_rule(None, {**base, "event": "client_replied", "action": "send_email",
                                   "params": {"template": "robot_followup"}})
    later = rules.save_rule(None, {**base, "event": "entering_stage", "stage_id": negotiation.id,
                                   "action": "notify", "delay_days": 3,
                                   "params": {"who": "responsible", "text": "Ancora qui?"}})
    a.sync()
    b = new_replica(tmp_path / "b.db", server_url)
    b.sync()
    return a, b, {"anna": anna.id, "deal": deal.id, "proposal": proposal.id,
                  "negotiation": negotiation.id, "task": task.id, "reply": reply.id,
                  "later": later.id}


def server_count(server_url: str, sql: str, *params: object) -> int:
    with admin(server_url) as conn:
        return int(conn.execute(sql, params).fetchone()[0])


def test_a_pulled_stage_change_does_not_fire_robots_again(server_url, tmp_path):
    a, b, ids = world(server_url, tmp_path)
    use(a)
    moved = stages.move_deal(ids["deal"], ids["proposal"], ids["anna"])
    run_id = engine.run_id(ids["task"], ids["deal"], str(moved.stage_change_id))
    a.sync()
    use(b)
    b.sync()
    assert Deal.get_by_id(ids["deal"]).stage_id == ids["proposal"]
    assert [run.id for run in engine.runs_of(ids["deal"])] == [run_id]
    assert Activity.select().where(Activity.subject == "Richiamare").count() == 1
    assert engine.run_due(ids["anna"]) == []
    b.sync()
    assert server_count(server_url, "SELECT count(*) FROM activity WHERE subject = %s",
                        "Richiamare") == 1
    assert server_count(server_url, "SELECT count(*) FROM automation_run") == 1


def test_the_same_reply_seen_on_two_offline_replicas_is_acted_on_once(server_url, tmp_path):
    a, b, ids = world(server_url, tmp_path)
    made = []
    for replica in (a, b):  # both fetch the client's reply before either syncs
        use(replica)
        store.store_message(parse.parse(REPLY), REPLY, is_sent=False,
                            own_addresses={"anna@rossi.example"}, user=ids["anna"], account=None)
        [run] = engine.runs_of(ids["deal"])
        assert run.state == "done"
        made.append(run.id)
    assert made[0] == made[1]
    run_id = made[0]
    for replica in (a, b, a):
        use(replica)
        replica.sync()
    assert server_count(server_url, "SELECT count(*) FROM automation_run WHERE id = %s",
                        run_id) == 1
    assert server_count(server_url, "SELECT count(*) FROM mail_message WHERE message_id = %s",
                        f"<{run_id}@robots.desktop-crm.invalid>") == 1
    assert server_count(server_url, "SELECT count(*) FROM activity WHERE id = %s",
                        effect_id(run_id, "timeline")) == 1
    for replica in (a, b):
        use(replica)
        robot_mail = MailMessage.select().where(MailMessage.id == effect_id(run_id, "mail"))
        assert robot_mail.count() == 1
        assert robot_mail.get().subject.startswith("Fornitura: ha avuto modo")


def test_a_delayed_run_is_done_by_its_device_only(server_url, tmp_path):
    a, b, ids = world(server_url, tmp_path)
    use(a)
    stages.move_deal(ids["deal"], ids["negotiation"], ids["anna"])
    [pending] = engine.runs_of(ids["deal"])
    assert pending.state == "pending"
    a.sync()
    use(b)
    b.sync()
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=4)
    assert engine.run_due(ids["anna"], now=later) == []  # a's run: b leaves it alone
    assert AutomationRun.get_by_id(pending.id).state == "pending"
    use(a)
    [done] = engine.run_due(ids["anna"], now=later)
    assert done.state == "done"
    a.sync()
    use(b)
    b.sync()
    assert AutomationRun.get_by_id(pending.id).state == "done"
    assert Stage.get_by_id(Deal.get_by_id(ids["deal"]).stage_id).name == "Trattativa"
    assert server_count(server_url, "SELECT count(*) FROM notification WHERE id = %s",
                        effect_id(pending.id, "notification")) == 1
