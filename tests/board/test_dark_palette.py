"""A dark desktop theme stays readable: the deal card's status panel has no fixed light
background; its text keeps a readable contrast with what is actually painted behind it."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from desktop_crm.models import Deal
from desktop_crm.views.common.palette import contrast, dark_palette, use_dark_palette
from desktop_crm.views.deals.card import DealCard, open_deal
from tests.board.conftest import plain_deals


def test_the_missing_panel_is_readable_in_a_dark_palette(qtbot, context, world):
    app = QApplication.instance()
    style, palette = app.style().name(), app.palette()
    use_dark_palette(app)
    try:
        deal = plain_deals(world, 1)[0]
        Deal.update(missing_fields=["contact"]).where(Deal.id == deal.id).execute()
        card = open_deal(context, str(deal.id))
        assert isinstance(card, DealCard)
        qtbot.waitExposed(card)
        panel = card.missing_panel
        area = QRect(panel.mapTo(card, QPoint(0, 0)), panel.size())
        image = card.grab(area).toImage()  # what is painted there: the window behind included
        behind = image.pixelColor(QPoint(3, panel.height() - 3))  # the panel's own background
        text = dark_palette().color(QPalette.ColorRole.WindowText)
        assert panel.palette().color(QPalette.ColorRole.WindowText) == text
        assert behind.lightness() < 110  # not a light box on a dark window
        assert contrast(text, behind) >= 4.5
        card.close()
    finally:
        app.setStyle(style)
        app.setPalette(palette)
