"""One validator per kind of value a user types, opens or imports (no database).

Every service parses its plain input through these functions, and the models check what they
store with the same ones (``models.base``), so a value is refused the same way wherever it comes
from. Each refusal is a :class:`ValidationError` whose ``field`` is the input's name and whose
message, translated, names the field by its label:

* :func:`date_value` / :func:`datetime_value`: ``date``/``datetime`` objects, ISO text
  (``2025-12-31``) or the way people write dates here (``31.12.2025``, ``31/12/2025``,
  ``31-12-2025``); impossible days refused;
  years 1900–2100.
* :func:`decimal_value` and its kinds :func:`money_value`, :func:`quantity_value`,
  :func:`percent_value`: finite, within what the integer minor-unit columns store, rounded
  half-up to the places the column keeps; percentages 0–100 (a trailing ``%`` is accepted:
  "50%" is 50).
* :func:`text_value`: no NUL, no other control character (tabs and line breaks only where the
  text has lines), no lone surrogate; bidirectional controls stripped; a length limit.
* :func:`country_value`: an ISO 3166-1 alpha-2 code that exists.
* :func:`enum_value`: a member of a ``StrEnum``.
* :func:`search_value`: what a search box may hand to the full-text query.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from desktop_crm import money
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import N_, _

E = TypeVar("E", bound=enum.StrEnum)

MIN_YEAR = 1900
MAX_YEAR = 2100
#: The largest amount a single money value may hold (10 000 000 000 000 units): its minor units
#: (1e15) leave room in a 64-bit integer column for totals of thousands of such values.
MAX_MONEY = Decimal(10) ** 13
#: The largest quantity of one line.
MAX_QUANTITY = Decimal(10) ** 9
#: What a 64-bit integer column of minor units stores at most (the hard limit of every amount).
MAX_STORED_UNITS = 2**63 - 1
#: The length of a text kept in a ``TEXT`` column (comments, notes): long, but not unbounded.
LONG_TEXT = 20_000
#: The length of a search query.
SEARCH_LENGTH = 200

# Labels of the fields that have the same meaning everywhere; services pass their own labels too.
FIELD_LABELS: dict[str, str] = {
    "name": N_("name"),
    "title": N_("title"),
    "last_name": N_("last name"),
    "first_name": N_("first name"),
    "middle_name": N_("middle name"),
    "birth_date": N_("birth date"),
    "comment": N_("comment"),
    "text": N_("text"),
    "subject": N_("subject"),
    "price": N_("price"),
    "quantity": N_("quantity"),
    "amount": N_("amount"),
    "discount_percent": N_("discount"),
    "vat_rate": N_("VAT rate"),
    "probability": N_("probability"),
    "expected_close_date": N_("expected close date"),
    "due_at": N_("due date"),
    "date": N_("date"),
    "paid_on": N_("payment date"),
    "country": N_("country"),
    "currency": N_("currency"),
    "unit": N_("unit"),
    "sku": N_("article"),
    "legal_name": N_("legal name"),
    "short_name": N_("short name"),
    "address": N_("address"),
    "city": N_("city"),
    "email": N_("e-mail"),
    "phone": N_("phone"),
    "position": N_("position"),
    "source": N_("source"),
    "company_name": N_("company"),
    "lost_reason": N_("reason for the loss"),
    "note": N_("note"),
    "basis": N_("basis"),
    "query": N_("search"),
    "inn": N_("INN"),
    "kpp": N_("KPP"),
    "ogrn": N_("OGRN / OGRNIP"),
    "bank_name": N_("Bank"),
    "bik": N_("BIK"),
    "corr_account": N_("Correspondent account"),
    "account": N_("Settlement account"),
    "vat_number": N_("Partita IVA"),
    "fiscal_code": N_("Codice Fiscale"),
    "rea": N_("REA number"),
    "sdi_code": N_("SDI code"),
    "pec": N_("PEC"),
    "iban": N_("IBAN"),
    "bic": N_("SWIFT/BIC"),
    "postal_code": N_("Postal code"),
    "province": N_("Province"),
    "website": N_("Website"),
    "description": N_("description"),
    "notes": N_("notes"),
    "issue_date": N_("issue date"),
    "valid_until": N_("valid until"),
    "due_date": N_("due date"),
    "body": N_("text"),
    "occurred_at": N_("date"),
}

# C0 controls except tab, line feed and carriage return; DEL; C1 controls; lone surrogates.
_BAD_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_BAD_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# Unicode's Bidi_Control characters (ALM, LRM, RLM, embeddings, overrides, isolates): stripped, so a
# name cannot render reversed (U+202E) in a list, a document or a file name.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NUMBER = re.compile(r"[-+]?[0-9.,]+(?:[eE][-+]?[0-9]{1,4})?")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DOTTED_DATE = re.compile(r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4})$")

# ISO 3166-1 alpha-2: the officially assigned codes (no user-assigned ones such as ZZ, XK or EU).
_ISO_CODES = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT
BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH
ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT
HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS
LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI
NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG
SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG
UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
ISO_COUNTRIES = frozenset(_ISO_CODES.split())


def label(field: str, given: str | None = None) -> str:
    """The translated label of a field, capitalised to start a message."""
    text = _(given) if given else _(FIELD_LABELS[field]) if field in FIELD_LABELS else field
    return text[:1].upper() + text[1:]


def refuse(field: str, message: str, given_label: str | None = None, **values: Any) -> ValidationError:
    """A :class:`ValidationError` for ``field`` with a translated ``message`` (its ``{field}``
    replaced by the field's label)."""
    return ValidationError(message.format(field=label(field, given_label), **values), field=field)


def _shown(value: Any) -> str:
    """A refused value as it may be quoted in a message (printable, short)."""
    try:
        text = BIDI_CONTROLS.sub("", _BAD_LINE.sub("?", str(value)))
    except ValueError:  # an int too long to print
        text = "…"
    return text if len(text) <= 40 else text[:39] + "…"


# --- text -----------------------------------------------------------------------------------------


def text_value(value: Any, field: str, *, max_length: int, required: bool = False,
               multiline: bool = False, label: str | None = None) -> str:
    """A user text ready to store: spaces collapsed (a single line) or trimmed (``multiline``),
    bidirectional controls stripped; NUL, other controls and lone surrogates refused."""
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value
    elif _printable_number(value):
        text = str(value)
    else:
        raise refuse(field, _("{field}: enter a text."), label)
    text = BIDI_CONTROLS.sub("", text)
    text = text.strip() if multiline else " ".join(text.split())
    stored_text(text, field, max_length=max_length, multiline=multiline, label=label)
    if required and not text:
        raise refuse(field, _("{field}: fill this in."), label)
    return text


def _printable_number(value: Any) -> bool:
    """An ``int`` or a finite ``Decimal`` short enough to be typed as text (a phone, a code)."""
    if isinstance(value, Decimal):
        return value.is_finite() and value.adjusted() < 40
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**40


def stored_text(text: str, field: str, *, max_length: int | None, multiline: bool = True,
                label: str | None = None) -> str:
    """Refuse a text a column cannot keep (the check every saved row gets; nothing is changed)."""
    if (_BAD_MULTILINE if multiline else _BAD_LINE).search(text):
        raise refuse(field, _("{field}: the text contains characters that cannot be saved "
                              "(control characters or broken Unicode)."), label)
    if max_length is not None and len(text) > max_length:
        raise refuse(field, _("{field}: at most {limit} characters, not {length}."), label,
                     limit=max_length, length=len(text))
    return text


def search_value(value: Any) -> str:
    """A search query: control characters, lone surrogates and bidi controls become spaces and it
    is cut to :data:`SEARCH_LENGTH` (a search never refuses what was typed)."""
    text = value if isinstance(value, str) else "" if value is None else str(value)
    text = BIDI_CONTROLS.sub("", _BAD_LINE.sub(" ", text))
    return " ".join(text.split())[:SEARCH_LENGTH]


# --- dates ----------------------------------------------------------------------------------------


def date_value(value: Any, field: str, *, required: bool = False,
               label: str | None = None) -> dt.date | None:
    """A date from a ``date``/``datetime`` or from text (``2025-12-31``, ``31.12.2025``);
    ``None`` for an empty value."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise refuse(field, _("{field}: fill this in."), label)
        return None
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    elif isinstance(value, str):
        day = _parse_date(value.strip(), field, label)
    else:
        raise refuse(field, _("{field}: enter a date such as 31.12.2025."), label)
    return date_in_range(day, field, label)


def datetime_value(value: Any, field: str, *, required: bool = False,
                   label: str | None = None) -> dt.datetime | None:
    """A date and time from a ``datetime``, a ``date`` (midnight) or ISO text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise refuse(field, _("{field}: fill this in."), label)
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime.combine(value, dt.time())
    elif isinstance(value, str):
        text = value.strip()
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            moment = dt.datetime.combine(_parse_date(text, field, label), dt.time())
    else:
        raise refuse(field, _("{field}: enter a date such as 31.12.2025."), label)
    date_in_range(moment.date(), field, label)
    return moment


def _parse_date(text: str, field: str, label: str | None) -> dt.date:
    iso = _ISO_DATE.match(text)
    dotted = _DOTTED_DATE.match(text)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif dotted:
        day, month, year = (int(part) for part in dotted.group(1, 3, 4))
    else:
        raise refuse(field, _("{field}: “{value}” is not a date; enter it such as 31.12.2025."),
                     label, value=_shown(text))
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise refuse(field, _("{field}: the day {value} does not exist."), label,
                     value=_shown(text)) from None


def date_in_range(day: dt.date, field: str, label: str | None = None) -> dt.date:
    """Refuse a day outside the years :data:`MIN_YEAR`…:data:`MAX_YEAR`."""
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise refuse(field, _("{field}: the year must be from {first} to {last}."), label,
                     first=MIN_YEAR, last=MAX_YEAR)
    return day


# --- numbers --------------------------------------------------------------------------------------


def parse_number(value: Any, field: str, *, label: str | None = None, percent: bool = False) -> Decimal:
    """A number as typed ("1 200,50" in Russian, "1.200,50" in Italian, "1200.5", a ``Decimal``
    or an ``int``): never a float, NaN or infinity. An empty value is zero."""
    if isinstance(value, bool):
        raise refuse(field, _("{field}: enter a number."), label)
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif value is None or isinstance(value, str):
        number = _parse_text_number(value or "", field, label, percent)
    else:
        raise refuse(field, _("{field}: enter a number."), label)
    if not number.is_finite():
        raise refuse(field, _("{field}: enter a number."), label)
    return number


def _parse_text_number(text: str, field: str, label: str | None, percent: bool) -> Decimal:
    for space in ("\u00a0", "\u202f", " "):
        text = text.replace(space, "")
    text = text.strip()
    if percent:
        text = text.removesuffix("%").strip()
    if not text:
        return Decimal(0)
    if len(text) > 60 or not _NUMBER.fullmatch(text):
        raise refuse(field, _("{field}: enter a number."), label)
    from babel.numbers import NumberFormatError
    from babel.numbers import parse_decimal as babel_parse

    from desktop_crm.i18n.formatting import babel_locale

    try:
        return babel_parse(text, locale=babel_locale(), strict=True)
    except (NumberFormatError, InvalidOperation):
        try:
            return Decimal(text.replace(",", "."))
        except InvalidOperation:
            raise refuse(field, _("{field}: enter a number."), label) from None


def decimal_value(value: Any, field: str, *, places: int, maximum: Decimal,
                  minimum: Decimal = Decimal(0), label: str | None = None,
                  percent: bool = False) -> Decimal:
    """A number within ``minimum``…``maximum`` as a ``Decimal`` rounded half-up to ``places``
    places (the column's: what is stored never has more)."""
    number = parse_number(value, field, label=label, percent=percent)
    if number < minimum:
        if minimum == 0:
            raise refuse(field, _("{field}: cannot be negative."), label)
        raise refuse(field, _("{field}: the number is too small."), label)
    if number > maximum:
        raise refuse(field, _("{field}: the number is too large."), label)
    return money.quantize(number, places)  # exact: |number| ≤ maximum keeps it in precision


def money_value(value: Any, field: str, *, negative: bool = False, label: str | None = None,
                places: int = money.MONEY_PLACES) -> Decimal:
    """An amount of money (a price, a payment): at most the currency's places."""
    return decimal_value(value, field, places=places, maximum=MAX_MONEY,
                         minimum=-MAX_MONEY if negative else Decimal(0), label=label)


def quantity_value(value: Any, field: str = "quantity", *, label: str | None = None) -> Decimal:
    """A quantity above zero with at most the unit's places."""
    number = decimal_value(value, field, places=money.QTY_PLACES, maximum=MAX_QUANTITY, label=label)
    if number <= 0:
        raise refuse(field, _("{field}: must be above zero."), label)
    return number


def percent_value(value: Any, field: str, *, label: str | None = None) -> Decimal:
    """A percentage (also a probability) from 0 to 100; "50%" reads as 50."""
    number = parse_number(value, field, label=label, percent=True)
    if not 0 <= number <= money.HUNDRED:
        raise refuse(field, _("{field}: enter a percentage from 0 to 100."), label)
    return decimal_value(number, field, places=money.PERCENT_PLACES, maximum=money.HUNDRED,
                         label=label)


def amount_in_range(amount: Decimal, field: str = "amount", *, label: str | None = None) -> Decimal:
    """Refuse a computed amount (a line's, a document's) past :data:`MAX_MONEY`."""
    if not amount.is_finite() or abs(amount) > MAX_MONEY:
        raise refuse(field, _("{field}: the number is too large."), label)
    return amount


def stored_units(value: Any, field: str, places: int) -> int:
    """An amount as the integer of minor units its column stores (the models' last check)."""
    try:
        number = parse_number(value, field)
        units = money.to_minor_units(number, places)
    except (InvalidOperation, ArithmeticError, ValueError):
        raise refuse(field, _("{field}: the number is too large."), None) from None
    if abs(units) > MAX_STORED_UNITS:
        raise refuse(field, _("{field}: the number is too large."), None)
    return units


# --- codes ----------------------------------------------------------------------------------------


def country_value(value: Any, field: str = "country", *, required: bool = True,
                  label: str | None = None) -> str:
    """An ISO 3166-1 alpha-2 country code in upper case ("" when not required and empty)."""
    code = value.strip().upper() if isinstance(value, str) else "" if value is None else None
    if code is None:
        raise refuse(field, _("{field}: choose a country."), label)
    if not code:
        if required:
            raise refuse(field, _("{field}: choose a country."), label)
        return ""
    if code not in ISO_COUNTRIES:
        raise refuse(field, _("{field}: “{value}” is not a country code (two letters such as RU "
                              "or IT)."), label, value=_shown(code))
    return code


def currency_value(value: Any, field: str = "currency", *, label: str | None = None) -> str:
    """A three-letter currency code in upper case."""
    code = value.strip().upper() if isinstance(value, str) else ""
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise ValidationError(_("The currency is a three-letter code such as RUB or EUR."), field=field)
    return code


def enum_value(value: Any, kind: type[E], field: str, *, label: str | None = None) -> E:
    """A member of ``kind`` given as the member or its value."""
    try:
        return kind(value)
    except (ValueError, TypeError):
        raise refuse(field, _("{field}: “{value}” is not one of the allowed values."), label,
                     value=_shown(value)) from None
