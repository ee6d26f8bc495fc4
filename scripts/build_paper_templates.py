"""Author the Word templates of the papers declared in templates/documents/kinds.json (акт, УПД,
договор, DDT) with the helpers of build_docx_templates.py; same rules: every Jinja tag is ONE run,
rows repeat with ``{%tr %}``, column widths are set in the table grid too.

    uv run python scripts/build_paper_templates.py
"""

from __future__ import annotations

from build_docx_templates import (
    HAS_DISCOUNT,
    OUT,
    cell_text,
    footer,
    lean,
    lines_table,
    new_document,
    para,
    totals_table,
    widths,
)
from docx.enum.section import WD_ORIENT
from docx.shared import Mm, Pt

SOURCE = (
    "{% if doc.source and doc.source.number %}{{ doc.source.title }} {{ labels.number_sign }} "
    "{{ doc.source.number }}{% if doc.source.date_text %} {{ labels.dated }} {{ doc.source.date_text }}"
    "{% endif %}{% endif %}"
)
DISCOUNT_ROWS = [
    ("{%tr if " + HAS_DISCOUNT + " %}", None),
    ("{{ labels.gross_total }}", "{{ totals.gross_total_text }}"),
    ("{{ labels.discount_total }}", "{{ totals.discount_total_text }}"),
    ("{%tr endif %}", None),
]
VAT_ROWS = [
    ("{%tr if totals.vat_mode == 'none' %}", None),
    ("{{ totals.no_vat_label }}", "-"),
    ("{%tr else %}", None),
    ("{%tr for row in totals.vat_breakdown %}", None),
    ("{{ row.label }}", "{{ row.vat_text }}"),
    ("{%tr endfor %}", None),
    ("{%tr endif %}", None),
]


def ru_act():
    doc = new_document()
    para(
        doc,
        "{{ doc.title }} {{ labels.number_sign }} {{ doc.number }} {{ labels.dated }} {{ doc.date_text }}",
        bold=True, size=14,
    )
    parties = doc.add_table(rows=3, cols=2)
    cell_text(parties.cell(0, 0), "{{ labels.executor }}")
    cell_text(parties.cell(0, 1), "{{ seller.requisites_line }}", bold=True)
    cell_text(parties.cell(1, 0), "{{ labels.customer }}")
    cell_text(parties.cell(1, 1), "{{ buyer.requisites_line }}", bold=True)
    cell_text(parties.cell(2, 0), "{% if doc.basis or doc.source %}{{ labels.basis }}{% endif %}")
    basis = "{{ doc.basis or '' }}{% if doc.basis and doc.source %}; {% endif %}"
    cell_text(parties.cell(2, 1), basis + SOURCE, bold=True)
    widths(parties, 32, 148)
    para(doc, "")
    lines_table(doc, True, False, False, discount_field="discount_amount_text")
    totals_table(doc, [*DISCOUNT_ROWS, ("{{ labels.total }}", "{{ totals.subtotal_text }}"), *VAT_ROWS])
    para(doc, "{{ totals.summary_line or '' }}")
    para(doc, "{{ totals.grand_total_words or '' }}", bold=True)
    para(doc, "{{ labels.statement }}")
    para(doc, "")
    sides = doc.add_table(rows=1, cols=2)
    cell_text(sides.cell(0, 0), ("{{ labels.executor_sign }}", {"bold": True}))
    sides.cell(0, 0).add_paragraph().add_run("{{ seller.name }}")
    sides.cell(0, 0).add_paragraph().add_run(
        "{{ seller.signers.head.position or seller.signers.head.title }} ____________ / "
        "{{ seller.signers.head.name or '' }} /"
    )
    sides.cell(0, 0).add_paragraph().add_run("{% if seller.show_mp %}{{ labels.mp }}{% endif %}")
    cell_text(sides.cell(0, 1), ("{{ labels.customer_sign }}", {"bold": True}))
    sides.cell(0, 1).add_paragraph().add_run("{{ buyer.name }}")
    sides.cell(0, 1).add_paragraph().add_run("____________ / ____________________ /")
    sides.cell(0, 1).add_paragraph().add_run("{% if seller.show_mp %}{{ labels.mp }}{% endif %}")
    widths(sides, 90, 90)
    footer(doc)
    return doc


