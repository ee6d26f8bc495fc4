"""Golden documents: every kind of each seller country in every language it has a template for, as
PDF (read back with pdftotext) and DOCX (read back with python-docx). The arithmetic is recomputed
here from the lines given, not taken from the context: each line's price × quantity − discount is
its amount, the VAT per rate, the total; the amount in words where the kind prints it; the seller's
and buyer's requisites. Each document is rendered once per test session."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import subprocess
import tempfile
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

import pytest

from desktop_crm.documents import render
from desktop_crm.documents.context import DocumentInput, build_context, sample_input
from tests.test_russian_arithmetic import discounted

CASES = [
    ("RU", "quote", "ru"), ("RU", "quote", "it"), ("RU", "invoice", "ru"), ("RU", "invoice", "it"),
    ("RU", "act", "ru"), ("RU", "upd", "ru"), ("RU", "contract", "ru"), ("RU", "contract", "it"),
    ("IT", "quote", "it"), ("IT", "quote", "ru"), ("IT", "invoice", "it"), ("IT", "invoice", "ru"),
    ("IT", "credit_note", "it"), ("IT", "credit_note", "ru"), ("IT", "ddt", "it"),
    ("IT", "contract", "it"), ("IT", "contract", "ru"),
]
FORMATS = ("pdf", "docx")
# The total in words, checked by hand: RU totals include VAT, so the words read the lines' sum.
WORDS = {"invoice": "Сорок тысяч", "act": "Сорок тысяч", "contract": "Сорок тысяч"}
MONEY = re.compile(r"\d{1,3}(?:[ .]\d{3})*,\d{2}")
CENT = Decimal("0.01")


def _q(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _input(country: str, kind: str, language: str) -> DocumentInput:
    base = discounted("invoice") if country == "RU" else sample_input("it", "invoice")
    return dataclasses.replace(base, kind=kind, language=language,
                               credited_number="2026/0041" if kind == "credit_note" else "",
                               credited_date=dt.date(2026, 3, 2) if kind == "credit_note" else None)


def _flat(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


def _amounts(text: str) -> list[Decimal]:
    return [Decimal(m.replace(" ", "").replace(".", "").replace(",", "."))
            for m in MONEY.findall(text.replace("\xa0", " ").replace("\u202f", " "))]


@cache
def _text(country: str, kind: str, language: str, fmt: str) -> str:
    context = build_context(_input(country, kind, language))
    if fmt == "pdf":
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "doc.pdf"
            path.write_bytes(render.render_pdf(context))
            return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                                  text=True, check=True).stdout
    import docx

    document = docx.Document(io.BytesIO(render.render_docx(context)))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append("   ".join(dict.fromkeys(cell.text for cell in row.cells)))
    return "\n".join(parts)


def _expected(data: DocumentInput) -> tuple[list[tuple[Decimal, Decimal, Decimal]], dict[Decimal, Decimal],
                                             Decimal]:
    """(price, discount, amount) per line, VAT per rate and the total, computed here."""
    lines, net_by_rate = [], {}
    for line in data.lines:
        gross = _q(line.quantity * line.price)
        discount = _q(gross * (line.discount_percent or 0) / 100)
        lines.append((line.price, discount, gross - discount))
        rate = line.vat_rate or Decimal(0)
        net_by_rate[rate] = net_by_rate.get(rate, Decimal(0)) + gross - discount
    if data.vat_included:
        vat = {rate: _q(net * rate / (100 + rate)) for rate, net in net_by_rate.items()}
        total = sum(net_by_rate.values(), Decimal(0))
    else:
        vat = {rate: _q(net * rate / 100) for rate, net in net_by_rate.items()}
        total = sum(net_by_rate.values(), Decimal(0)) + sum(vat.values(), Decimal(0))
    return lines, vat, total


def _row(text: str, name: str) -> str:
    return next(line for line in text.splitlines() if name[:20] in line)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("country", "kind", "language"), CASES)
def test_golden_document(country, kind, language, fmt):
    data = _input(country, kind, language)
    text = _text(country, kind, language, fmt)
    flat = _flat(text)
    for party in (data.seller, data.buyer):
        addressed = party is data.buyer and kind == "quote" and party.addressee in flat  # the КП's header
        assert party.name in flat or addressed, (party.name, kind)
        for number in (party.inn, party.vat_number):
            if number and not addressed:
                assert number in flat, (number, kind)
    assert "None" not in flat.split(), "a missing value printed as None"
    if kind == "credit_note":  # a nota di credito names the invoice it credits (PDF and DOCX)
        assert "2026/0041" in flat, flat[:300]
    if kind == "ddt":  # goods and quantities, no prices
        for line in data.lines:
            row = _flat(_row(text, line.name))
            assert f"{line.quantity.normalize():f}" in row.split(), row
        assert not _amounts(flat.split(data.lines[0].name[:20], 1)[1].split("Firma")[0])
        return
    lines, vat, total = _expected(data)
    for line, (price, discount, amount) in zip(data.lines, lines, strict=True):
        row = _amounts(_row(text, line.name))
        if kind == "upd":  # the УПД's price and column 5 exclude VAT; column 9 is the amount with VAT
            net, tax = row[-3], row[-2]
            assert net + tax == amount == row[-1], (line.name, row)
        else:
            assert price in row and amount in row, (line.name, row)
        assert _q(line.quantity * price) - discount == amount
        if discount and country == "RU" and kind in ("invoice", "act", "contract"):  # its layout
            assert discount in row, (line.name, "the discount column", row)
    everything = _amounts(text)
    for rate, amount in vat.items():
        if rate:
            assert amount in everything, (rate, amount)
    assert total in everything, total
    if language == "ru" and country == "RU" and kind in WORDS:
        assert WORDS[kind] in flat, kind


def _header_cells(content: bytes, name: str) -> list[str]:
    """The header row of the table whose rows list the line ``name``."""
    import docx

    document = docx.Document(io.BytesIO(content))
    table = next(t for t in document.tables if any(name in c.text for r in t.rows for c in r.cells))
    return [cell.text for cell in table.rows[0].cells]


@pytest.mark.parametrize("kind", ["invoice", "act", "contract", "quote"])
def test_docx_has_a_discount_column_only_when_a_line_is_discounted(kind):
    plain = sample_input("ru", kind)
    header = _header_cells(render.render_docx(build_context(plain)), plain.lines[0].name)
    assert "Скидка" not in header and all(cell.strip() for cell in header), header  # no empty column
    data = dataclasses.replace(discounted("invoice"), kind=kind)
    header = _header_cells(render.render_docx(build_context(data)), data.lines[0].name)
    assert "Скидка" in header, header


@pytest.mark.parametrize("fmt", FORMATS)
def test_contract_preamble_names_the_director_without_declension(fmt):
    """«в лице» needs the genitive («Генерального директора Иванова И. И.»), which the CRM does not
    store; the preamble says who acts in the nominative instead, as Russian contracts also do."""
    flat = _flat(_text("RU", "contract", "ru", fmt))
    assert "от имени которого на основании Устава действует Генеральный директор Иванов И. И." in flat
    assert "в лице Генеральный" not in flat


def _sole_trader_contract(language: str) -> DocumentInput:
    base = _input("RU", "contract", language)
    seller = dataclasses.replace(
        base.seller, kind="sole_trader", name="ИП Иванов И. И.",
        name_full="Индивидуальный предприниматель Иванов Иван Иванович", inn="500100732259",
        kpp="", ogrn="304500116000157", head_name="Иванов И. И.", head_position="")
    return dataclasses.replace(base, seller=seller)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_sole_traders_contract_says_he_acts_on_his_ogrnip(fmt):
    """An ИП signs himself, on his registration (ОГРНИП), not «в лице генерального директора,
    действующего на основании Устава»; his signature is the entrepreneur's."""
    context = build_context(_sole_trader_contract("ru"))
    if fmt == "pdf":
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "doc.pdf"
            path.write_bytes(render.render_pdf(context))
            flat = _flat(subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                                        text=True, check=True).stdout)
    else:
        import docx

        flat = _flat(" ".join(p.text for p in docx.Document(io.BytesIO(render.render_docx(context)))
                              .paragraphs))
    assert ("Индивидуальный предприниматель Иванов И. И., действующий на основании ОГРНИП "
            "304500116000157, именуемый в дальнейшем «Поставщик»") in flat, flat[:600]
    assert "Устава" not in flat and "директор" not in flat.lower()


