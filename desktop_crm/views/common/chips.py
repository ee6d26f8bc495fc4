"""Status chips: a short word, an icon and a colour, the same for a status on every screen.

Colour is never the only signal: every chip carries its text, and an icon. A chip's text colour is
one of a few *tones* (neutral, info, success, warning, danger, accent, muted), each with a shade for
light and one for dark palettes; its background is that shade blended faintly into the surface it
sits on. ``tests/views/test_chips.py`` checks that every chip's text meets WCAG AA (4.5:1) on both
palettes' surfaces. A stage's own colour (chosen by the user) is adjusted the same way
(:func:`readable`) until it meets AA.

The statuses of deals (stage, inactive, overdue task, incorrect), quotes, invoices (with overdue,
derived from the due date), tasks (overdue, today) and leads are mapped to chips here and only
here: lists (:class:`ChipDelegate` in ``views/lists``), the board and the cards ask these functions.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import QSizePolicy, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from desktop_crm.i18n import N_, _, pgettext
from desktop_crm.models.enums import ActivityStatus, InvoiceStatus, LeadStatus, QuoteStatus, StageKind
from desktop_crm.views.common import icons
from desktop_crm.views.common.palette import contrast

#: Tones: (shade on a light palette, shade on a dark palette).
TONES: dict[str, tuple[str, str]] = {
    "neutral": ("#4a5260", "#c4cad3"),
    "info": ("#1d5aa8", "#8cbcf7"),
    "success": ("#1b6e2f", "#7bd694"),
    "warning": ("#7f5200", "#f2c14e"),
    "danger": ("#b0261b", "#ff9b91"),
    "accent": ("#5f3dbd", "#c6adff"),
    "muted": ("#5b616b", "#aab0b9"),
}
BACKGROUND_ALPHA = 0.14  # the share of the tone in the chip's background
MINIMUM_CONTRAST = 4.5  # WCAG AA for normal text
DEFAULT_STAGE_COLOUR = "#4a90d9"


@dataclass(frozen=True, slots=True)
class Chip:
    """What a chip says: ``text`` (already translated), a tone or a colour, and an icon name."""

    text: str
    tone: str = "neutral"
    icon: str | None = None
    colour: str | None = None  # a stage's own colour instead of a tone
    status: str = ""  # the status it stands for (for tests and tooltips)


# --- colours -------------------------------------------------------------------------------------
def blend(colour: QColor, surface: QColor, share: float) -> QColor:
    return QColor(
        round(colour.red() * share + surface.red() * (1 - share)),
        round(colour.green() * share + surface.green() * (1 - share)),
        round(colour.blue() * share + surface.blue() * (1 - share)),
    )


def readable(colour: QColor, surface: QColor, minimum: float = MINIMUM_CONTRAST) -> QColor:
    """``colour`` made darker (on a light surface) or lighter (on a dark one) until its text meets
    ``minimum`` contrast on its own chip background over ``surface``."""
    dark_surface = surface.lightness() < 128
    hue, saturation, lightness = colour.hslHue(), colour.hslSaturation(), colour.lightness()
    for _step in range(64):
        candidate = QColor.fromHsl(max(hue, 0), saturation, lightness)
        if contrast(candidate, blend(candidate, surface, BACKGROUND_ALPHA)) >= minimum:
            return candidate
        lightness = min(255, lightness + 6) if dark_surface else max(0, lightness - 6)
    return QColor("#ffffff") if dark_surface else QColor("#000000")


@lru_cache(maxsize=512)
def _colours(tone: str, colour: str | None, surface_rgb: int) -> tuple[QColor, QColor]:
    surface = QColor.fromRgb(surface_rgb)
    dark = surface.lightness() < 128
    if colour:
        foreground = readable(QColor(colour), surface)
    else:
        light_shade, dark_shade = TONES.get(tone, TONES["neutral"])
        foreground = QColor(dark_shade if dark else light_shade)
    return foreground, blend(foreground, surface, BACKGROUND_ALPHA)


def chip_colours(chip: Chip, palette: QPalette,
                 surface: QPalette.ColorRole = QPalette.ColorRole.Base) -> tuple[QColor, QColor]:
    """(text and icon colour, background) of ``chip`` on the palette's ``surface``."""
    return _colours(chip.tone, chip.colour, palette.color(surface).rgb())


