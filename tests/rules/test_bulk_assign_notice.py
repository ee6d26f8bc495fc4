"""Bulk "assign responsible" tells the new responsible, in their language, once for the whole
selection — unless they assigned the records to themselves."""

from __future__ import annotations

from desktop_crm.models import Notification, Role
from desktop_crm.services.sales import bulk
from desktop_crm.services.system import session
from tests.factories import make_deal, make_user


def test_a_head_assigning_deals_tells_the_manager_once_in_their_language(any_db):
    head = make_user("Анна Руководитель", role=Role.HEAD)
    manager = make_user("Мария Менеджер", role=Role.SALES, head=head.id, locale="ru")
    deals = [make_deal(f"Поставка {n}", responsible=head.id) for n in range(3)]
    session.sign_in(head.id)
    bulk.assign_responsible("deals", [d.id for d in deals], manager.id)
    [notice] = Notification.select().where(Notification.user == manager.id)
    assert notice.title == "Вам назначены 3 сделки" and not notice.link_id


def test_one_record_is_linked_and_assigning_to_oneself_tells_nobody(any_db):
    head = make_user("Anna Capo", role=Role.HEAD, locale="it")
    manager = make_user("Marco Bianchi", role=Role.SALES, head=head.id, locale="it")
    deal = make_deal("Fornitura", responsible=head.id)
    session.sign_in(head.id)
    bulk.assign_responsible("deals", [deal.id], manager.id)
    [notice] = Notification.select().where(Notification.user == manager.id)
    assert notice.title == "Ti è stata assegnata 1 trattativa" and notice.link_id == str(deal.id)
    bulk.assign_responsible("deals", [deal.id], head.id)  # taken back by the head: no notice
    assert not Notification.select().where(Notification.user == head.id).exists()
