"""Rendering read back: PDF through pdftotext, DOCX through python-docx, the fetcher, the linter."""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from desktop_crm.countries.ru import gost_payload
from desktop_crm.documents import lint, patches, render
from desktop_crm.documents.context import (
    LineInput,
    build_context,
    sample_input,
    with_qr_image,
)

TEMPLATES = [("ru", "quote"), ("ru", "invoice"), ("it", "quote"), ("it", "invoice")]


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))


def pdf_text(pdf: bytes, tmp_path: Path, layout: bool = False) -> str:
    """The text of a PDF: reading order (cells that wrap stay together), or ``-layout``."""
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is required"
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    options = ["-layout"] if layout else []
    result = subprocess.run(["pdftotext", *options, str(path), "-"], capture_output=True, check=True)
    return result.stdout.decode("utf-8")


def docx_text(content: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    for section in document.sections:
        parts.extend(p.text for p in section.footer.paragraphs)
    return "\n".join(parts)


def expected_strings(language: str, kind: str) -> list[str]:
    ctx = build_context(sample_input(language, kind))
    buyer = ctx["buyer"]["addressee"] if (language, kind) == ("ru", "quote") else ctx["buyer"]["name"]
    strings = [ctx["doc"]["number"], ctx["seller"]["name"], buyer, ctx["totals"]["grand_total_text"]]
    strings += [line["name"] for line in ctx["lines"]]
    strings += [line["amount_text"] for line in ctx["lines"]]
    strings += [row["vat_text"] for row in ctx["totals"]["vat_breakdown"]]
    if ctx["totals"]["grand_total_words"] and kind == "invoice":
        strings.append(ctx["totals"]["grand_total_words"])
    return strings


def normalise(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


@pytest.mark.parametrize(("language", "kind"), TEMPLATES)
def test_pdf_contains_number_parties_lines_and_totals(language, kind, tmp_path):
    pdf = render.render_pdf(build_context(sample_input(language, kind)))
    assert pdf.startswith(b"%PDF")
    text = normalise(pdf_text(pdf, tmp_path))
    for expected in expected_strings(language, kind):
        assert normalise(expected) in text, expected
    assert ("Стр. 1 из 1" if language == "ru" else "Pag. 1 di 1") in text


def test_russian_invoice_pdf_has_the_1c_blocks(tmp_path):
    text = normalise(pdf_text(render.render_pdf(build_context(sample_input("ru", "invoice"))), tmp_path))
    for expected in (
        "Счет на оплату № 123 от 25 ноября 2026 г.", "Банк получателя", "БИК 044525225",
        "30101810400000000225", "40702810938000000001", "Поставщик", "Покупатель",
        "Товары (работы, услуги)", "Итого: 41 990,00", "В том числе НДС 22 %: 7 571,96",
        "Всего к оплате: 41 990,00", "Всего наименований 3, на сумму 41 990,00 руб.",
        "Сорок одна тысяча девятьсот девяносто рублей 00 копеек", "Оплатить не позднее 02.12.2026",
        "Руководитель", "Бухгалтер", "Стр. 1 из 1",
    ):
        assert expected in text, expected


def test_italian_documents_keep_accents_and_the_acceptance_block(tmp_path):
    quote = normalise(pdf_text(render.render_pdf(build_context(sample_input("it", "quote"))), tmp_path))
    assert "Per accettazione" in quote and "Timbro e firma" in quote
    assert "Offerta valida fino al 25/12/2026." in quote and "Q.tà" in quote
    invoice = normalise(pdf_text(render.render_pdf(build_context(sample_input("it", "invoice"))), tmp_path))
    assert "Copia di cortesia priva di valore fiscale" in invoice
    assert "L'originale è stato trasmesso" in invoice and "Modalità di pagamento" in invoice
    assert "Totale documento 33.537,80 €" in invoice


def test_pdf_embeds_the_shipped_fonts_and_harfbuzz_subsetting_is_active(tmp_path):
    import weasyprint.text.ffi as ffi

    assert ffi.harfbuzz_subset is not None
    path = tmp_path / "doc.pdf"
    path.write_bytes(render.render_pdf(build_context(sample_input("ru", "quote"))))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    assert "Doc-Sans" in fonts
    assert "Serif" not in fonts  # page-counter boxes use the document font too


@pytest.mark.parametrize(("language", "kind"), TEMPLATES)
def test_docx_reads_back_with_python_docx(language, kind):
    text = normalise(docx_text(render.render_docx(build_context(sample_input(language, kind)))))
    for expected in expected_strings(language, kind):
        assert normalise(expected) in text, expected
    assert "{{" not in text and "{%" not in text


def test_escaping_keeps_ampersands_and_angle_brackets(tmp_path):
    data = sample_input("ru", "invoice")
    data.buyer.name = 'ООО "Рога & Копыта" <тест>'
    data.lines = [
        LineInput('Кабель "A&B" <1 м>', Decimal("1"), Decimal("10.00"), "шт", vat_rate=Decimal("22"))
    ]
    ctx = build_context(data)
    docx_plain = docx_text(render.render_docx(ctx))
    assert 'ООО "Рога & Копыта" <тест>' in docx_plain and 'Кабель "A&B" <1 м>' in docx_plain
    pdf_plain = pdf_text(render.render_pdf(ctx), tmp_path)
    assert "Рога & Копыта" in pdf_plain and "<тест>" in pdf_plain
    assert "<тест>" not in render.render_html(ctx).replace("&lt;тест&gt;", "")


def test_fetcher_serves_templates_and_data_uris_and_refuses_everything_else(tmp_path):
    fetcher = render.SafeFetcher()
    font = render.bundled_templates_dir() / "fonts" / "DejaVuSansCondensed.ttf"
    assert fetcher.fetch(font.as_uri()).read()[:4] == b"\x00\x01\x00\x00"
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"
    for url in (
        "file:///etc/passwd",
        "http://example.com/logo.png",
        "https://example.com/x.css",
        "ftp://example.com/x",
        (render.bundled_templates_dir() / ".." / ".." / "pyproject.toml").as_uri(),
    ):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 5


def test_a_template_referencing_forbidden_urls_renders_without_them(tmp_path, caplog):
    folder = render.user_templates_dir()
    folder.mkdir(parents=True)
    (folder / "ru.spy.html").write_text(
        '<html><body><p>Счёт {{ doc.number }}</p><img src="file:///etc/passwd">'
        '<img src="http://127.0.0.1:9/x.png"><link rel="stylesheet" href="file:///etc/hostname">'
        "</body></html>",
        encoding="utf-8",
    )
    fetcher = render.SafeFetcher()
    html = render.render_html(build_context(sample_input("ru", "invoice")), "ru.spy")
    pdf = render.html_to_pdf(html, folder, fetcher)
    assert "Счёт 123" in pdf_text(pdf, tmp_path)
    assert sorted(fetcher.refused) == ["file:///etc/hostname", "file:///etc/passwd", "http://127.0.0.1:9/x.png"]


def test_user_template_overrides_the_bundled_one(tmp_path):
    folder = render.user_templates_dir()
    folder.mkdir(parents=True)
    bundled = (render.bundled_templates_dir() / "ru.invoice.html").read_text(encoding="utf-8")
    (folder / "ru.invoice.html").write_text(bundled.replace("{{ doc.title }}", "Мой счёт"), encoding="utf-8")
    text = pdf_text(render.render_pdf(build_context(sample_input("ru", "invoice"))), tmp_path)
    assert "Мой счёт № 123" in text
    assert render.available_templates()["ru.invoice"] == ["docx", "pdf"]


def test_linter_accepts_the_bundled_templates():
    for path in sorted(render.bundled_templates_dir().glob("*.*")):
        if path.suffix in (".html", ".docx"):
            assert lint.lint(path) == [], path.name


def test_linter_reports_unknown_fields_and_broken_tags(tmp_path):
    problems = lint.lint_source(
        "{{ doc.numbr }} {{ seller.bank.iban }} {% for l in lines %}{{ l.nam }}{{ l.name }}{% endfor %}"
        "{{ totals.grand_total_text }}{{ nonsense }}",
        "custom.html",
    )
    assert [p.field for p in problems] == ["doc.numbr", "lines[].nam", "nonsense"]
    assert all(p.kind == "unknown_field" for p in problems)
    assert "unknown field doc.numbr" in problems[0].message
    broken = lint.lint_source("{{ doc.number }} {% if doc.basis %} no end", "broken.html")
    assert len(broken) == 1 and broken[0].kind == "syntax" and "broken tag" in broken[0].message


def test_linter_reads_word_templates(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph().add_run("{{ doc.number }} {{ buyer.nmae }}")
    document.add_paragraph().add_run("{% if doc.basis %}")
    path = tmp_path / "ru.custom.docx"
    document.save(path)
    problems = lint.lint(path)
    kinds = sorted(p.kind for p in problems)
    assert kinds == ["syntax"]  # the unclosed {% if %} stops the parse first
    document = docx.Document()
    document.add_paragraph().add_run("{{ doc.number }} {{ buyer.nmae }}")
    document.save(path)
    assert [p.field for p in lint.lint(path)] == ["buyer.nmae"]


def test_unknown_field_fails_the_render_with_a_clear_error(tmp_path):
    folder = render.user_templates_dir()
    folder.mkdir(parents=True)
    (folder / "ru.bad.html").write_text("<p>{{ doc.numbr }}</p>", encoding="utf-8")
    with pytest.raises(render.TemplateError, match=r"ru\.bad\.html"):
        render.render_html(build_context(sample_input("ru", "invoice")), "ru.bad")


def test_sandbox_blocks_python_internals(tmp_path):
    folder = render.user_templates_dir()
    folder.mkdir(parents=True)
    (folder / "ru.evil.html").write_text("{{ doc.__class__.__mro__ }}", encoding="utf-8")
    with pytest.raises(render.TemplateError):
        render.render_html(build_context(sample_input("ru", "invoice")), "ru.evil")


def test_gost_payload_byte_for_byte():
    data = sample_input("ru", "invoice")
    ctx = build_context(data)
    payload = ctx["payment"]["qr"]["payload"]
    assert payload == (
        'ST00012|Name=ООО "Ромашка"|PersonalAcc=40702810938000000001|BankName=ПАО СБЕРБАНК'
        "|BIC=044525225|CorrespAcc=30101810400000000225|PayeeINN=7701234567|KPP=770101001"
        "|Sum=4199000|Purpose=Оплата по счёту № 123 от 25.11.2026, в т.ч. НДС 22 % 7 571,96 руб."
        "|PayerINN=7702345678"
    )
    mandatory = payload.split("|PayeeINN=")[0]
    assert len(mandatory.encode("utf-8")) <= 300  # the standard's limit for the mandatory block
    seller = dataclasses.replace(data.seller, name="ООО |Труба|")
    assert "|Name=ООО Труба|PersonalAcc=" in gost_payload(seller, Decimal("1"), "a|b")
    assert gost_payload(seller, Decimal("1"), "a|b").endswith("Purpose=a b")


def test_epc_payload_for_italian_invoices_when_enabled():
    data = sample_input("it", "invoice")
    data.options = {"qr": True}
    ctx = build_context(data)
    assert ctx["payment"]["qr"]["payload"] == (
        "BCD\n002\n1\nSCT\n\nRossi S.r.l.\nIT60X0542811101000000123456\nEUR33537.80\n\n\n"
        "Fattura 2026/0042 del 25/11/2026"
    )
    assert build_context(sample_input("it", "invoice"))["payment"]["qr"] is None  # off by default


def test_a_context_frozen_without_its_qr_image_gets_the_same_image_back_when_rendered():
    """A context frozen in bulk (the demo's) keeps what defines its payment QR code; the image made
    from it is the one a full context carries, and a context that has its image (frozen earlier)
    or no QR code is rendered as it is."""
    for language in ("ru", "it"):
        data = sample_input(language, "invoice")
        data.options = {"qr": True}
        full = build_context(data)
        lean = build_context(data, qr_image=False)
        assert "image" not in lean["payment"]["qr"]
        assert set(lean["payment"]["qr"]) == {"standard", "payload", "width_mm"}
        assert with_qr_image(lean) == full
        assert render.render_pdf(with_qr_image(lean)) == render.render_pdf(full)
        assert with_qr_image(full) is full
    without_qr = build_context(sample_input("it", "invoice"))
    assert with_qr_image(without_qr) is without_qr


def test_context_is_in_the_documents_language_not_the_uis():
    from desktop_crm import i18n

    i18n.set_language("it")
    ctx = build_context(sample_input("ru", "invoice"))
    assert ctx["labels"]["grand_total"] == "Всего к оплате:"
    assert ctx["locale"] == "ru_RU" and ctx["doc"]["title"] == "Счет на оплату"
    i18n.set_language("ru")
    assert build_context(sample_input("it", "quote"))["labels"]["acceptance"] == "Per accettazione"


def test_context_is_plain_json():
    import json

    for language, kind in TEMPLATES:
        ctx = build_context(sample_input(language, kind))
        assert json.loads(json.dumps(ctx)) == ctx


def test_logo_stamp_and_signature_toggles(tmp_path):
    import base64
    import zipfile

    from desktop_crm.documents.assets import qr_asset

    def png(text: str) -> bytes:
        return base64.b64decode(qr_asset(text)["src"].split(",", 1)[1])

    data = sample_input("ru", "invoice")
    data.seller.logo, data.seller.stamp, data.seller.signature = png("logo"), png("stamp"), png("signature")
    data.options = {"logo": False, "stamp": False, "signature": False, "qr": False}
    off = build_context(data)
    assert off["seller"]["logo"] is None and off["seller"]["stamp"] is None and not off["seller"]["show_mp"]
    assert "data:image/png" not in render.render_html(off)
    data.options = {"logo": True, "stamp": True, "signature": True, "qr": True}
    on = build_context(data)
    html = render.render_html(on)
    assert html.count("data:image/png") == 5  # logo, two signatures, stamp, payment QR
    assert "М.П." in html
    with zipfile.ZipFile(io.BytesIO(render.render_docx(on))) as archive:
        media = [n for n in archive.namelist() if n.startswith("word/media/")]
    assert len(media) == 4  # logo, stamp, signature (stored once) and the payment QR
    with zipfile.ZipFile(io.BytesIO(render.render_docx(off))) as archive:
        assert not [n for n in archive.namelist() if n.startswith("word/media/")]


def test_three_page_invoice_repeats_the_table_header_and_counts_pages(tmp_path):
    data = sample_input("ru", "invoice")
    data.lines = [
        LineInput(f"Позиция каталога № {i}", Decimal("1"), Decimal("100.00"), "шт", vat_rate=Decimal("22"))
        for i in range(1, 56)
    ]
    ctx = build_context(data)
    assert render.page_count(ctx) == 3
    text = pdf_text(render.render_pdf(ctx), tmp_path, layout=True)
    pages = [page for page in text.split("\f") if page.strip()]
    with_lines = [page for page in pages if "Позиция каталога" in page]
    assert len(with_lines) >= 2
    assert all("Товары (работы, услуги)" in page for page in with_lines)  # thead repeats
    for page in (1, 2, 3):
        assert f"Стр. {page} из 3" in text
    assert "Позиция каталога № 55" in text and "Всего наименований 55, на сумму 5 500,00 руб." in text


def test_payment_qr_is_a_grey_png_with_the_pixels_of_segno_drawn_unsmoothed(tmp_path):
    """The QR asset is an 8-bit grey PNG, one pixel a module, with exactly segno's pixels
    (weasyprint embeds a grey PNG with one re-encode, where segno's 1-bit PNG was converted to RGB
    and re-encoded twice per render). Marked pixelated, it is drawn without smoothing in the PDF
    (also in a template that does not ask for it) and enlarged without smoothing in the DOCX."""
    import base64
    import zipfile

    import segno
    from PIL import Image, ImageChops

    from desktop_crm.documents.assets import PIXELATED, qr_png

    def segno_png(payload: str, scale: int) -> Image.Image:
        buffer = io.BytesIO()
        segno.make(payload, error="m", encoding="utf-8", micro=False).save(
            buffer, kind="png", scale=scale, border=2)
        return Image.open(io.BytesIO(buffer.getvalue())).convert("L")

    ctx = build_context(sample_input("ru", "invoice"))
    qr = ctx["payment"]["qr"]
    assert qr["image"]["src"].startswith(f"data:image/png;{PIXELATED};base64,")
    assert qr["image"]["mime"] == "image/png"
    ours = Image.open(io.BytesIO(base64.b64decode(qr["image"]["src"].split(",", 1)[1])))
    reference = segno_png(qr["payload"], 1)
    assert ours.mode == "L" and ours.size == reference.size == (73, 73)  # version 13 + 2-module border
    assert ImageChops.difference(ours, reference).getbbox() is None
    assert qr_png(qr["payload"]) == base64.b64decode(qr["image"]["src"].split(",", 1)[1])

    def pdf_images(pdf: bytes) -> list[list[str]]:
        path = tmp_path / "qr.pdf"
        path.write_bytes(pdf)
        listing = subprocess.run(
            ["pdfimages", "-list", str(path)], capture_output=True, check=True, text=True
        )
        return [line.split() for line in listing.stdout.splitlines()[2:]]

    # width, height, colour, interpolation
    images = pdf_images(render.render_pdf(ctx))
    assert [(r[3], r[4], r[5], r[9]) for r in images] == [("73", "73", "gray", "no")]
    bare = f'<html><body><img src="{qr["image"]["src"]}" style="width: 35mm"></body></html>'
    assert [(r[3], r[9]) for r in pdf_images(render.html_to_pdf(bare, tmp_path))] == [("73", "no")]
    with zipfile.ZipFile(io.BytesIO(render.render_docx(ctx))) as archive:
        [media] = [n for n in archive.namelist() if n.startswith("word/media/")]
        in_word = Image.open(io.BytesIO(archive.read(media))).convert("L")
    assert in_word.size == (584, 584)  # 8 pixels a module: over 400 dpi at 35 mm
    assert ImageChops.difference(in_word, segno_png(qr["payload"], 8)).getbbox() is None


def test_a_long_name_and_a_large_amount_keep_every_column_on_the_page(tmp_path):
    """The lines table has a fixed layout: an unbreakable name wraps inside its column instead of
    pushing «Сумма» off the page."""
    data = sample_input("ru", "invoice")
    data.lines = [
        LineInput("Сервер", Decimal("12345.5"), Decimal("9999999.99"), "шт", vat_rate=Decimal("22")),
        LineInput("ОченьДлинноеНазваниеТовараБезПробеловКотороеНеПомещаетсяВКолонку_1234567890",
                  Decimal("1"), Decimal("1.00"), "усл", vat_rate=Decimal("22")),
    ]
    ctx = build_context(data)
    text = pdf_text(render.render_pdf(ctx), tmp_path, layout=True).replace("\xa0", " ")
    assert "Сумма" in text and "Цена" in text
    for line in ctx["lines"]:
        assert line["amount_text"].replace("\xa0", " ") in text
        assert line["price_text"].replace("\xa0", " ") in text
    assert "ОченьДлинноеНазвание" in text and "1234567890" in text


def test_style_blocks_are_parsed_once_per_text_and_a_forbidden_url_in_one_still_reaches_the_fetcher(tmp_path):
    render._SHEETS.clear()
    render.render_pdf(build_context(sample_input("ru", "invoice")))
    first = set(render._SHEETS)
    assert len(first) == 3  # the base sheet, the template's own, the page footer
    data = sample_input("ru", "invoice")
    data.number = "124"
    text = pdf_text(render.render_pdf(build_context(data)), tmp_path)
    added = set(render._SHEETS) - first
    assert len(added) == 1 and "124" in next(iter(added))[0]  # only the footer is parsed again
    assert "Счет на оплату № 124" in text.replace("\xa0", " ")  # the footer is this document's
    folder = render.user_templates_dir()
    folder.mkdir(parents=True)
    (folder / "ru.css_spy.html").write_text(
        '<html><head><style>@import url("file:///etc/passwd"); p { color: red }</style></head>'
        "<body><p>Счёт {{ doc.number }}</p></body></html>",
        encoding="utf-8",
    )
    fetcher = render.SafeFetcher()
    html = render.render_html(build_context(sample_input("ru", "invoice")), "ru.css_spy")
    pdf = render.html_to_pdf(html, folder, fetcher)
    assert "Счёт 123" in pdf_text(pdf, tmp_path)
    assert fetcher.refused == ["file:///etc/passwd"]


def test_whitespace_between_table_parts_is_dropped_without_changing_the_page(tmp_path, monkeypatch):
    """render drops the whitespace between cells and rows before weasyprint parses it (CSS tables
    ignore it); spaces inside a cell, in preformatted text and between inline elements stay, and
    the page is the same pixel for pixel."""
    import re

    html = (
        "<html><body><p><b>x</b> <i>y</i></p>\n"
        "<table>\n  <tr>\n    <td><b>1</b> <i>2</i></td>\n"
        "    <td style='white-space: pre'>a   b</td>\n  </tr>\n"
        "  <tr>\n    <td> 3 </td>\n    <td>4</td>\n  </tr>\n</table></body></html>"
    )
    trimmed = render._TABLE_WHITESPACE.sub(r"\1", html)
    assert (
        "<tr><td><b>1</b> <i>2</i></td><td style='white-space: pre'>a   b</td></tr><tr><td> 3 </td>"
        in trimmed
    )
    assert trimmed.startswith("<html><body><p><b>x</b> <i>y</i></p>\n<table><tr>")

    def page_png(name: str) -> bytes:
        (tmp_path / f"{name}.pdf").write_bytes(render.html_to_pdf(html, tmp_path))
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(tmp_path / f"{name}.pdf"),
                        str(tmp_path / name)], check=True)
        return (tmp_path / f"{name}.png").read_bytes()

    with_trim = page_png("trimmed")
    monkeypatch.setattr(render, "_TABLE_WHITESPACE", re.compile(r"(?!)(x)"))
    assert page_png("untrimmed") == with_trim


def test_a_render_pauses_the_garbage_collector_once_and_restores_it():
    """A PDF render runs with the cyclic collector paused (its many young objects are not scanned
    again and again) and makes one young-generation pass after; a collector the application
    switched off stays off."""
    import gc

    ctx = build_context(sample_input("ru", "invoice"))
    render.render_pdf(ctx)
    started: list[int] = []

    def on_collect(phase, info):
        if phase == "start":
            started.append(info["generation"])

    assert gc.isenabled()
    gc.callbacks.append(on_collect)
    try:
        render.render_pdf(ctx)
        assert started == [0]  # with the collector on during the render: about a dozen passes
        assert gc.isenabled()
        gc.disable()
        started.clear()
        render.render_pdf(ctx)
        assert not gc.isenabled() and started == []
    finally:
        gc.enable()
        gc.callbacks.remove(on_collect)


COMMON_HTML = """<!DOCTYPE html><html lang="ru"><head><title>t</title><style>
@page { size: A5; margin: 10mm; @bottom-right { content: counter(page) } @top-center { content: "x" } }
</style></head><body>
<h1>Заголовок</h1><h2>Раздел</h2><h3>Подраздел</h3><h4>h4</h4><h5>h5</h5><h6>h6</h6>
<p>Текст с <b>жирным</b>, <strong>важным</strong>, <i>курсивом</i>, <em>акцентом</em>, <u>подчёркнутым</u>,
<s>зачёркнутым</s>, <small>мелким</small>, H<sub>2</sub>O, м<sup>2</sup>, <code>код</code>,
<a href="https://example.com">ссылкой</a>, <q>цитатой</q> и<br>переносом.</p>
<ul><li>один</li><li>два<ul><li>вложенный<ul><li>ещё</li></ul></li></ul></li></ul>
<ol><li>первый</li><li>второй</li></ol>
<dl><dt>Термин</dt><dd>Определение</dd></dl>
<blockquote>Цитата абзацем</blockquote><hr><pre>  преформатированный   текст</pre>
<table><caption>Таблица</caption><thead><tr><th>A</th><th>B</th></tr></thead>
<tbody><tr><td>1</td><td>2</td></tr></tbody><tfoot><tr><td>3</td><td>4</td></tr></tfoot></table>
<center>по центру</center><address>Адрес</address>
</body></html>"""


def test_the_lean_user_agent_sheet_draws_every_page_as_weasyprints_own(tmp_path, monkeypatch):
    """Documents render with a lean user-agent sheet (documents/user_agent.py, an eighth of the
    render time); every template (with its images, one page and three) and a page of common HTML
    look the same pixel for pixel as with weasyprint's full HTML5 sheet."""
    import base64

    import weasyprint

    from desktop_crm.documents.assets import qr_asset
    from desktop_crm.documents.context import LineInput

    def png(text: str) -> bytes:
        return base64.b64decode(qr_asset(text)["src"].split(",", 1)[1])

    pages: dict[str, str] = {"common": COMMON_HTML}
    for language in ("ru", "it"):
        for kind in ("quote", "invoice"):
            data = sample_input(language, kind)
            data.seller.logo, data.seller.stamp, data.seller.signature = png("l"), png("s"), png("g")
            data.options = {"logo": True, "stamp": True, "signature": True, "qr": language == "ru"}
            pages[f"{language}.{kind}"] = render.render_html(build_context(data))
    long = dataclasses.replace(sample_input("ru", "invoice"), lines=[
        LineInput(f"Позиция № {i} — ноутбук, мышь или доставка", Decimal(i % 5 + 1), Decimal("99.90"),
                  "шт", vat_rate=Decimal("22")) for i in range(55)])
    pages["ru.invoice.55"] = render.render_html(build_context(long))
    folder = render.bundled_templates_dir()

    def pngs(name: str, html: str) -> list[bytes]:
        pdf = tmp_path / f"{name}.pdf"
        pdf.write_bytes(render.html_to_pdf(html, folder))
        subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(tmp_path / name)], check=True)
        return [p.read_bytes() for p in sorted(tmp_path.glob(f"{name}-*.png"))]

    used: list[bool] = []
    lean_class = render._lean_html_class()
    original = lean_class._ua_stylesheets
    monkeypatch.setattr(lean_class, "_ua_stylesheets",
                        lambda self, forms=False: used.append(True) or original(self, forms))
    lean = {name: pngs(f"lean-{name}", html) for name, html in pages.items()}
    assert len(used) == len(pages)  # weasyprint still asks the hook for its user-agent sheet
    assert len(lean["ru.invoice.55"]) == 3
    monkeypatch.setattr(render, "_lean_html_class", lambda: weasyprint.HTML)
    for name, html in pages.items():
        assert pngs(f"full-{name}", html) == lean[name], name


