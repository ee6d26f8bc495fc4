"""Importing contacts (fast: checked row by row with the card's rules, duplicates looked up per
chunk, written in bulk) and leads (through the lead service)."""

from __future__ import annotations

import collections
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _
from desktop_crm.ids import uuid7
from desktop_crm.models import Action, Contact, Lead, LeadStatus, User, database
from desktop_crm.models.db import execute_sql
from desktop_crm.normalize import email_key, name_key
from desktop_crm.services.data.imports.batches import insert_rows
from desktop_crm.services.data.imports.engine import OnDuplicate, RowAction
from desktop_crm.services.data.imports.rows import (
    Context,
    MappedRow,
    Outcome,
    attempt,
    duplicate_of_row,
    merged_values,
    rejected,
)
from desktop_crm.services.sales import contacts, leads, rules
from desktop_crm.services.sales.contacts import Identity
from desktop_crm.services.system import rights

_Stored = collections.namedtuple("_Stored", [
    "id", "last_name", "first_name", "middle_name", "birth_date", "mobile_phone_e164",
    "work_phone_e164", "private_email_key", "work_email_key", "responsible_id"])
_CONTACT_COLUMNS: tuple[Any, ...] = (Contact.id, Contact.last_name, Contact.first_name, Contact.middle_name,
                    Contact.birth_date, Contact.mobile_phone_e164, Contact.work_phone_e164,
                    Contact.private_email_key, Contact.work_email_key, Contact.responsible)


def split_full_name(text: str) -> dict[str, str]:
    """"Иванов Иван Иванович" → last, first, middle; an Italian business writes "Mario Rossi"."""
    words = text.split()
    if not words:
        return {}
    if len(words) == 1:
        return {"first_name": words[0]}
    if str(rules.PHONE_REGION.get()) == "IT":
        return {"first_name": words[0], "last_name": " ".join(words[1:])}
    result = {"last_name": words[0], "first_name": words[1]}
    if len(words) > 2:
        result["middle_name"] = " ".join(words[2:])
    return result


@dataclass(slots=True)
class Person:
    """A row's person, or an existing record's: what the duplicate rule compares."""

    identity: Identity
    name: str
    row: int = 0  # the file's row (0: an existing record)
    record_id: uuid.UUID | None = None
    values: dict[str, Any] = field(default_factory=dict)  # pending values (a row not yet written)
    written: bool = False
    visible: bool = True


def _stored_identity(row: Any) -> Identity:
    return Identity(
        name=name_key(row.last_name, row.first_name, row.middle_name),
        short_name=name_key(row.last_name, row.first_name),
        phones=frozenset(p for p in (row.mobile_phone_e164, row.work_phone_e164) if p),
        birth_date=row.birth_date,
        emails=frozenset(e for e in (row.private_email_key, row.work_email_key) if e),
    )


@dataclass
class PersonIndex:
    """People by each identifying value, to find candidates for the duplicate rule fast.

    One difference from the card's lookup (``contacts.find_duplicates``, which also searches the
    full-text index): a person matching an existing contact by name and birth date only (no
    shared phone or e-mail) whose middle name is given on one side only is not found in the
    database, only in the file; the full-text search per row would cost more than the rest of the
    import together.

    With the rule's usual two matching fields a name alone never makes a duplicate: people are
    found by phone, by e-mail, or by name together with birth date (the only pair without either),
    so a common name does not make every Иванов Иван a candidate of every other."""

    minimum: int
    # a key's hash: one Person, or a list of them when several share it (rare). Hashes keep the
    # index small for 100,000 rows; a collision only adds a candidate the rule then turns down.
    by_key: dict[int, Person | list[Person]] = field(default_factory=dict)

    def add(self, person: Person) -> None:
        for key in map(hash, _keys(person.identity, self.minimum)):
            found = self.by_key.get(key)
            if found is None:
                self.by_key[key] = person
            elif isinstance(found, list):
                found.append(person)
            elif found is not person:
                self.by_key[key] = [found, person]

    def best(self, me: Identity) -> Person | None:
        seen: set[int] = set()
        best: tuple[int, Person] | None = None
        for key in map(hash, _keys(me, self.minimum)):
            found = self.by_key.get(key)
            for other in (() if found is None else found if isinstance(found, list) else (found,)):
                if id(other) in seen:
                    continue
                seen.add(id(other))
                count = len(contacts._matched_fields(me, other.identity))
                if count >= self.minimum and (best is None or count > best[0]):
                    best = (count, other)
        return best[1] if best else None


