"""Settings › Automation through its widgets, in Russian and in Italian: add a robot in the dialog
with clicks and keys, read it back as a sentence, a refusal kept in the open dialog, switch it off,
reorder, change and delete; a deal entering the stage gets the robot's task."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from desktop_crm import i18n
from desktop_crm.models import Activity, AutomationRule, Stage, User
from desktop_crm.services.sales import stages
from desktop_crm.views.settings import SettingsView
from desktop_crm.views.settings.automation import AutomationPage
from desktop_crm.views.settings.automation_dialog import RuleDialog
from tests.factories import make_deal

SENTENCES = {
    "ru": ("Когда сделка переходит на стадию «КП отправлено»: поставить задачу «Call back» со "
           "сроком 2 дня, исполнитель — ответственный."),
    "it": ("Quando una trattativa entra in «КП отправлено»: crea l'attività «Call back» con "
           "scadenza tra 2 giorni per il responsabile."),
}


@pytest.fixture(params=["ru", "it"])
def page(request, context, qtbot) -> AutomationPage:
    i18n.set_language(request.param)
    view = SettingsView(context)
    qtbot.addWidget(view)
    view.show()
    found = view.select("automation")
    assert isinstance(found, AutomationPage)
    found.settings_view = view  # keeps the view alive
    found.language = request.param
    return found


def in_dialog(qtbot, fill: Callable[[RuleDialog], None]) -> None:
    """``fill`` the rule dialog the next click opens (it runs modally)."""

    def act() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, RuleDialog):
            QTimer.singleShot(20, act)
            return
        fill(dialog)

    QTimer.singleShot(0, act)


def choose(combo, data: str) -> None:
    combo.setFocus()
    combo.setCurrentIndex(combo.findData(data))


def save(qtbot, dialog: RuleDialog) -> None:
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save),
                     Qt.MouseButton.LeftButton)


def test_add_read_switch_reorder_and_delete_robots(qtbot, page, monkeypatch):
    proposal = Stage.get(Stage.name == "КП отправлено")
    won = Stage.get(Stage.name == "Успешно")
    assert page.empty.isVisible() and not page.list.isVisible()

    def a_task_robot(dialog: RuleDialog) -> None:
        choose(dialog.event_choice, "entering_stage")
        choose(dialog.stage, str(proposal.id))
        choose(dialog.action, "create_task")
        assert dialog.text.isVisible() and not dialog.template.isVisible()
        qtbot.keyClicks(dialog.text, "Call back")
        dialog.due_days.selectAll()
        qtbot.keyClicks(dialog.due_days, "2")
        save(qtbot, dialog)

    in_dialog(qtbot, a_task_robot)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert page.list.count() == 1
    assert page.list.item(0).text() == SENTENCES[page.language]

    def a_refused_notification(dialog: RuleDialog) -> None:
        choose(dialog.event_choice, "quote_accepted")
        choose(dialog.action, "notify")
        save(qtbot, dialog)  # no text: refused, the dialog stays open with the reason
        assert dialog.isVisible() and dialog.error.isVisible()
        assert dialog.error.text() == i18n._("Write the notification.")
        choose(dialog.action, "move_to")
        assert dialog.target.isVisible() and not dialog.text.isVisible()
        choose(dialog.target, str(won.id))
        save(qtbot, dialog)

    in_dialog(qtbot, a_refused_notification)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert page.list.count() == 2 and page.list.currentRow() == 1
    assert "«Успешно»" in page.list.item(1).text()
    qtbot.mouseClick(page.up_button, Qt.MouseButton.LeftButton)  # the trigger acts first now
    assert "«Успешно»" in page.list.item(0).text() and page.list.currentRow() == 0
    page.list.setCurrentRow(1)
    qtbot.mouseClick(page.toggle_button, Qt.MouseButton.LeftButton)
    assert page.list.item(1).text().startswith("(")
    assert [rule.active for rule in AutomationRule.select().order_by(AutomationRule.position)] == [
        True, False]
    qtbot.mouseClick(page.toggle_button, Qt.MouseButton.LeftButton)
    assert page.list.item(1).text() == SENTENCES[page.language]

    # a deal entering the stage gets the robot's task
    manager = User.get(User.name == "Marco Bianchi")
    deal = make_deal("Corso di vendita", stage=Stage.get(Stage.name == "Первичный контакт"),
                     responsible=manager)
    stages.move_deal(deal.id, proposal.id, manager.id)
    task = Activity.get(Activity.subject == "Call back")
    assert task.assignee_id == manager.id

    def change_the_days(dialog: RuleDialog) -> None:
        assert dialog.text.text() == "Call back"
        dialog.due_days.selectAll()
        qtbot.keyClicks(dialog.due_days, "5")
        save(qtbot, dialog)

    page.list.setFocus()
    in_dialog(qtbot, change_the_days)
    qtbot.keyClick(page.list, Qt.Key.Key_Return)
    assert "5" in page.list.item(1).text()
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *args, **kwargs: QMessageBox.StandardButton.Yes)
    qtbot.mouseClick(page.delete_button, Qt.MouseButton.LeftButton)
    assert page.list.count() == 1 and "«Успешно»" in page.list.item(0).text()


def test_the_main_windows_runner_does_the_delayed_robots_whose_time_came(context, qtbot):
    import datetime as dt

    from desktop_crm.services.sales.automation import rules
    from desktop_crm.views.automation_runner import DueRobots

    proposal = Stage.get(Stage.name == "КП отправлено")
    manager = User.get(User.name == "Marco Bianchi")
    rules.save_rule(None, {"pipeline_id": proposal.pipeline_id, "event": "entering_stage",
                           "stage_id": proposal.id, "action": "create_task", "delay_days": 1,
                           "params": {"text": "Ricontattare", "due_days": 0}})
    deal = make_deal("Corso", stage=Stage.get(Stage.name == "Первичный контакт"),
                     responsible=manager)
    two_days_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(days=2)
    stages.move_deal(deal.id, proposal.id, manager.id, now=two_days_ago)
    assert not Activity.select().where(Activity.subject == "Ricontattare").exists()
    runner = DueRobots(context)
    runner.run_now()  # what the timer does (the tests' workers run at once)
    assert Activity.get(Activity.subject == "Ricontattare").assignee_id == manager.id
    runner.run_now()
    assert Activity.select().where(Activity.subject == "Ricontattare").count() == 1
    runner.stop()
