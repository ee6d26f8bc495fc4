"""A small sales world for the rules tests: users with a head, a pipeline shaped like seed 003
(built with ``tests.factories``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from desktop_crm.models import Pipeline, Product, ProductGroup, Role, Stage, StageKind, User
from tests.factories import make_pipeline, make_product, make_product_group, make_stage, make_user


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
    admin = make_user("Админ Админов", email="admin@shop.example", role=Role.ADMIN)
    head = make_user("Ольга Руководитель", email="olga@shop.example", role=Role.HEAD, locale="ru")
    manager = make_user("Пётр Менеджер", email="petr@shop.example", head=head)
    other = make_user("Giulia Rossi", email="giulia@shop.example", head=head)
    pipeline = make_pipeline("Корпоративные продажи")

    def stage(name, order, kind=StageKind.OPEN, tasks=(), requires_correct=False, required=()):
        return make_stage(
            pipeline, name, order, kind,
            task_templates=[{"subject": s, "due_days": d} for s, d in tasks],
            requires_correct_deal=requires_correct, required_fields=list(required),
        )

    qualification = stage("Квалификация", 1,
                          tasks=[("Связаться с клиентом", 2), ("Подготовить презентацию", 5)])
    presentation = stage("Презентация", 2, tasks=[("Презентация", 7)])
    proposal = stage("Коммерческое предложение", 3, tasks=[("Презентовать КП", 3)], requires_correct=True)
    contract = stage("Контрактация", 4, requires_correct=True, required=["expected_close_date"])
    won = stage("Завершена с победой", 5, kind=StageKind.WON)
    lost = stage("Завершена с проигрышем", 6, kind=StageKind.LOST)
    courses = make_product_group("Курсы")
    books = make_product_group("Книги")
    product = make_product("Курс «Продажи»", "19990.00", group=courses)
    return World(admin, head, manager, other, pipeline, qualification, presentation, proposal, contract,
                 won, lost, courses, books, product)


@pytest.fixture(scope="module")
def rules_pg(pg_server: str, request: pytest.FixtureRequest) -> Iterator[object]:
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
def world(request: pytest.FixtureRequest) -> Iterator[World]:
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
