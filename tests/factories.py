"""Builders of test data: real rows in the database the models are bound to.

Each builder makes one thing with plausible defaults and takes any model field as a keyword, so a
test (or a conftest "world") says only what matters to it. They compose: ``make_deal`` finds or
makes its pipeline, stage and responsible; ``make_deal_with_lines`` adds a contact and lines.
The conftest fixtures (``world``, ``sales``, ``context``) and ``tests.documents_fixtures`` are
built from these, so one change of a model's required fields is one change here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Literal

from desktop_crm.models import (
    Company,
    Contact,
    Deal,
    DealLine,
    OwnCompany,
    Pipeline,
    Product,
    ProductGroup,
    Stage,
    StageKind,
    User,
    VatMode,
)

Country = Literal["RU", "IT"]
LineSpec = tuple[str, str, str, str, str]  # name, quantity, price, VAT rate, unit


def _decimal(value: Any) -> Any:
    return Decimal(value) if isinstance(value, str | int) else value


# --- people and the sales process ---------------------------------------------------------------


def make_user(name: str = "Пётр Менеджер", **fields: Any) -> User:
    return User.create(name=name, **fields)


def make_pipeline(name: str = "Продажи", *, is_default: bool = True, **fields: Any) -> Pipeline:
    return Pipeline.create(name=name, is_default=is_default, **fields)


def make_stage(pipeline: Pipeline, name: str, sort_order: int, kind: StageKind = StageKind.OPEN,
               **fields: Any) -> Stage:
    if "probability" in fields:
        fields["probability"] = _decimal(fields["probability"])
    return Stage.create(pipeline=pipeline, name=name, sort_order=sort_order, kind=kind, **fields)


def make_stages(pipeline: Pipeline, names: Sequence[str], *, won: str | None = None,
                lost: str | None = None) -> list[Stage]:
    """The open stages in order (sort_order 1, 2, …), then the won and the lost one if named."""
    spec = [(name, StageKind.OPEN) for name in names]
    spec += [(name, kind) for name, kind in ((won, StageKind.WON), (lost, StageKind.LOST)) if name]
    return [make_stage(pipeline, name, order, kind) for order, (name, kind) in enumerate(spec, 1)]


def make_product_group(name: str = "Курсы", **fields: Any) -> ProductGroup:
    return ProductGroup.create(name=name, **fields)


def make_product(name: str = "Курс «Продажи»", price: str | Decimal = "19990.00",
                 group: ProductGroup | None = None, **fields: Any) -> Product:
    return Product.create(name=name, price=_decimal(price), group=group, **fields)


# --- clients --------------------------------------------------------------------------------------

_BUYERS: dict[str, dict[str, Any]] = {
    "RU": {
        "legal_name": 'ООО "Лютик"', "short_name": 'ООО "Лютик"', "country": "RU", "inn": "7702345678",
        "kpp": "770201001", "address": "ул. Тверская, д. 7", "postal_code": "125009", "city": "г. Москва",
    },
    "IT": {
        "legal_name": "Bianchi S.p.A.", "short_name": "Bianchi S.p.A.", "country": "IT",
        "vat_number": "12345670017", "address": "Corso Italia 10", "postal_code": "20100", "city": "Milano",
        "province": "MI", "sdi_code": "0000000",
    },
}


def make_company(short_name: str = "ООО «Ромашка»", **fields: Any) -> Company:
    """A client company with only a name (and whatever fields are given)."""
    fields.setdefault("legal_name", short_name)
    return Company.create(short_name=short_name, **fields)


def make_buyer(country: Country, **overrides: Any) -> Company:
    """A client company with the full requisites documents need in ``country``."""
    return Company.create(**(_BUYERS[country] | overrides))


def make_contact(last_name: str = "Петров", first_name: str = "Пётр", **fields: Any) -> Contact:
    return Contact.create(last_name=last_name, first_name=first_name, **fields)


# --- our own company ------------------------------------------------------------------------------

_SELLERS: dict[str, dict[str, Any]] = {
    "RU": {
        "legal_name": 'Общество с ограниченной ответственностью "Ромашка"', "short_name": 'ООО "Ромашка"',
        "country": "RU", "inn": "7701234567", "kpp": "770101001", "ogrn": "1027700132195",
        "bank_name": "ПАО СБЕРБАНК", "bik": "044525225", "corr_account": "30101810400000000225",
        "account": "40702810938000000001", "address": "ул. Ленина, д. 1", "postal_code": "123456",
        "city": "г. Москва", "phone": "+7 495 000-00-00", "email": "info@romashka.ru",
        "director_name": "Иванов И. И.", "accountant_name": "Петрова А. А.", "default_currency": "RUB",
        "default_vat_rate": Decimal("22"), "vat_mode": VatMode.INCLUDED, "is_default": True,
    },
    "IT": {
        "legal_name": "Rossi S.r.l.", "short_name": "Rossi S.r.l.", "country": "IT",
        "vat_number": "01234560124", "fiscal_code": "01234560124", "rea": "RM-1234567",
        "regime_fiscale": "RF01", "iban": "IT60X0542811101000000123456", "address": "Via Roma 1",
        "postal_code": "00100", "city": "Roma",
        "province": "RM", "email": "info@rossi.it", "pec": "rossi@pec.it", "director_name": "Mario Rossi",
        "default_currency": "EUR", "default_vat_rate": Decimal("22"), "vat_mode": VatMode.ON_TOP,
        "is_default": True,
    },
}


def make_own_company(country: Country, **overrides: Any) -> OwnCompany:
    """Our company (the seller on documents) with complete requisites for ``country``."""
    return OwnCompany.create(**(_SELLERS[country] | overrides))


# --- deals ----------------------------------------------------------------------------------------


def make_deal(title: str = "Поставка", *, stage: Stage | None = None, **fields: Any) -> Deal:
    """A deal in ``stage``; without one, in the first stage of ``pipeline`` (default: the first
    pipeline there is), made as "New" when that pipeline has none."""
    if stage is None:
        pipeline = fields.get("pipeline") or Pipeline.get_or_none() or make_pipeline("Sales")
        first = Stage.select().where(Stage.pipeline == pipeline).order_by(Stage.sort_order).first()
        stage = first or make_stage(pipeline, "New", 0)
    if "pipeline" not in fields:
        fields["pipeline"] = stage.pipeline
    if "amount" in fields:
        fields["amount"] = _decimal(fields["amount"])
    return Deal.create(title=title, stage=stage, **fields)


def make_deal_lines(deal: Deal, lines: Iterable[LineSpec]) -> list[DealLine]:
    return [
        DealLine.create(deal=deal, name=name, quantity=Decimal(qty), price=Decimal(price),
                        vat_rate=Decimal(rate), unit=unit, line_order=order)
        for order, (name, qty, price, rate, unit) in enumerate(lines)
    ]


def make_deal_with_lines(company: Company, lines: Iterable[LineSpec], currency: str = "RUB",
                         title: str = "Поставка") -> Deal:
    """A deal with a company, its contact person, a responsible and lines, ready for documents."""
    pipeline = Pipeline.get_or_none() or make_pipeline("Sales")
    stage = Stage.get_or_none() or make_stage(pipeline, "New", 0)
    user = User.get_or_none() or make_user("Сидоров С. С.", email="sidorov@romashka.ru")
    contact = make_contact(company=company)
    deal = make_deal(title, pipeline=pipeline, stage=stage, company=company, contact=contact,
                     responsible=user, currency=currency)
    make_deal_lines(deal, lines)
    return deal


RU_LINES: list[LineSpec] = [
    ("Ноутбук", "1", "35990.00", "22", "шт"),
    ("Мышь беспроводная", "2", "1500.00", "22", "шт"),
    ("Доставка", "1", "3000.00", "22", "усл"),
]
IT_LINES: list[LineSpec] = [
    ("Licenza software annuale – Pro", "2", "11250.00", "22", "pz"),
    ("Installazione e formazione", "1", "4990.00", "22", "ore"),
]