def ru_upd():
    doc = new_document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.left_margin, section.right_margin = Mm(10), Mm(8)
    section.top_margin, section.bottom_margin = Mm(8), Mm(12)
    doc.styles["Normal"].font.size = Pt(7)
    para(doc, "{% set status = 2 if totals.vat_mode == 'none' else 1 %}")
    top = doc.add_table(rows=1, cols=2)
    cell_text(top.cell(0, 0), ("{{ doc.title }}", {"bold": True, "size": 9}))
    top.cell(0, 0).add_paragraph().add_run("{{ labels.status }}: {{ status }}").bold = True
    top.cell(0, 0).add_paragraph().add_run("{{ labels.status_1 }}").font.size = Pt(6)
    top.cell(0, 0).add_paragraph().add_run("{{ labels.status_2 }}").font.size = Pt(6)
    rows = [
        ("{{ labels.invoice_title if status == 1 else doc.title }} {{ labels.number_sign }} {{ doc.number }}"
         " {{ labels.dated }} {{ doc.date_short_text }}", "(1)"),
        ("{{ labels.correction }} — {{ labels.dated }} —", "(1а)"),
        ("{{ labels.seller }}: {{ seller.name_full }}", "(2)"),
        ("{{ labels.address }}: {{ seller.address.text or '' }}", "(2а)"),
        ("{{ labels.inn_kpp_seller }}: {{ seller.ids.inn or '' }}{% if seller.ids.kpp %}/{{ seller.ids.kpp }}"
         "{% endif %}", "(2б)"),
        ("{{ labels.consignor }}: {{ labels.same }}", "(3)"),
        ("{{ labels.consignee }}: {{ buyer.name }}{% if buyer.address.text %}, {{ buyer.address.text }}"
         "{% endif %}", "(4)"),
        ("{{ labels.payment_doc }} —", "(5)"),
        ("{{ labels.shipping_doc }}: {{ labels.col_n }} 1–{{ totals.lines_count }} {{ labels.number_sign }}"
         " {{ doc.number }} {{ labels.dated }} {{ doc.date_short_text }}", "(5а)"),
        ("{{ labels.buyer }}: {{ buyer.name_full }}", "(6)"),
        ("{{ labels.address }}: {{ buyer.address.text or '' }}", "(6а)"),
        ("{{ labels.inn_kpp_buyer }}: {{ buyer.ids.inn or '' }}{% if buyer.ids.kpp %}/{{ buyer.ids.kpp }}"
         "{% endif %}", "(6б)"),
        ("{{ labels.currency }}: {{ labels.currency_value if doc.currency == 'RUB' else doc.currency }}",
         "(7)"),
        ("{{ labels.contract_id }}: " + SOURCE, "(8)"),
    ]
    cell = top.cell(0, 1)
    cell_text(cell, rows[0][0] + "  " + rows[0][1], bold=True)
    for text, number in rows[1:]:
        cell.add_paragraph().add_run(text + "  " + number)
    widths(top, 45, 234)
    columns = [
        ("{{ labels.c_code }}", "А", "{{ line.sku or '—' }}", 14),
        ("{{ labels.c_n }}", "1", "{{ line.n }}", 7),
        ("{{ labels.c_name }}", "1а", "{{ line.name }}", 44),
        ("{{ labels.c_kind }}", "1б", "—", 11),
        ("{{ labels.c_unit_code }}", "2", "{{ line.unit_code or '—' }}", 10),
        ("{{ labels.c_unit }}", "2а", "{{ line.unit or '' }}", 11),
        ("{{ labels.c_qty }}", "3", "{{ line.qty_text }}", 13),
        ("{{ labels.c_price }}", "4", "{{ line.price_net_text }}", 18),
        ("{{ labels.c_net }}", "5", "{{ line.net_text }}", 22),
        ("{{ labels.c_excise }}", "6", "{{ labels.no_excise }}", 12),
        ("{{ labels.c_rate }}", "7", "{% if status == 1 %}{{ line.vat_rate_text }}{% else %}"
         "{{ labels.no_vat }}{% endif %}", 11),
        ("{{ labels.c_vat }}", "8", "{% if status == 1 %}{{ line.vat_amount_text }}{% else %}"
         "{{ labels.no_vat }}{% endif %}", 24),
        ("{{ labels.c_total }}", "9", "{{ line.total_text }}", 22),
        ("{{ labels.c_country }}", "10", "—", 13),
        ("", "10а", "—", 10),
        ("{{ labels.c_decl }}", "11", "—", 26),
    ]
    table = doc.add_table(rows=5, cols=len(columns))
    table.style = "Table Grid"
    for index, (title, number, value, _width) in enumerate(columns):
        cell_text(table.rows[0].cells[index], title, size=6, align="center")
        cell_text(table.rows[1].cells[index], number, size=6, align="center")
        cell_text(table.rows[3].cells[index], value, align="right" if number in "345689" else None)
    cell_text(table.rows[2].cells[0], "{%tr for line in lines %}")
    cell_text(table.rows[4].cells[0], "{%tr endfor %}")
    widths(table, *[c[3] for c in columns])
    table.rows[0].cells[13].merge(table.rows[0].cells[14])
    total = doc.add_table(rows=1, cols=6)
    total.style = "Table Grid"
    cell_text(total.cell(0, 0), "{{ labels.total_due }}", bold=True)
    cell_text(total.cell(0, 1), "{{ totals.net_total_text }}", bold=True, align="right")
    cell_text(total.cell(0, 2), "X", align="center")
    cell_text(total.cell(0, 3), "{% if status == 1 %}{{ totals.vat_total_text }}{% else %}{{ labels.no_vat }}"
              "{% endif %}", bold=True, align="right")
    cell_text(total.cell(0, 4), "{{ totals.grand_total_text }}", bold=True, align="right")
    widths(total, 136, 22, 23, 24, 22, 49)
    para(doc, "")
    signs = doc.add_table(rows=2, cols=6)
    for index, text in enumerate((
        "{{ labels.head }}", "", "{{ seller.signers.head.name or '' }}", "{{ labels.chief_accountant }}", "",
        "{% if seller.signers.accountant %}{{ seller.signers.accountant.name or '' }}{% endif %}",
    )):
        cell_text(signs.rows[0].cells[index], text)
    for index in (1, 4):
        cell_text(signs.rows[1].cells[index], "({{ labels.signature }})", size=5.5, align="center")
        cell_text(signs.rows[1].cells[index + 1], "({{ labels.name }})", size=5.5, align="center")
    widths(signs, 60, 30, 45, 60, 30, 54)
    para(doc, "")
    para(doc, "{{ labels.transfer_basis }}: {% if doc.basis %}{{ doc.basis }}{% else %}" + SOURCE
         + "{% endif %} [8]")
    para(doc, "{{ labels.transport }}: — [9]")
    bottom = doc.add_table(rows=5, cols=2)
    pairs = [
        ("{{ labels.handed }} [10]: {{ seller.signers.head.position or seller.signers.head.title }} ________ "
         "{{ seller.signers.head.name or '' }}", "{{ labels.received }} [15]: ________ ____________________"),
        ("{{ labels.ship_date }} [11]: {{ doc.date_text }}",
         "{{ labels.receive_date }} [16]: «___» ________ 20__"),
        ("{{ labels.other_ship }} [12]: —", "{{ labels.other_receive }} [17]: —"),
        ("{{ labels.responsible }} [13]: ________ {{ seller.signers.head.name or '' }}",
         "{{ labels.responsible }} [18]: ________ ____________________"),
        ("{{ labels.compiler }} [14]: {{ seller.name }}, {{ labels.inn }} {{ seller.ids.inn or '' }}"
         "{% if seller.show_mp %} {{ labels.mp }}{% endif %}",
         "{{ labels.compiler }} [19]: {{ buyer.name }}{% if buyer.ids.inn %}, {{ labels.inn }} "
         "{{ buyer.ids.inn }}{% endif %} {{ labels.mp }}"),
    ]
    for row, (left, right) in zip(bottom.rows, pairs, strict=True):
        cell_text(row.cells[0], left)
        cell_text(row.cells[1], right)
    widths(bottom, 139, 140)
    footer(doc)
    return doc


