"""A small sales world for the rules tests: users with a head, a pipeline shaped like seed 003."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator  # noqa: F401 - fixtures below are generators
from dataclasses import dataclass
from decimal import Decimal

import pytest

from desktop_crm.models import Pipeline, Product, ProductGroup, Role, Stage, StageKind, User


@dataclass
class World:
    admin: User
    head: User
    manager: User
    other_manager: User
    pipeline: Pipeline
    qualification: Stage
    presentation: Stage
    proposal: Stage
    contract: Stage
    won: Stage
    lost: Stage
    courses: ProductGroup
    books: ProductGroup
    product: Product


def build_world() -> World:
    admin = User.create(name="Админ Админов", email="admin@shop.example", role=Role.ADMIN)
    head = User.create(name="Ольга Руководитель", email="olga@shop.example", role=Role.HEAD, locale="ru")
    manager = User.create(name="Пётр Менеджер", email="petr@shop.example", head=head)
    other = User.create(name="Giulia Rossi", email="giulia@shop.example", head=head)
    pipeline = Pipeline.create(name="Корпоративные продажи", is_default=True)

    def stage(name, order, kind=StageKind.OPEN, tasks=(), requires_correct=False, required=()):
        return Stage.create(
            pipeline=pipeline, name=name, sort_order=order, kind=kind,
            task_templates=[{"subject": s, "due_days": d} for s, d in tasks],
            requires_correct_deal=requires_correct, required_fields=list(required),
        )

    world = World(
        admin=admin, head=head, manager=manager, other_manager=other, pipeline=pipeline,
        qualification=stage(
            "Квалификация", 1, tasks=[("Связаться с клиентом", 2), ("Подготовить презентацию", 5)]
        ),
        presentation=stage("Презентация", 2, tasks=[("Презентация", 7)]),
        proposal=stage("Коммерческое предложение", 3, tasks=[("Презентовать КП", 3)], requires_correct=True),
        contract=stage("Контрактация", 4, requires_correct=True, required=["expected_close_date"]),
        won=stage("Завершена с победой", 5, kind=StageKind.WON),
        lost=stage("Завершена с проигрышем", 6, kind=StageKind.LOST),
        courses=ProductGroup.create(name="Курсы"),
        books=ProductGroup.create(name="Книги"),
        product=None,  # type: ignore[arg-type]
    )
    world.product = Product.create(name="Курс «Продажи»", price=Decimal("19990.00"), group=world.courses)
    return world


@pytest.fixture(scope="module")
def rules_pg(pg_server: str, request: pytest.FixtureRequest):
    """One migrated PostgreSQL database per test module; each test runs in a transaction that is
    rolled back (real PostgreSQL, without paying CREATE DATABASE + migrate per test)."""
    from desktop_crm.models.db import open_database
    from desktop_crm.models.schema import migrate
    from tests.pg import create_database, drop_database

    url = create_database(pg_server, f"rules_{request.module.__name__.rsplit('.', 1)[-1]}")
    db = open_database(url)
    migrate(db)
    yield db
    db.close()
    drop_database(pg_server, url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path) -> World:
    """The sales world on a fresh SQLite file, and on PostgreSQL inside a rolled-back transaction."""
    from desktop_crm.models import database

    if request.param == "sqlite":
        request.getfixturevalue("db")
        yield build_world()
        return
    pg = request.getfixturevalue("rules_pg")
    database.initialize(pg)
    with pg.atomic() as transaction:
        yield build_world()
        transaction.rollback()


@pytest.fixture
def sqlite_world(db) -> World:
    return build_world()


DETAILED = "Обсудили программу курса и цену 19 990 ₽, клиент согласен, договорились созвониться в пятницу"
CONTACT = {
    "last_name": "Фёдоров",
    "first_name": "Иван",
    "middle_name": "Петрович",
    "birth_date": dt.date(1990, 3, 14),
    "mobile_phone": "+7 916 123-45-67",
    "private_email": "ivan.fedorov@mail.example",
}
