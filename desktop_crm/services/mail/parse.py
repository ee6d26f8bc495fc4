"""Reading a received e-mail safely: any charset, HTML-only bodies as text, attachments kept.

``parse(raw)`` never raises on a malformed message: headers that cannot be read become empty, a
body in an unknown or wrong charset is decoded with a fallback (UTF-8, then Windows-1251, KOI8-R,
Latin-1) and replacement characters, HTML is turned into plain text by the standard library's
parser (no scripts run, nothing fetched), and every part with a file name (or a non-text part) is
kept as an attachment. Messages attached inside messages (``message/rfc822``, as PEC wraps the
original) are walked too: their attachments are listed with the outer ones.
"""

from __future__ import annotations

import datetime as dt
import email.header
import email.utils
import html
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from html.parser import HTMLParser

MAX_BODY_CHARS = 200_000
# what the database refuses (validation.text_value): controls, lone surrogates; bidi controls
_LINE_JUNK = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_TEXT_JUNK = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff"
                        "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def safe_line(text: str, limit: int = 500) -> str:
    """One line of a header as the database takes it: no controls or bidi controls, trimmed."""
    return " ".join(_LINE_JUNK.sub(" ", text).split())[:limit]


def safe_text(text: str) -> str:
    """A body as the database takes it: lines kept, other controls and bidi controls dropped."""
    return _TEXT_JUNK.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))[:MAX_BODY_CHARS]
_FALLBACK_CHARSETS = ("utf-8", "windows-1251", "koi8-r", "latin-1")
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


@dataclass(frozen=True, slots=True)
class ParsedAttachment:
    filename: str
    mime_type: str
    content: bytes


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    message_id: str  # with its angle brackets, as in the header ('' when it has none)
    in_reply_to: str
    references: tuple[str, ...]
    sender: str  # the From address, lower case
    sender_name: str
    to: tuple[str, ...]  # addresses, lower case
    cc: tuple[str, ...]
    subject: str
    date: dt.datetime | None  # UTC, naive
    body: str
    attachments: tuple[ParsedAttachment, ...] = field(default=())

    @property
    def recipients(self) -> tuple[str, ...]:
        return self.to + self.cc


class _TextFromHtml(HTMLParser):
    """The visible text of an HTML body: block elements become line breaks; script/style dropped."""

    _BLOCKS = frozenset({"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table",
                         "blockquote", "pre", "hr", "section", "article", "header", "footer"})
    _HIDDEN = frozenset({"script", "style", "head", "title", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self.hidden += 1
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextFromHtml()
    try:
        parser.feed(markup)
        parser.close()
    except Exception:
        return html.unescape(re.sub(r"<[^>]*>", " ", markup))
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def decode_bytes(payload: bytes, charset: str | None) -> str:
    """Text of a body part: in its declared charset (a few broken bytes become U+FFFD, the label
    stands), else — no label, US-ASCII that is not, an unknown charset — the first fallback that
    reads it whole (UTF-8, Windows-1251, KOI8-R, Latin-1)."""
    declared = (charset or "").strip().lower()
    if declared and declared not in ("us-ascii", "ascii"):
        try:
            return payload.decode(declared)
        except UnicodeDecodeError:
            return payload.decode(declared, errors="replace")
        except LookupError:
            pass  # an unknown charset name: guess below
    for name in _FALLBACK_CHARSETS:
        try:
            return payload.decode(name)
        except UnicodeDecodeError:
            continue
    return payload.decode("utf-8", errors="replace")


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:
        return ""
    return " ".join(_clean(str(value)).split()) if value is not None else ""


def _clean(text: str) -> str:
    """Undecodable 8-bit header bytes (surrogate escapes) read with the fallback charsets."""
    if not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    return decode_bytes(text.encode("utf-8", "surrogateescape"), None)


def _addresses(message: Message, *names: str) -> list[tuple[str, str]]:
    values: list[str] = []
    for name in names:
        try:
            values.extend(str(v) for v in message.get_all(name, []))
        except Exception:
            continue
    return [(real, addr.strip().lower()) for real, addr in email.utils.getaddresses(values) if "@" in addr]


def _date(message: Message) -> dt.datetime | None:
    raw = _header(message, "Date")
    if not raw:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        return parsed
    return parsed.astimezone(dt.UTC).replace(tzinfo=None)


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    return decode_bytes(payload, part.get_content_charset())


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    return " ".join(str(name).split())


def _walk(
    message: Message, plain: list[str], htmls: list[str], files: list[ParsedAttachment], depth: int = 0
) -> None:
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        name = _filename(part)
        disposition = (part.get_content_disposition() or "").lower()
        if content_type == "message/rfc822":
            # an inner message sent encoded (not parsed as a sub-tree): read it here
            inner = part.get_payload(decode=True)
            if isinstance(inner, bytes) and depth < 3:
                _walk(message_from_bytes(inner, policy=policy.default), [], [], files, depth + 1)
            continue
        if name or disposition == "attachment" or not content_type.startswith("text/"):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                files.append(ParsedAttachment(name or "attachment", content_type, payload))
            continue
        if content_type == "text/plain":
            plain.append(_part_text(part))
        elif content_type == "text/html":
            htmls.append(_part_text(part))


def parse(raw: bytes) -> ParsedMessage:
    message = message_from_bytes(raw, policy=policy.default)
    plain: list[str] = []
    htmls: list[str] = []
    files: list[ParsedAttachment] = []
    _walk(message, plain, htmls, files)
    body = "\n\n".join(t.strip() for t in plain if t.strip())
    if not body and htmls:
        body = "\n\n".join(html_to_text(t) for t in htmls)
    senders = _addresses(message, "From")
    sender_name, sender = senders[0] if senders else ("", "")
    references = tuple(_MESSAGE_ID.findall(_header(message, "References")))
    in_reply = _MESSAGE_ID.findall(_header(message, "In-Reply-To"))
    ids = _MESSAGE_ID.findall(_header(message, "Message-ID"))
    return ParsedMessage(
        message_id=safe_line(ids[0], 255) if ids else "",
        in_reply_to=safe_line(in_reply[0], 255) if in_reply else "",
        references=tuple(safe_line(r, 255) for r in references[-20:]),
        sender=safe_line(sender, 320),
        sender_name=safe_line(_decoded_header(sender_name), 200),
        to=tuple(safe_line(addr, 320) for _name, addr in _addresses(message, "To")),
        cc=tuple(safe_line(addr, 320) for _name, addr in _addresses(message, "Cc")),
        subject=safe_line(_decoded_header(_header(message, "Subject"))),
        date=_date(message),
        body=safe_text(body),
        attachments=tuple(ParsedAttachment(safe_line(f.filename, 255) or "attachment",
                                           safe_line(f.mime_type, 100), f.content) for f in files),
    )


def _decoded_header(value: str) -> str:
    """An RFC 2047 encoded header as text (any charset, unknown ones with a fallback)."""
    if "=?" not in value:
        return value
    try:
        pieces = email.header.decode_header(value)
    except Exception:
        return value
    out = []
    for chunk, charset in pieces:
        out.append(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk)
    return " ".join("".join(out).split())