def contract():
    doc = new_document()
    para(doc, "{{ doc.title }} {{ labels.number_sign }} {{ doc.number }}", bold=True, size=14, align="center")
    place = doc.add_table(rows=1, cols=2)
    cell_text(place.cell(0, 0),
              "{{ labels.place.format(city=seller.address.city) if seller.address.city else '' }}")
    cell_text(place.cell(0, 1), "{{ doc.date_text }}", align="right")
    widths(place, 90, 90)
    para(doc, "{{ (labels.preamble_sole_trader if seller.kind == 'sole_trader' else labels.preamble)"
         ".format(seller=seller.name_full, seller_role=labels.seller_role, "
         "head=(seller.signers.head.position or seller.signers.head.title) ~ ' ' ~ "
         "(seller.signers.head.name or ''), person=seller.signers.head.name or seller.name, "
         "ogrn=seller.ids.ogrn or '', buyer=buyer.name_full, buyer_role=labels.buyer_role) }}")
    para(doc, "{{ labels.s1 }}", bold=True, size=10)
    para(doc, "{{ labels.s1_text }}")
    para(doc, "{{ doc.subject or '' }}")
    para(doc, "{{ labels.specification }}", bold=True)
    lines_table(doc, True, False, False, discount_field="discount_amount_text")
    totals_table(doc, [
        *DISCOUNT_ROWS, ("{{ labels.total }}", "{{ totals.subtotal_text }}"),
        ("{%tr for row in totals.vat_breakdown %}", None),
        ("{{ row.label }}", "{{ row.vat_text }}"),
        ("{%tr endfor %}", None),
        ("{{ labels.grand_total }}", "{{ totals.grand_total_currency_text }}"),
    ])
    para(doc, "{{ labels.s2 }}", bold=True, size=10)
    para(doc, "{{ labels.s2_text.format(amount=totals.grand_total_currency_text) }}"
         "{% if totals.grand_total_words %} ({{ totals.grand_total_words }}){% endif %}"
         "{% if totals.vat_mode == 'none' %} {{ totals.no_vat_label }}.{% endif %}")
    para(doc, "{%p for term in doc.terms %}")
    para(doc, ("{{ term.label }}: ", {"bold": True}), "{{ term.text }}")
    para(doc, "{%p endfor %}")
    para(doc, "{{ labels.s3 }}", bold=True, size=10)
    para(doc, "{{ labels.s3_text }}")
    para(doc, "{{ labels.s4 }}", bold=True, size=10)
    para(doc, "{{ labels.s4_text }}")
    para(doc, "{%p if doc.notes %}")
    para(doc, "{{ doc.notes }}")
    para(doc, "{%p endif %}")
    para(doc, "{{ labels.s5 }}", bold=True, size=10)
    sides = doc.add_table(rows=1, cols=2)
    for cell, texts in zip(sides.rows[0].cells, (
        ["{{ labels.seller_side }}", "{{ seller.name_full }}", "{{ seller.requisites_line }}",
         "{% if seller.ids.ogrn %}{{ labels.ogrn }} {{ seller.ids.ogrn }}{% endif %}",
         "{% if seller.bank %}{{ seller.bank.name or '' }}{% if seller.bank.bik %}, {{ labels.bik }} "
         "{{ seller.bank.bik }}{% endif %}{% if seller.bank.account %}, {{ labels.account_no }} "
         "{{ seller.bank.account }}{% endif %}{% if seller.bank.iban %}, {{ labels.iban }} "
         "{{ seller.bank.iban }}{% endif %}{% endif %}",
         "______________ / {{ seller.signers.head.name or '' }} /",
         "{% if seller.show_mp %}{{ labels.mp }}{% endif %}"],
        ["{{ labels.buyer_side }}", "{{ buyer.name_full }}", "{{ buyer.requisites_line }}",
         "{% if buyer.ids.ogrn %}{{ labels.ogrn }} {{ buyer.ids.ogrn }}{% endif %}",
         "______________ / ____________________ /"],
    ), strict=True):
        cell_text(cell, (texts[0], {"bold": True}))
        for index, text in enumerate(texts[1:]):
            cell.add_paragraph().add_run(text).bold = index == 0
    widths(sides, 90, 90)
    footer(doc)
    return doc


