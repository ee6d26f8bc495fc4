"""The demo's deals: each one's story (stages reached, parties, lines, timeline, documents), its
converted lead, the open leads, and the numbering of the documents.

Derived columns are computed by the functions the application computes them with on save: the
deal's amount, correctness and reached step by :mod:`desktop_crm.services.sales.rules` and
:mod:`~desktop_crm.services.sales.stages`, document totals by the billing services
(:func:`desktop_crm.services.billing.documents.compute_totals`) and document numbers by
:mod:`desktop_crm.services.billing.numbering`.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from desktop_crm import countries, money, pricing
from desktop_crm.i18n import _
from desktop_crm.models.enums import DocumentType, VatMode
from desktop_crm.normalize import name_key, search_text
from desktop_crm.services.billing import documents as billing_documents
from desktop_crm.services.billing import numbering
from desktop_crm.services.data import demo_data
from desktop_crm.services.data.demo_base import (
    DEALS_PER_TRANSACTION,
    EMPTY,
    _Generator,
    _json,
    _Locale,
    _Person,
)
from desktop_crm.services.sales import rules, stages

#: A deal line as the demo draws it: product id, spec, price, quantity, discount %, VAT %, amount.
LineRow = tuple[Any, demo_data.ProductSpec, Decimal, int, int, int, Decimal]


@dataclass(slots=True)
class _DealStory:
    """What one deal's story has drawn so far (filled step by step by :meth:`_DealsBuilder._deal`)."""

    loc: _Locale
    created: dt.datetime
    pipeline_id: Any
    stage_ids: list[Any]
    stages: tuple[demo_data.StageSpec, ...]
    path: list[int]  # indexes of the stages entered, in order
    closed: bool
    won: bool
    needs_correct: bool = False
    entered: list[dt.datetime] = field(default_factory=list)  # when each stage of the path was
    responsible: Any = None
    group_id: Any = None
    products: list[tuple[Any, demo_data.ProductSpec, Decimal]] = field(default_factory=list)
    contact_id: Any = None
    company_id: Any = None
    person: _Person | None = None
    has_group: bool = True
    has_comment: bool = True
    has_lines: bool = True
    id: Any = None
    lines: list[LineRow] = field(default_factory=list)
    main_product: str = ""
    company_name: str = ""
    title: str = ""
    slots: dict[str, Any] = field(default_factory=dict)
    comment: str = ""
    lead_id: Any = None
    lost_reason: str = ""
    last_interaction: dt.datetime | None = None

    @property
    def code(self) -> str:
        return self.loc.code

    @property
    def closed_at(self) -> dt.datetime | None:
        return self.entered[-1] if self.closed else None

    @property
    def texts_ru(self) -> bool:
        return self.loc.code == "ru"


