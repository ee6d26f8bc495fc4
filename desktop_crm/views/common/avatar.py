"""Faces: a round avatar with a person's initials in a stable colour, or their photo when set.

The colour is chosen from the person's key by a stable hash (CRC-32, the same on every run and
machine): the key is the person's id where the screen has it, else the name shown — lists and the
board show names, so every screen passes the name (``avatar_key``) and the same person has the
same colour in a list, on the board, in the timeline and in a card. Every colour carries white
initials at WCAG AA contrast (checked by the tests). Pixmaps are cached by (key, initials, size,
pixel ratio), so a list delegate paints hundreds of avatars without rendering one twice.
"""

from __future__ import annotations

import zlib
from functools import lru_cache

from PySide6.QtCore import QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

#: Avatar backgrounds: mid-dark tones, each with white text at ≥ 4.5:1.
AVATAR_COLOURS: tuple[str, ...] = (
    "#1f6fb2", "#2e7d32", "#b3261e", "#6a3fb5", "#00796b", "#ad4e00",
    "#c2185b", "#455a64", "#5d4037", "#3949ab", "#00838f", "#7b5e00",
)
INITIALS_COLOUR = "#ffffff"


#: Surname particles skipped when choosing letters ("Maria De Luca" → "ML", "D'Amico Luca" → "AL").
PARTICLES = frozenset({"de", "di", "da", "del", "della", "dello", "dei", "degli", "delle", "lo", "la",
                       "le", "van", "von", "der", "d'", "dell'"})


def _word_letter(word: str) -> str:
    for prefix in ("d'", "dell'", "d’", "dell’"):
        if word.casefold().startswith(prefix) and len(word) > len(prefix):
            word = word[len(prefix):]
            break
    return next((c for c in word if c.isalpha()), "")


def initials(name: str | None) -> str:
    """One or two capital letters: the first letters of the first two words of the name shown
    ("Петров Иван Сергеевич" → "ПИ", "Maria De Luca" → "ML", surname particles skipped), one
    letter for a single name ("Anna" → "A"), "" for no name. Words without letters are skipped."""
    words = [w for w in (name or "").replace("-", " ").split() if any(c.isalpha() for c in w)]
    if not words:
        return ""
    significant = [w for w in words if w.casefold() not in PARTICLES] or words
    return "".join(_word_letter(w) for w in significant[:2]).upper()


def avatar_key(name: str | None) -> str:
    """The key a screen passes for a person it knows by name (see the module's note)."""
    return " ".join((name or "").split()).casefold()


def avatar_colour(key: str | None) -> QColor:
    """The stable colour of ``key`` (grey for no key)."""
    if not key:
        return QColor("#757575")
    index = zlib.crc32(key.encode("utf-8")) % len(AVATAR_COLOURS)
    return QColor(AVATAR_COLOURS[index])


@lru_cache(maxsize=1024)
def _avatar(key: str, letters: str, size: int, ratio: float) -> QPixmap:
    pixels = max(1, round(size * ratio))
    pixmap = QPixmap(pixels, pixels)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(avatar_colour(key))
    painter.drawEllipse(0, 0, pixels, pixels)
    if letters:
        font = QFont()
        font.setPixelSize(max(6, round(pixels * (0.42 if len(letters) < 2 else 0.38))))
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        painter.setPen(QColor(INITIALS_COLOUR))
        painter.drawText(QRect(0, 0, pixels, pixels), int(Qt.AlignmentFlag.AlignCenter), letters)
    painter.end()
    pixmap.setDevicePixelRatio(ratio)
    return pixmap


def _round_photo(photo: QPixmap, pixels: int) -> QPixmap:
    result = QPixmap(pixels, pixels)
    result.fill(Qt.GlobalColor.transparent)
    scaled = photo.scaled(pixels, pixels, Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                          Qt.TransformationMode.SmoothTransformation)
    painter = QPainter(result)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    path = QPainterPath()
    path.addEllipse(QRectF(0, 0, pixels, pixels))
    painter.setClipPath(path)
    painter.drawPixmap((pixels - scaled.width()) // 2, (pixels - scaled.height()) // 2, scaled)
    painter.end()
    return result


def avatar_pixmap(name: str | None, size: int, ratio: float = 1.0, key: str | None = None,
                  photo: QPixmap | None = None) -> QPixmap:
    """A round avatar of ``size`` logical pixels: the photo when given, else initials."""
    if photo is not None and not photo.isNull():
        result = _round_photo(photo, max(1, round(size * ratio)))
        result.setDevicePixelRatio(ratio)
        return result
    fast = (name, key, size, ratio)
    found = _BY_NAME.get(fast)
    if found is None:  # initials and the key are worked out once per name and size
        if len(_BY_NAME) > 4096:
            _BY_NAME.clear()
        found = _BY_NAME[fast] = _avatar(key if key is not None else avatar_key(name),
                                         initials(name), size, ratio)
    return found


_BY_NAME: dict[tuple[str | None, str | None, int, float], QPixmap] = {}


def paint_avatar(painter: QPainter, x: int, y: int, size: int, name: str | None) -> None:
    """Paint a name's avatar at (x, y): what delegates call."""
    device = painter.device()
    ratio = device.devicePixelRatioF() if device is not None else 1.0
    painter.drawPixmap(x, y, avatar_pixmap(name, size, ratio))


class Avatar(QWidget):
    """A round avatar widget (card headers, the timeline); its accessible name is the person's."""

    def __init__(self, name: str = "", size: int = 32, parent: QWidget | None = None,
                 key: str | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("avatar")
        self._size = size
        self._name = ""
        self._key: str | None = None
        self._photo: QPixmap | None = None
        self.setFixedSize(QSize(size, size))
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.set_person(name, key)

    def set_person(self, name: str | None, key: str | None = None, photo: QPixmap | None = None) -> None:
        self._name = name or ""
        self._key = key
        self._photo = photo
        self.setAccessibleName(self._name)
        self.setToolTip(self._name)
        self.update()

    def initials(self) -> str:
        return initials(self._name)

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        painter.drawPixmap(0, 0, avatar_pixmap(self._name, self._size, self.devicePixelRatioF(),
                                               self._key, self._photo))
        painter.end()
