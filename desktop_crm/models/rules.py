"""Tables of the sales rules: recorded "not a duplicate" decisions between two contacts."""

from __future__ import annotations

import uuid

import peewee
from peewee import SQL

from desktop_crm.models.base import BaseModel, fk
from desktop_crm.models.deals import Activity, Deal
from desktop_crm.models.parties import Contact
from desktop_crm.models.people import User


class DuplicateDismissal(BaseModel):
    """A user's decision that two contacts which look alike are different people.

    The pair is stored in a canonical order (the smaller id first) so that one row answers both
    directions; the duplicate rule never again reports the pair while the row is alive.
    """

    contact = fk(Contact, backref="+", index=False)
    contact_id: uuid.UUID
    other_contact = fk(Contact, backref="+")
    other_contact_id: uuid.UUID
    decided_by = fk(User, null=True, backref="+")
    decided_by_id: uuid.UUID | None
    note = peewee.CharField(max_length=300, default="")

    class Meta:
        indexes = ((("contact", "other_contact"), False),)


# The rules report and the "inactive deals" filters read open deals per responsible by correctness
# and last interaction; this index over open deals also covers the id, title and missing fields the
# report prints, so a million-deal report never reads the deal table itself.
Deal.add_index(
    Deal.responsible,
    Deal.correct,
    Deal.last_interaction_at,
    Deal.id,
    Deal.title,
    Deal.missing_fields,
    where=Deal.deleted_at.is_null() & Deal.closed_at.is_null(),
)
# Planned tasks by assignee and due time, covering what the overdue list shows.
Activity.add_index(
    Activity.assignee,
    Activity.due_at,
    Activity.id,
    Activity.subject,
    Activity.deal,
    where=SQL("\"deleted_at\" IS NULL AND \"status\" = 'planned' AND \"kind\" = 'task'"),
)
