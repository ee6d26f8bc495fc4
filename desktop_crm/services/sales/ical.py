"""iCalendar (RFC 5545) text of tasks and meetings: ``calendar(items, now)``.

A task is a VTODO with DUE, a meeting a VEVENT of an hour from DTSTART; every time in UTC
(``…Z``); the UID is the activity's id, so an export imported again updates the same entries.
TEXT values are escaped (backslash, semicolon, comma, newline) and every content line is folded at
75 octets without splitting a UTF-8 character; lines end with CRLF.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

PRODID = "-//Desktop CRM//Calendar//EN"
_STATUS_TODO = {"planned": "NEEDS-ACTION", "done": "COMPLETED", "cancelled": "CANCELLED"}
_STATUS_EVENT = {"planned": "CONFIRMED", "done": "CONFIRMED", "cancelled": "CANCELLED"}


@dataclass(frozen=True, slots=True)
class Item:
    uid: str
    kind: str  # "todo" or "event"
    summary: str
    description: str
    when: dt.datetime  # naive UTC
    status: str
    created: dt.datetime
    modified: dt.datetime


def escape_text(value: str) -> str:
    """A TEXT value (RFC 5545 3.3.11)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\n", "\\n"))


def utc_stamp(moment: dt.datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def fold(line: str) -> str:
    """One content line folded at 75 octets (continuations start with a space)."""
    parts: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, 74  # the leading space counts
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _component(item: Item, now: dt.datetime) -> list[str]:
    name = "VTODO" if item.kind == "todo" else "VEVENT"
    lines = [
        f"BEGIN:{name}",
        f"UID:{item.uid}",
        f"DTSTAMP:{utc_stamp(now)}",
        f"CREATED:{utc_stamp(item.created)}",
        f"LAST-MODIFIED:{utc_stamp(item.modified)}",
    ]
    if item.kind == "todo":
        lines.append(f"DUE:{utc_stamp(item.when)}")
        lines.append(f"STATUS:{_STATUS_TODO.get(item.status, 'NEEDS-ACTION')}")
    else:
        lines.append(f"DTSTART:{utc_stamp(item.when)}")
        lines.append(f"DTEND:{utc_stamp(item.when + dt.timedelta(hours=1))}")
        lines.append(f"STATUS:{_STATUS_EVENT.get(item.status, 'CONFIRMED')}")
    lines.append(f"SUMMARY:{escape_text(item.summary)}")
    if item.description:
        lines.append(f"DESCRIPTION:{escape_text(item.description)}")
    lines.append(f"END:{name}")
    return lines


def calendar(items: list[Item], now: dt.datetime) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    for item in items:
        lines += _component(item, now)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
