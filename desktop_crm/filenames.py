"""File names made from user data (a buyer's name, a document number, a list's title).

:func:`safe_file_name` is the one place such names are built: whatever the data holds, the result
is a single, valid file name on Windows, macOS and Linux — no control, bidirectional or
zero-width characters (a U+202E in a buyer's name cannot make ``fdp.exe`` look like ``exe.pdf``),
no path separators or characters Windows refuses, no reserved device name, no leading dot
(hidden) or trailing dot or space (dropped by Windows), at most :data:`MAX_BYTES` bytes in UTF-8.
"""

from __future__ import annotations

import re
import unicodedata

#: What every file system we target keeps in one name (255 bytes on Linux, 255 UTF-16 units on
#: Windows and macOS), with room for a "(2)" that a save dialog may add.
MAX_BYTES = 200
#: A name this long reads as a title; the rest of a long buyer name is cut.
MAX_CHARS = 120

# C0 and C1 controls, DEL, lone surrogates, bidi controls and marks, zero-width characters, BOM,
# noncharacters: removed.
_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufff9-\uffff]"
)
# What Windows refuses in a name (and the separators of every system): replaced by a space.
_FORBIDDEN = re.compile(r'[\\/:*?"<>|]')
_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                       *(f"COM{n}" for n in "123456789¹²³"), *(f"LPT{n}" for n in "123456789¹²³")})
_DROPPED = frozenset({"Cc", "Cf", "Cs"})  # controls, format characters (soft hyphen…), surrogates
_EXTENSION = re.compile(r"[A-Za-z0-9]{1,10}")


def clean_stem(text: str, max_chars: int = MAX_CHARS) -> str:
    """``text`` as the part of a file name before the extension (may be empty)."""
    text = "".join(ch for ch in _INVISIBLE.sub("", text) if unicodedata.category(ch) not in _DROPPED)
    text = unicodedata.normalize("NFC", text)
    text = _FORBIDDEN.sub(" ", text).replace("«", "").replace("»", "")
    text = " ".join(text.split())[:max_chars]
    while len(text.encode("utf-8")) > MAX_BYTES:
        text = text[:-1]
    text = text.strip(" .")  # Windows drops trailing dots and spaces; a leading dot hides a file
    if text.split(".")[0].strip().upper() in _RESERVED:
        text = "_" + text
    return text


def safe_file_name(stem: str, extension: str = "", *, fallback: str = "document",
                   max_chars: int = MAX_CHARS) -> str:
    """A valid file name from user data: ``stem`` cleaned (``fallback`` when nothing is left)
    plus ``.extension`` (letters and digits only)."""
    if extension and not _EXTENSION.fullmatch(extension):
        raise ValueError(f"not a file extension: {extension!r}")
    cleaned = clean_stem(stem, max_chars) or clean_stem(fallback, max_chars) or "document"
    return f"{cleaned}.{extension}" if extension else cleaned


def safe_existing_name(name: str) -> str:
    """A file name kept from before (a stored document's) made safe the same way, extension kept."""
    stem, dot, extension = name.rpartition(".")
    if dot and _EXTENSION.fullmatch(extension):
        return safe_file_name(stem, extension)
    return safe_file_name(name)
