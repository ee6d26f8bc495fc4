"""Invoice numbers in a payment's purpose, as clients write them.

Russian: «Оплата по счету № 12 от 01.12.2026», «сч. 12», «счёт №А-12», «по счёту-фактуре 15»;
Italian: «Saldo fattura n. 12/2026», «FT 12», «fatt. 2026/0012», «Rif. fattura nr 7»; English
«invoice 12». Each reference is the text after the word, with the sequence number and the year
read from it when it has them (this app numbers a счёт «12» or «12/A» and a fattura «2026/0012»),
and the year of a date written after it («от 01.12.2026»).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_KEYWORD = (
    r"(?<![\w])(?:сч[её]т(?:а|у|ом|е|ам|ов)?(?:\s*-\s*фактур\w*)?|сч\.?|инвойс\w*"
    r"|fattur[ae]|fatt\.?|ft\.?|invoice|inv\.?)(?![\w])"
)
_MARK = r"\s*(?:№|N°|n°|nº|nr\.?|num\.?|no\.?|n\.|#)?\s*"
_TOKEN = (r"(?P<token>(?:[A-Za-zА-ЯЁа-яё]{1,5}\s?[-/]?\s?)?\d+(?:\s?[-/.]\s?\d+)*"
          r"(?:[-/][A-Za-zА-ЯЁа-яё]{1,5}(?![\w]))?)")
_DATE_AFTER = r"(?:\s*(?:от|del|dd\.?|of)\s*(?P<day>\d{1,2})[./-](?P<month>\d{1,2})[./-](?P<year>\d{2,4}))?"
_PATTERN = re.compile(_KEYWORD + _MARK + _TOKEN + _DATE_AFTER, re.IGNORECASE)


@dataclass(frozen=True)
class Reference:
    text: str  # as written: «А-12», «12/2026»
    sequence: int | None  # the counter: 12
    year: int | None  # from the number («12/2026») or from the date after it

    @property
    def key(self) -> str:
        return normalised(self.text)


def normalised(number: str) -> str:
    """A number as compared: no spaces, case and ё folded, Latin look-alikes of Cyrillic letters
    kept apart (a client types «A-12» for «А-12»: both fold to the same key)."""
    text = "".join(number.split()).casefold().replace("ё", "е")
    return text.translate(str.maketrans("авекмнорстух", "abekmhopctyx"))


def _split(token: str) -> tuple[int | None, int | None]:
    groups: list[str] = re.findall(r"\d+", token)
    if not groups:
        return None, None
    if len(groups) == 1:
        return int(groups[0]), None
    years = [g for g in groups if len(g) == 4 and 1990 <= int(g) <= 2100]
    others = [g for g in groups if g not in years]
    if years and others:
        return int(others[-1]), int(years[0])
    return int(groups[0]), None


def _year(value: str | None) -> int | None:
    if not value:
        return None
    year = int(value)
    return year + 2000 if year < 100 else year


def find_references(purpose: str) -> list[Reference]:
    """Every invoice reference in ``purpose``, in order, without repeats."""
    found: dict[str, Reference] = {}
    for match in _PATTERN.finditer(purpose or ""):
        token = match.group("token").strip(" -/.")
        sequence, year = _split(token)
        if year is None:
            year = _year(match.group("year"))
        reference = Reference(token, sequence, year)
        found.setdefault(reference.key, reference)
    return list(found.values())


__all__ = ["Reference", "find_references", "normalised"]
