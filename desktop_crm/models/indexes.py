"""Indexes of the list views, the board totals and the analytics reports (schema steps 5 and 6).

Measured on the 1,000,000-deal demo: without them the tasks list took 49 s to its first page,
invoices 20 s, counting incorrect deals 31 s, and the analytics reports 5–30 s each. Each index is
partial over live rows and lists the columns its query reads, so SQLite answers from the index
alone (a column named only in a partial index's WHERE does not count as covered in SQLite 3.40,
hence the trailing ``deleted_at``).
"""

from __future__ import annotations

from peewee import SQL

from desktop_crm.models.deals import Activity, Deal, StageChange
from desktop_crm.models.documents import Invoice, Quote
from desktop_crm.models.parties import Company, Contact, Lead

_live_deal = Deal.deleted_at.is_null()

# Lists: filters and sort orders the deals list offers.
Deal.add_index(Deal.correct, Deal.last_interaction_at, where=_live_deal)
Deal.add_index(Deal.amount, where=_live_deal)
Deal.add_index(Deal.expected_close_date, where=_live_deal)
Deal.add_index(Deal.responsible, Deal.created_at, where=_live_deal)
Deal.add_index(Deal.stage, Deal.created_at, where=_live_deal)
# Board: exact count and sum per currency of a stage column, from the index alone.
Deal.add_index(Deal.stage, Deal.currency, Deal.amount, Deal.deleted_at, where=_live_deal)
Activity.add_index(Activity.kind, Activity.due_at, where=Activity.deleted_at.is_null())
Quote.add_index(Quote.issue_date, where=Quote.deleted_at.is_null())
Invoice.add_index(Invoice.issue_date, where=Invoice.deleted_at.is_null())
Lead.add_index(Lead.created_at, where=Lead.deleted_at.is_null())
Contact.add_index(Contact.last_name, Contact.first_name, Contact.deleted_at,
                  where=Contact.deleted_at.is_null())
Company.add_index(Company.short_name, Company.deleted_at, where=Company.deleted_at.is_null())

# Analytics: deals created in a period, closed deals, open deals, and stays in stages.
Deal.add_index(
    Deal.pipeline, Deal.created_at, Deal.stage, Deal.currency, Deal.amount, Deal.id,
    Deal.deleted_at, where=_live_deal, name="deal_analytics_created",
)
Deal.add_index(
    Deal.pipeline, Deal.stage, Deal.responsible, Deal.lost_reason, Deal.currency,
    Deal.product_group, Deal.closed_at, Deal.amount, Deal.deleted_at,
    where=SQL('"deleted_at" IS NULL AND "closed_at" IS NOT NULL'), name="deal_analytics_closed",
)
Deal.add_index(
    Deal.pipeline, Deal.responsible, Deal.correct, Deal.last_interaction_at,
    Deal.expected_close_date, Deal.stage, Deal.currency, Deal.amount, Deal.closed_at,
    Deal.deleted_at, where=SQL('"deleted_at" IS NULL AND "closed_at" IS NULL'),
    name="deal_analytics_open",
)
Deal.add_index(Deal.id, where=Deal.deleted_at.is_null(False), name="deal_deleted_id")
StageChange.add_index(
    StageChange.deal, StageChange.changed_at, StageChange.from_stage, StageChange.to_stage,
    StageChange.deleted_at, name="stage_change_history_covering",
)
StageChange.add_index(
    StageChange.from_stage, StageChange.seconds_in_previous, StageChange.changed_at,
    StageChange.deal, StageChange.deleted_at, where=StageChange.deleted_at.is_null(),
    name="stage_change_analytics_stays",
)

# Analytics, schema step 6: the funnel and the conversion of a cohort group its deals by current
# stage and furthest step reached (``Deal.reached_order``), from this index alone.
Deal.add_index(
    Deal.pipeline, Deal.stage, Deal.reached_order, Deal.currency, Deal.created_at, Deal.amount,
    Deal.deleted_at, where=_live_deal, name="deal_analytics_reached",
)

# Analytics, schema step 20: time in stages counts and sums the stays that ended in the period from
# this index, one range of dates per stage (the index above serves their medians, in order of
# duration, without sorting).
StageChange.add_index(
    StageChange.from_stage, StageChange.changed_at, StageChange.seconds_in_previous,
    StageChange.deal, StageChange.deleted_at, where=StageChange.deleted_at.is_null(),
    name="stage_change_analytics_ended",
)