def test_the_html_parser_finds_its_cached_patterns_and_parses_as_before():
    """tinyhtml5 2.1 caches its ``chars_until`` patterns under a key it never looks up again
    (patches.CharactersUntilPatterns): with the fix, a second parse builds no pattern, and the
    patterns and the parsed tree are those of tinyhtml5's own code."""
    import re
    from xml.etree import ElementTree

    import tinyhtml5
    from tinyhtml5 import inputstream

    html = render.render_html(build_context(sample_input("ru", "invoice")))
    render._lean_html_class()
    fixed = inputstream.characters_until_regex
    assert isinstance(fixed, patches.CharactersUntilPatterns)
    fixed.clear()  # only this document's patterns
    tree = ElementTree.tostring(tinyhtml5.parse(html))
    patterns = dict(fixed)
    assert patterns and not any(isinstance(characters, re.Pattern) for characters, _ in patterns)
    assert ElementTree.tostring(tinyhtml5.parse(html)) == tree
    # found again
    assert fixed.keys() == patterns.keys() and all(fixed[key] is patterns[key] for key in patterns)

    inputstream.characters_until_regex = {}  # tinyhtml5's own cache
    try:
        assert ElementTree.tostring(tinyhtml5.parse(html)) == tree
        upstream = inputstream.characters_until_regex
        assert {pattern.pattern for pattern in upstream.values()} == {p.pattern for p in patterns.values()}
        # the bug; once a tinyhtml5 release fixes it, patches.CharactersUntilPatterns can go
        assert all(isinstance(characters, re.Pattern) for characters, _ in upstream)
    finally:
        inputstream.characters_until_regex = fixed


