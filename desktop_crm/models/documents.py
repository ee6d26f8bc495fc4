"""Quotes, invoices, payments, issued files and document numbering."""

from __future__ import annotations

import uuid

import peewee

from desktop_crm.models.base import BaseModel, fk
from desktop_crm.models.catalog import Product
from desktop_crm.models.deals import Deal
from desktop_crm.models.enums import DocumentType, FileFormat, InvoiceStatus, QuoteStatus, VatMode
from desktop_crm.models.fields import EnumField, JSONField, MoneyField, PercentField, QuantityField
from desktop_crm.models.parties import Company, Contact
from desktop_crm.models.people import OwnCompany, User


class DocumentHeader(BaseModel):
    """What quotes and invoices share: parties, language, currency, VAT mode and frozen totals."""

    deal = fk(Deal, null=True)
    own_company = fk(OwnCompany)
    contact = fk(Contact, null=True)
    company = fk(Company, null=True)
    author = fk(User, null=True)
    number = peewee.CharField(max_length=40, default="")
    issue_date = peewee.DateField(null=True)
    language = peewee.CharField(max_length=5, default="ru")
    currency = peewee.CharField(max_length=3, default="RUB")
    vat_mode = EnumField(VatMode, default=VatMode.INCLUDED)
    subtotal = MoneyField()
    vat_total = MoneyField()
    total = MoneyField()
    notes = peewee.TextField(default="")
    buyer_snapshot = JSONField(default=dict)
    # Added in schema step 4 (nullable so that SQLite can add them in place):
    subject = peewee.TextField(null=True, default="")  # КП «на поставку …» / IT «Oggetto»
    intro = peewee.TextField(null=True, default="")
    basis = peewee.CharField(max_length=300, null=True, default="")  # «Основание» / «Rif.»
    terms = JSONField(null=True, default=list)  # [{"key", "label", "text"}]
    print_options = JSONField(null=True, default=dict)  # logo/stamp/signature/qr toggles
    frozen = JSONField(null=True)  # the render context as issued: reprints never change


class Quote(DocumentHeader):
    revision = peewee.IntegerField(default=1)
    parent = fk("self", null=True, backref="revisions")
    status = EnumField(QuoteStatus, default=QuoteStatus.DRAFT)
    valid_until = peewee.DateField(null=True)
    sent_at = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("deal", "revision"), False),)


class Invoice(DocumentHeader):
    quote = fk(Quote, null=True, backref="invoices")
    status = EnumField(InvoiceStatus, default=InvoiceStatus.DRAFT)
    due_date = peewee.DateField(null=True)
    series = peewee.CharField(max_length=20, default="")
    year = peewee.IntegerField(null=True)
    sequence_number = peewee.IntegerField(null=True)
    paid_amount = MoneyField()
    issued_at = peewee.DateTimeField(null=True)
    cancelled_at = peewee.DateTimeField(null=True)  # step 4
    # step 8: set on a credit note (nota di credito, FatturaPA TD04): the invoice it credits
    credit_for = fk("self", null=True, backref="credit_notes", index=False)
    credit_for_id: uuid.UUID | None

    class Meta:
        indexes = (
            (("own_company", "year", "series", "sequence_number"), False),
            (("status", "due_date"), False),
        )


class DocumentLine(BaseModel):
    """A line snapshot: copied from the deal, then independent of the catalog."""

    product = fk(Product, null=True)
    name = peewee.CharField(max_length=500)
    quantity = QuantityField()
    unit = peewee.CharField(max_length=20, default="")
    unit_code = peewee.CharField(max_length=8, default="")
    price = MoneyField()
    discount_percent = PercentField()
    vat_rate = PercentField()
    line_order = peewee.IntegerField(default=0)
    net_amount = MoneyField()
    vat_amount = MoneyField()
    total_amount = MoneyField()
    description = peewee.TextField(null=True, default="")  # step 4
    natura = peewee.CharField(max_length=5, null=True, default="")  # step 4: FatturaPA N1…N7


class QuoteLine(DocumentLine):
    quote = fk(Quote, backref="lines")


class InvoiceLine(DocumentLine):
    invoice = fk(Invoice, backref="lines")


class Payment(BaseModel):
    invoice = fk(Invoice, backref="payments")
    paid_on = peewee.DateField()
    amount = MoneyField()
    note = peewee.CharField(max_length=300, default="")
    # step 13: the key of the bank statement line this payment was registered from (None: typed
    # by hand); a statement imported again finds it here and registers nothing twice
    bank_key = peewee.CharField(max_length=64, null=True, index=True)


class DocumentFile(BaseModel):
    """An issued file, kept as it was sent; synced by content hash."""

    document_type = EnumField(DocumentType)
    document_id = peewee.CharField(max_length=36, index=True)
    file_format = EnumField(FileFormat)
    language = peewee.CharField(max_length=5, default="")
    filename = peewee.CharField(max_length=255)
    content = peewee.BlobField()
    sha256 = peewee.CharField(max_length=64, index=True)
    size = peewee.IntegerField(default=0)


class NumberSequence(BaseModel):
    """A gapless counter per own company × document type × year × series."""

    own_company = fk(OwnCompany, backref="sequences")
    document_type = EnumField(DocumentType)
    year = peewee.IntegerField()
    series = peewee.CharField(max_length=20, default="")
    pattern = peewee.CharField(max_length=60, default="{seq}")
    next_value = peewee.IntegerField(default=1)

    class Meta:
        indexes = ((("own_company", "document_type", "year", "series"), True),)


class IssuedPaper(BaseModel):
    """A paper of a kind declared as data (акт, УПД, договор, DDT), issued: numbered from its kind's
    series per own company and year, its render context frozen; its files are ``DocumentFile``
    rows of type ``paper``. Never changed once written (step 9) except its cancellation (step 10:
    the number stays taken, the files stay readable). ``series`` is the device series it was
    numbered in (offline devices never collide; the server checks each series is gapless)."""

    kind = peewee.CharField(max_length=40)
    deal = fk(Deal, null=True)
    own_company = fk(OwnCompany)
    source_kind = peewee.CharField(max_length=20, default="")
    source_id = peewee.CharField(max_length=36, default="")
    number = peewee.CharField(max_length=40, default="")
    issue_date = peewee.DateField()
    year = peewee.IntegerField()
    sequence_number = peewee.IntegerField()
    language = peewee.CharField(max_length=5, default="ru")
    frozen = JSONField(default=dict)
    series = peewee.CharField(max_length=10, default="", constraints=[peewee.SQL("DEFAULT ''")])
    cancelled_at = peewee.DateTimeField(null=True)
    cancelled_by = fk(User, null=True)
    cancel_reason = peewee.TextField(default="", constraints=[peewee.SQL("DEFAULT ''")])

    class Meta:
        indexes = ((("own_company", "kind", "year", "sequence_number"), False),)