def _keys(me: Identity, minimum: int) -> Iterable[str]:
    for phone in me.phones:
        yield "p" + phone
    for email in me.emails:
        yield "e" + email
    names = {n for n in (me.name, me.short_name) if n}
    if minimum >= 2:
        if me.birth_date is not None:
            for name in names:
                yield f"b{me.birth_date.isoformat()}{name}"
    else:
        for name in names:
            yield "n" + name


def _in(column: Any, values: list[Any]) -> tuple[str, list[Any]]:
    marks = ", ".join([database.obj.param] * len(values))
    return f'"{column.column_name}" IN ({marks})', [column.db_value(v) for v in values]


def _lookups(people: list[Identity], minimum: int) -> list[tuple[str, list[Any]]]:
    """The conditions (SQL, parameters) that find the contacts ``people`` may duplicate, one per
    index. Written as SQL: peewee's builder costs more than the query for lists this long."""
    phones = list({p for me in people for p in me.phones})
    emails = list({e for me in people for e in me.emails})
    conditions = []
    if phones:
        conditions += [_in(Contact.mobile_phone_e164, phones), _in(Contact.work_phone_e164, phones)]
    if emails:
        conditions += [_in(Contact.private_email_key, emails), _in(Contact.work_email_key, emails)]
    named = [me for me in people if me.name and (minimum < 2 or me.birth_date)]
    names = list({n for me in named for n in (me.name, me.short_name) if n})
    if names and minimum >= 2:
        (by_name, name_params) = _in(Contact.name_key, names)
        (by_birth, birth_params) = _in(Contact.birth_date, list({me.birth_date for me in named}))
        conditions.append((f"{by_name} AND {by_birth}", name_params + birth_params))
    elif names:
        conditions.append(_in(Contact.name_key, names))
    return conditions


def _any_of(conditions: list[Any]) -> Any:
    condition = conditions[0]
    for extra in conditions[1:]:
        condition = condition | extra
    return condition


