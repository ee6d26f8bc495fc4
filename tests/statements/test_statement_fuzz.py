"""Hostile statement files: whatever the bytes, the parsers answer with a statement or a translated
``ValidationError`` — never another exception (hypothesis; ``CRM_FUZZ_EXAMPLES`` for a soak)."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_crm.errors import ValidationError
from desktop_crm.services.billing.statements import parse_statement
from tests.statements.files import Doc, Entry, camt053, one_c

SOAK = os.environ.get("CRM_FUZZ_EXAMPLES")
fuzz = settings(max_examples=int(SOAK) if SOAK else 60, deadline=None, derandomize=not SOAK,
                database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

VALUES = st.sampled_from([
    "", "0", "-1", "1e9", "NaN", "12,34,56", "1 000,00", "９９", "\x00", "Я" * 300, "31.02.2026",
    "2026-02-30", "01.01.0001", "99999999999999999999", "12.345", "&amp;", "<x>", "\ud800", "\u202e12",
])
KEYS = st.sampled_from(["Сумма", "Дата", "ДатаПоступило", "Номер", "ПолучательСчет",
                        "ПлательщикИНН", "НазначениеПлатежа", "КонецДокумента", "СекцияДокумент",
                        "КонецФайла", "РасчСчет", "СекцияРасчСчет"])
BASE_1C = one_c([Doc("1", "02.12.2026", "100.00", "Оплата по счету 1"),
                 Doc("2", "03.12.2026", "7.00", "Аренда", outgoing=True)])
BASE_CAMT = camt053([Entry("100.00", "Saldo fattura n. 1"), Entry("5.00", "x", credit=False)])


def _answers(data: bytes) -> None:
    try:
        statement = parse_statement(data)
    except ValidationError as error:
        assert error.message.strip()
        return
    for line in statement.lines:
        assert line.amount > 0 and len(line.key) == 64


@fuzz
@given(st.binary(max_size=2000))
def test_random_bytes(data):
    _answers(data)
    _answers(b"1CClientBankExchange\r\n" + data)
    _answers(b'<?xml version="1.0"?>' + data)


@fuzz
@given(st.lists(st.tuples(KEYS, VALUES), max_size=6), st.integers(0, len(BASE_1C)),
       st.sampled_from(["cp1251", "utf-8", "cp866"]))
def test_1c_with_hostile_fields_and_cuts(fields, cut, encoding):
    lines = BASE_1C.splitlines()
    for index, (key, value) in enumerate(fields):
        lines.insert(min(3 + index * 7, len(lines)), f"{key}={value}")
    text = "\r\n".join(lines)
    _answers(text.encode(encoding, errors="replace"))
    _answers(text[:cut].encode(encoding, errors="replace"))


@fuzz
@given(st.integers(0, len(BASE_CAMT)), VALUES, st.sampled_from(
    [b"100.00", b"2026-12-03", b"CRDT", b"IT60X0542811101000000123456", b"Saldo fattura n. 1"]))
def test_camt_with_hostile_values_and_cuts(cut, value, target):
    _answers(BASE_CAMT[:cut])
    _answers(BASE_CAMT.replace(target, value.encode("utf-8", errors="replace"), 1))
