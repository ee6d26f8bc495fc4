"""The import wizard from the file to the result through its widgets: preview with problems,
duplicates, a dry run, the import in the background with Cancel, rejected rows saved, undo —
Bitrix24 and amoCRM exports into a real SQLite database."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_crm.models import Company, Contact, Deal, DealLine, Pipeline, Stage
from desktop_crm.models.enums import Role
from tests.crm_exports import files as f
from tests.factories import make_contact, make_user
from tests.imports_ui.helpers import choose, click, file_dialog, open_file


def _wizard(context, qtbot, entity):
    from desktop_crm.views.imports.wizard import open_import_wizard

    wizard = open_import_wizard(context, None, entity)
    return wizard


def _counts(wizard) -> dict[str, int]:
    return {key: int(label.text()) for key, label in wizard.result_page.counts.items()}


def test_bitrix_deals_imported_with_their_lines_then_undone(context, qtbot, tmp_path, answer):
    make_user("Смирнова Анна", role=Role.SALES)
    make_contact("Сидоров", "Иван", mobile_phone="+7 916 123-45-67")
    make_contact("Кузнецова", "Мария", private_email="maria.k@mail.ru")
    broken = ["104", "Брак", "Общее", "Подготовка документов", "100.00", "RUB", "", "10", "", "",
              "N", "", "", "Анна Смирнова", "", "", "Анна Смирнова", "07.02.2024 12:00:00",
              "Деталь", "100.00", "много"]
    path = f.write_bitrix_html(tmp_path / "DEAL.xls", f.BITRIX_DEAL_HEADERS,
                               [*f.BITRIX_DEALS, broken])
    before = {model: model.select().count() for model in (Deal, DealLine, Company, Stage, Pipeline)}
    wizard = _wizard(context, qtbot, "deals")
    open_file(qtbot, wizard, path)
    click(qtbot, wizard.next_button)  # → mapping
    click(qtbot, wizard.next_button)  # → their stages and users
    refs = wizard.references_page
    choose(qtbot, refs.stage_combo(0), "Продажи › КП отправлено")
    choose(qtbot, refs.stage_combo(1), "Продажи › Первичный контакт")
    assert refs.stage_combo(2).currentText() == "Продажи › Успешно"
    choose(qtbot, refs.user_combo(1), "Marco Bianchi")
    click(qtbot, wizard.next_button)  # → duplicates and missing records
    options = wizard.options_page
    click(qtbot, options.create_missing)
    assert options.create_missing.isChecked()
    click(qtbot, wizard.next_button)  # → preview
    preview = wizard.preview_page
    assert wizard.stack.currentWidget() is preview
    rows = {preview.table.item(r, 0).text(): (preview.table.item(r, 1).text(),
                                              preview.table.item(r, 2).text())
            for r in range(preview.table.rowCount())}
    assert rows["2"][0] == "will be created" and rows["2"][1] == ""
    assert rows["4"][0] == "will be created"
    assert rows["5"] == ("will be created", "")  # a won deal comes in closed
    assert rows["6"] == ("will not be imported", "Row 6: Quantity: enter a number.")
    assert "1 of them has a problem" in preview.summary.text()
    assert {model: model.select().count() for model in before} == before  # the preview wrote nothing
    click(qtbot, preview.import_button)
    assert wizard.stack.currentWidget() is wizard.result_page
    assert _counts(wizard) == {"created": 4, "merged": 0, "skipped": 0, "rejected": 1}  # rows
    won = Deal.get(Deal.title == "Ремонт")
    assert won.stage.name == "Успешно" and won.closed_at is not None
    assert wizard.result_page.title.text() == "Import finished"
    deal = Deal.get(Deal.title == "Поставка оборудования")
    assert (deal.stage.name, deal.pipeline.name, deal.responsible.name) == (
        "КП отправлено", "Продажи", "Смирнова Анна")
    lines = DealLine.select().where(DealLine.deal == deal.id).order_by(DealLine.line_order)
    assert [(line.name, str(line.price)) for line in lines] == [
        ("Станок ЧПУ", "120000.00"), ("Монтаж", "30000.00")]
    assert deal.company.short_name == "ООО «Ромашка»"  # created on request
    assert Deal.get(Deal.title == "Сервисный договор").responsible.name == "Marco Bianchi"
    # the rejected row saved to a file the user chooses
    click(qtbot, wizard.result_page.save_rejected_button)
    dialog = file_dialog("import_rejected_dialog")
    target = tmp_path / "rejected.csv"
    dialog.selectFile(str(target))
    dialog.accept()
    saved = target.read_text(encoding="utf-8-sig")
    assert "Брак" in saved and "Quantity: enter a number." in saved and "Ремонт" not in saved
    # undone: the database as before, the created company and lines gone too
    answer("Undo")
    click(qtbot, wizard.result_page.undo_button)
    assert wizard.result_page.title.text() == "Import undone"
    assert not wizard.result_page.undo_button.isEnabled()
    assert {model: model.select().where(model.deleted_at.is_null()).count() if hasattr(model, "deleted_at")
            else model.select().count() for model in before} == before
    click(qtbot, wizard.close_button)
    assert not wizard.isVisible()


def _contacts_file(tmp_path):
    return f.write_csv(tmp_path / "CONTACT.csv", f.BITRIX_CONTACT_HEADERS, f.BITRIX_CONTACTS,
                       encoding="cp1251")


def _to_preview(qtbot, wizard, path, duplicates=None, winner=None, create_missing=True, ignore=()):
    """To the preview: the company created if missing, the card's required fields not asked for
    (an old address book lacks birth dates)."""
    open_file(qtbot, wizard, path)
    click(qtbot, wizard.next_button)  # mapping
    for header in ignore:
        choose(qtbot, wizard.mapping_page.field_combo(header), "Do not import")
    click(qtbot, wizard.next_button)  # their users (Bitrix24's «Ответственный»), or duplicates
    if wizard.stack.currentWidget() is wizard.references_page:
        assert not wizard.references_page.stages.isVisible()  # contacts have no stages
        click(qtbot, wizard.next_button)
    options = wizard.options_page
    assert wizard.stack.currentWidget() is options
    if duplicates is not None:
        click(qtbot, duplicates(options))
    if winner is not None:
        choose(qtbot, options.winner, winner)
    if create_missing:
        click(qtbot, options.create_missing)  # the contacts' company «Ромашка»
    click(qtbot, options.lenient)
    click(qtbot, wizard.next_button)
    assert wizard.stack.currentWidget() is wizard.preview_page


def test_bitrix_contacts_merged_into_an_existing_one_and_undone_from_the_history(
        context, qtbot, tmp_path, answer):
    from desktop_crm.views.imports.history import ImportHistoryDialog

    existing = make_contact("Сидоров", "Иван", mobile_phone="+7 916 123-45-67",
                            work_email="sidorov@romashka.ru", position="Заместитель директора")
    contacts_before = Contact.select().count()
    wizard = _wizard(context, qtbot, "contacts")
    # (without their company: a company the import created and linked to a merged contact
    # cannot be taken back yet — see the report)
    _to_preview(qtbot, wizard, _contacts_file(tmp_path), lambda o: o.merge,
                "the value already here wins", ignore=("Компания",))
    preview = wizard.preview_page
    first = preview.table.item(0, 1).text()
    assert first.startswith("will be merged") and "Сидоров" in first
    assert preview.table.item(1, 1).text() == "will be created", preview.table.item(1, 2).text()
    click(qtbot, preview.import_button)
    assert _counts(wizard) == {"created": 1, "merged": 1, "skipped": 0, "rejected": 0}
    assert Contact.select().count() == contacts_before + 1
    merged = Contact.get_by_id(existing.id)
    assert merged.position == "Заместитель директора"  # ours won where both had a value
    assert merged.middle_name == "Петрович"  # an empty field filled from the file
    created = Contact.get(Contact.last_name == "Кузнецова")
    assert created.private_email == "maria.k@mail.ru"
    click(qtbot, wizard.close_button)

    # File › Imports history: the batch listed, undone, the merged contact restored
    from desktop_crm.views.main_window import MainWindow

    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    window.import_history_action.trigger()
    history = next(w for w in qtbot_widgets() if isinstance(w, ImportHistoryDialog))
    assert history.table.rowCount() == 1
    assert history.table.item(0, 1).text() == "CONTACT.csv"
    assert history.table.item(0, 3).text() == "1" and history.table.item(0, 4).text() == "1"
    assert history.undo_button.isEnabled()
    answer("Undo")
    click(qtbot, history.undo_button)
    assert history.table.item(0, 6).text() == "undone"
    assert not history.undo_button.isEnabled()
    restored = Contact.get_by_id(existing.id)
    assert restored.middle_name == "" and restored.position == "Заместитель директора"
    assert Contact.select().where(Contact.deleted_at.is_null()).count() == contacts_before
    history.close()
    window.close()


def qtbot_widgets():
    from PySide6.QtWidgets import QApplication

    return [w for w in QApplication.topLevelWidgets() if w.isVisible()]


def test_duplicates_skipped_by_default_and_inside_the_file(context, qtbot, tmp_path):
    make_contact("Сидоров", "Иван", mobile_phone="+7 916 123-45-67", work_email="sidorov@romashka.ru")
    rows = [*f.BITRIX_CONTACTS, f.BITRIX_CONTACTS[1]]  # Кузнецова twice
    path = f.write_csv(tmp_path / "C.csv", f.BITRIX_CONTACT_HEADERS, rows)
    from desktop_crm.views.lists.list_view import EntityListView

    contacts = EntityListView(context, "contacts")  # an open list tells the truth afterwards
    qtbot.addWidget(contacts)
    contacts.show()
    contacts.reload()
    assert contacts.table.model().rowCount() == 1
    wizard = _wizard(context, qtbot, "contacts")
    _to_preview(qtbot, wizard, path)
    assert wizard.preview_page.table.item(0, 1).text().startswith("skipped: already there")
    click(qtbot, wizard.preview_page.import_button)
    assert _counts(wizard) == {"created": 1, "merged": 0, "skipped": 2, "rejected": 0}
    qtbot.waitUntil(lambda: contacts.table.model().rowCount() == 2, timeout=3000)
    click(qtbot, wizard.close_button)


def test_amocrm_xlsx_dry_run_then_for_real(context, qtbot, tmp_path):
    make_contact("Морозов", "Андрей", mobile_phone="+7 911 222-33-44")
    make_contact("Белова", "Ольга", mobile_phone="+7 921 111-22-33")
    path = f.write_xlsx(tmp_path / "amocrm_export.xlsx", f.AMO_DEAL_HEADERS, f.AMO_DEALS)
    deals_before = Deal.select().count()
    wizard = _wizard(context, qtbot, "contacts")
    open_file(qtbot, wizard, path)
    assert "amoCRM" in wizard.file_page.info.text() and wizard.file_page.entity() == "deals"
    assert wizard.file_page.advice.isVisible() and "three times" in wizard.file_page.advice.text()
    click(qtbot, wizard.next_button)
    assert wizard.mapping_page.field_combo("Бюджет").currentData() == "amount"
    click(qtbot, wizard.next_button)
    refs = wizard.references_page
    assert [refs.stages.item(r, 0).text() for r in range(refs.stages.rowCount())] == [
        "Продажи", "Продажи", "Сервис"]
    assert refs.stage_combo(1).currentText() == "Продажи › Первичный контакт"  # same name
    choose(qtbot, refs.stage_combo(0), "Продажи › КП отправлено")
    choose(qtbot, refs.stage_combo(2), "Продажи › Первичный контакт")
    choose(qtbot, refs.user_combo(0), "Анна Морозова")
    click(qtbot, wizard.next_button)
    click(qtbot, wizard.options_page.create_missing)
    click(qtbot, wizard.next_button)
    click(qtbot, wizard.preview_page.dry_run_button)
    result = wizard.result_page
    assert result.title.text() == "Dry run finished"
    assert _counts(wizard) == {"created": 3, "merged": 0, "skipped": 0, "rejected": 0}
    assert not result.undo_button.isVisible() and result.real_button.isVisible()
    assert Deal.select().count() == deals_before
    click(qtbot, result.real_button)
    assert result.title.text() == "Import finished" and result.undo_button.isVisible()
    assert Deal.select().count() == deals_before + 3
    windows = Deal.get(Deal.title == "Окна для офиса")
    assert windows.responsible.name == "Анна Морозова" and windows.stage.name == "КП отправлено"
    assert windows.company.inn == "7812014560" or windows.company.short_name == "ООО «СтройМир»"
    assert Deal.get(Deal.title == "Двери").responsible.name == "Анна Морозова"  # Nobody: the importer
    click(qtbot, wizard.close_button)


def test_cancel_takes_back_what_was_written(context, qtbot, tmp_path):
    from desktop_crm.services.data.imports import engine

    rows = [["", "", f"Имя{n}", "", f"Фамилия{n}", "", "", "", f"+7 916 {n:03d}-{n % 100:02d}-00"]
            for n in range(engine.CHUNK_ROWS + 50)]
    path = f.write_csv(tmp_path / "big.csv", f.BITRIX_CONTACT_HEADERS[:9], rows)
    contacts_before = Contact.select().count()
    wizard = _wizard(context, qtbot, "contacts")
    _to_preview(qtbot, wizard, path)
    run = wizard.run_page
    seen: list[int] = []

    def on_progress(value: int) -> None:  # the first chunk is written: the user clicks Cancel
        seen.append(value)
        if run.cancel_button.isEnabled():
            click(qtbot, run.cancel_button)

    run.bar.valueChanged.connect(on_progress)
    click(qtbot, wizard.preview_page.import_button)
    assert seen and seen[0] == engine.CHUNK_ROWS
    assert wizard.result_page.title.text() == "Import cancelled"
    assert not wizard.result_page.undo_button.isVisible()
    assert Contact.select().count() == contacts_before
    assert engine.import_batches() == []
    click(qtbot, wizard.close_button)


def test_back_from_the_preview_changes_the_choices(context, qtbot, tmp_path):
    make_contact("Сидоров", "Иван", mobile_phone="+7 916 123-45-67", work_email="sidorov@romashka.ru")
    wizard = _wizard(context, qtbot, "contacts")
    _to_preview(qtbot, wizard, _contacts_file(tmp_path))
    assert wizard.preview_page.table.item(0, 1).text().startswith("skipped")
    click(qtbot, wizard.back_button)
    assert wizard.stack.currentWidget() is wizard.options_page
    click(qtbot, wizard.options_page.create_new)
    click(qtbot, wizard.next_button)
    assert wizard.preview_page.table.item(0, 1).text() == "will be created"
    qtbot.keyClick(wizard.close_button, Qt.Key.Key_Space)
    assert not wizard.isVisible()


def test_the_wizard_in_real_background_threads(context, qtbot, tmp_path):
    """The same flow with the work really off the GUI thread (the app's way): each step waits for
    its result, the GUI stays responsive meanwhile."""
    from desktop_crm import workers

    make_contact("Сидоров", "Иван", mobile_phone="+7 916 123-45-67", work_email="sidorov@romashka.ru")
    contacts_before = Contact.select().count()
    wizard = _wizard(context, qtbot, "contacts")
    workers.set_synchronous(False)
    try:
        open_file(qtbot, wizard, _contacts_file(tmp_path))
        qtbot.waitUntil(lambda: wizard.next_button.isEnabled(), timeout=10000)
        click(qtbot, wizard.next_button)
        click(qtbot, wizard.next_button)
        qtbot.waitUntil(lambda: wizard.stack.currentWidget() is wizard.references_page, timeout=10000)
        click(qtbot, wizard.next_button)
        click(qtbot, wizard.options_page.lenient)
        click(qtbot, wizard.options_page.create_missing)
        click(qtbot, wizard.next_button)
        qtbot.waitUntil(lambda: wizard.stack.currentWidget() is wizard.preview_page, timeout=10000)
        click(qtbot, wizard.preview_page.import_button)
        qtbot.waitUntil(lambda: wizard.stack.currentWidget() is wizard.result_page, timeout=20000)
    finally:
        workers.set_synchronous(True)
    assert _counts(wizard) == {"created": 1, "merged": 0, "skipped": 1, "rejected": 0}
    assert Contact.select().count() == contacts_before + 1
    click(qtbot, wizard.close_button)
