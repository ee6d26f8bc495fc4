"""The house sales rules: settings, detailed comments, deal correctness and activity.

Every rule of the sales process (seed 002, "the house rules", and seed 003, the enterprise sales
process) is configurable through the settings declared here; the defaults match the seeds.

Plain functions for the other services and for the GUI (through services, never peewee):

* :func:`is_detailed` — is a comment detailed (rule 3)? Returns a :class:`CommentVerdict` whose
  ``reason`` is a translated hint for the comment box ("write at least 3 words…").
* :func:`deal_missing_fields` / :func:`refresh_deal` — what a deal lacks to be *correct* (rule 2);
  ``refresh_deal`` stores ``amount``, ``correct``, ``missing_fields`` and ``last_interaction_at``.
  Every deal-changing service calls it inside its own transaction.
* :func:`is_active` — correct and an interaction with a detailed comment within
  ``rules.inactivity_days`` (default 60, "once in two months"). Lists and the kanban use
  :func:`active_condition` / :func:`inactive_condition`, which read only indexed columns of the
  deal row (``correct``, ``last_interaction_at``), never the timeline.
* :func:`field_label` — the translated name of a required field, for messages and hints.

Amounts are ``Decimal``; a line's net amount is ``gross - percent_of(gross, discount)`` with
``gross = round_money(price × quantity)`` (half-up), which the bulk SQL in ``services.refresh``
reproduces exactly in integer minor units.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import peewee

from desktop_crm import money
from desktop_crm.entities import Entity
from desktop_crm.i18n import N_, _, ngettext
from desktop_crm.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Deal,
    DealLine,
    Stage,
    StageKind,
    utcnow,
)
from desktop_crm.normalize import fold
from desktop_crm.services.sales.rule_errors import DuplicateDeal
from desktop_crm.services.system import custom_fields, custom_values
from desktop_crm.services.system.settings import SettingSpec, declare

# --- settings (defaults from the seeds) -----------------------------------------------------------

#: Rule 3: a detailed comment has at least this many words …
COMMENT_MIN_WORDS = declare("rules.comment_min_words", 3)
#: … and at least this many characters after trimming.
COMMENT_MIN_CHARS = declare("rules.comment_min_chars", 15)
#: Rule 3: filler phrases that never make a comment detailed, however often they are repeated.
COMMENT_STOP_PHRASES = declare(
    "rules.comment_stop_phrases",
    [
        # Russian (seed 002 names the first five)
        "нд", "н/д", "недозвон", "не дозвонился", "не дозвонилась", "не дозвонились",
        "перезвонить", "перезвоню", "перезвонит", "сбросил", "сбросила", "пообщались",
        "поговорили", "думает", "подумает", "не берет трубку", "не отвечает", "занят",
        "занято", "абонент недоступен", "автоответчик", "связаться позже", "позвонить позже",
        "отправил кп", "ждем ответа", "ждём ответа",
        # Italian
        "non risponde", "richiamare", "richiamerà", "ci pensa", "ci penserà", "occupato",
        "segreteria", "irraggiungibile", "sentiti", "parlato", "da richiamare",
        "in attesa di risposta",
        # English
        "call back", "callback", "no answer", "not available", "voicemail", "busy",
        "thinking", "will think", "talked", "spoke", "follow up", "follow-up", "hung up",
        "waiting for reply",
    ],
)
#: Rule 2: a correct deal stays active while an interaction is logged at least this often.
INACTIVITY_DAYS = declare("rules.inactivity_days", 60)
#: Rule 2: what every deal must have to be correct (names from :data:`DEAL_FIELDS`).
DEAL_REQUIRED_FIELDS = declare(
    "rules.deal_required_fields", ["product_group", "stage", "contact", "comment", "lines"]
)
#: Kinds of timeline entries that are interactions with the client (rule 1 and rule 2).
INTERACTION_KINDS = declare("rules.interaction_kinds", ["call", "meeting", "email", "message"])
#: Seed 003: a won deal must be correct (stages may also require it: ``Stage.requires_correct_deal``).
WON_REQUIRES_CORRECT = declare("rules.won_requires_correct_deal", True)
#: Rule 2: one open deal per client per product group.
ONE_OPEN_DEAL_PER_GROUP = declare("rules.one_open_deal_per_product_group", True)
#: Days until a task created from a stage template is due, when the template names none.
TASK_DUE_DAYS = declare("rules.task_due_days", 1)
#: Reasons offered when a deal is lost (empty: the built-in list, translated).
LOST_REASONS: SettingSpec[list[str]] = declare("rules.lost_reasons", [])
#: Whether a lost deal needs a reason from the list (or free text when the list allows "other").
LOST_REASON_REQUIRED = declare("rules.lost_reason_required", True)
#: Reasons offered when a deal is won (empty: the built-in list, translated). A won deal keeps its
#: reason where a lost one keeps its: ``Deal.lost_reason``, the reason the deal was closed for.
WON_REASONS: SettingSpec[list[str]] = declare("rules.won_reasons", [])
#: Rule 4: which contact fields are required: "full" (seed 002) or "light" (name + phone or e-mail).
CONTACT_PRESET = declare("rules.contact_required_preset", "full")
#: Rule 4: refuse the e-mail addresses of the business's own users in client contacts.
REFUSE_OWN_EMAILS = declare("rules.refuse_own_emails", True)
#: Rule 5: how many identifying fields must match for two contacts to be duplicates.
DUPLICATE_MIN_MATCHES = declare("rules.duplicate_min_matches", 2)
#: Region for phone numbers typed without a country code (ISO 3166 code: "RU", "IT").
PHONE_REGION = declare("rules.phone_region", "RU")

DEFAULT_LOST_REASONS = (
    N_("Price too high"),
    N_("Chose a competitor"),
    N_("No budget"),
    N_("No longer needed"),
    N_("No response from the client"),
    N_("Postponed indefinitely"),
    N_("Duplicate deal"),
    N_("Other"),  # OTHER_REASON: needs a comment
)


DEFAULT_WON_REASONS = (
    N_("Best price"),
    N_("Quality of the product or service"),
    N_("Delivery times"),
    N_("Relationship with the client"),
    N_("Recommended by a client"),
    N_("Other"),
)


def won_reasons() -> list[str]:
    """The reasons offered when a deal is won, in the UI language when they are the built-in ones."""
    configured = WON_REASONS.get()
    if configured:
        return [str(reason) for reason in configured]
    return [_(reason) for reason in DEFAULT_WON_REASONS]


def lost_reasons() -> list[str]:
    """The reasons offered when a deal is lost, in the UI language when they are the built-in ones."""
    configured = LOST_REASONS.get()
    if configured:
        return [str(reason) for reason in configured]
    return [_(reason) for reason in DEFAULT_LOST_REASONS]


#: The catch-all reason: it says nothing by itself, so a comment must say what happened.
OTHER_REASON = N_("Other")


def reason_needs_comment(reason: str) -> bool:
    """"Other" (in any language the catalogs know, or as configured) needs a comment."""
    text = reason.strip().casefold()
    return text in {OTHER_REASON.casefold(), _(OTHER_REASON).casefold()}


# --- detailed comments (rule 3) -------------------------------------------------------------------

# Words are runs of letters and digits (apostrophes kept: "l'ha"); everything else separates them,
# so "follow-up", "follow up" and "Follow-Up!" read the same.
_NOT_WORD = re.compile(r"[^\w'’]+|_+", re.UNICODE)


def _words(folded: str) -> list[str]:
    return [word for word in _NOT_WORD.split(folded) if word.strip("'’")]


@dataclass(frozen=True, slots=True)
class CommentVerdict:
    """Whether a comment is detailed, and if not, a translated hint saying why."""

    detailed: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.detailed


@dataclass(frozen=True, slots=True)
class CommentPolicy:
    """The comment settings read once, for checking many texts (bulk refresh, a deal's timeline)."""

    min_words: int
    min_chars: int
    #: first word of a stop phrase → the phrases (as word tuples) starting with it, longest first
    fillers: dict[str, tuple[tuple[str, ...], ...]]


def comment_policy() -> CommentPolicy:
    phrases = {tuple(_words(fold(str(p)))) for p in COMMENT_STOP_PHRASES.get()}
    phrases.discard(())
    by_start: dict[str, list[tuple[str, ...]]] = {}
    for phrase in sorted(phrases, key=len, reverse=True):
        by_start.setdefault(phrase[0], []).append(phrase)
    return CommentPolicy(
        int(COMMENT_MIN_WORDS.get()),
        int(COMMENT_MIN_CHARS.get()),
        {word: tuple(found) for word, found in by_start.items()},
    )


def _enough_meaningful_words(words: list[str], policy: CommentPolicy) -> bool:
    """Are ``min_words`` words left once the filler phrases are taken out (longest phrase first)?"""
    kept, i, count = 0, 0, len(words)
    while i < count:
        for phrase in policy.fillers.get(words[i], ()):
            if tuple(words[i : i + len(phrase)]) == phrase:
                i += len(phrase)
                break
        else:
            kept += 1
            if kept >= policy.min_words:
                return True
            i += 1
    return kept >= policy.min_words


def is_detailed(text: str | None, policy: CommentPolicy | None = None) -> CommentVerdict:
    """Rule 3: does the comment say what was discussed and agreed?

    Detailed means: after trimming, at least ``rules.comment_min_chars`` characters and
    ``rules.comment_min_words`` words, and still that many words once the filler phrases of
    ``rules.comment_stop_phrases`` ("НД", "перезвонить", "non risponde", "call back", …) are
    taken out. "Перезвонить. Думает." is not detailed; "Обсудили КП на 40 000, клиент согласен
    на оплату двумя частями, договор в пятницу" is.
    """
    trimmed = (text or "").strip()
    if not trimmed:
        return CommentVerdict(False, _("The comment is empty."))
    policy = policy or comment_policy()
    min_chars, min_words = policy.min_chars, policy.min_words
    words = _words(fold(trimmed))
    if len(words) < min_words or len(trimmed) < min_chars:
        return CommentVerdict(
            False,
            ngettext(
                "Too short: say what was discussed and agreed (at least {words} word and "
                "{chars} characters).",
                "Too short: say what was discussed and agreed (at least {words} words and "
                "{chars} characters).",
                min_words,
            ).format(words=min_words, chars=min_chars),
        )
    if not _enough_meaningful_words(words, policy):
        return CommentVerdict(
            False,
            _(
                "Phrases such as “call back” or “no answer” are not a detailed comment: "
                "say what was discussed and agreed."
            ),
        )
    return CommentVerdict(True)


# --- deal correctness (rule 2) --------------------------------------------------------------------

#: How a custom deal field is named among required fields: ``cf_<key>``.
CUSTOM_PREFIX = "cf_"
#: The fields a deal (or a stage) can require, in the order they are reported.
DEAL_FIELDS: dict[str, str] = {
    "product_group": N_("product group"),
    "stage": N_("current stage"),
    "contact": N_("contact"),
    "comment": N_("detailed comment"),
    "lines": N_("a product line with an amount above zero"),
    "company": N_("company"),
    "responsible": N_("responsible"),
    "expected_close_date": N_("expected close date"),
}


def field_label(name: str) -> str:
    """The translated name of a deal field (for messages and hints); a custom field (``cf_<key>``)
    by its label."""
    label = DEAL_FIELDS.get(name)
    if label:
        return _(label)
    custom = custom_values.field_of_column(Entity.DEALS, name)
    return custom.label if custom is not None else name


def field_list(names: Iterable[str]) -> str:
    """Translated field names joined for a message: "product group, contact"."""
    return ", ".join(field_label(name) for name in names)


def ordered_fields(names: Iterable[str]) -> list[str]:
    """The fixed fields of ``names`` in report order, then its live custom deal fields in theirs."""
    wanted = set(names)
    fixed = [name for name in DEAL_FIELDS if name in wanted]
    if not any(name.startswith(CUSTOM_PREFIX) for name in wanted):
        return fixed
    return fixed + [f.column for f in custom_fields.fields(Entity.DEALS) if f.column in wanted]


def required_fields(stage: Stage | None) -> list[str]:
    """What a deal in ``stage`` must have: the business-wide list plus the stage's own fields."""
    names = set(DEAL_REQUIRED_FIELDS.get())
    if stage is not None:
        names.update(stage.required_fields or [])
    return ordered_fields(names)


def line_net_amount(price: Decimal, quantity: Decimal, discount_percent: Decimal) -> Decimal:
    """A line's amount after discount: gross rounded half-up, minus the rounded discount."""
    gross = money.round_money(money.to_decimal(price) * money.to_decimal(quantity))
    return gross - money.percent_of(gross, money.to_decimal(discount_percent))


def interaction_kinds() -> list[ActivityKind]:
    return [ActivityKind(kind) for kind in INTERACTION_KINDS.get()]


def counts_as_interaction(activity: Activity, policy: CommentPolicy | None = None) -> bool:
    """Rule 1/2: a done call, meeting, e-mail or message the client answered, with a detailed comment.

    A message the client never answered does not count, nor does "НД" as its comment.
    """
    return (
        activity.deleted_at is None
        and activity.kind in interaction_kinds()
        and activity.status == ActivityStatus.DONE
        and bool(activity.client_answered)
        and is_detailed(activity.body, policy).detailed
    )


def interaction_time(activity: Activity) -> dt.datetime:
    return activity.done_at or activity.created_at


def last_interaction(deal: Deal, policy: CommentPolicy | None = None) -> dt.datetime | None:
    """When the client was last reached with a detailed comment about it (from the timeline)."""
    candidates = Activity.alive().where(
        (Activity.deal == deal.id)
        & Activity.kind.in_(interaction_kinds())
        & (Activity.status == ActivityStatus.DONE)
        & (Activity.client_answered == True)  # noqa: E712 - SQL comparison
    )
    policy = policy or comment_policy()
    times = [interaction_time(a) for a in candidates if is_detailed(a.body, policy).detailed]
    return max(times) if times else None


def has_detailed_comment(deal: Deal, policy: CommentPolicy | None = None) -> bool:
    """The deal's own comment is detailed, or its timeline holds a detailed comment or interaction."""
    policy = policy or comment_policy()
    if is_detailed(deal.comment, policy).detailed:
        return True
    kinds = [ActivityKind.COMMENT, *interaction_kinds()]
    bodies = Activity.alive(Activity.body).where(
        (Activity.deal == deal.id)
        & Activity.kind.in_(kinds)
        & (Activity.status == ActivityStatus.DONE)
    )
    return any(is_detailed(row.body, policy).detailed for row in bodies)


def deal_missing_fields(
    deal: Deal,
    stage: Stage | None = None,
    lines: Sequence[DealLine] | None = None,
    policy: CommentPolicy | None = None,
) -> list[str]:
    """What the deal lacks to be correct in ``stage`` (its own stage by default), in report order."""
    stage = stage if stage is not None else Stage.get_or_none(Stage.id == deal.stage_id)

    def has(name: str) -> bool:
        if name == "stage":
            return not (
                stage is None or stage.deleted_at is not None or stage.pipeline_id != deal.pipeline_id
            )
        if name == "comment":
            return has_detailed_comment(deal, policy)
        if name == "lines":
            rows = deal.live_lines() if lines is None else lines
            return has_priced_line(
                line_net_amount(line.price, line.quantity, line.discount_percent) for line in rows
            )
        if name.startswith(CUSTOM_PREFIX):
            return name not in empty_custom()
        column = _FIELD_COLUMNS.get(name)
        return column is None or getattr(deal, column) is not None

    def empty_custom() -> set[str]:
        if not unfilled:  # the deal's custom values are read once, when one is required
            unfilled.append({f.column for f in custom_values.required_missing(
                deal.id, [n.removeprefix(CUSTOM_PREFIX) for n in required])})
        return unfilled[0]

    unfilled: list[set[str]] = []
    required = required_fields(stage)
    return missing_fields(required, has)


_FIELD_COLUMNS = {
    "product_group": "product_group_id", "contact": "contact_id", "company": "company_id",
    "responsible": "responsible_id", "expected_close_date": "expected_close_date",
}


def missing_fields(required: Iterable[str], has: Callable[[str], bool]) -> list[str]:
    """Rule 2 over plain values: the ``required`` fields (in report order) the deal lacks.
    ``has(name)`` is asked for required fields only (some answers read the timeline)."""
    return [name for name in required if not has(name)]


def has_priced_line(line_amounts: Iterable[Decimal]) -> bool:
    """The "lines" requirement: at least one line with an amount after discount above zero."""
    return any(amount > 0 for amount in line_amounts)


def deal_amount(line_amounts: Iterable[Decimal]) -> Decimal:
    """A deal's cached ``amount``: the sum of its lines' amounts after discount."""
    return money.round_money(sum(line_amounts, Decimal("0.00")))


def refresh_deal(
    deal: Deal, save: bool = True, stage: Stage | None = None,
    lines: Sequence[DealLine] | None = None,
) -> None:
    """Recompute the deal's cached amount, correctness and last interaction (inside a transaction).

    ``stage`` and ``lines``: the deal's stage and its current lines when the caller has them at
    hand (else they are read).
    """
    lines = deal.live_lines() if lines is None else lines
    policy = comment_policy()
    missing = deal_missing_fields(deal, stage=stage, lines=lines, policy=policy)
    deal.amount = deal_amount(
        line_net_amount(line.price, line.quantity, line.discount_percent) for line in lines
    )
    deal.missing_fields = missing
    deal.correct = not missing
    deal.last_interaction_at = last_interaction(deal, policy)
    if save:
        deal.save()


# --- active deals (rule 2) ------------------------------------------------------------------------


def activity_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Interactions before this moment no longer keep a deal active."""
    return (now or utcnow()) - dt.timedelta(days=int(INACTIVITY_DAYS.get()))


def is_active(deal: Deal, now: dt.datetime | None = None) -> bool:
    """Rule 2: correct, and the client was reached with a detailed comment within N days."""
    return bool(
        deal.correct
        and deal.last_interaction_at is not None
        and deal.last_interaction_at >= activity_cutoff(now)
    )


def active_condition(now: dt.datetime | None = None) -> Any:
    """A peewee condition selecting active deals from indexed columns only (no timeline scan)."""
    return (Deal.correct == True) & (Deal.last_interaction_at >= activity_cutoff(now))  # noqa: E712


def inactive_condition(now: dt.datetime | None = None) -> Any:
    """The complement of :func:`active_condition` (incorrect, never reached, or reached too long ago)."""
    return (
        (Deal.correct == False)  # noqa: E712
        | Deal.last_interaction_at.is_null()
        | (Deal.last_interaction_at < activity_cutoff(now))
    )


def active_column(now: dt.datetime | None = None) -> Any:
    """A select-able boolean column "is active" for list and board queries."""
    return peewee.Case(None, [(active_condition(now), True)], False).alias("is_active")


# --- stages ---------------------------------------------------------------------------------------


def stage_requires_correct(stage: Stage) -> bool:
    return bool(stage.requires_correct_deal) or (
        stage.kind == StageKind.WON and bool(WON_REQUIRES_CORRECT.get())
    )


# --- one open deal per client per product group (rule 2) --------------------------------------------


def ensure_single_open_deal(
    contact_id: uuid.UUID | None, product_group_id: uuid.UUID | None, exclude_id: uuid.UUID | None = None
) -> None:
    """Refuse a second open deal of the same client in the same product group, naming the first."""
    if not ONE_OPEN_DEAL_PER_GROUP.get() or contact_id is None or product_group_id is None:
        return
    query = Deal.alive().where(
        (Deal.contact == contact_id)
        & (Deal.product_group == product_group_id)
        & Deal.closed_at.is_null()
    )
    if exclude_id is not None:
        query = query.where(Deal.id != exclude_id)
    existing = query.order_by(Deal.created_at).first()
    if existing is not None:
        raise DuplicateDeal(
            _(
                "This client already has an open deal in this product group: “{title}”. "
                "Continue that deal, or choose another product group."
            ).format(title=existing.title),
            existing.id,
            existing.title,
        )
