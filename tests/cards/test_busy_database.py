"""A card saved while another process holds the database's write lock: the window never freezes
(its event loop keeps ticking), the user is asked "Retry?" and Retry saves once the lock is gone;
Cancel leaves the card open with its changes and says why in the card, never a crash dialog."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from desktop_crm.models import Product
from desktop_crm.models.db import set_interactive_thread
from tests.test_concurrent_writers import LockHolder, StallProbe, _busy_dialog, _press


@pytest.fixture
def interactive(context):
    from desktop_crm.app import make_gui_thread_interactive

    make_gui_thread_interactive()
    yield
    set_interactive_thread(None)


def _filled_card(context, typer):
    card = context.registry.card_opener("products")(context, None, None)
    typer(card.editors["name"], "Курс «Склад»")
    typer(card.editors["price"], "1500")
    typer(card.editors["vat_rate"], "20")
    return card


def test_save_waits_in_a_retry_question_and_the_window_stays_alive(context, qtbot, typer, db,
                                                                   interactive):
    card = _filled_card(context, typer)
    holder = LockHolder(db.database)
    probe = StallProbe()
    asked: list[str] = []

    def answer() -> None:
        box = _busy_dialog()
        if box is None:
            QTimer.singleShot(10, answer)
            return
        asked.append(box.text())
        QTimer.singleShot(250, lambda: (holder.release(), _press(box, "Retry")))

    try:
        probe.start()
        QTimer.singleShot(0, answer)
        qtbot.mouseClick(card.save_button, Qt.MouseButton.LeftButton)
        longest = probe.stop()
    finally:
        holder.release()
    assert asked and "changing the database right now" in asked[0]
    assert longest < 0.1, f"the event loop stalled for {longest * 1000:.0f} ms"
    product = Product.get()
    assert product.name == "Курс «Склад»" and product.price == Decimal("1500.00")
    assert not card.has_unsaved()
    card.close()


def test_cancel_keeps_the_card_and_its_changes(context, qtbot, typer, db, interactive):
    card = _filled_card(context, typer)
    holder = LockHolder(db.database)

    def cancel() -> None:
        box = _busy_dialog()
        if box is None:
            QTimer.singleShot(10, cancel)
            return
        _press(box, "Cancel")

    try:
        QTimer.singleShot(0, cancel)
        started = time.perf_counter()
        qtbot.mouseClick(card.save_button, Qt.MouseButton.LeftButton)
        assert time.perf_counter() - started < 5
    finally:
        holder.release()
    assert Product.select().count() == 0
    assert card.has_unsaved() and card.isVisible()
    assert "busy" in card.banner.text()
    assert not [w for w in QApplication.topLevelWidgets()
                if w.objectName() == "crash_dialog" and w.isVisible()]
    card.set_clean()
    card.close()


def test_a_lists_layout_is_saved_off_the_gui_thread_while_another_writer_holds_the_lock(
        context, qtbot, db, interactive):
    """A sort saves the list's layout 1.5 s later: on the GUI thread, while a sync or a batch held
    the write lock, that froze the window and asked "Retry?" about a column width."""
    from desktop_crm import workers
    from desktop_crm.services.listing import preferences
    from desktop_crm.views.lists.list_view import EntityListView

    view = EntityListView(context, "contacts")
    qtbot.addWidget(view)
    position = view.spec.column_index("position")
    view.table.horizontalHeader().setSectionHidden(position, True)
    holder = LockHolder(db.database)
    probe = StallProbe()
    workers.set_synchronous(False)
    try:
        probe.start()
        view.save_state()
        qtbot.wait(300)  # the write waits for the lock on a pool thread
        assert _busy_dialog() is None
        assert "header" not in preferences.list_state("contacts", context.user.id)
        holder.release()
        qtbot.waitUntil(lambda: "header" in preferences.list_state("contacts", context.user.id),
                        timeout=10000)
        longest = probe.stop()
    finally:
        holder.release()
        workers.cancel_all()
        workers.set_synchronous(True)
    assert longest < 0.1, f"the event loop stalled for {longest * 1000:.0f} ms"
    fresh = EntityListView(context, "contacts")
    qtbot.addWidget(fresh)
    assert fresh.table.horizontalHeader().isSectionHidden(position)
