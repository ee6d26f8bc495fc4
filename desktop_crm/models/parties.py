"""Clients: companies, contacts and the leads that become them."""

from __future__ import annotations

import uuid

import peewee

from desktop_crm.models.base import BaseModel, fk
from desktop_crm.models.enums import LeadStatus
from desktop_crm.models.fields import EnumField
from desktop_crm.models.people import Requisites, User
from desktop_crm.normalize import email_key, name_key, phone_e164, search_text

# The region used to read phone numbers typed without a country code. The rules issue makes it a
# setting; models keep the normalised value whatever the region was.
DEFAULT_PHONE_REGION = "RU"


class Company(Requisites):
    """A client organisation."""

    responsible = fk(User, null=True, backref="companies")
    responsible_id: uuid.UUID | None
    website = peewee.CharField(max_length=200, default="")
    comment = peewee.TextField(default="")
    search_text = peewee.TextField(default="")
    # Step 4: the FatturaPA address of an Italian client (CodiceDestinatario or PEC).
    sdi_code = peewee.CharField(max_length=7, null=True, default="")
    pec = peewee.CharField(max_length=254, null=True, default="")

    def before_save(self) -> None:
        self.search_text = search_text(
            self.legal_name, self.short_name, self.inn, self.vat_number, self.city, self.email
        )


class PersonFields(BaseModel):
    """Name, birth date, phones and e-mails of a person (a contact, or a lead before conversion)."""

    last_name = peewee.CharField(max_length=100, default="")
    first_name = peewee.CharField(max_length=100, default="")
    middle_name = peewee.CharField(max_length=100, default="")
    birth_date = peewee.DateField(null=True)
    mobile_phone = peewee.CharField(max_length=40, default="")
    mobile_phone_e164 = peewee.CharField(max_length=20, default="")
    work_phone = peewee.CharField(max_length=40, default="")
    work_phone_e164 = peewee.CharField(max_length=20, default="")
    private_email = peewee.CharField(max_length=254, default="")
    work_email = peewee.CharField(max_length=254, default="")
    name_key = peewee.CharField(max_length=300, default="")
    search_text = peewee.TextField(default="")

    phone_region = DEFAULT_PHONE_REGION

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    def normalize_person(self) -> None:
        self.mobile_phone_e164 = phone_e164(self.mobile_phone, self.phone_region)
        self.work_phone_e164 = phone_e164(self.work_phone, self.phone_region)
        self.name_key = name_key(self.last_name, self.first_name, self.middle_name)


class Contact(PersonFields):
    company = fk(Company, null=True, backref="contacts")
    company_id: uuid.UUID | None
    responsible = fk(User, null=True, backref="contacts")
    responsible_id: uuid.UUID | None
    position = peewee.CharField(max_length=200, default="")
    source = peewee.CharField(max_length=100, default="")
    comment = peewee.TextField(default="")
    private_email_key = peewee.CharField(max_length=254, default="")
    work_email_key = peewee.CharField(max_length=254, default="")
    # Step 8: what a private client's country needs on a document (IT: codice fiscale and an
    # address with CAP, comune, provincia; RU: an address and an optional personal ИНН).
    country = peewee.CharField(max_length=2, default="", constraints=[peewee.SQL("DEFAULT ''")])
    fiscal_code = peewee.CharField(max_length=16, default="", constraints=[peewee.SQL("DEFAULT ''")])
    inn = peewee.CharField(max_length=12, default="", constraints=[peewee.SQL("DEFAULT ''")])
    address = peewee.TextField(default="", constraints=[peewee.SQL("DEFAULT ''")])
    postal_code = peewee.CharField(max_length=10, default="", constraints=[peewee.SQL("DEFAULT ''")])
    city = peewee.CharField(max_length=100, default="", constraints=[peewee.SQL("DEFAULT ''")])
    province = peewee.CharField(max_length=2, default="", constraints=[peewee.SQL("DEFAULT ''")])
    # Step 16: the contact's face, a PNG or JPEG of at most 256 px a side (``services.sales.photos``)
    photo = peewee.BlobField(null=True)

    class Meta:
        indexes = (
            (("mobile_phone_e164",), False),
            (("work_phone_e164",), False),
            (("private_email_key",), False),
            (("work_email_key",), False),
            (("name_key",), False),
            (("last_name", "first_name"), False),
        )

    def before_save(self) -> None:
        self.normalize_person()
        self.private_email_key = email_key(self.private_email)
        self.work_email_key = email_key(self.work_email)
        self.search_text = search_text(
            self.full_name,
            self.mobile_phone,
            self.mobile_phone_e164,
            self.work_phone_e164,
            self.private_email,
            self.work_email,
        )


class Lead(PersonFields):
    title = peewee.CharField(max_length=300)
    source = peewee.CharField(max_length=100, default="")
    status = EnumField(LeadStatus, default=LeadStatus.NEW, index=True)
    company_name = peewee.CharField(max_length=300, default="")
    contact = fk(Contact, null=True, backref="leads")
    contact_id: uuid.UUID | None
    responsible = fk(User, null=True, backref="leads", index=True)
    responsible_id: uuid.UUID | None
    comment = peewee.TextField(default="")
    converted_at = peewee.DateTimeField(null=True)

    def before_save(self) -> None:
        self.normalize_person()
        self.search_text = search_text(
            self.title, self.full_name, self.company_name, self.mobile_phone_e164, self.private_email
        )