def it_ddt():
    doc = new_document()
    head = doc.add_table(rows=1, cols=2)
    cell_text(head.cell(0, 0), "{% if seller.logo %}{{ seller.logo }}{% endif %}")
    cell_text(head.cell(0, 1), "{{ seller.name }}", bold=True, align="right")
    for text in (
        "{{ seller.address.text or '' }}",
        "{% if seller.ids.vat_number %}{{ labels.vat_number }} {{ seller.ids.vat_number }}{% endif %}"
        "{% if seller.ids.tax_code and seller.ids.tax_code != seller.ids.vat_number %}, "
        "{{ labels.tax_code }} {{ seller.ids.tax_code }}{% endif %}"
        "{% if seller.ids.rea %}, {{ labels.rea }} {{ seller.ids.rea }}"
        "{% endif %}{% if seller.ids.share_capital_text %}, {{ seller.ids.share_capital_text }}{% endif %}",
        "{% if seller.phone %}{{ labels.phone }} {{ seller.phone }}{% endif %}"
        "{% if seller.email %}, {{ seller.email }}{% endif %}{% if seller.pec %}, {{ labels.pec }} "
        "{{ seller.pec }}{% endif %}",
    ):
        head.cell(0, 1).add_paragraph().add_run(text).font.size = Pt(7.5)
    widths(head, 60, 120)
    refs = doc.add_table(rows=1, cols=2)
    cell_text(refs.cell(0, 0), ("{{ doc.title }}", {"bold": True, "size": 13}))
    refs.cell(0, 0).add_paragraph().add_run(
        "{{ labels.number_sign }} {{ doc.number }} {{ labels.dated }} {{ doc.date_text }}").bold = True
    refs.cell(0, 0).add_paragraph().add_run(SOURCE)
    cell_text(refs.cell(0, 1), "{{ labels.recipient }}", size=7)
    for text in (
        "{{ buyer.name }}", "{{ buyer.address.text or '' }}",
        "{% if buyer.ids.vat_number %}{{ labels.vat_number }} {{ buyer.ids.vat_number }}{% endif %}",
        "{% if buyer.ids.tax_code and buyer.ids.tax_code != buyer.ids.vat_number %}{{ labels.tax_code }} "
        "{{ buyer.ids.tax_code }}{% endif %}",
    ):
        refs.cell(0, 1).add_paragraph().add_run(text)
    widths(refs, 100, 80)
    place = doc.add_table(rows=1, cols=2)
    place.style = "Table Grid"
    cell_text(place.cell(0, 0), ("{{ labels.destination }}", {"size": 6.5}))
    place.cell(0, 0).add_paragraph().add_run(
        "{{ buyer.name }}{% if buyer.address.text %}, {{ buyer.address.text }}{% endif %}")
    cell_text(place.cell(0, 1), ("{{ labels.reason }}", {"size": 6.5}))
    place.cell(0, 1).add_paragraph().add_run("{{ labels.reason_value }}")
    widths(place, 120, 60)
    para(doc, "")
    table = doc.add_table(rows=4, cols=5)
    table.style = "Table Grid"
    titles = ["{{ labels.col_n }}", "{{ labels.col_sku }}", "{{ labels.col_name }}", "{{ labels.col_unit }}",
              "{{ labels.col_qty }}"]
    values = ["{{ line.n }}", "{{ line.sku or '' }}",
              "{{ line.name }}{% if line.description %} — {{ line.description }}{% endif %}",
              "{{ line.unit or '' }}", "{{ line.qty_text }}"]
    for index, (title, value) in enumerate(zip(titles, values, strict=True)):
        cell_text(table.rows[0].cells[index], title, bold=True, align="center")
        cell_text(table.rows[2].cells[index], value, align="right" if index == 4 else None)
    cell_text(table.rows[1].cells[0], "{%tr for line in lines %}")
    cell_text(table.rows[3].cells[0], "{%tr endfor %}")
    widths(table, 8, 26, 112, 14, 20)
    para(doc, "")
    transport = doc.add_table(rows=2, cols=4)
    transport.style = "Table Grid"
    for cell, (caption, value) in zip(
        [*transport.rows[0].cells, *transport.rows[1].cells],
        [("{{ labels.carried_by }}", "{{ labels.carried_by_value }}"), ("{{ labels.appearance }}", ""),
         ("{{ labels.packages }}", ""), ("{{ labels.weight }}", ""), ("{{ labels.port }}", ""),
         ("{{ labels.carrier }}", ""), ("", ""), ("{{ labels.start }}", "")],
        strict=True,
    ):
        cell_text(cell, (caption, {"size": 6.5}))
        cell.add_paragraph().add_run(value)
    widths(transport, 45, 45, 45, 45)
    para(doc, "{%p if doc.notes %}")
    para(doc, "{{ doc.notes }}")
    para(doc, "{%p endif %}")
    para(doc, "")
    signs = doc.add_table(rows=1, cols=3)
    for cell, text in zip(signs.rows[0].cells, (
        "{{ labels.sender_sign }}", "{{ labels.driver_sign }}", "{{ labels.recipient_sign }}"), strict=True):
        cell_text(cell, "______________________")
        cell.add_paragraph().add_run(text).font.size = Pt(7)
    widths(signs, 60, 60, 60)
    footer(doc)
    return doc


def main() -> None:
    lean(ru_act()).save(OUT / "ru.act.docx")
    lean(ru_upd()).save(OUT / "ru.upd.docx")
    lean(contract()).save(OUT / "ru.contract.docx")
    lean(contract()).save(OUT / "it.contract.docx")
    lean(it_ddt()).save(OUT / "it.ddt.docx")
    print("written: ru.act.docx, ru.upd.docx, ru.contract.docx, it.contract.docx, it.ddt.docx")


if __name__ == "__main__":
    main()
