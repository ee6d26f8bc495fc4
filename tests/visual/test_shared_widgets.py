"""The shared look: status chips, avatars, icons, sections and empty states (real widgets, offscreen)."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QIcon, QPalette
from PySide6.QtWidgets import QLineEdit, QPushButton
from pytestqt.qtbot import QtBot

from desktop_crm.models.enums import ActivityKind, ActivityStatus, InvoiceStatus, LeadStatus, QuoteStatus
from desktop_crm.views.common import avatar, chips, icons
from desktop_crm.views.common.empty_state import EmptyState, import_action, set_import_action
from desktop_crm.views.common.palette import contrast, dark_palette
from desktop_crm.views.common.section import TWO_COLUMNS_FROM, FormSection


def _light_palette() -> QPalette:
    palette = QPalette()  # Qt's default (light) palette
    palette.setColor(QPalette.ColorRole.Base, QColor("#ffffff"))
    palette.setColor(QPalette.ColorRole.Window, QColor("#efefef"))
    return palette


PALETTES = {"light": _light_palette, "dark": dark_palette}
SURFACES = (QPalette.ColorRole.Base, QPalette.ColorRole.Window)


def _every_chip() -> list[chips.Chip]:
    result = [chips.quote_chip(s) for s in QuoteStatus]
    result += [chips.invoice_chip(s) for s in InvoiceStatus]
    result += [chips.task_chip(s) for s in ActivityStatus]
    result += [chips.lead_chip(s) for s in LeadStatus]
    result += [chips.derived_chip(k) for k in (chips.OVERDUE, chips.TODAY, chips.INACTIVE,
                                               chips.OVERDUE_TASK, chips.INCORRECT)]
    return result


@pytest.mark.parametrize(("table", "enum"), [("quote", QuoteStatus), ("invoice", InvoiceStatus),
                                             ("task", ActivityStatus), ("lead", LeadStatus)])
def test_every_status_has_a_chip_with_text_and_icon(qapp: object, table: str, enum: type) -> None:
    assert set(chips.STATUS_TABLES[table]) == {str(s) for s in enum}
    for status in enum:
        text, tone, icon = chips.STATUS_TABLES[table][status]
        assert text and tone in chips.TONES and icons.available(icon)


def test_chip_text_and_colour_per_status(qapp: object) -> None:
    paid = chips.Chip("Paid", "success", "circle-check", status="paid")
    assert chips.invoice_chip(InvoiceStatus.PAID) == paid
    assert chips.invoice_chip(InvoiceStatus.DRAFT).tone == "neutral"
    assert chips.invoice_chip(InvoiceStatus.PARTIALLY_PAID).text == "Partially paid"
    assert chips.quote_chip(QuoteStatus.ACCEPTED).tone == "success"
    assert chips.quote_chip(QuoteStatus.SENT).tone == "info"
    # overdue: an issued or partly paid invoice past its due date, never a paid one
    today = dt.date(2026, 5, 10)
    past = dt.date(2026, 5, 1)
    overdue = chips.invoice_chip(InvoiceStatus.ISSUED, past, today)
    assert (overdue.text, overdue.tone, overdue.icon) == ("Overdue", "danger", "alarm-clock")
    assert chips.invoice_chip(InvoiceStatus.PARTIALLY_PAID, past, today).status == chips.OVERDUE
    assert chips.invoice_chip(InvoiceStatus.PAID, past, today).status == "paid"
    assert chips.invoice_chip(InvoiceStatus.ISSUED, today, today).status == "issued"
    now = dt.datetime(2026, 5, 10, 12, 0)
    assert chips.task_chip("planned", now - dt.timedelta(hours=1), now).status == chips.OVERDUE
    assert chips.task_chip("planned", now + dt.timedelta(hours=3), now).status == chips.TODAY
    assert chips.task_chip("planned", now + dt.timedelta(days=2), now).status == "planned"
    assert chips.task_chip("done", now - dt.timedelta(days=2), now).status == "done"
    marks = chips.deal_chips(active=False, overdue_tasks=2, correct=False)
    assert [c.status for c in marks] == [chips.OVERDUE_TASK, chips.INACTIVE, chips.INCORRECT]
    assert all(c.text and c.icon for c in marks)  # colour is never the only signal
    assert chips.deal_chips() == []
    stage = chips.stage_chip("Negotiation", "#ffdd00", "won")
    assert (stage.text, stage.icon, stage.colour) == ("Negotiation", "trophy", "#ffdd00")


@pytest.mark.parametrize("palette_name", sorted(PALETTES))
def test_every_chip_meets_wcag_aa_on_both_palettes(qapp: object, palette_name: str) -> None:
    palette = PALETTES[palette_name]()
    stage_colours = ["#ffdd00", "#4a90d9", "#00ff00", "#ff0000", "#000080", "#ffffff", "#000000",
                     "#8e44ad", "#f39c12"]
    every = _every_chip() + [chips.stage_chip("Stage", c) for c in stage_colours]
    for chip in every:
        for surface in SURFACES:
            foreground, background = chips.chip_colours(chip, palette, surface)
            ratio = contrast(foreground, background)
            assert ratio >= chips.MINIMUM_CONTRAST, (palette_name, chip, surface, ratio)


def test_chip_widget_paints_and_names_itself(qtbot: QtBot) -> None:
    widget = chips.StatusChip(chips.invoice_chip("paid"))
    qtbot.addWidget(widget)
    widget.show()
    assert widget.accessibleName() == "Paid" and widget.sizeHint().width() > 30
    image = widget.grab().toImage()
    assert not image.isNull()
    widget.set_chip(None)
    assert not widget.isVisible()


@pytest.mark.parametrize(("name", "letters"), [
    ("Петров Иван Сергеевич", "ПИ"),
    ("иван петров", "ИП"),
    ("Maria De Luca", "ML"),
    ("De Luca Maria", "LM"),
    ("D'Amico Luca", "AL"),
    ("Anna", "A"),
    ("Ёлкин", "Ё"),
    ("  ", ""),
    ("", ""),
    (None, ""),
    ("123 Rossi", "R"),
    ("Anna-Maria Bianchi", "AM"),
])
def test_avatar_initials(name: str | None, letters: str) -> None:
    assert avatar.initials(name) == letters


def test_avatar_colours_are_stable_and_readable(qapp: object) -> None:
    first = avatar.avatar_colour(avatar.avatar_key("Иван Петров"))
    assert first == avatar.avatar_colour(avatar.avatar_key("  иван   петров "))
    assert first.name() in avatar.AVATAR_COLOURS
    # a fixed value: the hash is CRC-32, the same on every run and machine
    assert avatar.avatar_colour("anna rossi").name() == avatar.avatar_colour("anna rossi").name()
    names = [f"Person {i}" for i in range(60)]
    assert len({avatar.avatar_colour(avatar.avatar_key(n)).name() for n in names}) >= 8
    for colour in avatar.AVATAR_COLOURS:
        assert contrast(QColor(colour), QColor(avatar.INITIALS_COLOUR)) >= 4.5, colour


def test_avatar_pixmaps_are_cached_and_crisp(qtbot: QtBot) -> None:
    one = avatar.avatar_pixmap("Maria Rossi", 24, 2.0)
    assert one.size() == QSize(48, 48) and one.devicePixelRatio() == 2.0
    assert avatar.avatar_pixmap("Maria Rossi", 24, 2.0).cacheKey() == one.cacheKey()
    widget = avatar.Avatar("Maria Rossi", 32)
    qtbot.addWidget(widget)
    assert widget.initials() == "MR" and widget.accessibleName() == "Maria Rossi"
    assert not widget.grab().isNull()


@pytest.mark.parametrize("ratio", [1.0, 1.5, 2.0])
def test_icons_render_tinted_at_every_scale(qapp: object, ratio: float) -> None:
    for name in set(icons.SECTION_ICONS.values()) | set(icons.ACTIVITY_ICONS.values()) | set(
            icons.ACTION_ICONS.values()):
        assert icons.available(name), name
    assert {k.value for k in ActivityKind} <= set(icons.ACTIVITY_ICONS)
    image = icons.pixmap("phone", 16, "#ff0000", ratio)
    assert image.width() == round(16 * ratio) and image.devicePixelRatio() == ratio
    pixels = image.toImage()
    reds = [pixels.pixelColor(x, y) for x in range(pixels.width()) for y in range(pixels.height())]
    painted = [c for c in reds if c.alpha() > 200]
    assert painted and all(c.red() > 200 and c.green() < 60 for c in painted)
    qicon = icons.icon("mail")
    assert isinstance(qicon, QIcon) and not qicon.pixmap(QSize(20, 20)).isNull()
    with pytest.raises(KeyError):
        icons.icon("no-such-icon")


def test_form_section_goes_to_one_column_when_narrow(qtbot: QtBot) -> None:
    section = FormSection("Contact details")
    qtbot.addWidget(section)
    section.form.addRow("First:", QLineEdit(section))
    section.next_column()
    section.form.addRow("Second:", QLineEdit(section))
    section.resize(TWO_COLUMNS_FROM + 100, 200)
    section.show()
    qtbot.waitUntil(lambda: section.two_columns())
    section.resize(TWO_COLUMNS_FROM - 200, 200)
    qtbot.waitUntil(lambda: not section.two_columns())
    left, right = (f.parentWidget() for f in section.forms)
    qtbot.waitUntil(lambda: left.geometry().bottom() < right.geometry().top())
    section.resize(TWO_COLUMNS_FROM + 100, 200)
    qtbot.waitUntil(lambda: left.geometry().right() < right.geometry().left())


def test_empty_state_button_does_what_it_says(qtbot: QtBot) -> None:
    state = EmptyState("handshake", "No deals yet", "Create the first deal.")
    qtbot.addWidget(state)
    pressed: list[str] = []
    button = state.add_button("New deal", lambda: pressed.append("new"), "empty_new", icon="plus")
    state.show()
    qtbot.mouseClick(button, __import__("PySide6.QtCore").QtCore.Qt.MouseButton.LeftButton)
    assert pressed == ["new"] and button.isDefault()
    assert isinstance(state.findChild(QPushButton, "empty_new"), QPushButton)
    registered = import_action("contacts")  # the import wizard's, once the views registered it
    try:
        set_import_action("contacts", None)
        assert import_action("contacts") is None
        set_import_action("contacts", lambda parent: None)
        assert import_action("contacts") is not None
    finally:
        set_import_action("contacts", registered)


def test_only_icons_in_use_are_shipped_with_their_licence() -> None:
    from pathlib import Path

    views = Path(icons.__file__).resolve().parent.parent
    source = "\n".join(p.read_text(encoding="utf-8") for p in views.rglob("*.py"))
    shipped = sorted(p.stem for p in icons.ICON_DIR.glob("*.svg"))
    assert shipped and (icons.ICON_DIR / "LICENSE").is_file()
    assert "ISC" in (icons.ICON_DIR / "LICENSE").read_text(encoding="utf-8")
    assert [name for name in shipped if f'"{name}"' not in source] == []


def test_a_narrow_row_elides_the_stage_but_keeps_the_deals_marks(qapp: object) -> None:
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QFont, QPainter, QPixmap
    from PySide6.QtWidgets import QApplication

    font = chips.chip_font(QApplication.font())
    row = [chips.stage_chip("Identificazione del decisore e del budget", "#3366cc"),
           *chips.deal_chips(active=False, overdue_tasks=1)]
    widths = [chips.chip_size(c, font).width() for c in row]
    palette = QApplication.palette()

    def used(width: int) -> int:
        pixmap = QPixmap(width, 24)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        result = chips.paint_chips(painter, QRect(0, 0, width, 24), row, palette, QFont(font))
        painter.end()
        return result - chips.SPACING  # the width painted (without the gap after the last chip)

    roomy = sum(widths) + 2 * chips.SPACING
    assert used(roomy + 50) == roomy  # everything at full width
    narrow = chips.MIN_FIRST + widths[1] + widths[2] + 2 * chips.SPACING
    assert narrow < roomy
    # the stage gives way: both marks still painted in full, the stage elided to what is left
    assert used(narrow) == narrow
    # too narrow for both: the last mark is left out and the stage takes the room it leaves
    assert used(narrow - 10) == narrow - 10
    assert used(chips.MIN_FIRST - 20) <= chips.MIN_FIRST - 20  # only the stage, elided
