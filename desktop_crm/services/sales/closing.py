"""Closing and reopening as their screens ask for them: an administrator reopening a closed deal
into an open stage of its pipeline, and leads marked as junk with a reason.

A junk reason is one of :data:`JUNK_REASONS` ("other" needs a comment saying what it was); it is
kept in the lead's comment and in its timeline, so the leads list and reports can tell why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from desktop_crm.errors import CrmError, ValidationError
from desktop_crm.i18n import N_, _
from desktop_crm.ids import DealId, IdLike, StageId, as_uuid
from desktop_crm.models import Activity, ActivityKind, Deal, Lead, Stage, StageKind, database, utcnow
from desktop_crm.models.enums import Action
from desktop_crm.services.sales import leads, stages
from desktop_crm.services.system import rights

JUNK_REASONS: tuple[tuple[str, str], ...] = (
    ("spam", N_("Spam or advertising")),
    ("wrong_contact", N_("Wrong number or address")),
    ("duplicate", N_("A duplicate of another lead")),
    ("not_a_client", N_("Not a potential client")),
    ("test", N_("A test entry")),
    ("other", N_("Other (say what)")),
)


def junk_reasons() -> list[tuple[str, str]]:
    """``(key, translated text)`` of each reason, in the order offered."""
    return [(key, _(text)) for key, text in JUNK_REASONS]


def junk_errors(reason: str, comment: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if reason not in dict(JUNK_REASONS):
        errors["reason"] = _("Choose why the lead is junk.")
    elif reason == "other" and not comment.strip():
        errors["comment"] = _("Say what the reason is.")
    return errors


@dataclass(frozen=True)
class JunkResult:
    marked: int
    refused: list[str]  # one message per lead that could not be marked


def mark_junk(lead_ids: Iterable[IdLike], user: IdLike, reason: str, comment: str = "") -> JunkResult:
    """Mark leads as junk with a reason, each in its own transaction (a converted one is refused
    and named; the others are marked)."""
    rights.require(Action.EDIT)
    errors = junk_errors(reason, comment)
    if errors:
        name, message = next(iter(errors.items()))
        raise ValidationError(message, field=name)
    text = dict(junk_reasons())[reason]
    full = f"{text}: {comment.strip()}" if comment.strip() else text
    marked, refused = 0, []
    for lead_id in lead_ids:
        try:
            with database.atomic():
                info = leads.mark_junk(lead_id, user, _("Junk: {reason}").format(reason=full))
                Activity.create(kind=ActivityKind.SYSTEM, author=as_uuid(user), lead=info.id,
                                done_at=utcnow(), subject=_("Marked as junk: {reason}").format(
                                    reason=full),
                                payload={"event": "lead_junk", "reason": reason,
                                         "comment": comment.strip()})
            marked += 1
        except CrmError as error:
            row = Lead.get_or_none(Lead.id == as_uuid(lead_id))
            refused.append(f"{row.title if row else lead_id}: {error.message}")
    return JunkResult(marked, refused)


@dataclass(frozen=True)
class ReopenChoice:
    deal_id: DealId
    title: str
    closed: bool
    stage_name: str
    stages: list[tuple[StageId, str]]  # the open stages of its pipeline, in order


def reopen_choice(deal_id: IdLike) -> ReopenChoice:
    deal: Any = Deal.get_or_none((Deal.id == as_uuid(deal_id)) & Deal.deleted_at.is_null())
    if deal is None:
        raise ValidationError(_("The deal no longer exists."))
    current = Stage.get_or_none(Stage.id == deal.stage_id)
    rows: list[Any] = list(Stage.alive().where(
        (Stage.pipeline == deal.pipeline_id) & (Stage.kind == StageKind.OPEN)).order_by(
        Stage.sort_order))
    return ReopenChoice(DealId(deal.id), deal.title, deal.closed_at is not None,
                        current.name if current else "", [(StageId(s.id), s.name) for s in rows])


def reopen(deal_id: IdLike, stage_id: IdLike, user: IdLike, comment: str) -> stages.MoveResult:
    """Reopen a closed deal (administrators only; the stage rules say why not otherwise)."""
    if not comment.strip():
        raise ValidationError(_("Say why the deal is reopened."), field="comment")
    return stages.reopen_deal(deal_id, stage_id, user, comment)


__all__ = ["JUNK_REASONS", "JunkResult", "ReopenChoice", "junk_errors", "junk_reasons", "mark_junk",
           "reopen", "reopen_choice"]