# --- statuses ------------------------------------------------------------------------------------
_QUOTE: dict[str, tuple[str, str, str]] = {
    QuoteStatus.DRAFT: (N_("Draft"), "neutral", "file-pen"),
    QuoteStatus.SENT: (N_("Sent"), "info", "send"),
    QuoteStatus.ACCEPTED: (N_("Accepted"), "success", "check"),
    QuoteStatus.REJECTED: (N_("Rejected"), "danger", "circle-x"),
    QuoteStatus.EXPIRED: (N_("Expired"), "muted", "hourglass"),
    QuoteStatus.SUPERSEDED: (N_("Superseded"), "muted", "history"),
}
_INVOICE: dict[str, tuple[str, str, str]] = {
    InvoiceStatus.DRAFT: (N_("Draft"), "neutral", "file-pen"),
    InvoiceStatus.ISSUED: (N_("Issued"), "info", "stamp"),
    InvoiceStatus.PARTIALLY_PAID: (N_("Partially paid"), "warning", "circle-dashed"),
    InvoiceStatus.PAID: (N_("Paid"), "success", "circle-check"),
    InvoiceStatus.CANCELLED: (N_("Cancelled"), "muted", "ban"),
}
_TASK: dict[str, tuple[str, str, str]] = {
    ActivityStatus.PLANNED: (N_("Planned"), "info", "clock"),
    ActivityStatus.DONE: (N_("Done"), "success", "check"),
    ActivityStatus.CANCELLED: (N_("Cancelled"), "muted", "ban"),
}
_LEAD: dict[str, tuple[str, str, str]] = {
    LeadStatus.NEW: (N_("New"), "info", "user-plus"),
    LeadStatus.IN_PROGRESS: (N_("In progress"), "accent", "circle-dashed"),
    LeadStatus.CONVERTED: (N_("Converted"), "success", "check"),
    LeadStatus.JUNK: (N_("Junk"), "muted", "ban"),
}
_STAGE_ICONS: dict[str, str] = {
    StageKind.OPEN: "circle-dot", StageKind.WON: "trophy", StageKind.LOST: "circle-x"}
OVERDUE = "overdue"
TODAY = "today"
INACTIVE = "inactive"
OVERDUE_TASK = "overdue_task"
INCORRECT = "incorrect"
#: Every status a chip stands for, per kind of record (the tests enumerate the enums against it).
STATUS_TABLES: dict[str, dict[str, tuple[str, str, str]]] = {
    "quote": _QUOTE, "invoice": _INVOICE, "task": _TASK, "lead": _LEAD,
}
_DERIVED: dict[str, tuple[str, str, str]] = {
    OVERDUE: ("", "danger", "alarm-clock"),  # text: pgettext("status", "Overdue") below
    TODAY: (N_("Today"), "warning", "calendar"),
    INACTIVE: (N_("Inactive"), "muted", "moon"),
    OVERDUE_TASK: (N_("Overdue task"), "danger", "alarm-clock"),
    INCORRECT: (N_("Incorrect"), "warning", "triangle-alert"),
}


def _make(table: dict[str, tuple[str, str, str]], status: str) -> Chip:
    entry = table.get(status)
    if entry is None:
        return Chip(status, "neutral", None, status=status)
    text, tone, icon = entry
    return Chip(_(text), tone, icon, status=status)


def derived_chip(kind: str) -> Chip:
    """One of the derived marks: overdue, today, inactive, overdue task, incorrect."""
    if kind == OVERDUE:  # an invoice or a task: the word agrees with neither in particular
        _text, tone, icon = _DERIVED[OVERDUE]
        return Chip(pgettext("status", "Overdue"), tone, icon, status=OVERDUE)
    return _make(_DERIVED, kind)


