"""The furthest step a deal has reached (``Deal.reached_order``, schema step 6), which the funnel and
the conversion read: the stage services keep it, schema step 6 backfills it from the history, and it
is rebuilt when an administrator reorders or re-kinds stages. On SQLite and PostgreSQL.

"Reached" = the highest ``sort_order`` among the live open and won stages of the deal's own
pipeline it has entered (its current stage and every stage it left). Lost stages are off the
ladder (a lost deal keeps the step it was lost from); moving back does not lower it; 0 when none.
"""

from __future__ import annotations

from pathlib import Path

from desktop_crm.models import Deal, Stage, StageKind
from desktop_crm.models.db import engine, open_database
from desktop_crm.models.migrations import STEPS
from desktop_crm.models.schema import current_version
from desktop_crm.services.data.demo import DemoOptions, build_demo
from desktop_crm.services.reporting import analytics
from desktop_crm.services.sales import deals, rules, stages
from desktop_crm.services.system import admin
from tests.analytics.conftest import Sales
from tests.rules.conftest import build_world

# By hand from the fixture table in conftest.py (New 10, Proposal 20, Negotiation 30, Won 40).
HAND = {
    "D1": 40, "D2": 20, "D3": 20, "D4": 10, "D5": 40, "D6": 0, "D7": 30, "D10": 20, "D11": 30,
    "D13": 40, "D8": 20, "D9": 40,
}


def reached() -> dict[str, int]:
    return dict(Deal.select(Deal.title, Deal.reached_order).tuples())


def stage_values(stage: Stage, **changes: object) -> dict[str, object]:
    values: dict[str, object] = {
        "name": stage.name, "kind": str(stage.kind), "probability": str(stage.probability),
        "color": stage.color, "task_templates": [], "required_fields": [],
    }
    values.update(changes)
    return values


def test_schema_step_6_backfills_the_furthest_step_from_the_stage_history(
    sales: Sales, any_db: object
) -> None:
    assert reached() == HAND
    # Make the database a step-5 one again (the column and its index gone), with the same data.
    db = any_db
    db.execute_sql('DROP INDEX "deal_analytics_reached"')
    db.execute_sql('ALTER TABLE "deal" DROP COLUMN "reached_order"')
    db.execute_sql('UPDATE "schema_version" SET "version" = 5')
    assert current_version(db) == 5

    with db.atomic():  # step 6 alone: later steps are already in this database
        STEPS[6](db, engine(db))

    assert reached() == HAND
    # the funnel reads it: D10 (back to New) reached Proposal, D2 (lost from Proposal) too
    funnel = analytics.funnel(sales.scope)
    assert [(r.stage.name, r.deals) for r in funnel.rows] == [
        ("New", 8), ("Proposal", 6), ("Negotiation", 3), ("Won", 2)
    ]


def test_the_stage_services_keep_it_through_moves_back_undo_lost_and_reopen(any_db: object) -> None:
    world = build_world()
    deal = deals.create_deal({"title": "Курс", "pipeline": world.pipeline.id}, world.manager)
    assert Deal.get_by_id(deal.id).reached_order == 1  # Квалификация

    def now() -> int:
        return Deal.get_by_id(deal.id).reached_order

    forward = stages.move_deal(deal.id, world.presentation, world.manager)
    assert now() == 2
    stages.undo_move(forward, world.manager)
    assert now() == 1  # the move is taken back exactly
    stages.move_deal(deal.id, world.presentation, world.manager)
    stages.move_deal(deal.id, world.qualification, world.manager)
    assert now() == 2  # back to the first stage: Презентация was still reached
    stages.move_deal(deal.id, world.lost, world.manager, lost_reason=rules.lost_reasons()[0])
    assert now() == 2  # lost from Квалификация after reaching Презентация: lost is off the ladder
    stages.reopen_deal(deal.id, world.qualification, world.admin)
    assert now() == 2
    # what the services kept is what the history says
    assert stages.recompute_reached(world.pipeline.id) == 1
    assert now() == 2


def test_reordering_stages_rebuilds_it_from_the_history(sales: Sales) -> None:
    admin.move_stage(sales.stages["Negotiation"].id, -1)  # New 0, Negotiation 1, Proposal 2, Won 3

    assert reached() == {
        "D1": 3, "D2": 2, "D3": 2, "D4": 0, "D5": 3, "D6": 0, "D7": 2, "D10": 2, "D11": 1,
        "D13": 3, "D9": 3,
        "D8": 20,  # another pipeline: untouched
    }
    report = analytics.funnel(sales.scope)
    assert [(r.stage.name, r.deals) for r in report.rows] == [
        ("New", 8), ("Negotiation", 6), ("Proposal", 5), ("Won", 2)
    ]
    for row in report.rows:
        assert row.filter.count() == row.deals

    # Proposal down past Won (orders 2 and 3 swap): only deals whose furthest step was 2 or 3 are
    # read again; D4, D6 (0) and D11 (1) lie below the change and keep theirs.
    admin.move_stage(sales.stages["Proposal"].id, 1)  # New 0, Negotiation 1, Won 2, Proposal 3
    assert reached() == {
        "D1": 3, "D2": 3, "D3": 3, "D4": 0, "D5": 2, "D6": 0, "D7": 3, "D10": 3, "D11": 1,
        "D13": 2, "D9": 2, "D8": 20,
    }


def test_a_stage_turned_lost_leaves_the_ladder_and_back(sales: Sales) -> None:
    negotiation = sales.stages["Negotiation"]
    admin.save_stage(negotiation.id, sales.pipeline.id, stage_values(negotiation, kind="lost"))

    # D7 was lost from Negotiation: now it got to Proposal; D11 sits in a lost stage: no step.
    assert reached() == {**HAND, "D7": 20, "D11": 0}

    negotiation = Stage.get_by_id(negotiation.id)
    assert negotiation.kind == StageKind.LOST
    admin.save_stage(negotiation.id, sales.pipeline.id, stage_values(negotiation, kind="open"))
    assert reached() == HAND


def test_the_demo_writes_what_the_history_says(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    build_demo(str(path), DemoOptions(deals=120, seed=5))
    db = open_database(str(path))
    try:
        written = dict(Deal.select(Deal.id, Deal.reached_order).tuples())
        assert len(written) == 120 and max(written.values()) > 0
        for pipeline_id in {p for (p,) in Deal.select(Deal.pipeline).distinct().tuples()}:
            stages.recompute_reached(pipeline_id)
        rebuilt = dict(Deal.select(Deal.id, Deal.reached_order).tuples())
        assert rebuilt == written
    finally:
        db.close()


def test_deleting_a_stage_takes_it_off_the_ladder(sales: Sales) -> None:
    boris = sales.users["Boris"]
    stages.move_deal(sales.deals["D11"].id, sales.stages["Proposal"], boris)  # back from Negotiation
    assert reached()["D11"] == 30

    admin.delete_stage(sales.stages["Negotiation"].id)

    # D7 (lost from Negotiation) and D11 now got as far as Proposal; D1 and D5 (won) keep Won.
    assert reached() == {**HAND, "D7": 20, "D11": 20}
