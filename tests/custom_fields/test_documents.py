"""Custom fields in documents: a real user template that prints the deal's, the client's and a
line's product's custom fields, rendered to PDF and read back (both engines for the context)."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest

from desktop_crm.documents import lint, render
from desktop_crm.entities import Entity
from desktop_crm.models import DealLine, Quote
from desktop_crm.services.billing import quotes, rendering
from desktop_crm.services.system import custom_fields as cf
from desktop_crm.services.system import custom_values as cv
from tests.documents_fixtures import RU_LINES, deal_with_lines, russian_buyer, russian_seller
from tests.factories import make_product


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))


def test_a_template_prints_custom_fields_in_the_documents_language(any_db, tmp_path):
    russian_seller()
    buyer = russian_buyer()
    deal = deal_with_lines(buyer, RU_LINES)
    laptop = make_product("Ноутбук")
    DealLine.update(product=laptop.id).where(DealLine.deal == deal.id).execute()
    preset = {f.key: f for f in cf.add_sales_preset(deal.pipeline_id)}
    cf.update_field(preset["competitors"].id, options=["SAP", "1С", "Битрикс"])
    tender = cf.define_field(Entity.DEALS, "Тендер", "yes_no")
    sector = cf.define_field(Entity.COMPANIES, "Отрасль", "text")
    warranty = cf.define_field(Entity.PRODUCTS, "Гарантия", "number")
    cv.set_values(Entity.DEALS, deal.id, {"budget": "1250000.5", "timeframe": dt.date(2027, 3, 31),
                                          "competitors": ["Битрикс", "SAP"], tender.key: True,
                                          "decision_maker": deal.contact_id})
    cv.set_values(Entity.COMPANIES, buyer.id, {sector.key: "Розничная торговля"})
    cv.set_values(Entity.PRODUCTS, laptop.id, {warranty.key: "24"})
    quote = Quote.get_by_id(quotes.create_from_deal(deal.id).id)
    context = rendering.context_for(quote)
    assert context["custom"]["budget"].replace("\xa0", " ") == "1 250 000,50 ₽"
    assert context["custom"]["need"] == ""  # unfilled, but there for the template
    assert context["buyer"]["custom"] == {sector.key: "Розничная торговля"}
    assert context["lines"][0]["custom"] == {warranty.key: "24"}

    assert (tender.key, sector.key, warranty.key) == ("tender", "otrasl", "garantiia")
    bundled = (render.bundled_templates_dir() / "ru.quote.html").read_text(encoding="utf-8")
    printed = (
        "<p>Бюджет: {{ custom.budget }}; решение до {{ custom.timeframe }}; "
        "ЛПР: {{ custom.decision_maker }}; конкуренты: {{ custom.competitors }}; "
        "тендер: {{ custom.tender }}; отрасль: {{ buyer.custom.otrasl }}; "
        "гарантия: {{ lines[0].custom.garantiia }} мес.</p>"
    )
    template = bundled.replace('{% include "_lines.html" %}', '{% include "_lines.html" %}' + printed)
    assert template != bundled
    assert lint.lint_source(template, "ru.quote.html") == []
    folder = render.user_templates_dir()
    folder.mkdir(parents=True)
    (folder / "ru.quote.html").write_text(template, encoding="utf-8")
    pdf = tmp_path / "quote.pdf"
    pdf.write_bytes(render.render_pdf(context))
    assert shutil.which("pdftotext")
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True)
                    .stdout.decode("utf-8").replace("\xa0", " ").split())
    assert ("Бюджет: 1 250 000,50 ₽; решение до 31.03.2027; ЛПР: Петров Пётр; "
            "конкуренты: SAP, Битрикс; тендер: Да; отрасль: Розничная торговля; "
            "гарантия: 24 мес.") in text
