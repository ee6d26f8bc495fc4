"""The labels of a render context, translated into the document's language (all overridable in a
template: they are data, not template text)."""

from __future__ import annotations

from desktop_crm.i18n import translator


def labels(language: str, kind: str) -> dict[str, str]:
    t = translator(language)
    pgettext = t.pgettext
    is_invoice = kind == "invoice"
    result = {
        "col_n": pgettext("document", "No."),
        "col_sku": pgettext("document", "Code"),
        "col_name": pgettext("document", "Goods (works, services)")
        if is_invoice
        else pgettext("document", "Description"),
        "col_qty": pgettext("document", "Qty"),
        "col_unit": pgettext("document", "Unit"),
        "col_price": pgettext("document", "Price"),
        "col_discount": pgettext("document", "Discount"),
        "col_amount": pgettext("document", "Amount"),
        "col_vat": pgettext("document", "VAT %"),
        "total": pgettext("document", "Total:"),
        "discount_total": pgettext("document", "Discount:"),
        "gross_total": pgettext("document", "Amount before discount:"),
        "vat_included": pgettext("document", "Including VAT:"),
        "vat_on_top": pgettext("document", "VAT amount:"),
        "net_total": pgettext("document", "Taxable amount"),
        "grand_total": pgettext("document", "Total due:")
        if is_invoice
        else pgettext("document", "Grand total:"),
        "supplier": pgettext("document", "Supplier (Contractor):"),
        "buyer": pgettext("document", "Buyer (Customer):"),
        "seller_it": pgettext("document", "Seller"),
        "buyer_it": pgettext("document", "Customer"),
        "basis": pgettext("document", "Basis:"),
        "bank": pgettext("document", "Payee's bank"),
        "recipient": pgettext("document", "Payee"),
        "bik": pgettext("document", "BIK"),
        "account_no": pgettext("document", "Acc. No."),
        "inn": pgettext("document", "INN"),
        "kpp": pgettext("document", "KPP"),
        "ogrn": pgettext("document", "OGRN"),
        "vat_number": pgettext("document", "VAT No."),
        "tax_code": pgettext("document", "Tax code"),
        "rea": pgettext("document", "REA"),
        "iban": pgettext("document", "IBAN"),
        "pec": pgettext("document", "PEC"),
        "sdi_code": pgettext("document", "Recipient code"),
        "phone": pgettext("document", "tel."),
        "email": pgettext("document", "e-mail"),
        "mp": pgettext("document", "Seal"),
        "head": pgettext("document", "Director"),
        "accountant": pgettext("document", "Accountant"),
        "entrepreneur": pgettext("document", "Entrepreneur"),
        "valid_until": pgettext("document", "Valid until"),
        "due_date": pgettext("document", "Due date"),
        "payment_terms": pgettext("document", "Payment"),
        "subject": pgettext("document", "Subject:"),
        "contact_person": pgettext("document", "Your contact"),
        "addressee_prefix": pgettext("document", "To"),
        "attention_of": pgettext("document", "for the attention of"),
        "acceptance": pgettext("document", "For acceptance"),
        "acceptance_date": pgettext("document", "Date"),
        "stamp_and_signature": pgettext("document", "Stamp and signature"),
        "prices_vat_included": pgettext("document", "Prices include VAT."),
        "prices_vat_excluded": pgettext("document", "Prices exclude VAT."),
        "page": pgettext("document", "Page"),
        "page_of": pgettext("document", "of"),
        "notes": pgettext("document", "Notes"),
        "invoice_from_quote": pgettext("document", "Quote ref."),
        "credit_note_for": pgettext("document", "Credit note for invoice no."),
        "payment_qr": pgettext("document", "Pay by QR code"),
        "vat_breakdown": pgettext("document", "VAT summary"),
        "col_base": pgettext("document", "Taxable amount"),
        "col_vat_amount": pgettext("document", "VAT"),
        "col_natura": pgettext("document", "Nature"),
    }
    result["number_sign"] = pgettext("document", "no.")
    result["dated"] = pgettext("document", "dated")
    result["outgoing"] = pgettext("document", "Ref.")
    result["addressee_it"] = pgettext("document", "Messrs.")
    result["without_vat"] = pgettext("document", "Without tax (VAT)")
    result["payment_method"] = pgettext("document", "Payment method")
    result["legal_ref"] = pgettext("document", "Legal reference")
    result["stamp_duty"] = pgettext("document", "Stamp duty")
    result["page_x_of_y"] = f"{result['page']} {{x}} {result['page_of']} {{y}}"
    return result
