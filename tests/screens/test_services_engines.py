"""The services behind the new screens on both engines (a real SQLite file and a real PostgreSQL):
setting up a business, numbering series, merge and its undo, payments and refunds, junk, reopen."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from desktop_crm.errors import ValidationError
from desktop_crm.models import (
    Contact,
    Deal,
    Invoice,
    InvoiceStatus,
    Lead,
    LeadStatus,
    Pipeline,
    Role,
    Stage,
    StageKind,
)
from desktop_crm.services.billing import invoices, payments, series
from desktop_crm.services.sales import closing, merge
from desktop_crm.services.system import setup
from tests.factories import (
    RU_LINES,
    make_company,
    make_contact,
    make_deal,
    make_deal_with_lines,
    make_own_company,
    make_user,
)


def test_set_up_a_business(any_db):
    result = setup.set_up_business(setup.BusinessSetup(
        language="ru", company={"short_name": "ООО «Ромашка»", "country": "RU", "inn": "7707083893"},
        pipeline="enterprise", user_name="Анна", user_email="anna@romashka.ru",
        product_groups=("Курсы", "Курсы", "Консалтинг")))
    names = [s.name for s in Stage.select().where(Stage.pipeline == result.pipeline_id)
             .order_by(Stage.sort_order)]
    assert names[0] == "Квалификация" and names[-2:] == ["Завершена с победой", "Завершена с проигрышем"]
    assert Pipeline.get_by_id(result.pipeline_id).is_default
    with pytest.raises(ValidationError):
        setup.set_up_business(setup.BusinessSetup(language="ru", company={"short_name": "X",
                                                                          "inn": "7707083894"},
                                                  pipeline="sales", user_name="Б"))


def test_series_and_their_next_number(any_db):
    own = make_own_company("IT")
    saved = series.save_series(own.id, {"kind": "invoice", "series": "B", "pattern": "{seq}/{series}",
                                        "next_value": 7, "year": 2026})
    assert saved.next_number == "7/B" and not saved.used
    assert [(r.kind, r.series) for r in series.series_rows(own.id, 2026)] == [
        ("quote", ""), ("invoice", ""), ("invoice", "B")]


def test_merge_and_undo(any_db):
    user = make_user("Админ", role=Role.ADMIN)
    kept = make_contact("Фёдоров", "Алексей", mobile_phone="+7 901 776-34-34")
    other = make_contact("Фёдоров", "Алексей", private_email="f@yandex.ru")
    deal = make_deal("Курсы", contact=other)
    result = merge.merge(kept.id, other.id, user.id, {"private_email": "f@yandex.ru"})
    assert Deal.get_by_id(deal.id).contact_id == kept.id
    assert Contact.get_by_id(kept.id).private_email == "f@yandex.ru"
    merge.undo_merge(result.log_id, user.id)
    assert Deal.get_by_id(deal.id).contact_id == other.id
    assert Contact.get_by_id(other.id).deleted_at is None
    assert Contact.get_by_id(kept.id).private_email == ""
    with pytest.raises(ValidationError):
        merge.undo_merge(result.log_id, user.id)


def test_payments_delete_and_refund(any_db):
    make_own_company("RU")
    deal = make_deal_with_lines(make_company(), RU_LINES)
    invoice = invoices.issue(invoices.create_from_deal(deal.id).id, on=dt.date.today())
    first = payments.register(invoice.id, Decimal("1000.00"), dt.date.today(), None)
    assert first.balance == Decimal("40990.00") and first.status == "partially_paid"
    after = payments.delete_payment(first.payments[0].id)
    assert after.paid == 0 and after.status == "issued"
    payments.register(invoice.id, after.balance, dt.date.today(), None)
    refunded = payments.refund(invoice.id, Decimal("41990.00"))
    assert refunded.status == "issued" and refunded.paid == 0
    assert Invoice.get_by_id(invoice.id).status == InvoiceStatus.ISSUED
    with pytest.raises(ValidationError):
        payments.refund(invoice.id, Decimal("1.00"))


def test_junk_and_reopen(any_db):
    admin = make_user("Админ", role=Role.ADMIN)
    lead = Lead.create(title="Спам", last_name="Спамов")
    assert closing.mark_junk([lead.id], admin.id, "spam").marked == 1
    assert Lead.get_by_id(lead.id).status == LeadStatus.JUNK
    pipeline = Pipeline.create(name="Продажи", is_default=True)
    first = Stage.create(pipeline=pipeline, name="Первый", sort_order=0, kind=StageKind.OPEN)
    lost = Stage.create(pipeline=pipeline, name="Проиграна", sort_order=1, kind=StageKind.LOST)
    deal = make_deal("Сделка", stage=lost, closed_at=dt.datetime(2026, 1, 1))
    closing.reopen(deal.id, first.id, admin.id, "вернулся")
    assert Deal.get_by_id(deal.id).closed_at is None
