"""The home screen's service: deals at risk with why, recent client replies, a head looking at a
member's day (and a manager refused another's), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop_crm.errors import PermissionDenied
from desktop_crm.models import Activity, ActivityKind, Deal, MailDirection, MailMessage
from desktop_crm.services.reporting import my_day
from desktop_crm.services.system import session

from .conftest import World

NOW = dt.datetime(2026, 3, 16, 12)


def test_risks_replies_and_who_may_look(world: World) -> None:
    incorrect = world.open_deal(world.mine, "Без товара")
    Deal.update(missing_fields=["product_group"]).where(Deal.id == incorrect.id).execute()
    silent = world.open_deal(world.mine, "Давно молчит")
    Deal.update(correct=True, last_interaction_at=NOW - dt.timedelta(days=75)).where(
        Deal.id == silent.id).execute()
    fine = world.open_deal(world.mine, "Всё хорошо")
    Deal.update(correct=True, last_interaction_at=NOW - dt.timedelta(days=3)).where(
        Deal.id == fine.id).execute()
    Activity.create(kind=ActivityKind.CALL, body="Клиент ответил: ждёт счёт", deal=fine,
                    client_answered=True, done_at=NOW - dt.timedelta(days=1), author=world.mine)
    Activity.create(kind=ActivityKind.CALL, body="Не дозвонился", deal=fine,
                    client_answered=False, done_at=NOW - dt.timedelta(hours=5))
    MailMessage.create(direction=MailDirection.IN, client_answered=True, deal=silent,
                       subject="Re: предложение", date=NOW - dt.timedelta(hours=2),
                       created_at=NOW - dt.timedelta(hours=2))
    day = my_day.my_day(world.mine.id, now=NOW, today=NOW.date())
    reasons = {r.title: r.reason for r in day.at_risk}
    assert set(reasons) == {"Без товара", "Давно молчит"}
    assert reasons["Без товара"].startswith("Incomplete: ")
    assert reasons["Давно молчит"] == "No contact with the client for 75 days"
    assert [(r.kind, r.title) for r in day.replies] == [
        ("email", "Давно молчит"), ("call", "Всё хорошо")]
    assert day.replies[0].entity == "deals" and day.replies[0].entity_id == silent.id
    session.sign_in(world.head.id)
    assert len(my_day.my_day(world.mine.id, now=NOW).at_risk) == 2  # a head sees the team's day
    session.sign_in(world.other.id)
    with pytest.raises(PermissionDenied):
        my_day.my_day(world.mine.id, now=NOW)
