"""Author the bundled Word templates (templates/documents/*.docx) with python-docx.

Run once after changing the layout: ``uv run python scripts/build_docx_templates.py``; the
resulting .docx files are committed. Every Jinja tag is written as ONE run, so Word keeps it
intact; table rows repeat with docxtpl's ``{%tr %}`` and optional paragraphs use ``{%p %}``.
The templates read only fields of the render context (documents.md §4.2); the linter test
checks them against the builder's output.
"""

from __future__ import annotations

import re
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

OUT = Path(__file__).resolve().parent.parent / "templates" / "documents"
FONT = "Arial"


# A Russian buyer on a document in Italian keeps its INN/KPP (the PDF prints them too).
BUYER_INN = ("{% if buyer.ids.inn %}{{ labels.inn }} {{ buyer.ids.inn }}"
             "{% if buyer.ids.kpp %}, {{ labels.kpp }} {{ buyer.ids.kpp }}{% endif %}{% endif %}")

def _outer_if(text: str) -> tuple[str, str] | None:
    """(condition, body) when ``text`` is one ``{% if %}…{% endif %}`` from start to end."""
    import re

    match = re.match(r"\{% if (.+?) %\}", text)
    if match is None or not text.endswith("{% endif %}"):
        return None
    depth = 0
    for tag in re.finditer(r"\{% (if|endif)\b[^%]*%\}", text):
        depth += 1 if tag.group(1) == "if" else -1
        if depth == 0:
            return (match.group(1), text[match.end():tag.start()]) if tag.end() == len(text) else None
    return None


def cell_lines(cell, texts) -> None:
    """One paragraph per line of a party block; a line that is one ``{% if %}`` becomes a
    paragraph-level condition (``{%p if %}``), so a missing value leaves no empty line in Word."""
    for text in texts:
        if text.endswith(" or '' }}") and text.startswith("{{ "):
            field = text[3:-len(" or '' }}")]
            text = f"{{% if {field} %}}{{{{ {field} }}}}{{% endif %}}"
        found = _outer_if(text)
        if found is None:
            cell.add_paragraph().add_run(text)
            continue
        condition, body = found
        cell.add_paragraph().add_run(f"{{%p if {condition} %}}")
        cell.add_paragraph().add_run(body)
        cell.add_paragraph().add_run("{%p endif %}")


def new_document() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin, section.right_margin = Mm(18), Mm(12)
    section.top_margin, section.bottom_margin = Mm(14), Mm(16)
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(9)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    style.paragraph_format.space_after = Pt(2)
    return doc


def para(container, *parts, bold=False, size=None, align=None, space_after=None):
    """A paragraph of runs; each part is a str (a run) or (str, {"bold": …})."""
    paragraph = container.add_paragraph()
    for part in parts:
        text, fmt = (part, {}) if isinstance(part, str) else part
        run = paragraph.add_run(text)
        run.bold = fmt.get("bold", bold)
        if fmt.get("size", size):
            run.font.size = Pt(fmt.get("size", size))
        if fmt.get("italic"):
            run.italic = True
    if align == "right":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif align == "center":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if space_after is not None:
        paragraph.paragraph_format.space_after = Pt(space_after)
    return paragraph


def cell_text(cell, *parts, bold=False, align=None, size=None):
    cell.paragraphs[0].text = ""
    paragraph = cell.paragraphs[0]
    for part in parts:
        text, fmt = (part, {}) if isinstance(part, str) else part
        run = paragraph.add_run(text)
        run.bold = fmt.get("bold", bold)
        if fmt.get("size", size):
            run.font.size = Pt(fmt.get("size", size))
    if align == "right":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    elif align == "center":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return paragraph


def repeat_header(row) -> None:
    properties = row._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    properties.append(element)


def widths(table, *millimetres) -> None:
    """Column widths Word and LibreOffice both keep: the cells' widths, the table grid's (which
    LibreOffice reads; python-docx writes equal ones, so «Наименование» broke into «Наименовани е»)
    and a fixed layout with the table's total width."""
    for row in table.rows:
        for cell, width in zip(row.cells, millimetres, strict=True):
            cell.width = Mm(width)
    grid = table._tbl.tblGrid
    for column, width in zip(grid.findall(qn("w:gridCol")), millimetres, strict=True):
        column.set(qn("w:w"), str(int(Mm(width).twips)))
    table.autofit = False  # <w:tblLayout w:type="fixed"/>, in its schema place
    total = table._tbl.tblPr.find(qn("w:tblW"))
    if total is not None:
        total.set(qn("w:w"), str(int(Mm(sum(millimetres)).twips)))
        total.set(qn("w:type"), "dxa")


