"""Typed refusals of the sales rules. Each carries a translated message plus the data the UI needs
(the existing contact or deal to open, the fields to highlight)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from desktop_crm import errors
from desktop_crm.errors import CrmError, ValidationError
from desktop_crm.i18n import _


class MissingRequiredFields(ValidationError):
    """Required fields are empty; ``fields`` names them (model field names) for highlighting."""

    def __init__(self, message: str, fields: Sequence[str]) -> None:
        super().__init__(message, field=fields[0] if fields else None)
        self.fields = list(fields)

    def field_messages(self) -> dict[str, str]:
        return {name: _("Required.") for name in self.fields}


class OwnEmailRefused(ValidationError):
    """A client contact was given the e-mail address of one of the business's own users."""


@dataclass(frozen=True, slots=True)
class DuplicateMatch:
    """An existing contact that looks like the same person, and which fields matched."""

    contact_id: uuid.UUID
    name: str
    matched: tuple[str, ...]  # "name", "phone", "birth_date", "email"


class DuplicateContact(ValidationError):
    """Rule 5: the contact duplicates an existing one (unless recorded as "not a duplicate")."""

    def __init__(self, message: str, matches: Sequence[DuplicateMatch]) -> None:
        super().__init__(message)
        self.matches = list(matches)

    @property
    def existing_id(self) -> uuid.UUID:
        return self.matches[0].contact_id


class DuplicateDeal(ValidationError):
    """Rule 2: the client already has an open deal in this product group."""

    def __init__(self, message: str, existing_id: uuid.UUID, existing_title: str) -> None:
        super().__init__(message, field="product_group")
        self.existing_id = existing_id
        self.existing_title = existing_title


class ConversionRefused(CrmError):
    """Rule 1: the lead cannot be converted yet (no answered interaction with a detailed comment)."""


class StageChangeRefused(CrmError):
    """A stage move is not allowed; ``missing`` lists the deal fields that block it, if any."""

    def __init__(self, message: str, missing: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.missing = list(missing)


# the user's role does not allow the action: one kind for every refusal (``services.system.rights``)
PermissionDenied = errors.PermissionDenied