class ContactsHandler:
    def __init__(self) -> None:
        self.minimum = int(rules.DUPLICATE_MIN_MATCHES.get())
        self.in_file = PersonIndex(self.minimum)
        self.new_companies: dict[int, str] = {}  # row index: the company to create for it
        self.own_emails = {u.email_key for u in User.alive().select(User.email_key) if u.email_key}
        self.refuse_own = bool(rules.REFUSE_OWN_EMAILS.get())
        self.region = str(rules.PHONE_REGION.get())

    # --- checking ---------------------------------------------------------------------------

    def check(self, row: MappedRow, ctx: Context) -> dict[str, Any]:
        values: dict[str, Any] = dict(row.values)
        full = values.pop("full_name", "")
        if full and not (values.get("last_name") or values.get("first_name")):
            values.update(split_full_name(full))
        company = values.pop("company", "")
        if company:  # a missing company is made only once the row is accepted (see place)
            found = ctx.references.find_company(company)
            if found is not None:
                values["company"] = found
            else:
                self.new_companies[row.index] = company
        if values.get("responsible"):
            values["responsible"] = ctx.references.user(values["responsible"])
        cleaned = contacts._clean(values)
        if ctx.request.check_required:
            missing = contacts._missing(cleaned)
            if missing:
                raise contacts._missing_error(missing)
        contacts._validate_formats(cleaned)
        if self.refuse_own and any(email_key(cleaned.get(f)) in self.own_emails
                                   for f in contacts.EMAIL_FIELDS):
            contacts._check_own_emails(cleaned)
        return cleaned

    # --- duplicates in the database -----------------------------------------------------------

    def existing(self, rows: list[tuple[dict[str, Any], Identity]]) -> PersonIndex:
        """The live contacts that could duplicate any of ``rows`` (see :class:`PersonIndex`)."""
        conditions = _lookups([me for _values, me in rows], self.minimum)
        index = PersonIndex(self.minimum)
        if not conditions:
            return index
        scope = rights.visible_users(rights.scope_for(None))
        seen: set[Any] = set()
        columns = ", ".join(f'"{c.column_name}"' for c in _CONTACT_COLUMNS)
        # one query per condition: each is served by its index (their OR would scan the table)
        for where, params in conditions:
            sql = f'SELECT {columns} FROM "contact" WHERE "deleted_at" IS NULL AND {where}'
            for values in execute_sql(database, sql, params).fetchall():
                row = _Stored(*(c.python_value(v) for c, v in zip(_CONTACT_COLUMNS, values, strict=True)))
                if row.id in seen:
                    continue
                seen.add(row.id)
                self._add_existing(index, row, scope)
        return index

    @staticmethod
    def _add_existing(index: PersonIndex, row: Any, scope: Any) -> None:
        person = Person(_stored_identity(row), " ".join(
            p for p in (row.last_name, row.first_name, row.middle_name) if p),
            record_id=row.id, written=True,
            visible=scope is None or row.responsible_id is None or row.responsible_id in scope)
        index.add(person)

    # --- a chunk ----------------------------------------------------------------------------

    def process(self, units: list[list[MappedRow]], ctx: Context) -> list[Outcome]:
        outcomes: dict[int, Outcome] = {}
        checked: list[tuple[MappedRow, dict[str, Any], Identity]] = []
        for (row,) in units:
            if row.problems:
                outcomes[row.index] = rejected(row, *row.problems)
                continue
            try:
                cleaned = self.check(row, ctx)
                checked.append((row, cleaned, contacts.identity(cleaned)))
            except CrmError as error:
                outcomes[row.index] = rejected(row, error.message)
        in_database = self.existing([(cleaned, me) for _r, cleaned, me in checked])
        pending: list[Person] = []
        for row, cleaned, me in checked:
            outcomes[row.index] = self.place(row, cleaned, me, in_database, pending, ctx)
        self.write(pending, ctx)
        return [outcomes[row.index] for (row,) in units]

    def place(self, row: MappedRow, cleaned: dict[str, Any], me: Identity, in_database: PersonIndex,
              pending: list[Person], ctx: Context) -> Outcome:
        twin = in_database.best(me) or self.in_file.best(me)
        skipping = twin is not None and ctx.on_duplicate == OnDuplicate.SKIP
        company = self.new_companies.pop(row.index, "")
        if company and not skipping:
            made = attempt(ctx, row, lambda: self._with_company(row, cleaned, company, ctx))
            if made.action == RowAction.REJECT:
                return made
        if twin is not None and ctx.on_duplicate != OnDuplicate.CREATE:
            shown = (twin.name if twin.visible else _("an existing contact")) if not twin.row \
                else duplicate_of_row(twin.row)
            if ctx.on_duplicate == OnDuplicate.SKIP:
                return Outcome(row, RowAction.SKIP, (), shown)
            return self.merge(row, cleaned, twin, ctx, shown)
        person = Person(me, "", row.row, uuid7(), cleaned)  # a row is shown by its number
        pending.append(person)
        self.in_file.add(person)
        return Outcome(row, RowAction.CREATE, record_id=person.record_id)

    @staticmethod
    def _with_company(row: MappedRow, cleaned: dict[str, Any], company: str, ctx: Context) -> Outcome:
        cleaned["company"] = ctx.references.company(company)
        return Outcome(row, RowAction.CREATE)

    def merge(self, row: MappedRow, cleaned: dict[str, Any], twin: Person, ctx: Context,
              shown: str) -> Outcome:
        if not twin.written:  # an earlier row of this chunk: merged before it is written
            twin.values.update(merged_values(twin.values, cleaned, ctx.file_wins))
            return Outcome(row, RowAction.MERGE, (), shown, twin.record_id)
        record_id = twin.record_id
        assert record_id is not None

        def work() -> Outcome:
            rights.require_on(Contact, record_id, Action.EDIT)
            info = contacts.find_contact(record_id)
            if info is None:
                raise CrmError(_("The contact no longer exists."))
            changes = merged_values(contacts.contact_values(info), cleaned, ctx.file_wins)
            item = ctx.writer.merging("contact", record_id)
            if changes:
                contacts.update_contact(record_id, changes, ctx.user_id, not_duplicate_of=())
            ctx.writer.merged(item if changes else None)
            return Outcome(row, RowAction.MERGE, (), shown, record_id)

        return attempt(ctx, row, work)

    def write(self, pending: list[Person], ctx: Context) -> None:
        if not pending:
            return
        rows = []
        for person in pending:
            values = dict(person.values)
            contact = Contact(id=person.record_id, responsible=values.pop("responsible", ctx.user_id),
                              **values)
            contact.phone_region = self.region
            contact._dirty = {"id", *values}  # only what the file gave: defaults are safe
            contact.check_values()
            contact.before_save()
            contact._fit_derived()
            rows.append(contact.__data__)
            person.written = True
            person.values = {}  # the index keeps the identity only: memory stays flat
            ctx.writer.created("contact", person.record_id)  # type: ignore[arg-type]
        insert_rows(Contact, rows)