def field_run(paragraph, instruction: str) -> None:
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    simple.append(run)
    paragraph._p.append(simple)


def footer(doc) -> None:
    paragraph = doc.sections[0].footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    run = paragraph.add_run("{{ labels.page }} ")
    run.font.size = Pt(7.5)
    field_run(paragraph, "PAGE")
    run = paragraph.add_run(" {{ labels.page_of }} ")
    run.font.size = Pt(7.5)
    field_run(paragraph, "NUMPAGES")


HAS_DISCOUNT = "totals.discount_total != '0.00'"


def lines_table(
    doc, with_discount: bool, with_vat: bool, with_sku: bool, discount_field: str = "discount_text"
):
    """The product table; ``discount_field``: ``discount_text`` (percent) or ``discount_amount_text``
    (money, so that Price × Qty − Discount = Amount reads). As in the PDF, the discount column exists
    only when a line has a discount: the template holds both variants of the table and docxtpl keeps
    one (``{%p if %}`` paragraphs), so an undiscounted document has no empty column."""
    if not with_discount:
        return _lines_table(doc, False, with_vat, with_sku, discount_field)
    para(doc, "{%p if " + HAS_DISCOUNT + " %}")
    _lines_table(doc, True, with_vat, with_sku, discount_field)
    para(doc, "{%p else %}")
    table = _lines_table(doc, False, with_vat, with_sku, discount_field)
    para(doc, "{%p endif %}")
    return table


def _lines_table(doc, with_discount: bool, with_vat: bool, with_sku: bool, discount_field: str):
    columns = [("{{ labels.col_n }}", 8)]
    columns.append(("{{ labels.col_name }}", 0))
    columns += [("{{ labels.col_qty }}", 15), ("{{ labels.col_unit }}", 12), ("{{ labels.col_price }}", 24)]
    if with_discount:
        columns.append(("{{ labels.col_discount }}", 18 if discount_field == "discount_text" else 22))
    columns.append(("{{ labels.col_amount }}", 26))
    if with_vat:
        columns.append(("{{ labels.col_vat }}", 14))
    fixed = sum(w for _c, w in columns)
    columns[1] = (columns[1][0], 180 - fixed)
    table = doc.add_table(rows=4, cols=len(columns))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, (title, _w) in zip(table.rows[0].cells, columns, strict=True):
        cell_text(cell, title, bold=True, align="center")
    repeat_header(table.rows[0])
    cell_text(table.rows[1].cells[0], "{%tr for line in lines %}")
    cells = table.rows[2].cells
    index = 0
    cell_text(cells[index], "{{ line.n }}", align="center")
    index += 1
    name_parts = []
    if with_sku:
        name_parts.append("{% if line.sku %}{{ line.sku }} {% endif %}")
    name_parts.append("{{ line.name }}")
    name_parts.append("{% if line.description %}\n{{ line.description }}{% endif %}")
    cell_text(cells[index], *name_parts)
    index += 1
    cell_text(cells[index], "{{ line.qty_text }}", align="right")
    index += 1
    cell_text(cells[index], "{{ line.unit or '' }}")
    index += 1
    cell_text(cells[index], "{{ line.price_text }}", align="right")
    index += 1
    if with_discount:
        cell_text(cells[index], "{{ line." + discount_field + " }}", align="right")
        index += 1
    cell_text(cells[index], "{{ line.amount_text }}", align="right")
    index += 1
    if with_vat:
        cell_text(
            cells[index],
            "{{ line.vat_rate_text }}{% if line.natura %} {{ line.natura }}{% endif %}",
            align="right",
        )
    cell_text(table.rows[3].cells[0], "{%tr endfor %}")
    widths(table, *[w for _c, w in columns])
    return table


