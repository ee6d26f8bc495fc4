"""Fixtures for the app shell, lists, search and workers tests.

``world`` builds a small, exact data set with ``tests.factories`` (works on SQLite and PostgreSQL);
``demo_db`` copies a 300-deal demo database built once per session by the demo service;
``window`` is the real main window over ``demo_db``, with background work made synchronous.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from desktop_crm import workers
from desktop_crm.models import (
    Company,
    Contact,
    Deal,
    Pipeline,
    ProductGroup,
    Role,
    Stage,
    User,
)
from desktop_crm.models.db import open_database
from desktop_crm.models.schema import migrate
from tests.factories import (
    make_company,
    make_contact,
    make_deal,
    make_pipeline,
    make_product_group,
    make_stages,
    make_user,
)


@dataclass
class World:
    admin: User
    anna: User
    marco: User
    pipeline: Pipeline
    new: Stage
    proposal: Stage
    won: Stage
    courses: ProductGroup
    books: ProductGroup
    fedorov: Contact
    company: Company
    deals: list[Deal]


def build_world() -> World:
    admin = make_user("Админ", role=Role.ADMIN)
    anna = make_user("Анна Морозова")
    marco = make_user("Marco Bianchi")
    pipeline = make_pipeline("Продажи")
    new, proposal, won = make_stages(pipeline, ["Новая", "КП отправлено"], won="Успешно")
    courses = make_product_group("Курсы")
    books = make_product_group("Книги")
    company = make_company("ООО «Ромашка»", inn="7707083893")
    fedorov = make_contact("Фёдоров", "Пётр", company=company, responsible=anna,
                           mobile_phone="+7 916 123-45-67")
    other = make_contact("Rossi", "Giulia", responsible=marco)
    deals = []
    base = dt.datetime(2026, 1, 1, 9, 0)
    titles = ["Яблоки", "Абрикосы", "Ёлки новогодние", "Бананы", "Виноград", "Груши",
              "Corso vendite", "Libri", "Дыни", "Ежевика", "Жимолость", "Земляника"]
    for number, title in enumerate(titles):
        deals.append(make_deal(
            title,
            pipeline=pipeline,
            stage=(new, proposal, won)[number % 3],
            contact=fedorov if number % 2 == 0 else other,
            company=company if number % 2 == 0 else None,
            responsible=anna if number < 6 else marco,
            product_group=courses if number % 4 else books,
            amount=Decimal(1000 + 250 * number) + Decimal("0.50"),
            currency="RUB" if number < 6 else "EUR",
            created_at=base + dt.timedelta(days=number),
            last_interaction_at=base + dt.timedelta(days=number, hours=1) if number % 5 else None,
            correct=number % 3 != 1,
        ))
    return World(admin, anna, marco, pipeline, new, proposal, won, courses, books, fedorov,
                 company, deals)


@pytest.fixture
def world(any_db: object) -> World:
    return build_world()


@pytest.fixture
def sqlite_world(db: object) -> World:
    return build_world()


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from desktop_crm.models import database
    from desktop_crm.services.data.demo import DemoOptions, build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    build_demo(str(path), DemoOptions(deals=300, seed=7))
    database.initialize(None)
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Iterator[str]:
    target = tmp_path / "demo.db"
    shutil.copyfile(demo_template, target)
    db = open_database(str(target))
    migrate(db)
    try:
        yield str(target)
    finally:
        if not db.is_closed():
            db.close()


def admin_user() -> Any:
    """Sign in as the database's first active administrator (an empty one gets one first)."""
    from desktop_crm.services.system import session

    if session.needs_first_administrator():
        return session.create_first_administrator("Anna Admin", "anna")
    admin = next(u for u in session.users() if u.role == "admin")
    return session.sign_in(admin.id)


@pytest.fixture
def synchronous_workers() -> Iterator[None]:
    with workers.synchronous():
        yield


@pytest.fixture
def qsettings(tmp_path: Path):
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, demo_db: str, qsettings, synchronous_workers):
    from desktop_crm.app import build_main_window

    main = build_main_window(demo_db, qsettings, admin_user())
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    yield main
    main.close()
