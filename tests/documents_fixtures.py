"""Realistic sellers, buyers and deals for the document tests (real rows in the test database)."""

from __future__ import annotations

from decimal import Decimal

from desktop_crm.models import (
    Company,
    Contact,
    Deal,
    DealLine,
    OwnCompany,
    Pipeline,
    Stage,
    User,
    VatMode,
)


def russian_seller(**overrides) -> OwnCompany:
    values = dict(
        legal_name='Общество с ограниченной ответственностью "Ромашка"', short_name='ООО "Ромашка"',
        country="RU", inn="7701234567", kpp="770101001", ogrn="1027700132195",
        bank_name="ПАО СБЕРБАНК", bik="044525225", corr_account="30101810400000000225",
        account="40702810938000000001", address="ул. Ленина, д. 1", postal_code="123456",
        city="г. Москва", phone="+7 495 000-00-00", email="info@romashka.ru",
        director_name="Иванов И. И.", accountant_name="Петрова А. А.", default_currency="RUB",
        default_vat_rate=Decimal("22"), vat_mode=VatMode.INCLUDED, is_default=True,
    )
    values.update(overrides)
    return OwnCompany.create(**values)


def italian_seller(**overrides) -> OwnCompany:
    values = dict(
        legal_name="Rossi S.r.l.", short_name="Rossi S.r.l.", country="IT",
        vat_number="01234560124", fiscal_code="01234560124", rea="RM-1234567", regime_fiscale="RF01",
        iban="IT60X0542811101000000123456", address="Via Roma 1", postal_code="00100", city="Roma",
        province="RM", email="info@rossi.it", pec="rossi@pec.it", director_name="Mario Rossi",
        default_currency="EUR", default_vat_rate=Decimal("22"), vat_mode=VatMode.ON_TOP,
        is_default=True,
    )
    values.update(overrides)
    return OwnCompany.create(**values)


def russian_buyer(**overrides) -> Company:
    values = dict(
        legal_name='ООО "Лютик"', short_name='ООО "Лютик"', country="RU", inn="7702345678",
        kpp="770201001", address="ул. Тверская, д. 7", postal_code="125009", city="г. Москва",
    )
    values.update(overrides)
    return Company.create(**values)


def italian_buyer(**overrides) -> Company:
    values = dict(
        legal_name="Bianchi S.p.A.", short_name="Bianchi S.p.A.", country="IT",
        vat_number="12345670017", address="Corso Italia 10", postal_code="20100", city="Milano",
        province="MI", sdi_code="0000000",
    )
    values.update(overrides)
    return Company.create(**values)


def deal_with_lines(company: Company, lines, currency: str = "RUB", title: str = "Поставка") -> Deal:
    pipeline = Pipeline.get_or_none() or Pipeline.create(name="Sales", is_default=True)
    stage = Stage.get_or_none() or Stage.create(pipeline=pipeline, name="New")
    user = User.get_or_none() or User.create(name="Сидоров С. С.", email="sidorov@romashka.ru")
    contact = Contact.create(last_name="Петров", first_name="Пётр", company=company)
    deal = Deal.create(
        title=title, pipeline=pipeline, stage=stage, company=company, contact=contact,
        responsible=user, currency=currency,
    )
    for order, (name, qty, price, rate, unit) in enumerate(lines):
        DealLine.create(
            deal=deal, name=name, quantity=Decimal(qty), price=Decimal(price),
            vat_rate=Decimal(rate), unit=unit, line_order=order,
        )
    return deal


RU_LINES = [
    ("Ноутбук", "1", "35990.00", "22", "шт"),
    ("Мышь беспроводная", "2", "1500.00", "22", "шт"),
    ("Доставка", "1", "3000.00", "22", "усл"),
]
IT_LINES = [
    ("Licenza software annuale – Pro", "2", "11250.00", "22", "pz"),
    ("Installazione e formazione", "1", "4990.00", "22", "ore"),
]
