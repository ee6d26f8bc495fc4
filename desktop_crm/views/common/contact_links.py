"""Phones and e-mail addresses people can act on: a call through the desktop's phone handler
(``tel:``), a message through the mail composer.

Until the application has its own mail composer, an address opens the desktop's mail program
(``mailto:``); the mail screens replace that with :func:`set_compose_action`, and every card's
e-mail link then opens their compose dialog. Phones are shown in international notation.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from PySide6.QtCore import QByteArray, QSize, Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QToolButton, QVBoxLayout, QWidget

from desktop_crm.i18n import _
from desktop_crm.views.common import icons
from desktop_crm.views.common.avatar import Avatar
from desktop_crm.views.common.section import section_title_font

#: (parent widget, address) → opens a compose dialog; None: the desktop's mail program.
_compose: Callable[[QWidget, str], None] | None = None


def set_compose_action(action: Callable[[QWidget, str], None] | None) -> None:
    """How an e-mail address link composes a message (``None``: ``mailto:``)."""
    global _compose
    _compose = action


def phone_url(phone: str) -> QUrl:
    digits = "".join(c for c in phone if c.isdigit() or c == "+")
    return QUrl(f"tel:{digits}")


def call(phone: str) -> None:
    QDesktopServices.openUrl(phone_url(phone))


def compose(parent: QWidget, address: str) -> None:
    if _compose is not None:
        _compose(parent, address)
        return
    QDesktopServices.openUrl(QUrl(f"mailto:{address}"))


@lru_cache(maxsize=8192)
def display_phone(raw: str) -> str:
    """A stored phone in international notation ("+7 912 345-67-89"); as typed when not a number.
    (``phonenumbers`` is imported on the first call, not at start-up.)"""
    from desktop_crm.services.sales.cards import phone_preview

    return phone_preview(raw) or raw


class LinkButton(QToolButton):
    """A flat button with an icon and the phone or address as its text."""

    def __init__(self, icon: str, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setIcon(icons.icon(icon))
        self.setIconSize(QSize(16, 16))
        self.setText(text)
        self.setAutoRaise(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)


class CardHeader(QWidget):
    """A card's head: a face, the name, a line under it, and the ways to reach the person or
    company (each phone calls, each address writes)."""

    def __init__(self, parent: QWidget | None = None, face: int = 48) -> None:
        super().__init__(parent)
        self.setObjectName("card_header")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 4)
        row.setSpacing(12)
        face_column = QVBoxLayout()
        face_column.setContentsMargins(0, 0, 0, 0)
        face_column.setSpacing(2)
        self.avatar = Avatar("", face, self)
        face_column.addWidget(self.avatar, 0, Qt.AlignmentFlag.AlignHCenter)
        # "Photo…" (choose one) with "Remove photo" in its menu; shown by set_photo_actions()
        self.photo_button = QToolButton(self)
        self.photo_button.setObjectName("photo_button")
        self.photo_button.setAutoRaise(True)
        self.photo_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.choose_photo_action = QAction(_("Photo…"), self)
        self.choose_photo_action.setToolTip(_("Choose a photo of this person (PNG or JPEG)"))
        self.remove_photo_action = QAction(_("Remove photo"), self)
        self.remove_photo_action.setEnabled(False)
        menu = QMenu(self.photo_button)
        menu.addAction(self.choose_photo_action)
        menu.addAction(self.remove_photo_action)
        self.photo_button.setMenu(menu)
        self.photo_button.setDefaultAction(self.choose_photo_action)
        self.photo_button.hide()
        face_column.addWidget(self.photo_button, 0, Qt.AlignmentFlag.AlignHCenter)
        face_column.addStretch(1)
        row.addLayout(face_column)
        texts = QWidget(self)
        names = QVBoxLayout(texts)
        names.setContentsMargins(0, 0, 0, 0)
        names.setSpacing(2)
        self.name_label = QLabel(texts)
        self.name_label.setObjectName("card_header_name")
        font = section_title_font(self.font())
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.25)
        self.name_label.setFont(font)
        names.addWidget(self.name_label)
        self.subtitle_label = QLabel(texts)
        self.subtitle_label.setObjectName("card_header_subtitle")
        names.addWidget(self.subtitle_label)
        self.links_row = QHBoxLayout()
        self.links_row.setSpacing(4)
        self.links_row.addStretch(1)
        names.addLayout(self.links_row)
        row.addWidget(texts, 1)
        self.links: list[LinkButton] = []

    def set_photo_actions(self, choose: Callable[[], None], remove: Callable[[], None]) -> None:
        """Offer "Photo…" and "Remove photo" under the face (a person's card)."""
        self.choose_photo_action.triggered.connect(lambda _checked=False: choose())
        self.remove_photo_action.triggered.connect(lambda _checked=False: remove())
        self.photo_button.show()

    def set_photo(self, data: bytes | None) -> None:
        """Show ``data`` (PNG or JPEG bytes) in the face; initials when ``None`` or unreadable."""
        pixmap = QPixmap()
        shown = bool(data) and pixmap.loadFromData(QByteArray(data or b""))
        self.avatar.set_photo(pixmap if shown else None)
        self.remove_photo_action.setEnabled(shown)

    def set_record(self, name: str, subtitle: str = "", phones: tuple[str, ...] = (),
                   emails: tuple[str, ...] = ()) -> None:
        self.avatar.set_person(name, photo=self.avatar.photo())
        self.name_label.setText(name or "—")
        self.subtitle_label.setText(subtitle)
        self.subtitle_label.setVisible(bool(subtitle))
        for link in self.links:
            self.links_row.removeWidget(link)
            link.deleteLater()
        self.links = []
        for phone in (p for p in phones if p):
            shown = display_phone(phone)
            link = LinkButton("phone", shown, self)
            link.setObjectName("call_link")
            link.setToolTip(_("Call {phone}").format(phone=shown))
            link.clicked.connect(lambda _checked=False, p=phone: call(p))
            self.links.append(link)
        for address in (e for e in emails if e):
            link = LinkButton("mail", address, self)
            link.setObjectName("mail_link")
            link.setToolTip(_("Write to {address}").format(address=address))
            link.clicked.connect(lambda _checked=False, a=address: compose(self, a))
            self.links.append(link)
        for position, link in enumerate(self.links):
            self.links_row.insertWidget(position, link)
