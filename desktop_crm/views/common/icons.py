"""Icons: the Lucide set (ISC licence, ``resources/icons/lucide/``), tinted from the palette.

Only the icons the views use are shipped (the folder's ``LICENSE`` is Lucide's). Every icon is a
stroke drawing in ``currentColor``; :func:`icon` returns a ``QIcon`` whose engine renders the SVG at
the size and device pixel ratio it is asked for (crisp at 100–200 % scaling) in the colour of the
palette at that moment (so the same icon reads on a light and on a dark palette), or in a fixed
colour when one is given. Rendered pixmaps are cached by (name, colour, pixel size).

Names used by the views are collected here (sections, toolbar actions, timeline kinds, statuses)
so that a screen never spells an SVG file name itself.
"""

from __future__ import annotations

from functools import cache, lru_cache

from PySide6.QtCore import QByteArray, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QIconEngine, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from desktop_crm.paths import resources_dir

ICON_DIR = resources_dir() / "icons" / "lucide"

#: Sidebar sections (``views.registry`` keys).
SECTION_ICONS: dict[str, str] = {
    "deals": "handshake", "leads": "target", "contacts": "contact", "companies": "building-2",
    "products": "package", "tasks": "square-check", "quotes": "file-text", "invoices": "receipt",
    "analytics": "chart-column", "settings": "settings", "calendar": "calendar", "home": "clock",
}
#: Timeline entry kinds (``ActivityKind`` values).
ACTIVITY_ICONS: dict[str, str] = {
    "comment": "message-square", "call": "phone", "meeting": "users", "email": "mail",
    "message": "message-circle", "task": "square-check", "stage_change": "arrow-right-left",
    "document": "file-text", "system": "info",
}
#: Toolbar and card actions.
ACTION_ICONS: dict[str, str] = {
    "new": "plus", "search": "search", "reload": "refresh-cw", "filter": "list-filter",
    "call": "phone", "mail": "mail", "import": "import", "pipeline": "square-kanban", "remove": "x",
    "saved_filter": "bookmark", "history": "history",
}


def available(name: str) -> bool:
    return (ICON_DIR / f"{name}.svg").is_file()


@cache
def _svg(name: str) -> bytes:
    path = ICON_DIR / f"{name}.svg"
    if not path.is_file():
        raise KeyError(f"no icon named {name!r} in {ICON_DIR}")
    return path.read_bytes()


@lru_cache(maxsize=2048)
def _rendered(name: str, colour: str, size: int, ratio: float) -> QPixmap:
    width = height = max(1, round(size * ratio))
    data = _svg(name).replace(b"currentColor", colour.encode("ascii"))
    renderer = QSvgRenderer(QByteArray(data))
    pixmap = QPixmap(max(width, 1), max(height, 1))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def _palette() -> QPalette:
    app = QGuiApplication.instance()
    return QGuiApplication.palette() if app is not None else QPalette()


def default_colour(mode: QIcon.Mode = QIcon.Mode.Normal) -> QColor:
    """The colour an untinted icon takes: the palette's text colour (greyed when disabled)."""
    palette = _palette()
    if mode == QIcon.Mode.Disabled:
        return palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText)
    if mode == QIcon.Mode.Selected:
        return palette.color(QPalette.ColorRole.HighlightedText)
    return palette.color(QPalette.ColorRole.WindowText)


def pixmap(name: str, size: int, colour: QColor | str | None = None, ratio: float = 1.0) -> QPixmap:
    """The icon ``name`` as a pixmap of ``size`` logical pixels at the device pixel ratio ``ratio``."""
    tint = QColor(colour) if colour is not None else default_colour()
    return _rendered(name, tint.name(QColor.NameFormat.HexRgb), size, ratio)


class _TintedSvgEngine(QIconEngine):
    def __init__(self, name: str, colour: QColor | None) -> None:
        super().__init__()
        self._name = name
        self._colour = colour

    def _tint(self, mode: QIcon.Mode) -> QColor:
        if self._colour is None or mode == QIcon.Mode.Disabled:
            return default_colour(mode)
        return self._colour

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State, scale: float) -> QPixmap:
        side = min(size.width(), size.height())
        return pixmap(self._name, side, self._tint(mode), scale)

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self.scaledPixmap(size, mode, state, 1.0)

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        ratio = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
        side = min(rect.width(), rect.height())
        image = pixmap(self._name, side, self._tint(mode), ratio)
        offset = QPoint(rect.x() + (rect.width() - side) // 2, rect.y() + (rect.height() - side) // 2)
        painter.drawPixmap(offset, image)

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:
        side = min(size.width(), size.height())
        return QSize(side, side)

    def clone(self) -> QIconEngine:
        return _TintedSvgEngine(self._name, self._colour)

    def key(self) -> str:
        return "desktop_crm_tinted_svg"


def icon(name: str, colour: QColor | str | None = None) -> QIcon:
    """A ``QIcon`` of the Lucide icon ``name``: the palette's text colour, or ``colour``."""
    _svg(name)  # an unknown name fails here, not at the first paint
    return QIcon(_TintedSvgEngine(name, QColor(colour) if colour is not None else None))


def section_icon(key: str) -> QIcon:
    return icon(SECTION_ICONS.get(key, "circle-dot"))


def activity_icon(kind: str, colour: QColor | str | None = None) -> QIcon:
    return icon(ACTIVITY_ICONS.get(kind, "circle-dot"), colour)


def action_icon(key: str) -> QIcon:
    return icon(ACTION_ICONS[key])


def clear_cache() -> None:
    """Forget rendered pixmaps (after a palette change the default colour differs anyway)."""
    _rendered.cache_clear()
