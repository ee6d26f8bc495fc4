"""What quotes and invoices share: lines and totals, header edits, look-ups and the timeline.

* :func:`save_lines` replaces a draft's lines and recomputes line and header totals (Decimal,
  ``desktop_crm.pricing``: per line for Russia, per rate for Italy).
* :class:`DocumentInfo` is what the quote and invoice services return after an action.

The render input, freezing and stored files are in :mod:`.rendering`; what screens show of a
document (its summary in a deal's tabs, the editor's data) in :mod:`.screens`. Functions that take
a :data:`Document` row are the billing package's own tools (quotes, invoices, rendering, screens);
callers outside it pass ids and receive :class:`DocumentInfo` or other plain data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from desktop_crm import countries, money, pricing, validation
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import N_, _
from desktop_crm.ids import (
    DealId,
    DocumentId,
    IdLike,
    OwnCompanyId,
    ProductId,
    as_uuid,
    optional_uuid,
)
from desktop_crm.models import (
    Deal,
    DealLine,
    DocumentType,
    Invoice,
    InvoiceLine,
    OwnCompany,
    Quote,
    QuoteLine,
    VatMode,
)
from desktop_crm.models.base import column_text
from desktop_crm.services.system.settings import SettingSpec, declare

QUOTE_VALID_DAYS = declare("documents.quote_valid_days", 30)
INVOICE_DUE_DAYS = {
    code: declare(f"documents.invoice_due_days.{code.lower()}", rules.invoice_due_days)
    for code, rules in countries.REGISTERED.items()
}
PRINT_DEFAULTS = declare(
    "documents.print_options", {"logo": True, "stamp": False, "signature": False, "qr": None}
)
# Italy's stamp duty on invoices without VAT over €77.47: "virtual" (False) — the seller pays it and
# the invoice notes it, no amount in the totals; "charged" (True) — a line «Imposta di bollo» (N1,
# excluded art. 15) charges it to the client and the total includes it.
BOLLO_CHARGED = declare("documents.bollo_charged", False)
STAMP_LINE_NAME = "Imposta di bollo"
# The seller of each pipeline's documents, {pipeline id: own company id}; a deal's own choice comes
# first, the currency and country rule after.
PIPELINE_SELLERS: SettingSpec[dict[str, str]] = declare("documents.pipeline_sellers", {})
ALLOWED_NATURA = {
    "N1", "N2.1", "N2.2", "N3.1", "N3.2", "N3.3", "N3.4", "N3.5", "N3.6", "N4", "N5",
    "N6.1", "N6.2", "N6.3", "N6.4", "N6.5", "N6.6", "N6.7", "N6.8", "N6.9", "N7",
}
HEADER_FIELDS = (
    "subject", "intro", "basis", "notes", "language", "valid_until", "due_date", "terms",
    "print_options", "buyer_snapshot", "vat_mode", "own_company",
)

Row = Any
"""A peewee row inside the billing services. Its foreign-key ids (``deal_id``, ``own_company_id``,
…) are made by peewee at run time and unknown to peewee's type stubs, so rows are handled as
``Any`` here and never leave the services (callers get :class:`DocumentInfo`)."""

Document = Row
"""A :class:`~desktop_crm.models.Quote` or :class:`~desktop_crm.models.Invoice` row."""


@dataclass(frozen=True)
class LineData:
    """A line as the editor sends it (text amounts such as "1 200,50" are accepted)."""

    name: str
    quantity: Decimal | str | int = Decimal("1")
    price: Decimal | str | int = Decimal("0")
    unit: str = ""
    unit_code: str = ""
    discount_percent: Decimal | str | int = Decimal("0")
    vat_rate: Decimal | str | int = Decimal("0")
    natura: str = ""
    description: str = ""
    product_id: IdLike | None = None


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    """A quote or an invoice as it stands after a service call (amounts in the document currency)."""

    id: DocumentId
    kind: DocumentType
    number: str  # "" for a draft
    series: str  # invoices: the numbering series ("" = the main one)
    sequence_number: int | None  # invoices: the counter value the number came from (None: draft)
    status: str  # a QuoteStatus / InvoiceStatus value
    revision: int  # quotes: 1, 2, …; invoices: 1
    deal_id: DealId | None
    own_company_id: OwnCompanyId
    quote_id: DocumentId | None  # an invoice drafted from a quote
    issue_date: dt.date | None
    valid_until: dt.date | None  # quotes
    due_date: dt.date | None  # invoices
    language: str
    currency: str
    subtotal: Decimal
    vat_total: Decimal
    total: Decimal
    paid_amount: Decimal  # invoices
    notes: str


def info(document: Document) -> DocumentInfo:
    """The plain data of a quote or invoice row (for the services' return values)."""
    is_quote = isinstance(document, Quote)
    deal = optional_uuid(document.deal_id)
    quote = None if is_quote else optional_uuid(document.quote_id)
    return DocumentInfo(
        id=DocumentId(as_uuid(document.id)),
        kind=doc_type(document),
        number=document.number or "",
        series="" if is_quote else document.series or "",
        sequence_number=None if is_quote else document.sequence_number,
        status=str(document.status),
        revision=document.revision if is_quote else 1,
        deal_id=DealId(deal) if deal is not None else None,
        own_company_id=OwnCompanyId(as_uuid(document.own_company_id)),
        quote_id=DocumentId(quote) if quote is not None else None,
        issue_date=document.issue_date,
        valid_until=document.valid_until if is_quote else None,
        due_date=None if is_quote else document.due_date,
        language=document.language,
        currency=document.currency,
        subtotal=document.subtotal,
        vat_total=document.vat_total,
        total=document.total,
        paid_amount=Decimal("0.00") if is_quote else document.paid_amount,
        notes=document.notes or "",
    )


def print_options(
    document: Document, country: str | None, defaults: Mapping[str, Any] | None = None
) -> dict[str, bool]:
    """What the print shows (logo, stamp, signature, payment QR): the document's choices over the
    business defaults (``defaults``: read already); the QR defaults to what the seller's country
    usually prints."""
    options: dict[str, Any] = dict(PRINT_DEFAULTS.get() if defaults is None else defaults)
    options.update(document.print_options or {})
    if options.get("qr") is None:
        options["qr"] = countries.country(country).qr_by_default
    return options


def doc_type(document: Document) -> DocumentType:
    return DocumentType.QUOTE if isinstance(document, Quote) else DocumentType.INVOICE


def _line_model(document: Document) -> Row:
    return QuoteLine if isinstance(document, Quote) else InvoiceLine


def _lines_of(document: Document) -> list[Row]:
    """The live line rows of a quote or invoice row, in print order."""
    model = _line_model(document)
    owner = model.quote if model is QuoteLine else model.invoice
    return list(
        model.alive().where(owner == document.id).order_by(model.line_order, model.created_at)
    )


def _default_own_company() -> Row:
    company = (
        OwnCompany.alive()
        .order_by(OwnCompany.is_default.desc(), OwnCompany.created_at)
        .first()
    )
    if company is None:
        raise ValidationError(
            _("Enter your company's requisites first (Settings → My companies)."), field="own_company"
        )
    return company


def _own_company(own_company_id: IdLike | None) -> Row:
    """The given own company (the default one when none is given)."""
    if own_company_id is None or own_company_id == "":
        return _default_own_company()
    return OwnCompany.get_by_id(as_uuid(own_company_id))


def own_companies() -> list[tuple[OwnCompanyId, str]]:
    """Every own company as (id, name shown), the default first: the sellers a draft may take."""
    rows: list[Row] = list(OwnCompany.alive().order_by(OwnCompany.is_default.desc(),
                                                       OwnCompany.created_at))
    return [(OwnCompanyId(as_uuid(r.id)), _seller_label(r)) for r in rows]


def _seller_label(row: Row) -> str:
    ids = row.inn or row.vat_number
    name = row.short_name or row.legal_name
    return f"{name} ({ids})" if ids else str(name)


def find_own_company(text: str) -> OwnCompanyId:
    """The own company named by ``text``: its id, its name, its ИНН or its Partita IVA."""
    wanted = text.strip()
    key = wanted.upper().removeprefix("IT").replace(" ", "")
    for row in OwnCompany.alive():
        names = {(row.short_name or "").casefold(), (row.legal_name or "").casefold()}
        if (str(row.id) == wanted or wanted.casefold() in names
                or key in {row.inn, (row.vat_number or "").upper().removeprefix("IT")} - {""}):
            return OwnCompanyId(as_uuid(row.id))
    raise ValidationError(
        _("No own company is named, or has the ИНН or Partita IVA, “{text}”. "
          "See Settings → My companies.").format(text=text), field="seller")


def seller_for_deal(deal: Row, own_company_id: IdLike | None = None) -> Row:
    """The seller of a new document of ``deal``: the one asked for, else the deal's own company,
    else the own company using the deal's currency (of the buyer's country first), else the
    default one."""
    if own_company_id not in (None, ""):
        return _own_company(own_company_id)
    for chosen_id in (deal.own_company_id, PIPELINE_SELLERS.get().get(str(deal.pipeline_id))):
        chosen = OwnCompany.alive().where(OwnCompany.id == as_uuid(chosen_id)).first() if chosen_id else None
        if chosen is not None:
            return chosen
    from desktop_crm.models import Company

    buyer = Company.get_or_none(Company.id == deal.company_id) if deal.company_id else None
    buyer_country = (buyer.country or "").upper() if buyer is not None else ""
    candidates: list[Row] = list(OwnCompany.alive().where(
        OwnCompany.default_currency == (deal.currency or "")))
    candidates.sort(key=lambda r: ((r.country or "").upper() != buyer_country, not r.is_default,
                                   r.created_at))
    return candidates[0] if candidates else _default_own_company()


def bollo_charged() -> bool:
    """Whether Italy's stamp duty is charged to clients as an invoice line (else paid virtually)."""
    return bool(BOLLO_CHARGED.get())


def set_bollo_charged(charged: bool) -> None:
    from desktop_crm.models import Action
    from desktop_crm.services.system import rights

    rights.require(Action.CHANGE_SETTINGS)
    BOLLO_CHARGED.set(bool(charged))


def pipeline_seller(pipeline_id: IdLike) -> OwnCompanyId | None:
    """The own company set to issue the documents of a pipeline's deals (None: by currency)."""
    chosen = PIPELINE_SELLERS.get().get(str(as_uuid(pipeline_id)))
    return OwnCompanyId(as_uuid(chosen)) if chosen else None


def set_pipeline_seller(pipeline_id: IdLike, own_company_id: IdLike | None) -> None:
    """Choose (or, with None, clear) the seller of a pipeline's documents."""
    from desktop_crm.models import Action, Pipeline, database
    from desktop_crm.services.system import rights

    rights.require(Action.CHANGE_SETTINGS)
    with database.atomic():
        if Pipeline.alive().where(Pipeline.id == as_uuid(pipeline_id)).first() is None:
            raise ValidationError(_("The pipeline no longer exists."))
        sellers = dict(PIPELINE_SELLERS.get())
        if own_company_id:
            sellers[str(as_uuid(pipeline_id))] = str(as_uuid(_own_company(own_company_id).id))
        else:
            sellers.pop(str(as_uuid(pipeline_id)), None)
        PIPELINE_SELLERS.set(sellers)


def default_vat_rate(own: Row | None = None, on: dt.date | None = None) -> Decimal:
    """The VAT rate of a new line: the own company's default when it is in force on the date, else
    the country's ordinary rate then (never 0 by accident)."""
    own = own if own is not None else OwnCompany.alive().order_by(
        OwnCompany.is_default.desc(), OwnCompany.created_at).first()
    if own is None:
        return countries.DEFAULT.vat_on(on or dt.date.today()).standard
    period = countries.country(own.country).vat_on(on or dt.date.today())
    rate = money.to_decimal(own.default_vat_rate)
    return rate if rate in period.rates and rate != 0 else period.standard


def vat_problems(document: Document, on: dt.date) -> list[str]:
    """Lines whose VAT rate is not in force on ``on`` in the seller's country (translated)."""
    period = countries.country(document.own_company.country).vat_on(on)
    problems = []
    for index, line in enumerate(_lines_of(document), 1):
        if money.to_decimal(line.vat_rate) not in period.rates:
            problems.append(_("Line {n}: VAT {rate} % is not in force on {date} (rates then: {rates})."
                              ).format(n=index, rate=_percent(line.vat_rate), date=on.strftime("%d.%m.%Y"),
                                       rates=", ".join(f"{_percent(r)} %" for r in period.rates)))
    return problems


def _percent(value: Any) -> str:
    return format(money.to_decimal(value).normalize(), "f")


def update_vat_rates(document: Document, on: dt.date) -> int:
    """Lines at a rate no longer in force on ``on`` take the rate in force: an ordinary rate the
    new ordinary one, any other the nearest lower rate. Returns how many lines changed (inside the
    caller's transaction; totals recomputed)."""
    country = countries.country(document.own_company.country)
    period = country.vat_on(on)
    ordinary = {p.standard for p in country.vat_schedule}
    rows = line_rows(document)
    changed = 0
    for row in rows:
        rate = money.to_decimal(row["vat_rate"])
        if rate in period.rates:
            continue
        lower = [r for r in period.rates if r < rate]
        row["vat_rate"] = period.standard if rate in ordinary else (lower[0] if lower else period.standard)
        changed += 1
    if changed:
        save_lines(document, rows)
    return changed


def update_document_vat(kind: DocumentType | str, document_id: IdLike, on: dt.date | None = None) -> int:
    """The user's "update the VAT rates" on a draft: lines at a rate not in force on ``on`` (the
    issue date, today by default) take the rate in force. Returns how many lines changed."""
    from desktop_crm.models import Action, database
    from desktop_crm.services.system import rights

    model = Quote if DocumentType(kind) == DocumentType.QUOTE else Invoice
    rights.require_on(model, as_uuid(document_id), Action.ISSUE_DOCUMENTS)
    with database.atomic():
        document = _get_document(kind, document_id)
        if str(document.status) != "draft":
            raise ValidationError(_("Only a draft's lines can be changed."))
        return update_vat_rates(document, on or dt.date.today())


def check_before_issue(document: Document, kind: str, on: dt.date) -> None:
    """Refuse, before a number is taken, a document its country's rules would not accept: the
    parties (seller and buyer requisites) and VAT rates not in force on the document's date."""
    from desktop_crm.services.billing.rendering import buyer_input, seller_input

    seller = seller_input(document.own_company)
    problems = countries.country(seller.country).party_problems(kind, seller, buyer_input(document))
    problems += vat_problems(document, on)
    if problems:
        hint = _("Update the lines' VAT rates in the document editor.") if vat_problems(document, on) else ""
        raise ValidationError("\n".join([*problems, hint]).strip(), field="own_company")


def author_of(user: IdLike | None, fallback: Any = None) -> Any:
    """The contact person of a new document: the user acting, else the signed-in user (never the
    operating system's login), else ``fallback`` (the deal's responsible)."""
    from desktop_crm.services.system import rights

    actor = rights.current()
    signed_in = actor.user_id if actor is not None else None
    return optional_uuid(user) or signed_in or fallback


def language_for(country: str | None) -> str:
    """The print language of a seller's documents (by the seller's country)."""
    return countries.country(country).document_language


def invoice_due_days(country: str | None) -> int:
    """The days to pay an invoice of a seller in ``country``: the business's setting for that
    country (the default country's for a country without rules of its own)."""
    code = countries.country(country).code
    setting = INVOICE_DUE_DAYS.get(code) or INVOICE_DUE_DAYS[countries.DEFAULT.code]
    return int(setting.get())


def _decimal(value: Any, field: str, label: str) -> Decimal:
    try:
        return validation.parse_number(value, field, percent=field in ("discount_percent", "vat_rate"))
    except ValidationError as error:
        raise ValidationError(
            _("{field}: “{value}” is not a number.").format(field=label, value=value), field=field
        ) from error


def _check_line_numbers(
    row: str, quantity: Decimal, price: Decimal, discount: Decimal, rate: Decimal
) -> None:
    if quantity <= 0:
        raise ValidationError(
            _("{row}: the quantity must be more than zero.").format(row=row), field="quantity")
    if price < 0:
        raise ValidationError(_("{row}: the price cannot be negative.").format(row=row), field="price")
    if not (0 <= discount <= 100):
        raise ValidationError(
            _("{row}: the discount is a percentage from 0 to 100.").format(row=row),
            field="discount_percent")
    if not (0 <= rate < 100):
        raise ValidationError(
            _("{row}: the VAT rate is a percentage from 0 to 99.").format(row=row), field="vat_rate")
    if quantity > validation.MAX_QUANTITY or price * quantity > validation.MAX_MONEY:
        raise ValidationError(_("{row}: the amount is too large.").format(row=row),
                              field="price" if price > validation.MAX_MONEY else "quantity")


def clean_line(data: LineData | Mapping[str, Any], index: int) -> dict[str, Any]:
    if isinstance(data, Mapping):
        data = LineData(**data)
    row = _("Line {n}").format(n=index)
    name = validation.text_value(data.name, "name", max_length=500)
    if not name:
        raise ValidationError(
            _("{row}: enter the name of the goods or service.").format(row=row), field="name")
    numbers = [_decimal(data.quantity, "quantity", row), _decimal(data.price, "price", row),
               _decimal(data.discount_percent, "discount_percent", row),
               _decimal(data.vat_rate, "vat_rate", row)]
    _check_line_numbers(row, *numbers)
    quantity = money.round_qty(numbers[0])
    price, discount, rate = (money.round_money(number) for number in numbers[1:])
    natura = validation.text_value(data.natura, "natura", max_length=5).upper()
    if natura and natura not in ALLOWED_NATURA:
        raise ValidationError(
            _("{row}: {code} is not a FatturaPA natura code (N1, N2.1 … N7).").format(
                row=row, code=natura),
            field="natura",
        )
    if natura and rate != 0:
        raise ValidationError(
            _("{row}: a natura code is only for 0% VAT lines.").format(row=row), field="natura")
    return {
        "name": name,
        "quantity": quantity,
        "price": price,
        "unit": validation.text_value(data.unit, "unit", max_length=20),
        "unit_code": validation.text_value(data.unit_code, "unit_code", max_length=8),
        "discount_percent": discount,
        "vat_rate": rate,
        "natura": natura,
        "description": validation.text_value(data.description, "description",
                                             max_length=validation.LONG_TEXT, multiline=True),
        "product": optional_uuid(data.product_id),
    }


def compute_totals(
    country: str | None, vat_mode: VatMode | str, rows: Sequence[Mapping[str, Any]]
) -> pricing.Totals:
    """The totals of a document of a seller in ``country`` with these (clean) lines."""
    inputs = [
        pricing.LineInput(
            r["quantity"], r["price"], r["discount_percent"], r["vat_rate"], r.get("natura") or "")
        for r in rows
    ]
    return pricing.compute(
        inputs,
        country=(country or countries.DEFAULT.code).upper(),
        vat_included=vat_mode == VatMode.INCLUDED,
    )


def save_lines(document: Document, lines: Sequence[LineData | Mapping[str, Any]]) -> None:
    """Replace the lines of a draft row and recompute totals (inside the caller's transaction)."""
    rows = _with_stamp_duty(document, [clean_line(line, index) for index, line in enumerate(lines, 1)])
    model = _line_model(document)
    owner_field = "quote" if model is QuoteLine else "invoice"
    for old in _lines_of(document):
        old.soft_delete()
    totals = compute_totals(document.own_company.country, document.vat_mode, rows)
    for order, (row, result) in enumerate(zip(rows, totals.lines, strict=True)):
        model.create(
            **{owner_field: document.id},
            line_order=order,
            net_amount=result.net,
            vat_amount=result.vat,
            total_amount=result.total,
            **row,
        )
    document.subtotal = totals.subtotal
    document.vat_total = totals.vat_total
    document.total = totals.grand_total
    document.save()


def _is_stamp_line(row: Mapping[str, Any]) -> bool:
    return row.get("name") == STAMP_LINE_NAME and row.get("natura") == "N1" and not row.get("product")


def _with_stamp_duty(document: Document, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lines with the stamp-duty line kept current: present exactly when the business charges
    the duty to clients and the seller's country levies it on these lines (Italy's bollo)."""
    rows = [row for row in rows if not _is_stamp_line(row)]
    if not BOLLO_CHARGED.get() or not rows:
        return rows
    from desktop_crm.services.billing.rendering import seller_input

    country = document.own_company.country
    totals = compute_totals(country, document.vat_mode, rows)
    duty = countries.country(country).legal_notes(totals.groups, seller_input(document.own_company))
    if duty.stamp_duty:
        rows.append(clean_line(LineData(name=STAMP_LINE_NAME, quantity=1, price=duty.stamp_duty,
                                        vat_rate=0, natura="N1"), len(rows) + 1))
    return rows


def lines_of_deal(deal_id: IdLike) -> list[LineData]:
    """The deal's product lines as a new quote's or invoice's lines (then independent of it)."""
    lines: list[Row] = list(DealLine.alive().where(DealLine.deal == as_uuid(deal_id)).order_by(
        DealLine.line_order, DealLine.created_at))
    return [
        LineData(
            name=line.name, quantity=line.quantity, price=line.price, unit=line.unit,
            unit_code=line.unit_code, discount_percent=line.discount_percent,
            vat_rate=line.vat_rate,
            product_id=ProductId(line.product_id) if line.product_id else None,
        )
        for line in lines
    ]


def line_rows(document: Document) -> list[dict[str, Any]]:
    """The lines of a quote or invoice row as plain values (what the editor edits)."""
    return [
        {
            "name": line.name,
            "quantity": line.quantity,
            "price": line.price,
            "unit": line.unit,
            "unit_code": line.unit_code,
            "discount_percent": line.discount_percent,
            "vat_rate": line.vat_rate,
            "natura": line.natura or "",
            "description": line.description or "",
            "product_id": line.product_id,
        }
        for line in _lines_of(document)
    ]


def apply_header(document: Document, values: Mapping[str, Any]) -> None:
    unknown = set(values) - set(HEADER_FIELDS)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    for key, value in values.items():
        if key == "language" and value not in ("ru", "it", "en"):
            raise ValidationError(
                _("Documents are printed in Russian, Italian or English."), field="language")
        if key in ("valid_until", "due_date"):
            value = validation.date_value(value, key, label=_HEADER_LABELS[key])
        elif key == "terms":
            value = _terms(value)
        elif key == "vat_mode":
            value = validation.enum_value(value, VatMode, key, label=N_("VAT"))
        elif key in ("subject", "intro", "basis", "notes"):
            value = column_text(type(document), key, value)
        elif key == "own_company":
            _change_seller(document, value)
            continue
        setattr(document, key, value)


def _change_seller(document: Document, own_company_id: IdLike) -> None:
    """A draft's seller; the print language follows a seller of another country."""
    try:
        new = OwnCompany.alive().where(OwnCompany.id == as_uuid(own_company_id)).first()
    except ValueError:
        new = None
    if new is None:
        raise ValidationError(_("Choose one of your companies as the seller."), field="own_company")
    old_country = (document.own_company.country or "").upper()
    if (new.country or "").upper() != old_country:
        document.language = language_for(new.country)
    document.own_company = new.id


_HEADER_LABELS = {"valid_until": N_("valid until"), "due_date": N_("due date")}


def _terms(value: Any) -> list[dict[str, str]]:
    """The document's terms as stored: ``[{"key": …, "text": …}]`` with texts that can be saved."""
    if not isinstance(value, (list, tuple)) or not all(isinstance(t, Mapping) for t in value):
        raise validation.refuse("terms", _("{field}: enter a text."), N_("terms"))
    return [
        {"key": validation.text_value(t.get("key") or "other", "terms", max_length=40),
         "text": validation.text_value(t.get("text"), "terms", max_length=validation.LONG_TEXT,
                                       multiline=True, label=N_("terms"))}
        for t in value
    ]


# ---------------------------------------------------------------------------------------------
# Look-ups and the timeline


def _get_document(kind: DocumentType | str, document_id: IdLike) -> Document:
    model = Quote if DocumentType(kind) == DocumentType.QUOTE else Invoice
    try:
        key = as_uuid(document_id)
    except ValueError as error:
        raise ValidationError(_("The document no longer exists.")) from error
    document = model.alive().where(model.id == key).first()
    if document is None:
        raise ValidationError(_("The document no longer exists."))
    return document


def _deal_of(deal_id: IdLike) -> Row:
    deal = Deal.alive().where(Deal.id == as_uuid(deal_id)).first()
    if deal is None:
        raise ValidationError(_("The deal no longer exists."))
    return deal


def existing_deal(deal_id: IdLike) -> DealId:
    """The id of a deal that exists (``ValidationError`` when it was deleted or never was)."""
    return DealId(as_uuid(_deal_of(deal_id).id))


def deal_title(deal_id: IdLike) -> str:
    return str(_deal_of(deal_id).title)


def log(user: IdLike | None, document: Document, event: str) -> None:
    """Record a document action in the deal's timeline (same transaction as the action)."""
    if not document.deal_id:
        return
    from desktop_crm.services.sales import timeline

    if event in ("sent", "issued"):
        timeline.log_document(user, document.deal_id, doc_type(document).value, document.id,
                              document.number, document.language)
        return
    from desktop_crm.models import Activity, ActivityKind, utcnow

    deal: Row = Deal.get_by_id(document.deal_id)
    Activity.create(
        kind=ActivityKind.SYSTEM,
        subject=event_title(event, document),
        author=optional_uuid(user),
        deal=deal.id,
        contact=deal.contact_id,
        company=deal.company_id,
        done_at=utcnow(),
        payload={
            "event": f"document_{event}",
            "document_type": doc_type(document).value,
            "document_id": str(document.id),
            "number": document.number,
        },
    )


def event_title(event: str, document: Document) -> str:
    number = document.number or _("draft")
    revision = getattr(document, "revision", 1)
    titles = {
        "created": _("Draft created: {kind}").format(kind=kind_name(document)),
        "revised": _("Quote {number}: new revision {revision}").format(
            number=number, revision=revision),
        "accepted": _("Quote {number} accepted").format(number=number),
        "rejected": _("Quote {number} rejected").format(number=number),
        "converted": _("Invoice drafted from quote {number}").format(number=number),
        "paid": _("Payment registered on invoice {number}").format(number=number),
        "payment_deleted": _("Payment deleted from invoice {number}").format(number=number),
        "refunded": _("Refund on invoice {number}").format(number=number),
        "cancelled": _("Invoice {number} cancelled").format(number=number),
    }
    return titles.get(event, event)


def kind_name(document: Document) -> str:
    return _("quote") if isinstance(document, Quote) else _("invoice")
