"""The look on real screens: chips, faces and phones in the lists, the board's cards, empty states."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication, QPushButton

from desktop_crm.services.listing import lists
from desktop_crm.views.cards.common import CardDialog
from desktop_crm.views.common import chips
from desktop_crm.views.common.section import FormSection
from desktop_crm.views.lists.cells import ChipDelegate, PersonDelegate, PhoneDelegate
from tests.shell.conftest import admin_user


def _column(view, key: str) -> int:
    return [c.key for c in view.spec.columns].index(key)


def test_lists_show_status_chips_faces_and_readable_phones(window, qtbot) -> None:
    invoices = window.show_section("invoices")
    qtbot.waitUntil(lambda: invoices.model.rowCount() > 0)
    status = _column(invoices, "status")
    delegate = invoices.table.itemDelegateForColumn(status)
    assert isinstance(delegate, ChipDelegate)
    allowed = set(chips.STATUS_TABLES["invoice"]) | {chips.OVERDUE}
    for row in range(min(40, invoices.model.rowCount())):
        found = delegate.chips_for(invoices.model.index(row, status))
        assert len(found) == 1 and found[0].status in allowed and found[0].icon
    assert isinstance(invoices.table.itemDelegateForColumn(_column(invoices, "author")), PersonDelegate)
    assert not invoices.table.grab().isNull()  # the delegates paint

    deals = window.show_section("deals")
    qtbot.waitUntil(lambda: deals.model.rowCount() > 0)
    stage = _column(deals, "stage")
    found = deals.table.itemDelegateForColumn(stage).chips_for(deals.model.index(0, stage))
    assert found[0].colour and found[0].status.startswith("stage:")

    contacts = window.show_section("contacts")
    qtbot.waitUntil(lambda: contacts.model.rowCount() > 0)
    phone = _column(contacts, "mobile_phone")
    delegate = contacts.table.itemDelegateForColumn(phone)
    assert isinstance(delegate, PhoneDelegate)
    shown = [delegate.displayText(contacts.model.index(row, phone).data(), None)
             for row in range(20)]
    assert any(text.startswith("+") and " " in text for text in shown)


def test_an_empty_list_says_what_to_do_and_its_button_does_it(qtbot, db_url, qsettings,
                                                             synchronous_workers) -> None:
    from desktop_crm.app import build_main_window
    from desktop_crm.models.db import open_database
    from desktop_crm.models.schema import migrate

    db = open_database(db_url)
    migrate(db)
    main = build_main_window(db_url, qsettings, admin_user())
    qtbot.addWidget(main)
    main.show()
    qtbot.waitExposed(main)
    try:
        contacts = main.show_section("contacts")
        assert lists.count("contacts") == 0
        qtbot.waitUntil(lambda: contacts.empty_state.isVisible())
        assert not contacts.table.isVisible()
        button = contacts.empty_state.findChild(QPushButton, "empty_create")
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        cards = [w for w in QApplication.topLevelWidgets() if isinstance(w, CardDialog) and w.isVisible()]
        assert cards
        for card in cards:
            card.close()
        deals = main.show_section("deals")
        assert deals.empty_state.isVisible()
        assert deals.empty_state.findChild(QPushButton, "empty_create") is not None
        assert deals.empty_state.findChild(QPushButton, "empty_add_pipeline") is not None
        board = main.page("deals").select_view("board")
        if not board.columns:  # a database without stages: the board says where to add them
            assert board.empty_label.isVisible()
            button = board.empty_label.findChild(QPushButton, "empty_add_pipeline")
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
            assert main.current_page().section.key == "settings"
            assert main.current_view().tabs.currentWidget().objectName() == "settings_pipelines"
    finally:
        main.close()
        db.close()


def test_board_cards_are_tall_enough_for_two_title_lines(window, qtbot) -> None:
    from desktop_crm.views.deals.board.delegate import CARD_LINES

    assert CARD_LINES == 6
    window.show_section("deals")  # a new day starts on Home
    deals_page = window.page("deals")
    board = deals_page.select_view("board")
    assert board is not None
    image = board.grab()
    assert not image.isNull() and image.width() > 400


class _Opened(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString())


def test_contact_card_header_calls_and_writes(window, qtbot) -> None:
    from desktop_crm.views.common import contact_links
    from desktop_crm.views.common.contact_links import LinkButton

    contacts = window.show_section("contacts")
    qtbot.waitUntil(lambda: contacts.model.rowCount() > 0)
    row = next(r for r in range(contacts.model.rowCount())
               if contacts.model.index(r, _column(contacts, "mobile_phone")).data())
    contacts.open_row(row)
    card = next(w for w in QApplication.topLevelWidgets() if w.objectName() == "contact_card"
                or type(w).__name__ == "ContactCard")
    opened = _Opened()
    QDesktopServices.setUrlHandler("tel", opened, "open")
    QDesktopServices.setUrlHandler("mailto", opened, "open")
    try:
        header = card.header
        assert header.isVisible() and header.avatar.initials()
        calls = [b for b in header.findChildren(LinkButton) if b.objectName() == "call_link"]
        assert calls and calls[0].text().startswith("+")
        qtbot.mouseClick(calls[0], Qt.MouseButton.LeftButton)
        assert opened.urls and opened.urls[-1].startswith("tel:+")
        mails = [b for b in header.findChildren(LinkButton) if b.objectName() == "mail_link"]
        assert mails  # the demo contact opened has an e-mail address
        written: list[str] = []
        contact_links.set_compose_action(lambda parent, address: written.append(address))
        qtbot.mouseClick(mails[0], Qt.MouseButton.LeftButton)
        contact_links.set_compose_action(None)
        assert written == [mails[0].text()]
        qtbot.mouseClick(mails[0], Qt.MouseButton.LeftButton)
        assert opened.urls[-1] == f"mailto:{mails[0].text()}"
        # as the app wires it: the address opens the compose dialog, for this contact
        from desktop_crm.views.mail.card_actions import compose_from_header
        from desktop_crm.views.mail.compose import ComposeDialog

        contact_links.set_compose_action(compose_from_header)
        qtbot.mouseClick(mails[0], Qt.MouseButton.LeftButton)
        dialog = next(w for w in QApplication.topLevelWidgets()
                      if isinstance(w, ComposeDialog) and w.isVisible())
        assert dialog.to.text() == mails[0].text()
        dialog.close()
        sections = card.findChildren(FormSection)
        assert {s.objectName() for s in sections} >= {"section_person", "section_reach",
                                                        "section_fiscal"}
    finally:
        QDesktopServices.unsetUrlHandler("tel")
        QDesktopServices.unsetUrlHandler("mailto")
        card.close()


def test_deal_card_summary_says_who_which_stage_and_what_is_missing(window, qtbot) -> None:
    from desktop_crm.views.deals.card import DealCard

    deals = window.show_section("deals")
    qtbot.waitUntil(lambda: deals.model.rowCount() > 0)
    deals.open_row(0)
    card = next(w for w in QApplication.topLevelWidgets() if isinstance(w, DealCard))
    try:
        summary = card.summary
        assert summary.client_label.text()
        assert summary.stage_chip.text() == card.data.stage.name
        assert summary.manager_label.text()
        if card.data.missing:
            assert any(str(len(card.data.missing)) in text for text in summary.marks())
    finally:
        card.close()


def test_filters_sit_in_one_row_until_added_and_saved_ones_are_chips(window, qtbot) -> None:
    from PySide6.QtWidgets import QToolButton

    from desktop_crm.services.listing.lists import ListFilter

    view = window.show_section("deals")
    bar = view.filter_bar
    qtbot.waitUntil(lambda: view.model.rowCount() > 0)
    assert all(chip.isHidden() for chip in bar.filter_chips.values())  # one quiet row
    bar.add_filter_menu.aboutToShow.emit()
    titles = [a.text() for a in bar.add_filter_menu.actions()]
    assert "Responsible" in titles and "Dates" in titles
    next(a for a in bar.add_filter_menu.actions() if a.text() == "Responsible").trigger()
    assert bar.filter_chips["responsible"].isVisible()
    bar.responsible.setCurrentIndex(1)
    qtbot.waitUntil(lambda: view.source.filter.responsible == (bar.responsible.currentData(),))
    remove = bar.filter_chips["responsible"].findChild(QToolButton, "remove_filter_responsible")
    qtbot.mouseClick(remove, Qt.MouseButton.LeftButton)
    assert bar.filter_chips["responsible"].isHidden() and view.source.filter.responsible == ()
    bar.set_filter(ListFilter(correct=False))
    assert bar.filter_chips["correct"].isVisible()  # a filter in use shows itself
    bar.save_current("Broken ones")
    bar.reset()
    assert bar.filter_chips["correct"].isHidden()
    chip = next(c for c in bar.saved_chips if c.text() == "Broken ones")
    qtbot.mouseClick(chip, Qt.MouseButton.LeftButton)
    assert view.source.filter.correct is False
    bar.delete_saved("Broken ones")
    assert not [c for c in bar.saved_chips if c.text() == "Broken ones"]


def test_deals_list_marks_inactive_overdue_task_and_incorrect_beside_the_stage(window, qtbot) -> None:
    import datetime as dt

    from desktop_crm.models import Activity, ActivityKind, ActivityStatus, Deal, Stage, StageKind
    from tests.factories import make_deal

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    made = {}
    for number, (title, correct, reached, task_due) in enumerate((
        ("Mark inactive", True, now - dt.timedelta(days=400), None),
        ("Mark overdue", True, now - dt.timedelta(days=1), now - dt.timedelta(days=2)),
        ("Mark incorrect", False, now - dt.timedelta(days=1), None),
        ("Mark none", True, now - dt.timedelta(days=1), now + dt.timedelta(days=2)),
        ("Mark won long ago", True, now - dt.timedelta(days=400), None),
    )):
        won = Stage.select().where(Stage.kind == StageKind.WON).first()
        deal = make_deal(title, stage=won) if "won" in title else make_deal(title)
        Deal.update(correct=correct, last_interaction_at=reached,
                    created_at=now + dt.timedelta(days=30, minutes=number)).where(
            Deal.id == deal.id).execute()
        if task_due is not None:
            Activity.create(kind=ActivityKind.TASK, status=ActivityStatus.PLANNED, subject="Call",
                            due_at=task_due, deal=deal)
        made[str(deal.id)] = title

    deals = window.show_section("deals")
    deals.reload()
    qtbot.waitUntil(lambda: deals.model.rowCount() > 5)
    stage = _column(deals, "stage")
    delegate = deals.table.itemDelegateForColumn(stage)
    assert isinstance(delegate, ChipDelegate)
    seen = {}
    for row in range(8):
        title = made.get(deals.model.record_id(row) or "")
        if title:
            seen[title] = delegate.chips_for(deals.model.index(row, stage))
    assert set(seen) == set(made.values())
    for title, wanted in (("Mark inactive", [chips.INACTIVE]), ("Mark overdue", [chips.OVERDUE_TASK]),
                          ("Mark incorrect", [chips.INACTIVE, chips.INCORRECT])):  # as on the board
        found = seen[title]
        assert found[0].status.startswith("stage:")
        assert [c.status for c in found[1:]] == wanted, title
        assert found[-1].text == chips.derived_chip(wanted[-1]).text and found[-1].icon
    assert [c.status for c in seen["Mark none"][1:]] == []
    assert [c.status for c in seen["Mark won long ago"][1:]] == []  # a closed deal is not inactive
    assert seen["Mark inactive"][1].text == "Inactive"
    assert seen["Mark overdue"][1].tone == "danger" and seen["Mark inactive"][1].tone == "muted"
    assert seen["Mark incorrect"][-1].tone == "warning"
    assert not deals.table.grab().isNull()
    # the cell's tooltip spells every chip out (the stage may be elided to leave the marks room)
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QHelpEvent
    from PySide6.QtWidgets import QStyleOptionViewItem, QToolTip

    row = next(r for r in range(8) if made.get(deals.model.record_id(r) or "") == "Mark overdue")
    index = deals.model.index(row, stage)
    centre = deals.table.visualRect(index).center()
    event = QHelpEvent(QEvent.Type.ToolTip, centre, deals.table.viewport().mapToGlobal(centre))
    assert delegate.helpEvent(event, deals.table, QStyleOptionViewItem(), index)
    assert QToolTip.text().endswith(" · Overdue task")
    QToolTip.hideText()
