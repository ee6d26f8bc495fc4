"""Empty states: an icon, what is missing, what to do next, and the button that does it.

A list, the board or a card's tab that has nothing to show puts an :class:`EmptyState` in the place
of its content. Actions are plain callables, so a screen built later can offer its own: the import
wizard registers how to start an import of an entity with :func:`set_import_action`, and every empty
list of that entity then shows an "Import…" button (none while nothing is registered).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from desktop_crm.views.common import icons

ICON_SIZE = 48
#: entity value → starts an import of that entity (given the widget to parent the wizard to).
_import_actions: dict[str, Callable[[QWidget], None]] = {}


def set_import_action(entity: str, action: Callable[[QWidget], None] | None) -> None:
    """Register (or, with ``None``, remove) how an import of ``entity`` starts."""
    if action is None:
        _import_actions.pop(entity, None)
    else:
        _import_actions[entity] = action


def import_action(entity: str) -> Callable[[QWidget], None] | None:
    return _import_actions.get(entity)


class EmptyState(QWidget):
    """Centered: an icon, a title, a sentence, then buttons (the first is the default one)."""

    def __init__(self, icon: str, title: str, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("empty_state")
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        self.icon_label = QLabel(self)
        self.icon_label.setObjectName("empty_icon")
        self.icon_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.icon_name = icon
        outer.addWidget(self.icon_label)
        self.title_label = QLabel(title, self)
        self.title_label.setObjectName("empty_title")
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title_label.setWordWrap(True)
        font = QFont(self.font())
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setWeight(QFont.Weight.DemiBold)
        self.title_label.setFont(font)
        outer.addWidget(self.title_label)
        self.text_label = QLabel(text, self)
        self.text_label.setObjectName("empty_text")
        self.text_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text_label.setWordWrap(True)
        self.text_label.setVisible(bool(text))
        outer.addWidget(self.text_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self._buttons_row = buttons
        outer.addLayout(buttons)
        buttons.addStretch(1)
        outer.addStretch(2)
        self.buttons: list[QPushButton] = []
        self._refresh_icon()

    def _refresh_icon(self) -> None:
        self.icon_label.setPixmap(icons.pixmap(  # a quiet grey: the words and the button lead
            self.icon_name, ICON_SIZE, self.palette().color(QPalette.ColorRole.PlaceholderText),
            self.devicePixelRatioF()))

    def add_button(self, text: str, action: Callable[[], object], name: str = "",
                   icon: str | None = None) -> QPushButton:
        button = QPushButton(text, self)
        button.setObjectName(name or f"empty_action_{len(self.buttons)}")
        if icon:
            button.setIcon(icons.icon(icon))
            button.setIconSize(QSize(16, 16))
        button.clicked.connect(lambda _checked=False: action())
        if not self.buttons:
            button.setDefault(True)
        self._buttons_row.insertWidget(self._buttons_row.count() - 1, button)
        self.buttons.append(button)
        return button

    def set_texts(self, title: str, text: str = "") -> None:
        self.title_label.setText(title)
        self.text_label.setText(text)
        self.text_label.setVisible(bool(text))

    def changeEvent(self, event: object) -> None:
        from PySide6.QtCore import QEvent

        if getattr(event, "type", lambda: None)() == QEvent.Type.PaletteChange:
            self._refresh_icon()
        super().changeEvent(event)  # type: ignore[arg-type]