def quote_chip(status: str) -> Chip:
    return _make(_QUOTE, str(status))


def invoice_chip(status: str, due_date: dt.date | None = None, today: dt.date | None = None) -> Chip:
    """An invoice's chip; an issued or partly paid invoice past its due date is overdue."""
    if (due_date is not None and str(status) in (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID)
            and due_date < (today or dt.date.today())):
        return derived_chip(OVERDUE)
    return _make(_INVOICE, str(status))


def task_chip(status: str, due_at: dt.datetime | None = None, now: dt.datetime | None = None) -> Chip:
    """A task's chip; a planned task past due is overdue, one due later today is for today."""
    if str(status) == ActivityStatus.PLANNED and due_at is not None:
        moment = now or (dt.datetime.now(due_at.tzinfo) if due_at.tzinfo else dt.datetime.now())
        if due_at < moment:
            return derived_chip(OVERDUE)
        if due_at.date() == moment.date():
            return derived_chip(TODAY)
    return _make(_TASK, str(status))


def lead_chip(status: str) -> Chip:
    return _make(_LEAD, str(status))


def stage_chip(name: str, colour: str | None = None, kind: str = StageKind.OPEN) -> Chip:
    """A deal's stage: its name in the stage's own colour (made readable), and the kind's icon."""
    return Chip(name, "neutral", _STAGE_ICONS.get(str(kind), "circle-dot"),
                colour or DEFAULT_STAGE_COLOUR, status=f"stage:{kind}")


def deal_chips(*, active: bool = True, overdue_tasks: int = 0, correct: bool = True) -> list[Chip]:
    """The marks a deal carries besides its stage: inactive, overdue task, incorrect."""
    chips = []
    if overdue_tasks:
        chips.append(derived_chip(OVERDUE_TASK))
    if not active:
        chips.append(derived_chip(INACTIVE))
    if not correct:
        chips.append(derived_chip(INCORRECT))
    return chips


# --- painting ------------------------------------------------------------------------------------
PADDING_X = 7
GAP = 4
ICON_SIZE = 12
SPACING = 4  # between chips in a row


_METRICS: dict[str, QFontMetrics] = {}
_WIDTHS: dict[tuple[str, str], int] = {}


def _metrics(font: QFont) -> QFontMetrics:
    key = font.key()
    metrics = _METRICS.get(key)
    if metrics is None:
        metrics = _METRICS[key] = QFontMetrics(font)
    return metrics


def _text_width(text: str, font: QFont) -> int:
    key = (text, font.key())
    width = _WIDTHS.get(key)
    if width is None:
        if len(_WIDTHS) > 4096:
            _WIDTHS.clear()
        width = _WIDTHS[key] = _metrics(font).horizontalAdvance(text)
    return width


_CHIP_FONTS: dict[str, QFont] = {}


def chip_font(base: QFont) -> QFont:
    """The chips' font for a view's font (made once per font)."""
    key = base.key()
    font = _CHIP_FONTS.get(key)
    if font is None:
        font = QFont(base)
        font.setPointSizeF(max(7.0, base.pointSizeF() * 0.9) if base.pointSizeF() > 0 else 8.0)
        font.setWeight(QFont.Weight.DemiBold)
        _CHIP_FONTS[key] = font
    return font


_SIZES: dict[tuple[str, bool, str], QSize] = {}


def chip_size(chip: Chip, font: QFont, font_key: str | None = None) -> QSize:
    """The chip's size in ``font`` (a :func:`chip_font`); sizes are cached."""
    key = (chip.text, bool(chip.icon), font_key or font.key())
    size = _SIZES.get(key)
    if size is None:
        width = 2 * PADDING_X + _text_width(chip.text, font) + 2  # elidedText wants a little slack
        if chip.icon:
            width += ICON_SIZE + GAP
        if len(_SIZES) > 4096:
            _SIZES.clear()
        size = _SIZES[key] = QSize(width, max(_metrics(font).height(), ICON_SIZE) + 4)
    return size