class _DealsBuilder(_Generator):
    """Deals, leads and documents (the bulk of the demo), on the ground of :class:`_Generator`."""

    def _deals(self, codes: list[str]) -> None:
        n = self.options.deals
        rng = self.rng
        ru_share = 0.65 if len(codes) == 2 else (1.0 if codes == ["ru"] else 0.0)
        self.required = rules.ordered_fields(rules.DEAL_REQUIRED_FIELDS.default)
        rank = 0
        for i in range(n):
            code = "ru" if rng.random() < ru_share else "it"
            created = self.moment((i + rng.random()) / max(n, 1))
            rank += 1024
            self._deal(self.locales[code], created, rank)
            if (i + 1) % 10_000 == 0:
                self.flush()
                self.progress(_("Deals"), i + 1, n)
            if (i + 1) % DEALS_PER_TRANSACTION == 0:
                self.commit()
        self.flush()
        if n % 10_000:
            self.progress(_("Deals"), n, n)

    def _deal(self, loc: _Locale, created: dt.datetime, rank: int) -> None:
        """One deal's story, step by step; each step draws from the generator in a fixed order."""
        story = self._deal_path(loc, created)
        self._deal_parties(story)
        story.id = self.new_id(created)
        self._deal_lines(story)
        self._deal_texts(story)
        self._stage_history(story)
        self._stage_tasks(story)
        self._interactions(story)
        self._deal_row(story, rank)
        self._deal_documents(story)

    def _deal_path(self, loc: _Locale, created: dt.datetime) -> _DealStory:
        """Where the deal got to, and when it entered each stage on the way."""
        rng = self.rng
        pid, spec, stage_ids, _w = (loc.pipelines[0] if len(loc.pipelines) == 1 or rng.random() < 0.7
                                    else loc.pipelines[1])
        kinds = [s.kind for s in spec.stages]
        open_indexes = [k for k, kind in enumerate(kinds) if kind == "open"]
        age_days = (self.now - created).total_seconds() / 86400
        closed = rng.random() < min(0.85, age_days / 200)
        won = closed and rng.random() < 0.42
        if won:  # stages may be skipped on the way to a win (moves between open stages are free)
            later = open_indexes[1:]
            path = [open_indexes[0], *sorted(rng.sample(later, min(len(later), rng.randrange(1, 3))))]
        else:
            path = open_indexes[:1 + min(int(rng.expovariate(1.0)), len(open_indexes) - 1)]
        if closed:
            path = [*path, kinds.index("won" if won else "lost")]
        story = _DealStory(loc, created, pid, stage_ids, spec.stages, path, closed, won)
        story.needs_correct = (any(spec.stages[k].requires_correct for k in path)
                               and spec.stages[path[-1]].kind != "lost")
        # Stage timing: dwell times squeezed into the deal's age.
        dwell = [rng.expovariate(1 / 9.0) + 0.2 for _ in path[1:]]
        # An open deal entered its current stage days or weeks ago (so its tasks are partly due).
        budget = age_days * 0.97 if closed else max(0.0, age_days - rng.expovariate(1 / 12))
        if sum(dwell) > budget:
            factor = budget / sum(dwell)
            dwell = [d * factor for d in dwell]
        story.entered = [created]
        for days in dwell:
            story.entered.append(story.entered[-1] + dt.timedelta(seconds=int(days * 86400) + 60))
        return story

    def _deal_parties(self, story: _DealStory) -> None:
        """Who sells what to whom; one open deal per contact and product group."""
        rng, loc = self.rng, story.loc
        story.responsible = rng.choices(loc.users, loc.user_weights)[0]
        group_index = rng.randrange(len(loc.groups))
        story.group_id, _group_name, story.products = loc.groups[group_index]
        contact_pick = None
        for _attempt in range(6):
            ci = rng.randrange(len(loc.contacts))
            key = (loc.code, ci * 16 + group_index)
            if story.closed or key not in self.open_slots:
                contact_pick = ci
                if not story.closed:
                    self.open_slots.add(key)
                break
        if contact_pick is None:  # every try collided with an open deal: keep this one closed-lost
            kinds = [s.kind for s in story.stages]
            story.closed, story.won = True, False
            story.path = [*[k for k, kind in enumerate(kinds) if kind == "open"][:1], kinds.index("lost")]
            story.needs_correct = False
            age_days = (self.now - story.created).total_seconds() / 86400
            story.entered = [story.created, story.created + dt.timedelta(days=min(3.0, age_days * 0.5),
                                                                         seconds=60)]
            contact_pick = rng.randrange(len(loc.contacts))
        story.contact_id, story.company_id, story.person = loc.contacts[contact_pick]
        # Completeness: only early or lost deals may lack something (later stages require it).
        needs = story.needs_correct
        story.has_group = needs or rng.random() > 0.04
        has_contact = needs or rng.random() > 0.03
        story.has_comment = needs or rng.random() > 0.10
        story.has_lines = needs or rng.random() > 0.06
        if not has_contact:
            story.contact_id = story.company_id = None

    def _deal_lines(self, story: _DealStory) -> None:
        rng, v = self.rng, self.values
        created = story.created
        if story.has_lines:
            n_lines = 1 if rng.random() < 0.55 else 2 if rng.random() < 0.65 else 3
        else:
            n_lines = 1 if rng.random() < 0.3 else 0
        story.main_product = story.products[0][1].name
        story.slots["qty"] = 1
        for order in range(n_lines):
            prid, pspec, price = rng.choice(story.products)
            qty = rng.choice(pspec.quantities)
            discount = rng.choice((0, 0, 0, 0, 5, 10, 15)) if story.has_lines else 100
            vat = pspec.vat if not (story.code == "ru" and pspec.vat == 22 and created.year < 2026) else 20
            line_amount = self.line_amount(price, qty, discount)
            if order == 0:
                story.main_product, story.slots["qty"] = pspec.name, qty
            story.lines.append((prid, pspec, price, qty, discount, vat, line_amount))
            lts = v.ts(created)
            self.t_line.add((self.new_id(created), lts, lts, story.id, prid, pspec.name,
                             qty * 1000, pspec.unit, pspec.unit_code, money.to_minor_units(price, 2),
                             discount * 100, vat * 100, order))

    def _deal_texts(self, story: _DealStory) -> None:
        """The deal's title and comment, and the lead it was converted from (45 % of deals)."""
        rng, loc, code = self.rng, story.loc, story.code
        person = story.person
        assert person is not None
        picked = loc.company_names[rng.randrange(len(loc.company_names))]
        # the deal's own company names it (and is the buyer its documents print); a private
        # client's deal keeps a name drawn for its title only
        story.company_name = loc.company_name_of.get(story.company_id, picked)
        titles = demo_data.RU_DEAL_TITLES if code == "ru" else demo_data.IT_DEAL_TITLES
        short_product = story.main_product.split(",")[0]
        story.title = rng.choice(titles).format(product=short_product, company=story.company_name)[:300]
        first = f"{person.first} {person.middle}".strip() if code == "ru" else person.first
        story.slots = {"person": first, "product": short_product, "qty": story.slots["qty"],
                       "discount": rng.choice((3, 5, 7, 10)), "a": "а" if person.female else ""}
        filler_texts = demo_data.RU_FILLER if code == "ru" else demo_data.IT_FILLER
        if story.has_comment:
            story.comment = self.deal_note(code, story.slots, story.created)
        else:
            story.comment = rng.choice(filler_texts) if rng.random() < 0.5 else ""
        if rng.random() < 0.45:
            story.lead_id = self._converted_lead(
                loc, story.created, person, story.contact_id, story.company_name, short_product,
                story.responsible, functools.partial(self._detailed_text, story))

    def _detailed_text(self, story: _DealStory, at: dt.datetime) -> str:
        """A detailed comment on a conversation with the client at ``at`` (what rule 1 counts)."""
        rng = self.rng
        story.slots["date"] = self.date_text(
            story.code, (at + dt.timedelta(days=rng.randrange(2, 15))).date())
        texts = demo_data.RU_DETAILED if story.code == "ru" else demo_data.IT_DETAILED
        return rng.choice(texts).format(**story.slots)

    def _stage_history(self, story: _DealStory) -> None:
        """The creation entry and one stage change (with its timeline entry) per stage entered."""
        rng, v = self.rng, self.values
        path, stage_ids, created, author = story.path, story.stage_ids, story.created, story.responsible
        ats = v.ts(created)
        stage_names = [story.stages[k].name for k in path]
        self.t_activity.add((self.new_id(created), ats, ats, "stage_change", "", "", None, ats, "done",
                             author, None, v.false, story.id, None, None, stage_ids[path[0]],
                             self.payload("created", "", stage_names[0], "open", "")))
        self.t_change.add((self.new_id(created), ats, ats, story.id, None, stage_ids[path[0]], ats,
                           author, 0))
        for step in range(1, len(path)):
            at = story.entered[step]
            t = v.ts(at)
            seconds = int((at - story.entered[step - 1]).total_seconds())
            to_stage = story.stages[path[step]]
            if to_stage.kind == "lost":
                story.lost_reason = rng.choice(
                    demo_data.RU_LOST_REASONS if story.code == "ru" else demo_data.IT_LOST_REASONS)
            elif to_stage.kind == "won":  # why it was won (no draw: the seed's stream stays as it was)
                reasons = demo_data.RU_WON_REASONS if story.code == "ru" else demo_data.IT_WON_REASONS
                story.lost_reason = reasons[(at.toordinal() + len(path)) % len(reasons)]
            payload = self.payload("moved", stage_names[step - 1], stage_names[step], to_stage.kind,
                                   story.lost_reason)
            self.t_change.add((self.new_id(at), t, t, story.id, stage_ids[path[step - 1]],
                               stage_ids[path[step]], t, author, seconds))
            self.t_activity.add((self.new_id(at), t, t, "stage_change", "", "", None, t, "done", author,
                                 None, v.false, story.id, None, None, stage_ids[path[step]], payload))

    def _stage_tasks(self, story: _DealStory) -> None:
        """Tasks from the stage templates: done or cancelled in stages left, planned in the current one.

        The current stage shows all its tasks; the stage left last its first one (done, or
        cancelled when the deal moved on). Older stages' tasks are not kept in the demo.
        """
        path = story.path
        for step, k in enumerate(path):
            stage = story.stages[k]
            at = story.entered[step]
            left_at = story.entered[step + 1] if step + 1 < len(path) else None
            if left_at is None:
                templates = stage.tasks
            elif step == len(path) - 2:
                templates = stage.tasks[:1]
            else:
                continue
            for subject, due_days in templates:
                if left_at is not None:
                    self._task_left(story, k, at, left_at, subject, due_days)
                elif not story.closed:
                    self._task_open(story, k, at, subject, due_days)

    def _task_left(self, story: _DealStory, k: int, at: dt.datetime, left_at: dt.datetime,
                   subject: str, due_days: int) -> None:
        """A task of a stage the deal has left: done (mostly) or cancelled when it moved on."""
        rng, v = self.rng, self.values
        due = at + dt.timedelta(days=due_days)
        t = v.ts(at)
        done = rng.random() < 0.8 and due - dt.timedelta(days=due_days) < left_at
        done_at = min(left_at, at + dt.timedelta(hours=rng.randrange(2, 24 * due_days + 3)))
        self.t_activity.add((self.new_id(at), t, t, "task", subject, "", v.ts(due),
                             v.ts(done_at if done else left_at), "done" if done else "cancelled",
                             story.responsible, story.responsible, v.false, story.id, None, None,
                             story.stage_ids[k], EMPTY))

    def _task_open(self, story: _DealStory, k: int, at: dt.datetime, subject: str, due_days: int) -> None:
        """A task of an open deal's current stage: done, planned, overdue or rescheduled."""
        rng, v, now = self.rng, self.values, self.now
        due = at + dt.timedelta(days=due_days)
        t = v.ts(at)
        author = story.responsible
        if due < now and rng.random() < 0.55:
            done_at = min(now, due - dt.timedelta(hours=rng.randrange(0, 20)))
            done_at = max(done_at, at)
            self.t_activity.add((self.new_id(at), t, t, "task", subject, "", v.ts(due), v.ts(done_at),
                                 "done", author, author, v.false, story.id, None, None,
                                 story.stage_ids[k], EMPTY))
            return
        if due < now and rng.random() < 0.5:  # rescheduled to the coming days
            due = now.replace(hour=10) + dt.timedelta(days=rng.randrange(1, 11))
        self.t_activity.add((self.new_id(at), t, t, "task", subject, "", v.ts(due), None, "planned",
                             author, author, v.false, story.id, None, None, story.stage_ids[k], EMPTY))

    def _interactions(self, story: _DealStory) -> None:
        """Calls, meetings, e-mails, messages; answered detailed ones keep the deal active (rule 1)."""
        rng, v, created, code = self.rng, self.values, story.created, story.code
        end = story.closed_at or self.now
        span = max((end - created).total_seconds(), 3600.0)
        n_interactions = 1 + int(rng.expovariate(1.5))
        subjects = demo_data.RU_INTERACTION_SUBJECTS if code == "ru" else demo_data.IT_INTERACTION_SUBJECTS
        filler_texts = demo_data.RU_FILLER if code == "ru" else demo_data.IT_FILLER
        moments = sorted(created + dt.timedelta(seconds=int(span * rng.random()))
                         for _ in range(n_interactions))
        author = story.responsible
        if story.has_comment and rng.random() < 0.15:
            t = v.ts(created)
            self.t_activity.add((self.new_id(created), t, t, "comment", "", story.comment, None, t,
                                 "done", author, None, v.false, story.id, None, None, None, EMPTY))
        for at in moments:
            kind = rng.choice(("call", "call", "call", "email", "meeting", "message"))
            is_detailed = story.has_comment and rng.random() < 0.72
            body = self._detailed_text(story, at) if is_detailed else rng.choice(filler_texts)
            answered = (is_detailed and (kind != "message" or rng.random() < 0.8)) or (
                not is_detailed and kind in ("call", "meeting") and rng.random() < 0.3)
            t = v.ts(at)
            self.t_activity.add((self.new_id(at), t, t, kind, rng.choice(subjects[kind]), body, None, t,
                                 "done", author, None, v.boolean(answered), story.id, None,
                                 story.contact_id, None, EMPTY))
            if is_detailed and answered:
                last = story.last_interaction
                story.last_interaction = at if last is None or at > last else last

    def _deal_row(self, story: _DealStory, rank: int) -> None:
        """The deal itself, with its derived columns as the rules compute them on save."""
        v = self.values
        present = {"stage"}
        if story.has_group:
            present.add("product_group")
        if story.contact_id is not None:
            present.add("contact")
        if story.has_comment:  # its comment is written from the detailed texts
            present.add("comment")
        if rules.has_priced_line(line[6] for line in story.lines):
            present.add("lines")
        missing = rules.missing_fields(self.required, present.__contains__)
        amount = rules.deal_amount(line[6] for line in story.lines)
        reached = functools.reduce(
            lambda top, k: stages.reach(top, story.stages[k].kind, k), story.path, 0)
        current = story.stages[story.path[-1]]
        last_entered = story.entered[-1]
        closed_at = story.closed_at
        expected = (closed_at.date() if closed_at else
                    (last_entered + dt.timedelta(days=self.rng.randrange(14, 120))).date())
        created = story.created
        updated = max(last_entered, story.last_interaction or created)
        self.t_deal.add((
            story.id, v.ts(created), v.ts(updated), story.title, story.pipeline_id,
            story.stage_ids[story.path[-1]], story.contact_id, story.company_id, story.responsible,
            story.group_id if story.has_group else None, story.loc.currency,
            money.to_minor_units(amount, 2), v.date(expected),
            money.to_minor_units(current.probability, money.PERCENT_PLACES), story.lead_id,
            story.lost_reason, story.comment, v.ts(closed_at), v.ts(last_entered),
            v.ts(story.last_interaction), v.boolean(not missing), _json(missing), rank,
            self.fold_cached(story.title), reached))

    def _deal_documents(self, story: _DealStory) -> None:
        """Quotes from the proposal stage on, invoices at closing and for won deals."""
        rng, stages_, path = self.rng, story.stages, story.path
        roles = {stages_[k].role: story.entered[step] for step, k in enumerate(path) if stages_[k].role}
        closed, won = story.closed, story.won
        parties = (story.id, story.contact_id, story.company_id, story.company_name, story.responsible)
        quote_id = None
        if "proposal" in roles and story.lines and rng.random() < 0.35:
            status = ("accepted" if won else "rejected" if closed else
                      "sent" if rng.random() < 0.7 else "draft")
            quote_id = self._document(story.loc, "quote", roles["proposal"], *parties, story.lines, status)
        if (won and rng.random() < 0.6) or ("closing" in roles and not closed and rng.random() < 0.25):
            at = story.closed_at if won else roles["closing"]
            assert at is not None
            status = ("draft" if not won else
                      rng.choice(("paid", "paid", "paid", "issued", "partially_paid")))
            self._document(story.loc, "invoice", at, *parties, story.lines, status, quote_id)
        if won and story.created > self.now - dt.timedelta(days=30):
            self.closed_for_notification.append(
                (story.loc.heads[story.responsible], story.id, story.title, story.entered[-1]))

    def _converted_lead(self, loc: _Locale, deal_created: dt.datetime, person: _Person, contact_id: Any,
                        company_name: str, product: str, responsible: Any,
                        detailed: Callable[[dt.datetime], str]) -> Any:
        rng, v, code = self.rng, self.values, loc.code
        created = deal_created - dt.timedelta(seconds=rng.randrange(3600, 10 * 86400))
        lead_id = self.new_id(created)
        titles = demo_data.RU_LEAD_TITLES if code == "ru" else demo_data.IT_LEAD_TITLES
        title = rng.choice(titles).format(product=product, company=company_name)[:300]
        self._lead_row(loc, lead_id, created, person, title, "converted", company_name, contact_id,
                       responsible, deal_created)
        call_at = created + (deal_created - created) / 2
        t = v.ts(call_at)
        subjects = demo_data.RU_INTERACTION_SUBJECTS if code == "ru" else demo_data.IT_INTERACTION_SUBJECTS
        self.t_activity.add((self.new_id(call_at), t, t, "call", subjects["call"][0], detailed(call_at),
                             None, t, "done", responsible, None, v.true, None, lead_id, None, None,
                             EMPTY))
        return lead_id

    def _lead_row(self, loc: _Locale, lead_id: Any, created: dt.datetime, p: _Person, title: str,
                  status: str, company_name: str, contact_id: Any, responsible: Any,
                  converted_at: dt.datetime | None) -> None:
        rng, v, code = self.rng, self.values, loc.code
        mobile, mobile_e164 = self.mobile(code)
        latin = (demo_data.translit(p.last) if code == "ru"
                 else p.last.lower().replace(" ", "").replace("'", ""))
        private = f"{latin}{rng.randrange(1, 99)}@" + rng.choice(
            demo_data.RU_MAIL_DOMAINS if code == "ru" else demo_data.IT_MAIL_DOMAINS)
        full = " ".join(x for x in (p.last, p.first, p.middle) if x)
        ts = v.ts(created)
        self.t_lead.add((
            lead_id, ts, v.ts(converted_at or created), p.last, p.first, p.middle, None, mobile,
            mobile_e164, "", "", private, "", name_key(p.last, p.first, p.middle),
            search_text(title, full, company_name, mobile_e164, private),
            title, rng.choice(demo_data.RU_SOURCES if code == "ru" else demo_data.IT_SOURCES), status,
            company_name,
            contact_id, responsible, "", v.ts(converted_at)))

    def _open_leads(self, codes: list[str]) -> None:
        """Leads not converted (yet): new and in progress are recent, junk ones any age."""
        rng, v = self.rng, self.values
        n = max(6, self.options.deals // 8)
        for i in range(n):
            code = rng.choice(codes)
            loc = self.locales[code]
            status = rng.choice(("new", "new", "in_progress", "in_progress", "in_progress", "junk"))
            fraction = 1 - rng.random() * (0.06 if status != "junk" else 0.9)
            created = min(self.moment(fraction), self.now - dt.timedelta(hours=1))
            person = self.person(code)
            company_name = rng.choice(loc.company_names) if rng.random() < 0.6 else ""
            product = rng.choice(rng.choice(loc.groups)[2])[1].name.split(",")[0]
            titles = demo_data.RU_LEAD_TITLES if code == "ru" else demo_data.IT_LEAD_TITLES
            title = rng.choice(titles).format(product=product, company=company_name or person.last)
            lead_id = self.new_id(created)
            responsible = rng.choices(loc.users, loc.user_weights)[0]
            self._lead_row(loc, lead_id, created, person, title, status, company_name, None,
                           responsible, None)
            if status != "new":
                at = created + dt.timedelta(hours=rng.randrange(1, 30))
                at = min(at, self.now)
                t = v.ts(at)
                filler = demo_data.RU_FILLER if code == "ru" else demo_data.IT_FILLER
                body = rng.choice(filler)
                self.t_activity.add((self.new_id(at), t, t, "call", "", body, None, t, "done",
                                     responsible, None, v.false, None, lead_id, None, None, EMPTY))
            if (i + 1) % 20_000 == 0:
                self.flush()
        self.flush()

    # -- documents --

    def _totals(self, loc: _Locale, line_rows: list[LineRow]) -> pricing.Totals:
        """A document's line and header totals, as the billing services compute them on save."""
        rows = [{"quantity": Decimal(qty), "price": price, "discount_percent": Decimal(discount),
                 "vat_rate": Decimal(vat)} for _p, _s, price, qty, discount, vat, _a in line_rows]
        vat_mode = VatMode.ON_TOP if loc.vat_on_top else VatMode.INCLUDED
        return billing_documents.compute_totals(loc.code.upper(), vat_mode, rows)

    def _pattern(self, code: str, kind: str) -> str:
        """The number pattern the numbering service gives a new series by default."""
        return numbering.DEFAULT_PATTERNS[code.upper(), DocumentType(kind)]

    def _document(self, loc: _Locale, kind: str, at: dt.datetime, deal_id: Any, contact_id: Any,
                  company_id: Any, company_name: str, author: Any,
                  line_rows: list[tuple[Any, ...]], status: str, quote_id: Any = None) -> Any:
        rng, v, code = self.rng, self.values, loc.code
        doc_id = self.new_id(at)
        t = v.ts(at)
        issue_date = at.date()
        if code == "ru":  # the document carries the rate in force on its date (20 % → 22 % in 2026)
            in_force = 22 if issue_date.year >= 2026 else 20
            line_rows = [(prid, pspec, price, qty, discount, in_force if vat in (20, 22) else vat, amount)
                         for prid, pspec, price, qty, discount, vat, amount in line_rows]
        line_table = self.t_quote_line if kind == "quote" else self.t_invoice_line
        totals = self._totals(loc, line_rows)
        subtotal, vat_total, total = totals.subtotal, totals.vat_total, totals.grand_total
        for order, ((prid, pspec, price, qty, discount, vat, _amount), result) in enumerate(
                zip(line_rows, totals.lines, strict=True)):
            line_table.add((self.new_id(at), t, t, doc_id, prid, pspec.name, qty * 1000, pspec.unit,
                            pspec.unit_code, money.to_minor_units(price, 2), discount * 100, vat * 100,
                            order, money.to_minor_units(result.net, 2),
                            money.to_minor_units(result.vat, 2), money.to_minor_units(result.total, 2)))
        numbered = status != "draft"
        year = issue_date.year
        buyer: dict[str, str] = {}  # the buyer is the deal's party itself (no name over it)
        parties = (deal_id, loc.own_company, contact_id, company_id, author)
        body = (v.date(issue_date) if numbered else None, code, loc.currency,
                "on_top" if loc.vat_on_top else "included", money.to_minor_units(subtotal, 2),
                money.to_minor_units(vat_total, 2), money.to_minor_units(total, 2), _json(buyer))
        if kind == "quote":
            valid = issue_date + dt.timedelta(days=14 if code == "ru" else 30)
            tail: tuple[Any, ...] = (status, v.date(valid), t if numbered else None)
        else:
            # the days to pay the documents settings give by default
            due_days = countries.country(code).invoice_due_days
            due = issue_date + dt.timedelta(days=due_days)
            paid = Decimal("0.00")
            if status in ("paid", "partially_paid"):
                if status == "paid" and rng.random() < 0.7:
                    parts = [total]
                else:  # half now; a paid invoice got the rest later
                    half = money.round_money(total * Decimal("0.5"))
                    parts = [half, total - half] if status == "paid" else [half]
                for index, part in enumerate(parts):
                    paid_on = issue_date + dt.timedelta(days=rng.randrange(1, 20) + 10 * index)
                    paid_on = min(paid_on, self.now.date())
                    pt = v.ts(dt.datetime.combine(paid_on, dt.time(12)))
                    self.t_payment.add((self.new_id(at), pt, pt, doc_id, v.date(paid_on),
                                        money.to_minor_units(part, 2),
                                        "Платёжное поручение" if code == "ru" else "Bonifico"))
                    paid += part
            tail = (quote_id, status, v.date(due), "", year if numbered else None, None,
                    money.to_minor_units(paid, 2), t if numbered else None)
        if numbered:
            # Numbers are gapless and chronological per seller, type and year: they are given
            # once every document is known (``_number_documents``).
            self.pending_documents.append((at, doc_id, kind, code, year, t, parties, body, tail,
                                           self.new_id(at)))
        else:
            table = self.t_quote if kind == "quote" else self.t_invoice
            table.add((doc_id, t, t, *parties, "", *body, *tail))
        return doc_id

    def _number_documents(self) -> None:
        v = self.values
        self.pending_documents.sort(key=lambda doc: (doc[0], doc[1]))
        for _at, doc_id, kind, code, year, t, parties, body, tail, activity_id in self.pending_documents:
            key = (parties[1], kind, year)
            sequence = self.sequence_counters.get(key, 0) + 1
            self.sequence_counters[key] = sequence
            number = numbering.format_number(self._pattern(code, kind), sequence, year)
            if kind == "quote":
                self.t_quote.add((doc_id, t, t, *parties, number, *body, *tail))
            else:
                tail = (*tail[:5], sequence, *tail[6:])
                self.t_invoice.add((doc_id, t, t, *parties, number, *body, *tail))
            payload = {"document_type": kind, "document_id": v.uuid_text(doc_id), "number": number,
                       "language": code}
            self.t_activity.add((activity_id, t, t, "document", "", "", None, t, "done", parties[4],
                                 None, v.false, parties[0], None, None, None, _json(payload)))
        self.pending_documents.clear()
        self.flush()

    def _sequences_and_notifications(self) -> None:
        v = self.values
        t = v.ts(self.now)
        for (own, kind, year), last in sorted(self.sequence_counters.items(),
                                              key=lambda item: (item[0][1], item[0][2], str(item[0][0]))):
            pattern = self._pattern("ru" if own == self.locales.get("ru", _Locale("")).own_company
                                    else "it", kind)
            self.t_sequence.add((self.new_id(self.now), t, t, own, kind, year, "", pattern, last + 1))
        # the FatturaPA transmission counter continues after the demo's Italian invoices, each of
        # which got one transmission number (demo_freeze): the app's next file never repeats one
        italian = self.locales["it"].own_company if "it" in self.locales else None
        sent = sum(last for (own, kind, _year), last in self.sequence_counters.items()
                   if own == italian and kind == "invoice")
        if sent:
            self.t_sequence.add((self.new_id(self.now), t, t, italian, "fatturapa_transmission", 0, "",
                                 "{seq}", sent + 1))
        for head, deal_id, title, closed_at in self.closed_for_notification[-200:]:
            ct = v.ts(closed_at)
            self.t_notification.add((self.new_id(closed_at), ct, ct, head, title[:300], "", "deal",
                                     v.uuid_text(deal_id)))
