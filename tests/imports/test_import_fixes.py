"""Import fixes: a created stage gets the settings' default colour; the history names who
imported; an import that linked a company it created to a contact it merged can be undone."""

from __future__ import annotations

from desktop_crm.models import Contact, Deal, Stage
from desktop_crm.services.data.imports import engine, mapping
from desktop_crm.services.data.imports.engine import ImportRequest, OnDuplicate
from desktop_crm.services.data.imports.formats import Table
from desktop_crm.services.sales import contacts
from desktop_crm.services.system.admin import DEFAULT_STAGE_COLOR
from tests.imports.conftest import snapshot


def run(entity, headers, rows, **options):
    request = ImportRequest(entity, Table(headers, rows, "csv"),
                            mapping.suggest_mapping(entity, headers), **options)
    return engine.run_import(request)


def test_a_missing_stage_is_created_with_the_default_colour(world):
    before = snapshot()
    report = run("deals", ["Название сделки", "Воронка", "Стадия"],
                 [["Обучение", "Корпоративные продажи", "Переговоры"]], create_missing=True)
    assert (report.created, report.rejected) == (1, [])
    stage = Stage.get((Stage.pipeline == world.pipeline.id) & (Stage.name == "Переговоры"))
    assert stage.color == DEFAULT_STAGE_COLOR
    assert Deal.get(Deal.title == "Обучение").stage_id == stage.id
    engine.undo_import(report.batch_id)
    assert snapshot() == before


def test_the_history_names_who_imported(world):
    report = run("contacts", ["Фамилия", "Имя", "Телефон"],
                 [["Иванов", "Иван", "+7 916 111-11-11"]], user=world.manager.id)
    [batch] = engine.import_batches()
    assert batch.id == report.batch_id
    assert batch.user_name == "Пётр Менеджер"


def test_undo_of_a_merge_that_linked_a_created_company(world):
    contacts.create_contact(
        {"last_name": "Петрова", "first_name": "Анна", "mobile_phone": "+7 903 123-45-67",
         "private_email": "anna@mail.example"}, world.manager.id)
    before = snapshot()
    report = run("contacts", ["Фамилия", "Имя", "Телефон", "E-mail", "Компания"],
                 [["Петрова", "Анна", "+7 903 123-45-67", "anna@mail.example", "ООО «Новая»"]],
                 on_duplicate=OnDuplicate.MERGE, create_missing=True)
    assert (report.merged, report.rejected) == (1, [])
    assert Contact.get(Contact.last_name == "Петрова").company_id is not None
    undo = engine.undo_import(report.batch_id)
    assert (undo.restored, undo.removed) == (1, 1)
    assert snapshot() == before


def test_closed_deals_come_in_closed_and_the_card_still_starts_open(world):
    import datetime as dt

    import pytest

    from desktop_crm.errors import ValidationError
    from desktop_crm.models import Activity, StageKind
    from desktop_crm.services.sales import deals

    before = snapshot()
    report = run("deals", ["Название сделки", "Стадия", "Дата закрытия сделки", "Причина отказа",
                           "Сумма"],
                 [["Выиграна", "Завершена с победой", "15.03.2024", "", "1000"],
                  ["Проиграна", "Завершена с проигрышем", "", "Дорого", "500"],
                  ["Открыта", "Презентация", "", "", "100"]])
    assert (report.created, report.rejected) == (3, [])
    won = Deal.get(Deal.title == "Выиграна")
    assert (won.stage_id, won.closed_at.date(), won.lost_reason) == (
        world.won.id, dt.date(2024, 3, 15), "")
    lost = Deal.get(Deal.title == "Проиграна")
    assert lost.stage.kind == StageKind.LOST and lost.closed_at is not None
    assert lost.lost_reason == "Дорого"
    assert Deal.get(Deal.title == "Открыта").closed_at is None
    # a closed deal gets no stage tasks
    assert not Activity.select().where((Activity.deal == won.id) & (Activity.kind == "task")).exists()
    engine.undo_import(report.batch_id)
    assert snapshot() == before
    with pytest.raises(ValidationError, match="A new deal starts in an open stage"):
        deals.create_deal({"title": "Карточка", "pipeline": world.pipeline.id,
                           "stage": world.won.id}, world.manager.id)
