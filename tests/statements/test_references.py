"""Invoice numbers as clients write them in a payment's purpose."""

from __future__ import annotations

import pytest

from desktop_crm.services.billing.statements.references import find_references, normalised


@pytest.mark.parametrize(("purpose", "found"), [
    ("Оплата по счету № 12 от 01.12.2026", [("12", 12, 2026)]),
    ("Оплата по сч. 12, НДС не облагается", [("12", 12, None)]),
    ("Оплата по счёту №А-12", [("А-12", 12, None)]),
    ("Оплата по сч.№15 от 2.12.26 в т.ч. НДС 22% - 3 000.00", [("15", 15, 2026)]),
    ("Оплата по счету 7/А", [("7/А", 7, None)]),
    ("Оплата по счет-фактуре 44", [("44", 44, None)]),
    ("Оплата за товар по договору 5", []),
    ("Saldo fattura n. 12/2026", [("12/2026", 12, 2026)]),
    ("FT 12", [("12", 12, None)]),
    ("Pagamento fatt. 2026/0012 del 03/12/2026", [("2026/0012", 12, 2026)]),
    ("Rif. fattura nr 7 software", [("7", 7, None)]),
    ("Acconto fatture n. 3 e n. 4", [("3", 3, None)]),
    ("Invoice #2026-0031", [("2026-0031", 31, 2026)]),
    ("Bonifico per consulenza", []),
])
def test_references(purpose, found):
    assert [(r.text, r.sequence, r.year) for r in find_references(purpose)] == found


def test_latin_look_alikes_of_cyrillic_letters_compare_equal():
    assert normalised("А-12") == normalised("a-12") == normalised(" A - 12 ")
    assert normalised("Счёт") == normalised("счет")
