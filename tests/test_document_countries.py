"""Country rules as strategies (desktop_crm/countries): the lookup, and what each country decides."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from types import SimpleNamespace

from desktop_crm import pricing
from desktop_crm.countries import DEFAULT, OTHER, REGISTERED, country
from desktop_crm.countries.banking import iban_error
from desktop_crm.countries.it import ITALY
from desktop_crm.countries.ru import RUSSIA
from desktop_crm.documents.context import build_context, sample_input

D = Decimal


def test_a_code_finds_its_country_and_an_unknown_one_the_generic_rules():
    assert country("RU") is RUSSIA and country("ru") is RUSSIA and country("it") is ITALY
    assert country("") is DEFAULT is RUSSIA and country(None) is RUSSIA  # the own company's default
    assert country("ZZ") is OTHER and country("DE") is OTHER
    assert set(REGISTERED) == {"RU", "IT"}


def test_vat_is_per_line_in_russia_and_elsewhere_and_per_rate_in_italy():
    assert RUSSIA.vat_per_line and OTHER.vat_per_line and not ITALY.vat_per_line
    lines = [pricing.LineInput(D("10"), D("1.25"), vat_rate=D("22"))] * 3
    per_rate = pricing.compute(lines, country="IT", vat_included=False)
    per_line = pricing.compute(lines, country="ZZ", vat_included=False)
    assert per_rate.vat_total == D("8.25") and per_line.vat_total == D("8.25")
    included = [pricing.LineInput(D("1"), D("0.10"), vat_rate=D("22"))] * 3
    assert pricing.compute(included, country="IT", vat_included=True).vat_total == D("0.05")
    assert pricing.compute(included, country="RU", vat_included=True).vat_total == D("0.06")


def test_number_patterns_and_e_invoices_come_from_the_country():
    assert RUSSIA.number_patterns == {"invoice": "{seq}", "quote": "КП-{year}-{seq:04d}"}
    assert ITALY.number_patterns == {"invoice": "{year}/{seq:04d}", "quote": "PRV-{year}-{seq:04d}"}
    assert OTHER.number_patterns == {}
    assert ITALY.e_invoice is not None and RUSSIA.e_invoice is None and OTHER.e_invoice is None
    context = build_context(sample_input("it", "invoice"))
    assert ITALY.e_invoice.file_name(context, "00016") == "IT01234560124_00016.xml"
    assert ITALY.e_invoice.build(context, "00001").startswith(b"<?xml")


def test_each_country_checks_its_own_requisites():
    values = {"inn": "7701234568", "vat_number": "01234560125", "fiscal_code": "X", "bik": "", "kpp": "",
              "ogrn": "", "corr_account": "", "account": ""}

    def value(name: str) -> str:
        return values.get(name, "")

    assert set(RUSSIA.requisite_checks(value)) == {"inn", "kpp", "ogrn", "bik", "corr_account", "account"}
    assert set(ITALY.requisite_checks(value)) == {"vat_number", "fiscal_code"}
    assert OTHER.requisite_checks(value) == {}
    assert RUSSIA.requisite_checks(value)["inn"]() is not None  # a typo in the check digits
    assert ITALY.requisite_checks(value)["vat_number"]() is not None
    assert iban_error("IT60X0542811101000000123456") is None
    assert iban_error("IT60Y0542811101000000123456")  # the Italian CIN letter does not match


def test_a_document_of_another_country_prints_neutral_wording_without_qr_or_notices():
    data = sample_input("ru", "invoice")
    data = dataclasses.replace(
        data, country="ZZ", options={"qr": True},
        seller=dataclasses.replace(data.seller, country="ZZ", vat_number="DE123", tax_code="T1"),
    )
    context = build_context(data)
    assert context["payment"]["qr"] is None
    assert context["doc"]["header_text"] is None and context["doc"]["courtesy_notice"] is None
    assert context["totals"]["summary_line"] is None
    assert context["seller"]["requisites_line"].startswith('ООО "Ромашка", ')
    assert "DE123" in context["seller"]["requisites_line"]
    assert context["totals"]["vat_total"] == "7571.96"  # per line, as in Russia


def test_the_requisites_service_asks_the_company_country():
    from desktop_crm.services.billing import requisites

    russian = SimpleNamespace(country="RU", inn="7701234568", vat_number="bad")
    italian = SimpleNamespace(country="IT", inn="7701234568", vat_number="bad")
    other = SimpleNamespace(country="ZZ", inn="7701234568", vat_number="bad")
    assert set(requisites.requisites_errors(russian)) == {"inn"}
    assert set(requisites.requisites_errors(italian)) == {"vat_number"}
    assert requisites.requisites_errors(other) == {}


def test_documents_and_countries_import_nothing_above_them():
    """Module- and function-level imports: countries import only the core, documents never import
    services, views or sync (the render pool runs what services register)."""
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent / "desktop_crm"
    core = ("desktop_crm.money", "desktop_crm.i18n", "desktop_crm.errors", "desktop_crm.paths",
            "desktop_crm.validation", "desktop_crm.filenames", "desktop_crm.countries")
    above = ("desktop_crm.services", "desktop_crm.views", "desktop_crm.sync")

    def imports(folder: str) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for path in (package / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                names: list[str] = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
                for name in names:
                    if name.startswith("desktop_crm"):
                        found.setdefault(path.name, set()).add(name)
        return found

    for module, names in imports("countries").items():
        assert all(name == "desktop_crm" or name.startswith(core) for name in names), (module, names)
    for module, names in imports("documents").items():
        assert not any(name.startswith(above) for name in names), (module, names)


def test_a_batch_renders_only_what_was_registered():
    from concurrent.futures import ThreadPoolExecutor

    import pytest

    from desktop_crm.documents import pool

    registered = pool._renderer
    pool.use_renderer(None)  # type: ignore[arg-type]
    try:
        with ThreadPoolExecutor(1) as executor, pytest.raises(RuntimeError, match="no document renderer"):
            pool.submit(executor, sample_input("ru", "invoice"))
    finally:
        pool.use_renderer(registered)  # type: ignore[arg-type]