def test_a_sole_traders_contract_in_italian():
    flat = _flat(" ".join(p.text for p in __import__("docx").Document(io.BytesIO(render.render_docx(
        build_context(_sole_trader_contract("it"))))).paragraphs))
    assert "L'imprenditore individuale Иванов И. И., che opera in base all'OGRNIP 304500116000157" in flat


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_russian_sellers_invoice_in_italian_keeps_the_russian_layout(fmt):
    """Labels follow the seller's country, translated: a Russian счёт printed in Italian has the
    Russian bank block and «including VAT» (prices with VAT), never the fattura's «Totale
    imponibile» or its bollo; an Italian fattura printed in Russian keeps its own layout."""
    russian = _flat(_text("RU", "invoice", "it", fmt))
    assert "imponibile" not in russian.lower() and "bollo" not in russian.lower()
    assert "BIK" in russian and "044525225" in russian  # the Russian bank block, in Italian
    assert build_context(_input("RU", "invoice", "it"))["template"] == "ru.invoice"
    assert build_context(_input("IT", "invoice", "ru"))["template"] == "it.invoice"
    italian = _flat(_text("IT", "invoice", "ru", fmt))
    assert "БИК" not in italian and "IBAN" in italian


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_contract_is_made_in_the_sellers_city(fmt):
    """The place of a contract is the seller's city (an Italian seller's contract in Russian is
    made in Roma, never in «г. Москва»)."""
    italian = _flat(_text("IT", "contract", "ru", fmt))
    assert "Москва" not in italian, italian[:200]
    assert "Roma 25 ноября 2026 г." in italian  # the place, then the date
    assert "Москва" in _flat(_text("RU", "contract", "ru", fmt))
