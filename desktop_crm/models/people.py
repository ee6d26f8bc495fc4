"""Users of the CRM and the seller's own companies."""

from __future__ import annotations

import uuid

import peewee

from desktop_crm.models.base import BaseModel, fk
from desktop_crm.models.enums import Role, VatMode
from desktop_crm.models.fields import EnumField, PercentField
from desktop_crm.normalize import email_key


class User(BaseModel):
    name = peewee.CharField(max_length=200)
    email = peewee.CharField(max_length=254, default="")
    email_key = peewee.CharField(max_length=254, default="", index=True)
    role = EnumField(Role, default=Role.SALES)
    head = fk("self", null=True, backref="team")
    head_id: uuid.UUID | None
    locale = peewee.CharField(max_length=8, default="")
    active = peewee.BooleanField(default=True)

    def before_save(self) -> None:
        self.email_key = email_key(self.email)


class Requisites(BaseModel):
    """Legal requisites shared by the seller's own companies and client companies."""

    legal_name = peewee.CharField(max_length=500, default="")
    short_name = peewee.CharField(max_length=200, default="")
    country = peewee.CharField(max_length=2, default="RU")
    # Russia
    inn = peewee.CharField(max_length=12, default="")
    kpp = peewee.CharField(max_length=9, default="")
    ogrn = peewee.CharField(max_length=15, default="")
    bank_name = peewee.CharField(max_length=300, default="")
    bik = peewee.CharField(max_length=9, default="")
    corr_account = peewee.CharField(max_length=20, default="")
    account = peewee.CharField(max_length=20, default="")
    # Italy
    vat_number = peewee.CharField(max_length=16, default="")  # Partita IVA
    fiscal_code = peewee.CharField(max_length=16, default="")  # Codice Fiscale
    rea = peewee.CharField(max_length=20, default="")
    iban = peewee.CharField(max_length=34, default="")
    bic = peewee.CharField(max_length=11, default="")
    # Address
    address = peewee.TextField(default="")
    postal_code = peewee.CharField(max_length=10, default="")
    city = peewee.CharField(max_length=100, default="")
    province = peewee.CharField(max_length=2, default="")
    email = peewee.CharField(max_length=254, default="")
    phone = peewee.CharField(max_length=40, default="")


class OwnCompany(Requisites):
    """The seller: whose name, bank and VAT settings go on quotes and invoices."""

    regime_fiscale = peewee.CharField(max_length=4, default="")  # FatturaPA RF01…RF19
    pec = peewee.CharField(max_length=254, default="")
    director_name = peewee.CharField(max_length=200, default="")
    accountant_name = peewee.CharField(max_length=200, default="")
    logo = peewee.BlobField(null=True)
    stamp = peewee.BlobField(null=True)
    signature = peewee.BlobField(null=True)
    default_currency = peewee.CharField(max_length=3, default="RUB")
    default_vat_rate = PercentField()
    vat_mode = EnumField(VatMode, default=VatMode.INCLUDED)
    is_default = peewee.BooleanField(default=False)
