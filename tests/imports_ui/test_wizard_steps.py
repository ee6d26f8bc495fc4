"""The import wizard's first steps through its widgets: File › Import…, the file and its format,
the columns and presets, a Bitrix24 export's stages and users (real SQLite, real widgets)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from desktop_crm.models.enums import Action, Role
from tests.crm_exports import files as f
from tests.factories import make_user
from tests.imports_ui.helpers import choose, click, file_dialog, open_file, wizard_open


def _main_window(context, qtbot):
    from desktop_crm.views.main_window import MainWindow

    window = MainWindow(context)
    qtbot.addWidget(window)
    window.show()
    return window


def test_file_import_opens_the_wizard_which_recognises_a_bitrix_export(context, qtbot, tmp_path):
    path = f.write_csv(tmp_path / "DEAL.csv", f.BITRIX_DEAL_HEADERS, f.BITRIX_DEALS, encoding="cp1251")
    window = _main_window(context, qtbot)
    assert window.import_action.isEnabled()
    window.import_action.trigger()
    wizard = wizard_open()
    assert wizard.stack.currentWidget() is wizard.file_page
    assert not wizard.next_button.isEnabled()
    open_file(qtbot, wizard, path)
    info = wizard.file_page.info.text()
    assert "Bitrix24" in info and "Windows-1251" in info and "semicolon" in info and "4 rows" in info
    assert wizard.file_page.entity() == "deals"  # told by the columns
    click(qtbot, wizard.next_button)
    assert wizard.stack.currentWidget() is wizard.mapping_page
    page = wizard.mapping_page
    assert page.field_combo("Стадия сделки").currentData() == "stage"
    assert page.field_combo("Название сделки").currentData() == "title"
    click(qtbot, wizard.close_button)
    assert not wizard.isVisible()
    window.close()


def test_the_format_can_be_changed_and_a_wrong_one_is_explained(context, qtbot, tmp_path):
    path = f.write_csv(tmp_path / "amo.csv", f.AMO_DEAL_HEADERS, f.AMO_DEALS, bom=True)
    window = _main_window(context, qtbot)
    window.import_action.trigger()
    wizard = wizard_open()
    open_file(qtbot, wizard, path)
    assert "amoCRM" in wizard.file_page.info.text()
    choose(qtbot, wizard.file_page.format_combo, "Bitrix24 export (CSV or Excel)")
    assert "does not look like" in wizard.file_page.info.text()
    assert not wizard.next_button.isEnabled()
    choose(qtbot, wizard.file_page.format_combo, "CSV (comma, semicolon or tab separated)")
    assert "CSV" in wizard.file_page.info.text() and wizard.next_button.isEnabled()
    open_file(qtbot, wizard, tmp_path / "missing.csv")
    assert "does not exist" in wizard.file_page.info.text()
    wizard.close()
    window.close()


def test_browse_chooses_the_file_in_a_dialog(context, qtbot, tmp_path):
    from desktop_crm.views.imports.wizard import open_import_wizard

    path = f.write_bitrix_html(tmp_path / "CONTACT.xls", f.BITRIX_CONTACT_HEADERS, f.BITRIX_CONTACTS)
    wizard = open_import_wizard(context, None, "contacts")
    click(qtbot, wizard.file_page.browse_button)
    dialog = file_dialog("import_file_dialog")
    dialog.selectFile(str(path))
    dialog.accept()
    assert wizard.file_page.path_edit.text() == str(path)
    assert "Bitrix24" in wizard.file_page.info.text() and "2 rows" in wizard.file_page.info.text()
    assert wizard.file_page.entity() == "contacts"
    wizard.close()
    # the next time, Browse… opens in that folder
    again = open_import_wizard(context, None, "contacts")
    click(qtbot, again.file_page.browse_button)
    dialog = file_dialog("import_file_dialog")
    assert dialog.directory().absolutePath() == str(tmp_path)
    dialog.reject()
    again.close()


def test_mapping_is_editable_refused_when_incomplete_and_saved_as_a_preset(context, qtbot, tmp_path):
    from desktop_crm.views.imports.wizard import open_import_wizard

    path = f.write_csv(tmp_path / "C.csv", f.BITRIX_CONTACT_HEADERS, f.BITRIX_CONTACTS)
    wizard = open_import_wizard(context, None, "contacts")
    open_file(qtbot, wizard, path)
    click(qtbot, wizard.next_button)
    page = wizard.mapping_page
    assert page.field_combo("Имя").currentData() == "first_name"
    # a column left out, another one given a field
    choose(qtbot, page.field_combo("Должность"), "Do not import")
    choose(qtbot, page.field_combo("Домашний телефон"), "mobile phone")
    assert "Должность" not in page.mapping()
    assert page.mapping()["Домашний телефон"] == "mobile_phone"
    assert "Мобильный телефон" not in page.mapping()  # a field is filled by one column
    # no name at all: refused with the reason
    for header in ("Имя", "Фамилия", "Отчество"):
        choose(qtbot, page.field_combo(header), "Do not import")
    click(qtbot, wizard.next_button)
    assert wizard.stack.currentWidget() is page
    assert "a name" in page.problem.text()
    choose(qtbot, page.field_combo("Фамилия"), "last name")
    # saved under a Cyrillic name, changed, loaded back
    page.preset_name.setFocus()
    page.preset_name.insert("Битрикс контакты")
    click(qtbot, page.save_button)
    assert page.preset_combo.currentText() == "Битрикс контакты"
    choose(qtbot, page.field_combo("Фамилия"), "Do not import")
    click(qtbot, page.load_button)
    assert page.field_combo("Фамилия").currentData() == "last_name"
    assert page.field_combo("Домашний телефон").currentData() == "mobile_phone"
    wizard.close()


def test_preset_deleted_after_confirmation(context, qtbot, tmp_path, answer):
    from desktop_crm.services.data.imports import mapping
    from desktop_crm.views.imports.wizard import open_import_wizard

    mapping.save_preset("contacts", context.user.id, "Старый", {"Фамилия": "last_name"})
    path = f.write_csv(tmp_path / "C.csv", f.BITRIX_CONTACT_HEADERS, f.BITRIX_CONTACTS)
    wizard = open_import_wizard(context, None, "contacts")
    open_file(qtbot, wizard, path)
    click(qtbot, wizard.next_button)
    page = wizard.mapping_page
    assert page.preset_combo.currentText() == "Старый"
    answer("Delete")
    click(qtbot, page.delete_button)
    assert page.preset_combo.count() == 0 and not page.load_button.isEnabled()
    assert mapping.presets("contacts", context.user.id) == {}
    wizard.close()


def test_bitrix_stages_and_users_are_mapped_to_ours(context, qtbot, tmp_path):
    from desktop_crm.services.data.crm_exports import matching
    from desktop_crm.views.imports.wizard import open_import_wizard

    make_user("Смирнова Анна", role=Role.SALES)
    path = f.write_bitrix_html(tmp_path / "DEAL.xls", f.BITRIX_DEAL_HEADERS, f.BITRIX_DEALS)
    wizard = open_import_wizard(context, None, "deals")
    open_file(qtbot, wizard, path)
    click(qtbot, wizard.next_button)
    click(qtbot, wizard.next_button)
    page = wizard.references_page
    assert wizard.stack.currentWidget() is page
    assert [page.stages.item(r, 1).text() for r in range(page.stages.rowCount())] == [
        "Подготовка документов", "Новая", "Сделка успешна"]
    # suggested: nothing like "Подготовка документов" here, "Сделка успешна" → our won stage
    assert page.stage_combo(0).currentText() == "Create it here"
    assert page.stage_combo(2).currentText() == "Продажи › Успешно"
    assert page.user_combo(0).currentText() == "Смирнова Анна"  # same name, other word order
    assert page.user_combo(1).currentText() == "Nobody (the records are yours)"
    choose(qtbot, page.stage_combo(0), "Продажи › КП отправлено")
    choose(qtbot, page.user_combo(1), "Marco Bianchi")
    request = wizard.request_builder()()
    rows = list(request.table.rows)
    stage, pipeline, responsible = (f.BITRIX_DEAL_HEADERS.index(h)
                                    for h in ("Стадия сделки", "Направление", "Ответственный"))
    assert (rows[0][pipeline], rows[0][stage], rows[0][responsible]) == (
        "Продажи", "КП отправлено", "Смирнова Анна")
    assert (rows[2][pipeline], rows[2][stage], rows[2][responsible]) == ("Сервис", "Новая", "Marco Bianchi")
    assert rows[3][stage] == "Успешно"
    assert matching.PIPELINE_COLUMN not in request.mapping
    # Back returns to the references from the page after them; Escape-free Cancel closes
    wizard.close()


def test_a_plain_csv_skips_the_references_step(context, qtbot, tmp_path):
    from desktop_crm.views.imports.wizard import MAPPING, open_import_wizard

    path = f.write_csv(tmp_path / "deals.csv", ["Название сделки", "Стадия", "Ответственный"],
                       [["Окна", "КП отправлено", "Анна Морозова"]])
    wizard = open_import_wizard(context, None, "deals")
    open_file(qtbot, wizard, path)
    assert wizard.file_page.entity() == "deals"
    click(qtbot, wizard.next_button)
    assert wizard.stack.currentIndex() == MAPPING
    assert not wizard._foreign()
    wizard.close()


def test_keyboard_only_first_step(context, qtbot, tmp_path):
    from desktop_crm.views.imports.wizard import open_import_wizard

    path = f.write_csv(tmp_path / "C.csv", f.BITRIX_CONTACT_HEADERS, f.BITRIX_CONTACTS)
    wizard = open_import_wizard(context, None, "companies")
    open_file(qtbot, wizard, path)
    assert wizard.file_page.entity() == "contacts"
    qtbot.keyClick(wizard.next_button, Qt.Key.Key_Space)
    assert wizard.stack.currentWidget() is wizard.mapping_page
    qtbot.keyClick(wizard.back_button, Qt.Key.Key_Space)
    assert wizard.stack.currentWidget() is wizard.file_page
    wizard.close()


def test_a_list_offers_import_of_its_own_records(context, qtbot):
    from PySide6.QtWidgets import QToolButton

    from desktop_crm.views.lists.list_view import EntityListView

    view = EntityListView(context, "companies")
    qtbot.addWidget(view)
    view.show()
    view.reload()
    button = next(b for b in view.actions_bar.findChildren(QToolButton)
                  if b.defaultAction() and b.defaultAction().objectName() == "action_import")
    assert button.isEnabled()  # nothing selected: import needs no selection
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    wizard = wizard_open()
    assert wizard.file_page.entity() == "companies"
    wizard.close()


def test_a_role_without_import_is_not_offered_it(context, qtbot):
    from desktop_crm.services.system import access, rights, session
    from desktop_crm.views.main_window import MainWindow

    role = access.save_role(None, {"name": "Стажёр", "actions": ["view", "create", "edit"],
                                   "scope": "own"})
    trainee = make_user("Ирина Стажёр", role=Role.SALES, access_role=role)
    rights.act_as(rights.load_actor(trainee.id))
    assert not rights.can(Action.IMPORT)
    context.user = session.current_user(str(trainee.id))
    window = MainWindow(context)
    qtbot.addWidget(window)
    assert not window.import_action.isEnabled() and not window.import_history_action.isEnabled()
    window.close()
