"""Leads junked with a reason (from the list and from the card) and an administrator reopening a
closed deal from the deals list; a salesperson is not offered Reopen."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QToolButton

from desktop_crm.app import install_language
from desktop_crm.models import Activity, Deal, Lead, LeadStatus, Stage, StageKind
from desktop_crm.services.system import session
from desktop_crm.views.cards.closing import JunkDialog, ReopenDialog
from desktop_crm.views.lists.list_view import EntityListView
from tests.factories import make_deal


def _list(context, qtbot, entity: str) -> EntityListView:
    view = EntityListView(context, entity)
    qtbot.addWidget(view)
    view.show()
    view.reload()
    return view


def _action_button(view, name: str) -> QToolButton | None:
    return next((b for b in view.actions_bar.findChildren(QToolButton)
                 if b.defaultAction() and b.defaultAction().objectName() == name), None)


def _shown(kind):
    return next(w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible())


def test_junk_leads_from_the_list_with_a_reason(context, qtbot):
    spam = Lead.create(title="Купите рекламу", last_name="Спамов")
    Lead.create(title="Курсы английского", last_name="Петров")
    view = _list(context, qtbot, "leads")
    row = next(r for r in range(view.model.rowCount())
               if view.model.index(r, 0).data() == "Купите рекламу")
    view.table.selectRow(row)
    qtbot.mouseClick(_action_button(view, "action_junk"), Qt.MouseButton.LeftButton)
    dialog = _shown(JunkDialog)
    assert dialog.choice.currentIndex() == -1 and not dialog.ok.isEnabled()  # nothing preselected
    dialog.choice.setFocus()
    dialog.choice.setCurrentIndex(dialog.choice.findData("other"))
    assert not dialog.ok.isEnabled() and dialog.message.text() == "Say what the reason is."
    qtbot.keyClicks(dialog.comment, "robot")
    assert dialog.ok.isEnabled()
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    lead = Lead.get_by_id(spam.id)
    assert lead.status == LeadStatus.JUNK and "Other (say what): robot" in lead.comment
    assert Activity.get(Activity.lead == spam.id).payload["reason"] == "other"
    assert Lead.get(Lead.title == "Курсы английского").status != LeadStatus.JUNK


def test_junk_from_the_lead_card_in_russian(context, qtbot, qapp):
    from desktop_crm.views.cards.lead import LeadCard

    lead = Lead.create(title="Неверный номер", last_name="Иванов")
    install_language(qapp, "ru")
    try:
        card = LeadCard(context, str(lead.id))
        qtbot.addWidget(card)
        card.show()
        assert card.junk_button.text() == "Некачественный…"
        qtbot.mouseClick(card.junk_button, Qt.MouseButton.LeftButton)
        dialog = _shown(JunkDialog)
        assert dialog.windowTitle() == "Некачественные лиды"
        dialog.choice.setCurrentIndex(dialog.choice.findData("wrong_contact"))
        assert dialog.choice.currentText() == "Неверный номер или адрес"
        qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
        assert Lead.get_by_id(lead.id).status == LeadStatus.JUNK
        assert card.status.text() == "Некачественный" and not card.junk_button.isEnabled()
        card.set_clean()
        card.close()
    finally:
        install_language(qapp, "en")


def test_an_administrator_reopens_a_closed_deal_from_the_list(context, qtbot):
    pipeline_stages = list(Stage.select().order_by(Stage.sort_order))
    lost = next(s for s in pipeline_stages if s.kind == StageKind.LOST)
    deal = make_deal("Проигранная поставка", stage=lost, closed_at=dt.datetime(2026, 1, 10),
                     lost_reason="Дорого")
    view = _list(context, qtbot, "deals")
    view.table.selectRow(0)
    qtbot.mouseClick(_action_button(view, "action_reopen"), Qt.MouseButton.LeftButton)
    dialog = _shown(ReopenDialog)
    assert [dialog.choice.itemText(i) for i in range(dialog.choice.count())] == [
        "Первичный контакт", "КП отправлено"]
    dialog.choice.setCurrentIndex(1)
    assert not dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.comment, "client came back")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    reopened = Deal.get_by_id(deal.id)
    assert reopened.closed_at is None and Stage.get_by_id(reopened.stage_id).name == "КП отправлено"


def test_a_salesperson_is_not_offered_reopen(context, qtbot):
    from desktop_crm.models import User

    context.user = session.sign_in(User.get(User.name == "Marco Bianchi").id)  # a manager
    view = _list(context, qtbot, "deals")
    assert _action_button(view, "action_reopen") is None
