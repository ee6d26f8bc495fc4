"""The timeline (newest first, with author and time), notifications, the defaults from the seeds,
and every message of the rules translated into Russian and Italian."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file

from desktop_crm.errors import ValidationError
from desktop_crm.i18n import translator
from desktop_crm.i18n.catalogs import KEYWORDS
from desktop_crm.models import ActivityKind
from desktop_crm.services.sales import contacts, deals, notifications, rules, timeline
from tests.rules.conftest import CONTACT, DETAILED

SERVICES = Path(__file__).resolve().parents[2] / "desktop_crm" / "services"
RULE_MODULES = (
    "sales/rules", "sales/contacts", "data/imports/people", "sales/deals", "sales/leads", "sales/stages",
    "sales/timeline", "reporting/report", "sales/notifications",
)


def test_defaults_match_the_seeds(db):
    assert rules.INACTIVITY_DAYS.get() == 60  # "once in two months"
    assert rules.DEAL_REQUIRED_FIELDS.get() == ["product_group", "stage", "contact", "comment", "lines"]
    assert {"нд", "перезвонить", "сбросил", "пообщались", "думает"} <= set(rules.COMMENT_STOP_PHRASES.get())
    assert {"non risponde", "richiamare", "call back"} <= set(rules.COMMENT_STOP_PHRASES.get())
    assert rules.CONTACT_PRESET.get() == "full"
    assert rules.DUPLICATE_MIN_MATCHES.get() == 2
    assert rules.WON_REQUIRES_CORRECT.get() is True
    assert rules.ONE_OPEN_DEAL_PER_GROUP.get() is True


def test_every_rules_message_has_russian_and_italian(db):
    ru, it = translator("ru"), translator("it")
    untranslated = []
    for module in RULE_MODULES:
        for _line, message, _comments, _context in extract_from_file(
            "python", str(SERVICES / f"{module}.py"), keywords=KEYWORDS
        ):
            if isinstance(message, tuple):
                for catalog in (ru, it):
                    if catalog.ngettext(message[0], message[1], 5) == message[1]:
                        untranslated.append(message[0])
            else:
                for catalog in (ru, it):
                    if catalog.gettext(message) == message and message not in ("e-mail", "E-mail"):
                        untranslated.append(message)
    assert untranslated == []


def test_timeline_is_newest_first_with_author_and_time(world):
    contact = contacts.create_contact(CONTACT, world.manager)
    deal = deals.create_deal({"title": "Курс", "contact": contact.id}, world.manager)
    first = timeline.add_comment(
        world.manager, "Клиент просил прислать программу курса на почту", deal=deal.id
    )
    second = timeline.log_interaction(world.other_manager, ActivityKind.CALL, DETAILED, True, deal=deal.id)
    entries = timeline.timeline(deal=deal.id)
    assert [e.id for e in entries[:2]] == [second.id, first.id]
    assert entries[0].author == world.other_manager.name
    assert entries[0].title == "Call" and entries[0].counts_as_interaction is True
    assert entries[-1].title == "Deal created in stage Квалификация"
    assert all(a.created_at >= b.created_at for a, b in itertools.pairwise(entries))
    # Deal entries also show on the contact's timeline.
    assert second.id in [e.id for e in timeline.timeline(contact=contact.id)]


def test_entries_need_a_place_and_a_text(world):
    with pytest.raises(ValidationError, match="Choose the deal, lead, contact or company"):
        timeline.add_comment(world.manager, "Текст")
    deal = deals.create_deal({"title": "Курс"}, world.manager)
    with pytest.raises(ValidationError, match="Write the comment first"):
        timeline.add_comment(world.manager, "   ", deal=deal.id)
    with pytest.raises(ValidationError, match="cannot be logged in the future"):
        timeline.log_interaction(world.manager, ActivityKind.CALL, DETAILED, True, deal=deal.id,
                                 occurred_at=dt.datetime(2100, 1, 1))
    with pytest.raises(ValidationError, match="Only calls, meetings"):
        timeline.log_interaction(world.manager, ActivityKind.TASK, DETAILED, True, deal=deal.id)


def test_unanswered_interactions_are_titled_as_such(world):
    deal = deals.create_deal({"title": "Курс"}, world.manager)
    timeline.log_interaction(world.manager, ActivityKind.CALL, "НД", False, deal=deal.id)
    timeline.log_interaction(
        world.manager, ActivityKind.MESSAGE, "Отправил КП в мессенджер", False, deal=deal.id
    )
    titles = [e.title for e in timeline.timeline(deal=deal.id)][:2]
    assert titles == ["Message, no reply", "Call, no answer"]


def test_issued_documents_appear_in_the_timeline(world):
    deal = deals.create_deal({"title": "Курс"}, world.manager)
    timeline.log_document(world.manager, deal.id, "invoice", "0192", "2026-0142")
    assert timeline.timeline(deal=deal.id)[0].title == "Invoice issued: № 2026-0142"


def test_notifications_unread_count_and_mark_all(world):
    notifications.notify(world.head, "Первое")
    notifications.notify(world.head, "Второе", link_kind="deal", link_id="x")
    assert notifications.unread_count(world.head) == 2
    assert [n.title for n in notifications.list_notifications(world.head)] == ["Второе", "Первое"]
    assert notifications.mark_all_read(world.head) == 2
    assert notifications.unread_count(world.head.id) == 0
    assert notifications.list_notifications(world.head, unread_only=True) == []
