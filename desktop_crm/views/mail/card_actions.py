"""E-mail addresses and phone numbers on the cards: an address opens the compose dialog, a phone
number is a ``tel:`` link for the computer's softphone and offers "Log a call", which opens the
card's timeline entry for a call (with its detailed-comment hint)."""

from __future__ import annotations

import contextlib
import html
import re
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPoint, Qt, QUrl
from PySide6.QtGui import QAction, QCursor, QDesktopServices, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QLabel, QLineEdit, QMenu, QWidget

from desktop_crm.i18n import _
from desktop_crm.views.common.dialogs import show_error


def glyph_icon(glyph: str, size: int = 32) -> QIcon:
    """An icon drawn from one character of the UI font (✉, ☎)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    font = QFont()
    font.setPixelSize(int(size * 0.8))
    painter.setFont(font)
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, glyph)
    painter.end()
    return QIcon(pixmap)


def tel_url(number: str) -> QUrl:
    """``tel:+390612345`` (digits and a leading +, as softphones expect)."""
    cleaned = re.sub(r"[^\d+]", "", number)
    return QUrl("tel:" + cleaned)


def call(parent: QWidget | None, number: str) -> bool:
    if not QDesktopServices.openUrl(tel_url(number)):
        show_error(parent, _("No application on this computer makes calls (tel: links). Dial "
                             "{number} by hand.").format(number=number))
        return False
    return True


def phone_menu(parent: QWidget, number: str,
               log_call: Callable[[], object] | None) -> QMenu:
    menu = QMenu(parent)
    menu.setObjectName("phone_menu")
    dial = menu.addAction(_("Call {number}").format(number=number))
    dial.setObjectName("phone_call")
    dial.triggered.connect(lambda *_a: call(parent, number))
    if log_call is not None:
        log = menu.addAction(_("Log a call…"))
        log.setObjectName("phone_log_call")
        log.triggered.connect(lambda *_a: log_call())
    return menu


def add_email_action(editor: QLineEdit, write: Callable[[str], None]) -> QAction:
    """A ✉ button inside an e-mail field: writes to the address typed there."""
    action = editor.addAction(glyph_icon("✉"), QLineEdit.ActionPosition.TrailingPosition)
    action.setObjectName(f"write_{editor.objectName()}")
    action.setToolTip(_("Write an e-mail"))
    action.triggered.connect(lambda *_a: write(editor.text().strip()))

    def update(text: str) -> None:
        with contextlib.suppress(RuntimeError):  # the field emits while its card is destroyed
            action.setVisible("@" in text)

    editor.textChanged.connect(update)
    update(editor.text())
    return action


def add_phone_action(editor: QLineEdit, log_call: Callable[[], object] | None) -> QAction:
    """A ☎ button inside a phone field: Call (``tel:``) and Log a call…"""
    action = editor.addAction(glyph_icon("☎"), QLineEdit.ActionPosition.TrailingPosition)
    action.setObjectName(f"call_{editor.objectName()}")
    action.setToolTip(_("Call or log a call"))
    editor.phone_menu = None  # type: ignore[attr-defined]  # the last menu shown (the tests')

    def show() -> None:
        number = editor.text().strip()
        if number:
            menu = phone_menu(editor, number, log_call)
            editor.phone_menu = menu  # type: ignore[attr-defined]
            menu.popup(editor.mapToGlobal(QPoint(editor.width(), editor.height())))

    action.triggered.connect(lambda *_a: show())

    def update(text: str) -> None:
        with contextlib.suppress(RuntimeError):  # the field emits while its card is destroyed
            action.setVisible(any(ch.isdigit() for ch in text))

    editor.textChanged.connect(update)
    update(editor.text())
    return action


class ContactLinks(QLabel):
    """The client's addresses and numbers as links (the deal card): an address opens the compose
    dialog, a number the Call / Log a call menu."""

    def __init__(self, parent: QWidget, write: Callable[[str], None],
                 log_call: Callable[[], object] | None) -> None:
        super().__init__(parent)
        self.setObjectName("contact_links")
        self.write = write
        self.log_call = log_call
        self.menu: QMenu | None = None
        self.setTextFormat(Qt.TextFormat.RichText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                     | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.setWordWrap(True)
        self.linkActivated.connect(self.activate)

    def set_points(self, emails: tuple[str, ...], phones: tuple[str, ...]) -> None:
        def shown(text: str) -> str:  # a number or address is never broken across lines
            return html.escape(text).replace(" ", "&nbsp;").replace("-", "&#8209;")

        links = [f'✉&nbsp;<a href="mailto:{html.escape(e)}">{shown(e)}</a>' for e in emails]
        links += [f'☎&nbsp;<a href="tel:{html.escape(p)}">{shown(p)}</a>' for p in phones]
        self.setText(" &nbsp; ".join(links))
        self.setVisible(bool(links))

    def activate(self, link: str) -> Any:
        kind, _colon, value = link.partition(":")
        if kind == "mailto":
            self.write(value)
            return None
        self.menu = phone_menu(self, value, self.log_call)
        self.menu.popup(QCursor.pos())
        return self.menu


# --- the cards ------------------------------------------------------------------------------------


def log_call_in_timeline(card: Any) -> bool:
    """Open the card's timeline entry for a call: the kind chosen, the text focused (its hint
    says whether the comment is detailed enough to count)."""
    timeline = getattr(card, "timeline", None)
    if timeline is None:
        show_error(card, _("Save the record first, then log the call on its timeline."))
        return False
    card.tabs.setCurrentWidget(timeline)
    index = timeline.kind.findData("call")
    if index >= 0:
        timeline.kind.setCurrentIndex(index)
    timeline.text.setFocus()
    return True


def write_from_card(card: Any, link: str, address: str) -> Any:
    from desktop_crm.views.mail.compose import open_compose

    links = {f"{link}_id": card.record_id} if getattr(card, "record_id", None) else {}
    return open_compose(card.context, card, to=address, **links)


#: What a message written from each card belongs to.
_CARD_LINKS = {"ContactCard": "contact", "CompanyCard": "company", "LeadCard": "lead"}


def compose_from_header(parent: QWidget, address: str) -> None:
    """A card header's address link: the compose dialog for the card the header is on (the
    message belongs to that contact, company or lead)."""
    card: Any = parent
    while card is not None and type(card).__name__ not in _CARD_LINKS:
        card = card.parentWidget()
    if card is None:
        QDesktopServices.openUrl(QUrl(f"mailto:{address}"))
        return
    write_from_card(card, _CARD_LINKS[type(card).__name__], address)


def wire_card(card: Any, link: str, emails: tuple[str, ...], phones: tuple[str, ...],
              can_log_calls: bool = True) -> None:
    """The ✉ and ☎ buttons of a card's e-mail and phone fields (``link``: contact, lead,
    company — what a message written from the card belongs to)."""
    for name in emails:
        editor = card.editors.get(name)
        if isinstance(editor, QLineEdit):
            add_email_action(editor, lambda address: write_from_card(card, link, address))
    for name in phones:
        editor = card.editors.get(name)
        if isinstance(editor, QLineEdit):
            add_phone_action(editor, (lambda: log_call_in_timeline(card)) if can_log_calls
                             else None)


def deal_contact_links(card: Any, parent: QWidget) -> ContactLinks:
    """The deal card's links to its client: write (the message belongs to the deal), call, log a
    call on the deal's timeline."""
    from desktop_crm.views.mail.compose import open_compose

    def write(address: str) -> None:
        open_compose(card.context, card, to=address, deal_id=card.data.id)

    return ContactLinks(parent, write, lambda: log_call_in_timeline(card))


def show_deal_contact_points(links: ContactLinks, deal_id: Any) -> None:
    from desktop_crm.errors import CrmError
    from desktop_crm.services.mail import contact_points

    try:
        points = contact_points.of_deal(deal_id) if deal_id else contact_points.ContactPoints()
    except CrmError:
        points = contact_points.ContactPoints()
    links.set_points(points.emails, points.phones)