def totals_table(doc, rows):
    """Right-aligned label/value rows; a row may be a loop or an if (docxtpl ``{%tr %}``)."""
    table = doc.add_table(rows=len(rows), cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.RIGHT
    for row, (label, value) in zip(table.rows, rows, strict=True):
        if value is None:
            cell_text(row.cells[0], label)
            continue
        cell_text(row.cells[0], label, bold=True, align="right")
        cell_text(row.cells[1], value, bold=True, align="right")
    widths(table, 60, 32)
    return table


def riepilogo_table(doc):
    """Imponibile and IVA per aliquota (and natura), as the Italian PDF and the FatturaPA show them."""
    para(doc, "")
    table = doc.add_table(rows=4, cols=5)
    table.style = "Table Grid"
    for cell, title in zip(table.rows[0].cells, (
        "{{ labels.col_vat }}", "{{ labels.col_natura }}", "{{ labels.col_base }}",
        "{{ labels.col_vat_amount }}", "{{ labels.legal_ref }}",
    ), strict=True):
        cell_text(cell, title, bold=True, align="center")
    cell_text(table.rows[1].cells[0], "{%tr for row in totals.vat_breakdown %}")
    cells = table.rows[2].cells
    cell_text(cells[0], "{{ row.rate_text }}", align="right")
    cell_text(cells[1], "{{ row.natura or '' }}")
    cell_text(cells[2], "{{ row.base_text }}", align="right")
    cell_text(cells[3], "{{ row.vat_text }}", align="right")
    cell_text(cells[4], "{{ row.legal_ref or '' }}", size=7)
    cell_text(table.rows[3].cells[0], "{%tr endfor %}")
    widths(table, 18, 18, 30, 26, 88)
    return table


def ru_invoice() -> Document:
    doc = new_document()
    para(doc, "{% if seller.logo %}{{ seller.logo }}{% endif %}")
    para(doc, "{{ doc.header_text or '' }}", size=7, align="center")
    bank = doc.add_table(rows=4, cols=4)
    bank.style = "Table Grid"
    bank.cell(0, 0).merge(bank.cell(1, 1))
    cell_text(bank.cell(0, 0), "{{ seller.bank.name if seller.bank else '' }}")
    bank.cell(0, 0).add_paragraph().add_run("{{ labels.bank }}").font.size = Pt(7)
    cell_text(bank.cell(0, 2), "{{ labels.bik }}")
    cell_text(bank.cell(0, 3), "{{ seller.bank.bik if seller.bank else '' }}")
    cell_text(bank.cell(1, 2), "{{ labels.account_no }}")
    cell_text(bank.cell(1, 3), "{{ seller.bank.corr_account if seller.bank else '' }}")
    cell_text(bank.cell(2, 0), "{{ labels.inn }} {{ seller.ids.inn or '' }}")
    cell_text(bank.cell(2, 1), "{% if seller.ids.kpp %}{{ labels.kpp }} {{ seller.ids.kpp }}{% endif %}")
    bank.cell(2, 2).merge(bank.cell(3, 2))
    bank.cell(2, 3).merge(bank.cell(3, 3))
    cell_text(bank.cell(2, 2), "{{ labels.account_no }}")
    cell_text(bank.cell(2, 3), "{{ seller.bank.account if seller.bank else '' }}")
    bank.cell(3, 0).merge(bank.cell(3, 1))
    cell_text(bank.cell(3, 0), "{{ seller.name }}")
    bank.cell(3, 0).add_paragraph().add_run("{{ labels.recipient }}").font.size = Pt(7)
    widths(bank, 50, 50, 18, 62)
    para(doc, "")
    para(
        doc,
        "{{ doc.title }} {{ labels.number_sign }} {{ doc.number }} {{ labels.dated }} {{ doc.date_text }}",
        bold=True,
        size=14,
    )
    parties = doc.add_table(rows=3, cols=2)
    cell_text(parties.cell(0, 0), "{{ labels.supplier }}")
    cell_text(parties.cell(0, 1), "{{ seller.requisites_line }}", bold=True)
    cell_text(parties.cell(1, 0), "{{ labels.buyer }}")
    cell_text(parties.cell(1, 1), "{{ buyer.requisites_line }}", bold=True)
    cell_text(parties.cell(2, 0), "{% if doc.basis %}{{ labels.basis }}{% endif %}")
    cell_text(parties.cell(2, 1), "{{ doc.basis or '' }}", bold=True)
    widths(parties, 32, 148)
    para(doc, "")
    lines_table(
        doc, with_discount=True, with_vat=False, with_sku=False, discount_field="discount_amount_text"
    )
    totals = totals_table(doc, [
        ("{%tr if " + HAS_DISCOUNT + " %}", None),
        ("{{ labels.gross_total }}", "{{ totals.gross_total_text }}"),
        ("{{ labels.discount_total }}", "{{ totals.discount_total_text }}"),
        ("{%tr endif %}", None),
        ("{{ labels.total }}", "{{ totals.subtotal_text }}"),
        ("{%tr if totals.vat_mode == 'none' %}", None),
        ("{{ totals.no_vat_label }}", "-"),
        ("{%tr else %}", None),
        ("{%tr for row in totals.vat_breakdown %}", None),
        ("{{ row.label }}", "{{ row.vat_text }}"),
        ("{%tr endfor %}", None),
        ("{%tr endif %}", None),
        ("{{ labels.grand_total }}", "{{ totals.grand_total_text }}"),
    ])
    del totals
    para(doc, "{{ totals.summary_line }}")
    para(doc, "{{ totals.grand_total_words or '' }}", bold=True)
    para(doc, "{{ payment.terms_text or '' }}")
    para(doc, "{%p for term in doc.terms %}")
    para(doc, ("{{ term.label }}: ", {"bold": True}), "{{ term.text }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p if doc.notes %}")
    para(doc, "{{ doc.notes }}")
    para(doc, "{%p endif %}")
    para(doc, "")
    signs = doc.add_table(rows=2, cols=3)
    cell_text(
        signs.cell(0, 0), "{{ seller.signers.head.title }} ________ {{ seller.signers.head.name or '' }}"
    )
    cell_text(
        signs.cell(0, 1),
        "{% if seller.signers.accountant %}"
        "{{ seller.signers.accountant.title }} ________ {{ seller.signers.accountant.name or '' }}"
        "{% endif %}",
    )
    signs.cell(0, 2).merge(signs.cell(1, 2))
    cell_text(signs.cell(0, 2), "{% if payment.qr %}{{ payment.qr.image }}{% endif %}", align="right")
    cell_text(
        signs.cell(1, 0),
        "{% if seller.show_mp %}{{ labels.mp }}{% endif %}"
        " {% if seller.stamp %}{{ seller.stamp }}{% endif %}",
    )
    cell_text(
        signs.cell(1, 1),
        "{% if seller.signers.head.signature %}{{ seller.signers.head.signature }}{% endif %}",
    )
    widths(signs, 70, 70, 40)
    footer(doc)
    return doc


def quote(language: str) -> Document:
    doc = new_document()
    head = doc.add_table(rows=1, cols=2)
    cell_text(head.cell(0, 0), "{% if seller.logo %}{{ seller.logo }}{% endif %}")
    cell_text(head.cell(0, 1), "{{ seller.name }}", bold=True, align="right")
    for text in (
        "{% if seller.name_full != seller.name %}{{ seller.name_full }}{% endif %}",
        "{{ seller.address.text or '' }}",
        (
            "{% if seller.ids.inn %}{{ labels.inn }} {{ seller.ids.inn }}{% endif %}"
            "{% if seller.ids.kpp %}, {{ labels.kpp }} {{ seller.ids.kpp }}{% endif %}"
            "{% if seller.ids.ogrn %}, {{ labels.ogrn }} {{ seller.ids.ogrn }}{% endif %}"
            "{% if seller.ids.vat_number %}{{ labels.vat_number }} {{ seller.ids.vat_number }}{% endif %}"
            "{% if seller.ids.tax_code and seller.ids.tax_code != seller.ids.vat_number %}"
            ", {{ labels.tax_code }} {{ seller.ids.tax_code }}{% endif %}"
            "{% if seller.ids.rea %}, {{ labels.rea }} {{ seller.ids.rea }}{% endif %}"
            "{% if seller.ids.share_capital_text %}, {{ seller.ids.share_capital_text }}{% endif %}"
        ),
        (
            "{% if seller.phone %}{{ labels.phone }} {{ seller.phone }}{% endif %}"
            "{% if seller.email %}, {{ seller.email }}{% endif %}"
            "{% if seller.pec %}, {{ labels.pec }} {{ seller.pec }}{% endif %}"
        ),
    ):
        found = _outer_if(text)  # a line that may be missing leaves no empty line
        for line in ([f"{{%p if {found[0]} %}}", found[1], "{%p endif %}"] if found else [text]):
            paragraph = head.cell(0, 1).add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            paragraph.add_run(line).font.size = Pt(7.5)
    widths(head, 60, 120)
    para(doc, "")
    if language == "ru":
        refs = doc.add_table(rows=1, cols=2)
        cell_text(
            refs.cell(0, 0),
            "{{ labels.outgoing }} {{ labels.number_sign }} {{ doc.number }}"
            "{% if doc.revision_text %} ({{ doc.revision_text }}){% endif %}"
            " {{ labels.dated }} {{ doc.date_short_text }}",
        )
        cell_text(refs.cell(0, 1), "{{ buyer.addressee or buyer.name }}", align="right")
        widths(refs, 90, 90)
        para(doc, "{{ doc.title }}", bold=True, size=14, align="center")
        para(doc, "{{ doc.subject or '' }}", bold=True, align="center")
        para(doc, "{{ buyer.salutation or '' }}", align="center")
    else:
        refs = doc.add_table(rows=1, cols=2)
        cell_text(
            refs.cell(0, 0),
            (
                "{{ doc.title }} {{ labels.number_sign }} {{ doc.number }}"
                "{% if doc.revision_text %} ({{ doc.revision_text }}){% endif %}",
                {"bold": True, "size": 13},
            ),
        )
        refs.cell(0, 0).add_paragraph().add_run("{{ labels.dated }} {{ doc.date_text }}")
        cell_text(refs.cell(0, 1), "{{ labels.addressee_it }}", size=7)
        cell_lines(refs.cell(0, 1), (
            "{{ buyer.name }}",
            "{% if buyer.attention_of %}{{ labels.attention_of }} {{ buyer.attention_of }}{% endif %}",
            "{{ buyer.address.text or '' }}",
            "{% if buyer.ids.vat_number %}{{ labels.vat_number }} {{ buyer.ids.vat_number }}{% endif %}",
            BUYER_INN,
            "{% if buyer.ids.tax_code %}{{ labels.tax_code }} {{ buyer.ids.tax_code }}{% endif %}",
        ))
        widths(refs, 100, 80)
        para(
            doc,
            ("{% if doc.subject %}{{ labels.subject }} {% endif %}", {"bold": True}),
            "{{ doc.subject or '' }}",
        )
    para(doc, "{{ doc.intro or '' }}")
    lines_table(doc, with_discount=True, with_vat=(language == "it"), with_sku=True)
    if language == "ru":
        rows = [
            ("{%tr if totals.discount_total_text %}", None),
            ("{{ labels.gross_total }}", "{{ totals.gross_total_text }}"),
            ("{{ labels.discount_total }}", "{{ totals.discount_total_text }}"),
            ("{%tr endif %}", None),
            ("{{ labels.total }}", "{{ totals.subtotal_text }}"),
            ("{%tr if totals.vat_mode == 'none' %}", None),
            ("{{ totals.no_vat_label }}", "-"),
            ("{%tr else %}", None),
            ("{%tr for row in totals.vat_breakdown %}", None),
            ("{{ row.label }}", "{{ row.vat_text }}"),
            ("{%tr endfor %}", None),
            ("{%tr endif %}", None),
            ("{{ labels.grand_total }}", "{{ totals.grand_total_currency_text }}"),
        ]
    else:
        rows = [
            ("{{ labels.net_total }}", "{{ totals.net_total_text }}"),
            ("{%tr for row in totals.vat_breakdown %}", None),
            ("{{ row.label }}", "{{ row.vat_text }}"),
            ("{%tr endfor %}", None),
            ("{{ labels.grand_total }}", "{{ totals.grand_total_currency_text }}"),
        ]
    if language == "it":
        riepilogo_table(doc)
    totals_table(doc, rows)
    if language == "ru":
        para(doc, "{{ totals.grand_total_words or '' }}", size=7.5, align="right")
    para(
        doc,
        "{% if totals.vat_mode == 'none' %}{{ totals.no_vat_label }}"
        "{% elif doc.prices_include_vat %}{{ labels.prices_vat_included }}"
        "{% else %}{{ labels.prices_vat_excluded }}{% endif %}",
        size=7.5,
    )
    para(doc, "{%p for note in doc.legal_notes %}")
    para(doc, "{{ note }}", size=7.5)
    para(doc, "{%p endfor %}")
    para(doc, "{{ doc.validity_text or '' }}", bold=True)
    para(doc, "{%p for term in doc.terms %}")
    para(doc, ("{{ term.label }}: ", {"bold": True}), "{{ term.text }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p if doc.notes %}")
    para(doc, "{{ doc.notes }}")
    para(doc, "{%p endif %}")
    para(doc, "{%p if manager %}")
    para(
        doc,
        ("{{ labels.contact_person }}: ", {"bold": True}),
        "{{ manager.name }}"
        "{% if manager.position %}, {{ manager.position }}{% endif %}"
        "{% if manager.phone %}, {{ labels.phone }} {{ manager.phone }}{% endif %}"
        "{% if manager.email %}, {{ manager.email }}{% endif %}",
    )
    para(doc, "{%p endif %}")
    para(doc, "")
    if language == "ru":
        para(
            doc,
            "{{ seller.signers.head.position or seller.signers.head.title }}"
            " ____________ / {{ seller.signers.head.name or '' }} /",
        )
        para(
            doc,
            "{% if seller.signers.head.signature %}{{ seller.signers.head.signature }}{% endif %}"
            "{% if seller.show_mp %} {{ labels.mp }}{% endif %}"
            "{% if seller.stamp %} {{ seller.stamp }}{% endif %}",
        )
        para(doc, "{{ doc.disclaimer or '' }}", size=7.5)
    else:
        signs = doc.add_table(rows=1, cols=2)
        cell_text(signs.cell(0, 0), ("{{ seller.name }}", {"bold": True}))
        signs.cell(0, 0).add_paragraph().add_run("{{ labels.stamp_and_signature }}")
        signs.cell(0, 0).add_paragraph().add_run(
            "{% if seller.signers.head.signature %}{{ seller.signers.head.signature }}{% endif %}"
            "{% if seller.stamp %} {{ seller.stamp }}{% endif %}"
        )
        signs.cell(0, 0).add_paragraph().add_run("______________________________")
        signs.cell(0, 0).add_paragraph().add_run("{{ seller.signers.head.name or '' }}")
        signs.cell(0, 1).paragraphs[0].add_run("{{ labels.acceptance }}").bold = True
        signs.cell(0, 1).add_paragraph().add_run("{{ labels.acceptance_date }} ____________________")
        signs.cell(0, 1).add_paragraph().add_run("{{ labels.stamp_and_signature }} ____________________")
        widths(signs, 90, 90)
    footer(doc)
    return doc


def it_invoice() -> Document:
    doc = new_document()
    head = doc.add_table(rows=1, cols=2)
    cell_text(head.cell(0, 0), "{% if seller.logo %}{{ seller.logo }}{% endif %}")
    cell_text(head.cell(0, 1), "{{ seller.name }}", bold=True, align="right")
    for text in (
        "{{ seller.address.text or '' }}",
        (
            "{% if seller.ids.inn %}{{ labels.inn }} {{ seller.ids.inn }}{% endif %}"
            "{% if seller.ids.kpp %}, {{ labels.kpp }} {{ seller.ids.kpp }}{% endif %}"
            "{% if seller.ids.vat_number %}{{ labels.vat_number }} {{ seller.ids.vat_number }}{% endif %}"
            "{% if seller.ids.rea %}, {{ labels.rea }} {{ seller.ids.rea }}{% endif %}"
            "{% if seller.ids.share_capital_text %}, {{ seller.ids.share_capital_text }}{% endif %}"
        ),
        "{% if seller.phone %}{{ labels.phone }} {{ seller.phone }}, {% endif %}"
        "{% if seller.email %}{{ seller.email }}{% endif %}"
        "{% if seller.pec %}, {{ labels.pec }} {{ seller.pec }}{% endif %}",
    ):
        paragraph = head.cell(0, 1).add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        paragraph.add_run(text).font.size = Pt(7.5)
    widths(head, 60, 120)
    refs = doc.add_table(rows=1, cols=2)
    cell_text(
        refs.cell(0, 0),
        ("{{ doc.title }} {{ labels.number_sign }} {{ doc.number }}", {"bold": True, "size": 13}),
    )
    refs.cell(0, 0).add_paragraph().add_run("{{ labels.dated }} {{ doc.date_text }}")
    # a nota di credito names the invoice it credits, as its PDF does
    refs.cell(0, 0).add_paragraph().add_run(
        "{% if doc.credited %}{{ labels.credit_note_for }} {{ doc.credited.number }} "
        "{{ labels.dated }} {{ doc.credited.date_text }}{% endif %}").bold = True
    cell_text(refs.cell(0, 1), "{{ labels.buyer_it }}", size=7)
    cell_lines(refs.cell(0, 1), (
        "{{ buyer.name }}", "{{ buyer.address.text or '' }}",
        "{% if buyer.ids.vat_number %}{{ labels.vat_number }} {{ buyer.ids.vat_number }}{% endif %}",
        BUYER_INN,
        "{% if buyer.ids.tax_code %}{{ labels.tax_code }} {{ buyer.ids.tax_code }}{% endif %}",
        "{% if buyer.sdi_code %}{{ labels.sdi_code }} {{ buyer.sdi_code }}{% endif %}",
        "{% if buyer.pec %}{{ labels.pec }} {{ buyer.pec }}{% endif %}",
    ))
    widths(refs, 100, 80)
    para(doc, "")
    lines_table(doc, with_discount=True, with_vat=True, with_sku=True)
    riepilogo_table(doc)
    totals_table(doc, [
        ("{{ labels.net_total }}", "{{ totals.net_total_text }}"),
        ("{%tr for row in totals.vat_breakdown %}", None),
        ("{{ row.label }}", "{{ row.vat_text }}"),
        ("{%tr endfor %}", None),
        ("{{ labels.grand_total }}", "{{ totals.grand_total_currency_text }}"),
    ])
    para(doc, ("{{ labels.payment_method }}: ", {"bold": True}), "{{ payment.method_text }}")
    para(
        doc,
        ("{% if seller.bank and seller.bank.iban %}{{ labels.iban }}: {% endif %}", {"bold": True}),
        "{{ seller.bank.iban if seller.bank else '' }}"
        "{% if seller.bank and seller.bank.iban and seller.bank.name %} ({{ seller.bank.name }}){% endif %}",
    )
    para(
        doc,
        ("{% if doc.due_date_text %}{{ labels.due_date }}: {% endif %}", {"bold": True}),
        "{{ doc.due_date_text or '' }}",
    )
    para(doc, "{%p for term in doc.terms %}")
    para(doc, ("{{ term.label }}: ", {"bold": True}), "{{ term.text }}")
    para(doc, "{%p endfor %}")
    para(doc, "{%p for note in doc.legal_notes %}")
    para(doc, "{{ note }}", size=7.5)
    para(doc, "{%p endfor %}")
    para(doc, "{{ doc.courtesy_notice or '' }}", size=7.5)
    footer(doc)
    return doc


def lean(doc) -> Document:
    """Only the styles the template uses (and the defaults and the styles they name) stay.

    python-docx's default document carries 164 styles (350 KB of styles.xml, mostly table styles)
    and a 440 KB ``stylesWithEffects.xml`` (Word 2010 copies of them): docxtpl parses, writes
    and zips all of it again on every render, about 40 % of a DOCX render. Unused styles do not
    change how Word or LibreOffice lay the document out.
    """
    sources = [doc.part.element.xml]
    for rel in doc.part.rels.values():
        if not rel.is_external and rel.reltype.endswith(("/footer", "/header", "/numbering")):
            sources.append(rel.target_part.blob.decode("utf-8"))
    used = {
        name
        for source in sources
        for name in re.findall(r'w:(?:pStyle|rStyle|tblStyle|numStyle|styleLink) w:val="([^"]+)"', source)
    }
    styles = doc.styles.element
    by_id = {style.get(qn("w:styleId")): style for style in styles.findall(qn("w:style"))}
    keep = {name for name, style in by_id.items() if style.get(qn("w:default")) == "1"} | (used & set(by_id))
    todo = list(keep)
    while todo:  # the styles a kept style is based on, linked to or followed by
        style = by_id[todo.pop()]
        for tag in ("w:basedOn", "w:link", "w:next"):
            ref = style.find(qn(tag))
            name = ref.get(qn("w:val")) if ref is not None else None
            if name in by_id and name not in keep:
                keep.add(name)
                todo.append(name)
    for name, style in by_id.items():
        if name not in keep:
            styles.remove(style)
    for rel_id, rel in list(doc.part.rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            del doc.part.rels[rel_id]
    return doc


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    lean(ru_invoice()).save(OUT / "ru.invoice.docx")
    lean(quote("ru")).save(OUT / "ru.quote.docx")
    lean(quote("it")).save(OUT / "it.quote.docx")
    lean(it_invoice()).save(OUT / "it.invoice.docx")
    print("written:", ", ".join(sorted(p.name for p in OUT.glob("*.docx"))))


if __name__ == "__main__":
    main()
