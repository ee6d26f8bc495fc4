"""The Settings section on a real database: rules persisted, own companies with requisites and
images, pipelines and stages, users with their head, language, the database connection with the
password in the keyring, and the question about unsaved settings."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from desktop_crm.ids import UserId
from desktop_crm.models import OwnCompany, Stage, User
from desktop_crm.services.sales import rules
from desktop_crm.services.system import admin
from desktop_crm.views.settings import SettingsView


@pytest.fixture
def view(context, qtbot):
    view = SettingsView(context)
    qtbot.addWidget(view, before_close_func=lambda w: [p.set_clean() for p in w.pages.values()])
    view.show()
    return view


def test_change_inactivity_days_and_see_it_persisted(context, qtbot, view):
    page = view.select("rules")
    assert page.editors["inactivity_days"].value() == 60
    assert not page.save_button.isEnabled()
    page.editors["inactivity_days"].setValue(30)
    assert page.dirty and page.save_button.isEnabled()
    qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
    assert not page.dirty
    assert rules.INACTIVITY_DAYS.get() == 30
    # a new settings screen (as after a restart) reads it back
    again = SettingsView(context)
    qtbot.addWidget(again)
    assert again.page("rules").editors["inactivity_days"].value() == 30


def test_rules_stop_list_preset_and_region(context, view):
    page = view.select("rules")
    page.editors["comment_stop_phrases"].setPlainText("нд\nперезвонить\nnon risponde")
    preset = page.editors["contact_required_preset"]
    preset.setCurrentIndex(preset.findData("light"))
    region = page.editors["phone_region"]
    region.setCurrentIndex(region.findData("IT"))
    page.editors["lost_reasons"].setPlainText("Дорого\nУшёл к конкуренту")
    assert page.save()
    assert rules.COMMENT_STOP_PHRASES.get() == ["нд", "перезвонить", "non risponde"]
    assert rules.CONTACT_PRESET.get() == "light" and rules.PHONE_REGION.get() == "IT"
    assert rules.lost_reasons() == ["Дорого", "Ушёл к конкуренту"]
    assert not rules.is_detailed("перезвонить нд non risponde").detailed


def png_file(tmp_path, name: str) -> str:
    image = QImage(40, 20, QImage.Format.Format_RGB32)
    image.fill(QColor("#336699"))
    path = tmp_path / name
    assert image.save(str(path))
    return str(path)


def test_own_company_requisites_and_images(context, view, typer, tmp_path):
    page = view.select("own_companies")
    typer(page.editors["short_name"], "ООО «Продажи»")
    typer(page.editors["inn"], "7707083894")
    assert "check digits" in page.error_labels["inn"].text()
    assert not page.save()
    assert OwnCompany.alive().count() == 0
    page.editors["inn"].clear()
    typer(page.editors["inn"], "7707083893")
    assert page.images["logo"].load_file(png_file(tmp_path, "logo.png"))
    assert page.images["stamp"].preview.pixmap() is not None
    assert page.save()
    company = OwnCompany.get()
    assert company.inn == "7707083893" and company.is_default
    assert bytes(company.logo).startswith(b"\x89PNG") and company.stamp is None
    assert page.list_model.rowCount() == 1


def test_pipeline_stage_editor(context, qtbot, view, answer):
    page = view.select("pipelines")
    assert page.pipeline.currentText().startswith("Продажи")
    assert page.stage_model.rowCount() == 4
    page.select_stage(1)
    page.editors["probability"].setText("40")
    page.editors["probability"].textEdited.emit("40")
    page.required["company"].setChecked(True)
    page.add_template("Позвонить после КП", 2)
    assert page.save()
    stage = Stage.get(Stage.name == "КП отправлено")
    assert stage.probability == Decimal("40.00")
    assert stage.required_fields == ["company"]
    assert stage.task_templates == [{"subject": "Позвонить после КП", "due_days": 2}]
    # move it up: it becomes the first stage
    page.select_stage(1)
    qtbot.mouseClick(page.findChild(type(page.save_button), "stage_up"), Qt.MouseButton.LeftButton)
    assert next(s.name for s in admin.stages(page.pipeline.currentData())) == "КП отправлено"
    page.select_stage(1)
    page.editors["probability"].setText("abc")
    page.editors["probability"].textEdited.emit("abc")
    assert page.error_labels["probability"].text() == "Probability: enter a number."


def test_users_and_head_relation(context, view):
    page = view.select("users")
    assert page.model.rowCount() == 2
    page.select(-1)
    page.editors["name"].setText("Giulia Verdi")
    head = page.editors["head"]
    head.setCurrentIndex(head.findText("Анна Морозова"))
    locale = page.editors["locale"]
    locale.setCurrentIndex(locale.findData("it"))
    page.mark_dirty()
    assert page.save()
    giulia = User.get(User.name == "Giulia Verdi")
    anna = User.get(User.name == "Анна Морозова")
    assert giulia.head_id == anna.id and giulia.locale == "it"
    # Anna under Giulia would close a circle
    page.select([r.id for r in page.rows].index(UserId(anna.id)))
    head.setCurrentIndex(head.findText("Giulia Verdi"))
    page.mark_dirty()
    assert not page.save()
    assert "circle" in page.error_labels["head"].text()


def test_language_saved_for_the_user_after_restart(context, view):
    page = view.select("language")
    page.buttons["ru"].setChecked(True)
    assert page.save()
    assert User.get_by_id(context.user.id).locale == "ru"
    assert context.settings.value("ui/language") == "ru"


def test_database_connection_keeps_the_password_in_the_keyring(context, view, answer):
    page = view.select("database")
    page.postgres_radio.setChecked(True)
    page.editors["url"].setText("postgresql://sales@crm.example.com:5432/crm")
    page.editors["password"].setText("s3cret")
    answer("OK")
    assert page.save()
    saved = context.settings.value("database/url")
    assert saved == "postgresql://sales@crm.example.com:5432/crm"
    from pathlib import Path

    assert "s3cret" not in Path(context.settings.fileName()).read_text(encoding="utf-8")
    assert admin.stored_password(saved) == "s3cret"
    assert admin.url_with_password(saved) == "postgresql://sales:s3cret@crm.example.com:5432/crm"


def test_unsaved_settings_are_asked_about(context, view, answer):
    page = view.select("rules")
    page.editors["inactivity_days"].setValue(45)
    seen = answer("Cancel")
    assert view.confirm_close() is False
    assert "Rules" in seen[0]
    answer("Save")
    assert view.confirm_close() is True
    assert rules.INACTIVITY_DAYS.get() == 45


def test_test_connection_reports_in_the_page(context, view, tmp_path):
    page = view.select("database")
    page.path.setText(str(tmp_path / "crm.db"))  # the test's own database
    page.test_connection()
    assert page.test_result.text() == "The database file can be opened."
    other = tmp_path / "notes.db"
    other.write_text("not a database at all, just some text " * 20, encoding="utf-8")
    page.path.setText(str(other))
    page.test_connection()
    assert page.test_result.text().startswith("The file is not a database")
    page.path.setText(str(tmp_path / "unplugged drive" / "crm.db"))
    page.test_connection()
    assert page.test_result.text().startswith("The folder ") and "does not exist" in page.test_result.text()
    page.postgres_radio.setChecked(True)
    page.editors["url"].setText("postgresql://crm@127.0.0.1:9/crm")
    page.test_connection()
    assert page.test_result.text().startswith("Cannot connect to the server")
    assert page.test_button.isEnabled()


def test_a_new_required_field_of_a_stage_flags_its_deals(context, qtbot, view):
    from desktop_crm.models import Deal
    from desktop_crm.services.sales import deals

    stage = Stage.get(Stage.name == "Первичный контакт")
    deal = deals.create_deal({"title": "Курсы", "stage": stage.id}, context.user)
    assert "company" not in Deal.get_by_id(deal.id).missing_fields
    page = view.select("pipelines")
    page.select_stage(0)
    page.required["company"].setChecked(True)
    with qtbot.waitSignal(context.signals.status_message) as shown:
        assert page.save()
    assert "company" in Deal.get_by_id(deal.id).missing_fields
    assert shown.args == ["1 deal recomputed for the new rules"]


def test_pages_are_the_registered_ones_in_order_each_with_its_screenshot(context, view):
    from desktop_crm.views.registry import build_registry
    from desktop_crm.views.settings.registry import build_page_registry

    keys = [spec.key for spec in build_page_registry().pages]
    assert keys == ["own_companies", "numbering", "templates", "pipelines", "custom_fields",
                    "automation", "rules", "plans", "users", "roles", "mail", "language", "database",
                    "backups"]
    assert list(view.specs) == keys
    assert list(view.pages) == ["own_companies"]  # the others are built when first shown
    assert [view.tabs.tabText(i) for i in range(view.tabs.count())] == [
        "Own companies", "Numbering", "Templates", "Pipelines and stages", "Custom fields",
        "Automation", "Rules",
        "Sales plans", "Users and rights", "Roles", "Mail account", "Language", "Database", "Backups"]
    view.tabs.setCurrentIndex(keys.index("rules"))
    assert list(view.pages) == ["own_companies", "rules"]
    assert view.tabs.currentWidget() is view.pages["rules"]
    assert [view.page(key).objectName() for key in keys] == [f"settings_{k}" for k in keys]
    assert [view.tabs.widget(i) for i in range(view.tabs.count())] == list(view.pages.values())
    assert view.tabs.currentIndex() == keys.index("rules")
    screens = [s.name for s in build_registry().screens if s.name.startswith("settings_")]
    assert screens == [f"settings_{key}" for key in keys]


def test_adding_a_page_is_registering_it(context, qtbot):
    from PySide6.QtWidgets import QLabel, QVBoxLayout

    from desktop_crm.views.settings.page import SettingsPage
    from desktop_crm.views.settings.registry import PageRegistry, PageSpec

    saved = []

    class NotesPage(SettingsPage):
        def __init__(self, context, parent=None):
            super().__init__(context, parent)
            layout = QVBoxLayout(self)
            layout.addWidget(QLabel("Notes", self))
            layout.addWidget(self.footer())

        def save_changes(self):
            saved.append(True)
            return True

    pages = PageRegistry()
    pages.add(PageSpec("notes", "Notes", NotesPage, order=5))
    custom = SettingsView(context, registry=pages)
    qtbot.addWidget(custom)
    page = custom.select("notes")
    assert custom.tabs.count() == 1 and page.objectName() == "settings_notes"
    page.mark_dirty()
    custom.save_current()
    assert saved == [True] and not page.dirty


def test_a_locked_database_is_reported_on_the_page_not_as_a_crash(context, view, db, tmp_path):
    import sqlite3

    from desktop_crm.errors import DatabaseBusy

    page = view.select("rules")
    page.editors["inactivity_days"].setValue(30)
    db.execute_sql("PRAGMA busy_timeout = 50")  # the app waits 5 s for a lock
    holder = sqlite3.connect(tmp_path / "crm.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program writing
    try:
        assert not page.save()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert page.banner.text() == DatabaseBusy().message and page.dirty
    assert page.save() and rules.INACTIVITY_DAYS.get() == 30