class LeadsHandler:
    """Leads through ``services.sales.leads`` (the card's rules); duplicates by the contact rule
    among the open leads and the earlier rows."""

    def __init__(self) -> None:
        self.minimum = int(rules.DUPLICATE_MIN_MATCHES.get())
        self.in_file = PersonIndex(self.minimum)

    def process(self, units: list[list[MappedRow]], ctx: Context) -> list[Outcome]:
        return [self.one(row, ctx) for (row,) in units]

    def one(self, row: MappedRow, ctx: Context) -> Outcome:
        if row.problems:
            return rejected(row, *row.problems)

        def work() -> Outcome:
            values: dict[str, Any] = dict(row.values)
            full = values.pop("full_name", "")
            if full and not (values.get("last_name") or values.get("first_name")):
                values.update(split_full_name(full))
            if values.get("responsible"):
                values["responsible"] = ctx.references.user(values["responsible"])
            cleaned = leads._clean(values)
            me = contacts.identity(cleaned)
            twin = self.in_file.best(me) or self.in_database(me)
            if twin is not None and ctx.on_duplicate != OnDuplicate.CREATE:
                shown = twin.name if not twin.row else duplicate_of_row(twin.row)
                if ctx.on_duplicate == OnDuplicate.SKIP:
                    return Outcome(row, RowAction.SKIP, (), shown)
                assert twin.record_id is not None
                rights.require_on(Lead, twin.record_id, Action.EDIT)
                current = _lead_values(twin.record_id)
                changes = merged_values(current, cleaned, ctx.file_wins)
                item = ctx.writer.merging("lead", twin.record_id)
                if changes:
                    leads.update_lead(twin.record_id, changes, ctx.user_id)
                ctx.writer.merged(item if changes else None)
                return Outcome(row, RowAction.MERGE, (), shown, twin.record_id)
            info = leads.create_lead(cleaned, ctx.user_id, tell=False)
            ctx.writer.created("lead", info.id)
            self.in_file.add(Person(me, info.title, row.row, info.id, written=True))
            return Outcome(row, RowAction.CREATE, record_id=uuid.UUID(str(info.id)))

        return attempt(ctx, row, work)

    def in_database(self, me: Identity) -> Person | None:
        conditions = []
        if me.phones:
            conditions.append(Lead.mobile_phone_e164.in_(list(me.phones))
                              | Lead.work_phone_e164.in_(list(me.phones)))
        if me.emails:
            conditions.append(Lead.private_email.in_(list(me.emails))
                              | Lead.work_email.in_(list(me.emails)))
        if me.name:
            conditions.append(Lead.name_key.in_([me.name, me.short_name]))
        if not conditions:
            return None
        condition = _any_of(conditions)
        index = PersonIndex(self.minimum)
        for lead in Lead.alive().where(condition & (Lead.status != LeadStatus.CONVERTED)).limit(50):
            identity = Identity(
                name=lead.name_key, short_name=name_key(lead.last_name, lead.first_name),
                phones=frozenset(p for p in (lead.mobile_phone_e164, lead.work_phone_e164) if p),
                birth_date=lead.birth_date,
                emails=frozenset(email_key(e) for e in (lead.private_email, lead.work_email) if e))
            index.add(Person(identity, lead.title, record_id=lead.id, written=True))
        return index.best(me)


def _lead_values(lead_id: uuid.UUID) -> dict[str, Any]:
    lead = Lead.get_by_id(lead_id)
    return {name: getattr(lead, name) for name in leads.LEAD_FIELDS if name not in
            ("responsible", "contact")}