_PIXMAPS: OrderedDict[tuple[Any, ...], QPixmap] = OrderedDict()
PIXMAP_CACHE = 1024


def _render_chip(chip: Chip, font: QFont, size: QSize, width: int, foreground: QColor,
                 background: QColor, ratio: float) -> QPixmap:
    pixmap = QPixmap(round(width * ratio), round(size.height() * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(background)
    radius = size.height() / 2
    painter.drawRoundedRect(QRect(0, 0, width, size.height()), radius, radius)
    x = PADDING_X
    if chip.icon:
        painter.drawPixmap(x, (size.height() - ICON_SIZE) // 2,
                           icons.pixmap(chip.icon, ICON_SIZE, foreground, ratio))
        x += ICON_SIZE + GAP
    painter.setPen(foreground)
    painter.setFont(font)
    text_rect = QRect(x, 0, width - PADDING_X - x, size.height())
    elided = _metrics(font).elidedText(chip.text, Qt.TextElideMode.ElideRight, text_rect.width())
    painter.drawText(text_rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), elided)
    painter.end()
    return pixmap


def paint_chip(painter: QPainter, rect: QRect, chip: Chip, palette: QPalette, font: QFont,
               surface: QPalette.ColorRole = QPalette.ColorRole.Base, font_key: str | None = None) -> int:
    """Paint ``chip`` at ``rect``'s left, vertically centred; returns the width used. Each chip is
    drawn once into a pixmap (per surface colour, font, width and pixel ratio) and then blitted."""
    font_key = font_key or font.key()
    size = chip_size(chip, font, font_key)
    width = min(size.width(), rect.width())
    if width <= 2 * PADDING_X:
        return 0
    device = painter.device()
    ratio = device.devicePixelRatioF() if device is not None else 1.0
    surface_rgb = palette.color(surface).rgb()
    key = (chip, font_key, surface_rgb, ratio, width)
    pixmap = _PIXMAPS.get(key)
    if pixmap is None:
        foreground, background = _colours(chip.tone, chip.colour, surface_rgb)
        pixmap = _PIXMAPS[key] = _render_chip(chip, font, size, width, foreground, background, ratio)
        if len(_PIXMAPS) > PIXMAP_CACHE:
            _PIXMAPS.popitem(last=False)
    painter.drawPixmap(rect.x(), rect.y() + (rect.height() - size.height()) // 2, pixmap)
    return width


def paint_chips(painter: QPainter, rect: QRect, chips: list[Chip], palette: QPalette, font: QFont,
                surface: QPalette.ColorRole = QPalette.ColorRole.Base, font_key: str | None = None) -> int:
    """Paint chips left to right in ``rect``; the width used (``font_key``: ``font.key()``,
    which delegates pass to save computing it per cell)."""
    x = rect.x()
    font_key = font_key or font.key()
    for number, chip in enumerate(chips):
        remaining = QRect(x, rect.y(), rect.right() - x + 1, rect.height())
        if number and remaining.width() < chip_size(chip, font, font_key).width():
            break  # the first chip is elided when it does not fit, later ones are left out
        x += paint_chip(painter, remaining, chip, palette, font, surface, font_key) + SPACING
    return x - rect.x()


class FontCache:
    """A delegate's chip font and its key, made again only when the view's font changes."""

    def __init__(self) -> None:
        self._probe: tuple[float, int, str] | None = None
        self.font = QFont()
        self.key = ""

    def get(self, base: QFont) -> tuple[QFont, str]:
        probe = (base.pointSizeF(), base.pixelSize(), base.family())
        if probe != self._probe:
            self._probe = probe
            self.font = chip_font(base)
            self.key = self.font.key()
        return self.font, self.key


class StatusChip(QWidget):
    """A chip as a widget (cards, headers): its text is also its accessible name."""

    def __init__(self, chip: Chip | None = None, parent: QWidget | None = None,
                 surface: QPalette.ColorRole = QPalette.ColorRole.Window) -> None:
        super().__init__(parent)
        self.setObjectName("status_chip")
        self._surface = surface
        self._chip = Chip("")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.set_chip(chip)

    @property
    def chip(self) -> Chip:
        return self._chip

    def text(self) -> str:
        return self._chip.text

    def set_chip(self, chip: Chip | None) -> None:
        self._chip = chip or Chip("")
        self.setVisible(bool(self._chip.text))
        self.setAccessibleName(self._chip.text)
        self.setToolTip(self._chip.text)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return chip_size(self._chip, chip_font(self.font())) if self._chip.text else QSize(0, 0)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event: object) -> None:
        if not self._chip.text:
            return
        painter = QPainter(self)
        paint_chip(painter, self.rect(), self._chip, self.palette(), chip_font(self.font()), self._surface)
        painter.end()


# --- timeline entries ----------------------------------------------------------------------------
#: The tone of each timeline entry kind's icon (``ActivityKind`` values).
ACTIVITY_TONES: dict[str, str] = {
    "comment": "info", "call": "success", "meeting": "accent", "email": "info", "message": "info",
    "task": "warning", "stage_change": "muted", "document": "neutral", "system": "muted",
}


def tone_colour(tone: str, palette: QPalette) -> QColor:
    """A tone's shade for ``palette`` (light or dark)."""
    light_shade, dark_shade = TONES.get(tone, TONES["neutral"])
    return QColor(dark_shade if palette.color(QPalette.ColorRole.Base).lightness() < 128 else light_shade)


@lru_cache(maxsize=256)
def _entry_pixmap(kind: str, author: str, tint: str, overdue: bool, ratio: float) -> QPixmap:
    from desktop_crm.views.common.avatar import avatar_pixmap

    width, side = ENTRY_ICON + 4 + ENTRY_AVATAR, max(ENTRY_ICON, ENTRY_AVATAR)
    pixmap = QPixmap(round(width * ratio), round(side * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    name = "alarm-clock" if overdue else icons.ACTIVITY_ICONS.get(kind, "circle-dot")
    painter.drawPixmap(0, (side - ENTRY_ICON) // 2, icons.pixmap(name, ENTRY_ICON, tint, ratio))
    if author:
        painter.drawPixmap(ENTRY_ICON + 4, (side - ENTRY_AVATAR) // 2,
                           avatar_pixmap(author, ENTRY_AVATAR, ratio))
    painter.end()
    return pixmap


ENTRY_ICON = 18
ENTRY_AVATAR = 20


def timeline_decoration(kind: str, author: str, palette: QPalette, overdue: bool = False,
                        ratio: float = 1.0) -> QPixmap:
    """A timeline entry's decoration: its kind's icon in the kind's tone (an alarm clock in the
    danger tone when overdue), then the author's avatar."""
    tone = "danger" if overdue else ACTIVITY_TONES.get(kind, "neutral")
    return _entry_pixmap(kind, author or "", tone_colour(tone, palette).name(), overdue, ratio)


# --- a chip in any item view ---------------------------------------------------------------------
CHIP_ROLE = Qt.ItemDataRole.UserRole + 40  # an item's Chip (or a list of them)


class ItemChipDelegate(QStyledItemDelegate):
    """Paints the chip an item carries in :data:`CHIP_ROLE` (plain text when it carries none)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Any) -> None:
        found = index.data(CHIP_ROLE)
        if not found:
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        widget = option.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            empty = QStyleOptionViewItem(option)
            empty.text = ""
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, empty, painter, widget)
        chips = found if isinstance(found, list) else [found]
        paint_chips(painter, option.rect.adjusted(4, 1, -4, -1), chips, option.palette,
                    chip_font(option.font), QPalette.ColorRole.Base)