def test_text_layouts_share_pango_contexts_and_render_the_same_bytes():
    """Text layouts of one direction and language share a Pango context (documents/patches.py,
    ~3 % of a render); every template, one page and three, and a page mixing languages, decorations
    and font features render to the very same bytes as with weasyprint's own setup, also in a
    second thread."""
    import threading

    mixed = COMMON_HTML.replace(
        "</body>", '<p lang="it">Città <span style="font-variant-numeric: tabular-nums">1 234,50</span>'
        ' <span lang="en">Total</span> <span style="font-variant: small-caps">Totale</span></p></body>')
    folder = render.bundled_templates_dir()
    pages = {"mixed": mixed}
    for language, kind in TEMPLATES:
        pages[f"{language}.{kind}"] = render.render_html(build_context(sample_input(language, kind)))
    long = dataclasses.replace(sample_input("ru", "invoice"), lines=[
        LineInput(f"Позиция № {i}", Decimal(i % 5 + 1), Decimal("99.90"), "шт", vat_rate=Decimal("22"))
        for i in range(55)])
    pages["ru.invoice.55"] = render.render_html(build_context(long))

    def render_all() -> dict[str, bytes]:
        return {name: render.html_to_pdf(html, folder) for name, html in pages.items()}

    shared = render_all()
    # the locked weasyprint is one the shared setup was checked against
    assert patches.install_pango_contexts()

    in_thread: dict[str, bytes] = {}
    contexts: list[int] = []

    def render_in_thread() -> None:
        in_thread.update(render_all())
        contexts.append(patches.contexts_in_this_thread())

    worker = threading.Thread(target=render_in_thread)
    worker.start()
    worker.join()
    assert contexts == [3]  # the thread's own contexts, for hundreds of layouts: one per language
    patches.uninstall_pango_contexts()
    try:
        own = render_all()
    finally:
        patches.install_pango_contexts()
    for name in pages:
        assert shared[name] == own[name] == in_thread[name], name
