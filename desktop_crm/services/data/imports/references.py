"""What a cell names elsewhere in the CRM: a company (by name, ИНН or P.IVA), a user (by name or
e-mail), a pipeline and its stage (by name), a product group (by name), a contact (by name, phone
or e-mail). Each lookup is cached for the import; a missing company, pipeline, stage or group is
created when the request allows it (recorded in the batch), a missing user never is."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from desktop_crm.countries.base import compact
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.models import Company, Contact, Pipeline, ProductGroup, Stage, User
from desktop_crm.normalize import email_key, fold, name_key, phone_e164
from desktop_crm.services.sales import rules
from desktop_crm.services.system import admin, rights

#: Called with (table name, id) for each record a lookup created.
Created = Callable[[str, uuid.UUID], None]


class Merges(Protocol):
    """Records the before-image of a record a lookup changes (``batches.BatchWriter``)."""

    def merging(self, table: str, row_id: uuid.UUID) -> dict[str, Any] | None: ...

    def merged_if_changed(self, item: dict[str, Any] | None) -> None: ...


@dataclass
class References:
    create_missing: bool
    created: Created
    merges: Merges | None = None
    _companies: dict[str, uuid.UUID] = field(default_factory=dict)
    _users: dict[str, uuid.UUID | None] = field(default_factory=dict)
    _pipelines: dict[str, uuid.UUID] = field(default_factory=dict)
    _stages: dict[tuple[uuid.UUID, str], uuid.UUID] = field(default_factory=dict)
    _groups: dict[str, uuid.UUID] = field(default_factory=dict)
    _contacts: dict[str, uuid.UUID] = field(default_factory=dict)

    def forget(self) -> None:
        """Drop what was cached (a rolled-back chunk may have created some of it)."""
        for cache in (self._companies, self._users, self._pipelines, self._stages, self._groups,
                      self._contacts):
            cache.clear()

    # --- companies ---------------------------------------------------------------------------

    def find_company(self, text: str) -> uuid.UUID | None:
        """The existing company ``text`` names; ``None`` when it is missing and may be created
        (refused when it may not)."""
        key = fold(text)
        found = self._companies.get(key) or _find_company(text)
        if found is not None:
            self._companies[key] = found
            return found
        if not self.create_missing:
            raise ValidationError(_("There is no company “{name}”: create it first or let the "
                                    "import create missing ones.").format(name=text), field="company")
        return None

    def company(self, text: str) -> uuid.UUID:
        key = fold(text)
        found = self._companies.get(key)
        if found is None:
            found = _find_company(text)
            if found is None:
                found = self._create_company(text)
            self._companies[key] = found
        return found

    def _create_company(self, text: str) -> uuid.UUID:
        if not self.create_missing:
            raise ValidationError(_("There is no company “{name}”: create it first or let the "
                                    "import create missing ones.").format(name=text), field="company")
        from desktop_crm.services.sales import cards

        number = compact(text)
        values = {"short_name": text}
        if number.isdigit() and len(number) in (10, 12):
            values = {"short_name": text, "inn": number}
        company_id = uuid.UUID(cards.save_company(None, values, rights_user()))
        self.created("company", company_id)
        return company_id

    # --- users -------------------------------------------------------------------------------

    def user(self, text: str) -> uuid.UUID:
        key = fold(text)
        if key not in self._users:
            self._users[key] = _find_user(text)
        found = self._users[key]
        if found is None:
            raise ValidationError(_("There is no user “{name}” (give a user's name or e-mail).")
                                  .format(name=text), field="responsible")
        if not rights.in_scope(found):
            raise ValidationError(_("You may only make someone within your scope responsible."),
                                  field="responsible")
        return found

    # --- pipelines and stages ----------------------------------------------------------------

    def pipeline(self, text: str) -> uuid.UUID:
        key = fold(text)
        found = self._pipelines.get(key)
        if found is None:
            found = next((p.id for p in Pipeline.alive() if fold(p.name) == key), None)
            if found is None:
                if not self.create_missing:
                    raise ValidationError(_("There is no pipeline “{name}”.").format(name=text),
                                          field="pipeline")
                found = uuid.UUID(admin.save_pipeline(None, text))
                self.created("pipeline", found)
                for stage in Stage.select(Stage.id).where(Stage.pipeline == found):
                    self.created("stage", stage.id)
            self._pipelines[key] = found
        return found

    def default_pipeline(self) -> uuid.UUID:
        found = Pipeline.alive().order_by(Pipeline.is_default.desc(), Pipeline.sort_order).first()
        if found is None:
            raise ValidationError(_("Create a pipeline first."), field="pipeline")
        return uuid.UUID(str(found.id))

    def stage(self, pipeline_id: uuid.UUID, text: str) -> uuid.UUID:
        key = (pipeline_id, fold(text))
        found = self._stages.get(key)
        if found is None:
            found = next((s.id for s in Stage.alive().where(Stage.pipeline == pipeline_id)
                          if fold(s.name) == key[1]), None)
            if found is None:
                if not self.create_missing:
                    raise ValidationError(_("The pipeline has no stage “{name}”.").format(name=text),
                                          field="stage")
                found = self._create_stage(pipeline_id, text)
            self._stages[key] = found
        return found

    def _create_stage(self, pipeline_id: uuid.UUID, text: str) -> uuid.UUID:
        """A new open stage; the won and lost stages it goes before move down one place, and
        undo puts them back (their before-images go into the batch)."""
        items = []
        if self.merges is not None:
            items = [self.merges.merging("stage", uuid.UUID(str(s.id)))
                     for s in Stage.select(Stage.id).where(Stage.pipeline == pipeline_id)]
        found = uuid.UUID(str(admin.save_stage(
            None, pipeline_id, {"name": text, "color": admin.DEFAULT_STAGE_COLOR})))
        self.created("stage", found)
        if self.merges is not None:
            for item in items:
                self.merges.merged_if_changed(item)
        return found

    # --- product groups ----------------------------------------------------------------------

    def group(self, text: str) -> uuid.UUID:
        key = fold(text)
        found = self._groups.get(key)
        if found is None:
            found = next((g.id for g in ProductGroup.alive() if fold(g.name) == key), None)
            if found is None:
                if not self.create_missing:
                    raise ValidationError(_("There is no product group “{name}”.").format(name=text),
                                          field="group")
                from desktop_crm.services.sales import cards

                found = uuid.UUID(cards.add_product_group(text))
                self.created("product_group", found)
            self._groups[key] = found
        return found

    # --- contacts (of deals) -----------------------------------------------------------------

    def contact(self, text: str) -> uuid.UUID:
        key = fold(text)
        found = self._contacts.get(key)
        if found is None:
            found = _find_contact(text)
            if found is None:
                raise ValidationError(_("There is no contact “{name}” (give a name, phone or "
                                        "e-mail of an existing contact).").format(name=text),
                                      field="contact")
            self._contacts[key] = found
        return found


def rights_user() -> uuid.UUID:
    actor = rights.current()
    if actor is None or actor.user_id is None:
        first = User.alive().order_by(User.created_at).first()
        if first is None:
            raise ValidationError(_("Create a user first."))
        return uuid.UUID(str(first.id))
    return actor.user_id


def _find_company(text: str) -> uuid.UUID | None:
    number = compact(text).upper()
    if number and any(ch.isdigit() for ch in number):
        row = Company.alive().where((Company.inn == number) | (Company.vat_number == number)
                                    | (Company.vat_number == number.removeprefix("IT"))).first()
        if row is not None:
            return uuid.UUID(str(row.id))
    key = fold(text)
    query = Company.alive().where(Company.search_text.contains(key)).limit(50)
    for row in query:
        if key in (fold(row.short_name), fold(row.legal_name)):
            return uuid.UUID(str(row.id))
    return None


def _find_user(text: str) -> uuid.UUID | None:
    key = email_key(text)
    if "@" in key:
        row = User.alive().where(User.email_key == key).first()
        return uuid.UUID(str(row.id)) if row is not None else None
    folded = fold(text)
    for user in User.alive():
        if folded in (fold(user.name), fold(user.login)) or name_key(user.name) == name_key(text):
            return uuid.UUID(str(user.id))
    return None


def _find_contact(text: str) -> uuid.UUID | None:
    key = email_key(text)
    if "@" in key:
        condition = (Contact.private_email_key == key) | (Contact.work_email_key == key)
    else:
        phone = phone_e164(text, str(rules.PHONE_REGION.get()))
        if phone:
            condition = (Contact.mobile_phone_e164 == phone) | (Contact.work_phone_e164 == phone)
        else:
            condition = Contact.name_key == name_key(text)
    row = Contact.alive().where(condition).first()
    return uuid.UUID(str(row.id)) if row is not None else None
