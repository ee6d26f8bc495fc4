"""The calendar, iCalendar export and reminders services on SQLite and PostgreSQL: entries of a
span for oneself and (within the scope) the team, dragging a task to another day, refusals for a
closed deal and without the edit right, the .ics text, snoozes that survive, birthdays, and the
notices to whoever is assigned a task or a lead by someone else."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop_crm.errors import PermissionDenied, ValidationError
from desktop_crm.models import Activity, Contact, Deal, Notification, utcnow
from desktop_crm.services.sales import calendar, deals, ical, leads, reminders, timeline
from desktop_crm.services.system import rights
from tests.rights.conftest import Team, sign_in

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 10, 8, 0)  # a Tuesday, naive UTC


def _task(team: Team, who: str, subject: str, due: dt.datetime) -> Activity:
    user = getattr(team, who)
    info = timeline.add_task(user.id, subject, due, deal=team.deals[who].id)
    return Activity.get_by_id(info.id)


def test_entries_of_a_week_mine_and_my_teams(team: Team) -> None:
    sign_in(team.admin)
    _task(team, "mine", "Позвонить", dt.datetime(2026, 3, 11, 9, 0))
    _task(team, "mine", "Старая", dt.datetime(2026, 3, 9, 9, 0))
    _task(team, "other", "Чужая", dt.datetime(2026, 3, 11, 10, 0))
    Contact.update(birth_date=dt.date(1980, 3, 12)).where(
        Contact.responsible == team.mine.id).execute()
    sign_in(team.mine)
    people = calendar.calendar_people()
    assert [p.id for p in people] == [team.mine.id]
    week = calendar.entries([team.mine.id], dt.datetime(2026, 3, 9), dt.datetime(2026, 3, 16),
                            now=NOW, tz=UTC)
    subjects = [e.subject for e in week]
    assert subjects[0].startswith("Birthday") and "Клиент mine" in subjects[0]
    assert subjects[1:] == ["Старая", "Позвонить"]
    assert week[1].overdue and not week[2].overdue and week[2].movable
    with pytest.raises(PermissionDenied):
        calendar.entries([team.other.id], dt.datetime(2026, 3, 9), dt.datetime(2026, 3, 16))
    sign_in(team.head)
    names = {p.name for p in calendar.calendar_people()}
    assert team.mine.name in names and team.other.name not in names
    both = calendar.entries([team.head.id, team.mine.id], dt.datetime(2026, 3, 9),
                            dt.datetime(2026, 3, 16), now=NOW, tz=UTC)
    assert {e.owner_name for e in both if e.kind == "task"} == {team.mine.name}


def test_dragging_a_task_to_another_day_and_its_refusals(team: Team) -> None:
    sign_in(team.mine)
    task = _task(team, "mine", "Встреча", dt.datetime(2026, 3, 11, 9, 0))
    calendar.reschedule(task.id, team.mine.id, dt.datetime(2026, 3, 13, 9, 0))
    assert Activity.get_by_id(task.id).due_at == dt.datetime(2026, 3, 13, 9, 0)
    Deal.update(closed_at=utcnow()).where(Deal.id == team.deals["mine"].id).execute()
    with pytest.raises(ValidationError, match="closed"):
        calendar.reschedule(task.id, team.mine.id, dt.datetime(2026, 3, 14, 9, 0))
    assert Activity.get_by_id(task.id).due_at == dt.datetime(2026, 3, 13, 9, 0)
    entry = calendar.entries([team.mine.id], dt.datetime(2026, 3, 9), dt.datetime(2026, 3, 16),
                             now=NOW, tz=UTC)[0]
    assert not entry.movable
    sign_in(team.accountant)  # sees, may not edit
    with pytest.raises(PermissionDenied):
        calendar.reschedule(task.id, team.mine.id, dt.datetime(2026, 3, 14, 9, 0))


def test_ics_export_escapes_folds_and_keeps_uids(team: Team) -> None:
    sign_in(team.mine)
    long = "Подготовить КП; согласовать цены, сроки " + "очень длинная тема " * 6
    info = timeline.add_task(team.mine.id, long, dt.datetime(2026, 3, 11, 9, 30),
                             deal=team.deals["mine"].id, body="Первая строка\nвторая \\ строка")
    task = Activity.get_by_id(info.id)
    text = calendar.export_ics(team.mine.id, now=NOW)
    assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    unfolded = text.replace("\r\n ", "")
    assert f"UID:{task.id}@desktop-crm" in unfolded
    assert "DUE:20260311T093000Z" in unfolded
    assert "SUMMARY:Подготовить КП\\; согласовать цены\\, сроки очень" in unfolded
    assert "DESCRIPTION:Сделка mine\\nПервая строка\\nвторая \\\\ строка\r\n" in unfolded
    assert calendar.export_ics(team.mine.id, now=NOW) == text  # stable


def test_fold_never_splits_a_character() -> None:
    line = "SUMMARY:" + "ж" * 100
    folded = ical.fold(line)
    assert folded.replace("\r\n ", "") == line
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))


def test_reminders_fire_at_due_time_and_snoozes_survive(team: Team) -> None:
    sign_in(team.mine)
    task = _task(team, "mine", "Перезвонить", dt.datetime(2026, 3, 10, 9, 0))
    assert reminders.due_reminders(team.mine.id, NOW) == []
    due = reminders.due_reminders(team.mine.id, dt.datetime(2026, 3, 10, 9, 0))
    assert [r.subject for r in due] == ["Перезвонить"]
    until = reminders.snooze(team.mine.id, task.id, "10m", dt.datetime(2026, 3, 10, 9, 1))
    assert until == dt.datetime(2026, 3, 10, 9, 11)
    rights.act_as(None)
    sign_in(team.mine)  # as after a restart: read from the database
    assert reminders.due_reminders(team.mine.id, dt.datetime(2026, 3, 10, 9, 5)) == []
    again = reminders.due_reminders(team.mine.id, dt.datetime(2026, 3, 10, 9, 11))
    assert again and again[0].key != due[0].key
    tomorrow = reminders.snooze(team.mine.id, task.id, "tomorrow", dt.datetime(2026, 3, 10, 23, 0),
                                tz=UTC)
    assert tomorrow == dt.datetime(2026, 3, 11, 9, 0)
    assert reminders.snooze_until("1h", NOW) == NOW + dt.timedelta(hours=1)


def test_birthdays_today(team: Team) -> None:
    sign_in(team.admin)
    Contact.update(birth_date=dt.date(1984, 2, 29)).where(
        Contact.responsible == team.mine.id).execute()
    sign_in(team.mine)
    found = reminders.birthdays_on(team.mine.id, dt.datetime(2026, 2, 28, 12), tz=UTC)
    assert [(b.name, b.age) for b in found] == [("Клиент mine", 42)]
    assert reminders.birthdays_on(team.mine.id, dt.datetime(2026, 3, 1, 12), tz=UTC) == []


def test_assignment_notices_reach_the_assignee_only(team: Team) -> None:
    sign_in(team.head)
    timeline.add_task(team.head.id, "Задача для Дмитрия", dt.datetime(2026, 3, 11, 9),
                      assignee=team.mine.id, deal=team.deals["mine"].id)
    timeline.add_task(team.head.id, "Себе", dt.datetime(2026, 3, 11, 9), deal=team.deals["head"].id)
    lead = leads.create_lead({"title": "Новый лид", "responsible": team.mine.id}, team.head.id)
    deal = deals.create_deal({"title": "Новая сделка", "pipeline": team.pipeline.id,
                              "responsible": team.mine.id}, team.head.id)
    leads.create_lead({"title": "Свой лид"}, team.head.id)
    notes = list(Notification.select().order_by(Notification.created_at))
    assert {n.user_id for n in notes} == {team.mine.id}
    assert any("Задача для Дмитрия" in n.title for n in notes)
    assert any("Новый лид" in n.title and n.link_id == str(lead.id) for n in notes)
    assert any("Новая сделка" in n.title and n.link_id == str(deal.id) for n in notes)
    assert len(notes) == 3


def test_a_logged_meeting_is_on_its_authors_calendar_and_in_the_export(team: Team) -> None:
    sign_in(team.mine)
    timeline.log_interaction(team.mine.id, "meeting", "Встреча в офисе клиента", True,
                             deal=team.deals["mine"].id, occurred_at=dt.datetime(2026, 3, 12, 14, 0),
                             subject="Встреча")
    found = calendar.entries([team.mine.id], dt.datetime(2026, 3, 9), dt.datetime(2026, 3, 16),
                             now=NOW, tz=UTC)
    meeting = next(e for e in found if e.kind == "meeting")
    assert meeting.start == dt.datetime(2026, 3, 12, 14, 0) and not meeting.movable
    assert meeting.owner_id == team.mine.id
    text = calendar.export_ics(team.mine.id, now=NOW).replace("\r\n ", "")
    assert "BEGIN:VEVENT" in text and "DTSTART:20260312T140000Z" in text
    assert "DTEND:20260312T150000Z" in text
