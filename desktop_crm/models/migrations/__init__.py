"""Numbered schema steps. ``STEPS[n]`` turns a version ``n-1`` database into version ``n``.

Steps use frozen SQL or frozen lists of names, never the live models, so that later model changes
cannot alter what an old step does. Step 1 is the first released schema (built from its frozen SQL,
used to create version-1 databases such as the upgrade-test fixture).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import peewee

from desktop_crm.models.search import create_search_index

Step = Callable[[peewee.Database, str], None]
HERE = Path(__file__).resolve().parent


def _run_sql_file(db: peewee.Database, path: Path) -> None:
    statements = [s.strip() for s in path.read_text(encoding="utf-8").split(";\n") if s.strip()]
    for statement in statements:
        lines = [line for line in statement.splitlines() if not line.startswith("--")]
        if lines:
            db.execute_sql("\n".join(lines).rstrip(";"))


def step_0001_initial(db: peewee.Database, engine: str) -> None:
    _run_sql_file(db, HERE / f"v0001_{engine}.sql")


def step_0002_search_index(db: peewee.Database, engine: str) -> None:
    """Full-text search over contacts, companies, deals, leads and products."""
    create_search_index(db, engine, tables=("contact", "company", "deal", "lead", "product"))


def step_0003_sales_rules(db: peewee.Database, engine: str) -> None:
    """Sales rules: "not a duplicate" decisions, and the index of the rules report."""
    _run_sql_file(db, HERE / f"v0003_{engine}.sql")


def step_0004_documents(db: peewee.Database, engine: str) -> None:
    """Documents: print texts and toggles, frozen context, natura codes, clients' SDI address."""
    _run_sql_file(db, HERE / f"v0004_{engine}.sql")


def step_0005_list_and_report_indexes(db: peewee.Database, engine: str) -> None:
    """Indexes of the list views (filters, sorts) and the analytics reports at a million deals."""
    _run_sql_file(db, HERE / f"v0005_{engine}.sql")


def step_0006_reached_order(db: peewee.Database, engine: str) -> None:
    """Each deal's furthest step reached (``deal.reached_order``), backfilled from the stage
    history, and the index the funnel and the conversion read it through."""
    _run_sql_file(db, HERE / f"v0006_{engine}.sql")


def step_0007_roles_and_rights(db: peewee.Database, engine: str) -> None:
    """Roles and rights (``access_role``, ``role_scope``), the four preset roles with their fixed
    ids, each user's role (from the old ``user.role``), sign-in login and local password hash."""
    _run_sql_file(db, HERE / f"v0007_{engine}.sql")


def step_0008_document_parties(db: peewee.Database, engine: str) -> None:
    """A deal's seller (``deal.own_company``) and a private client's fiscal data and address
    (``contact.country``, ``fiscal_code``, ``inn``, ``address``, ``postal_code``, ``city``,
    ``province``), so documents can be issued to private persons of each country; the invoice a
    credit note credits (``invoice.credit_for``)."""
    _run_sql_file(db, HERE / f"v0008_{engine}.sql")


def step_0009_issued_papers(db: peewee.Database, engine: str) -> None:
    """Issued papers of the kinds declared as data (``issued_paper``): акт, УПД, договор, DDT."""
    _run_sql_file(db, HERE / f"v0009_{engine}.sql")


def step_0010_paper_series_and_cancel(db: peewee.Database, engine: str) -> None:
    """An issued paper's device series (offline numbering never collides) and its cancellation
    (``cancelled_at``, ``cancelled_by``, ``cancel_reason``)."""
    _run_sql_file(db, HERE / f"v0010_{engine}.sql")


def step_0011_import_batches(db: peewee.Database, engine: str) -> None:
    """Import batches (``import_batch``, ``import_batch_item``): what each import created and the
    before-image of what it merged, so an import can be undone. Local bookkeeping, never synced."""
    _run_sql_file(db, HERE / f"v0011_{engine}.sql")


def step_0012_mail(db: peewee.Database, engine: str) -> None:
    """E-mail: each user's mail account (``mail_account``; the password stays in the keyring),
    messages sent and received with the outbox's state (``mail_message``) and their attachments
    (``mail_attachment``)."""
    _run_sql_file(db, HERE / f"v0012_{engine}.sql")


def step_0013_bank_statements(db: peewee.Database, engine: str) -> None:
    """Bank statements (``bank_statement``, ``bank_line``: the incoming lines of an imported
    statement, each with its stable key, status and the payment it produced) and the key of the
    statement line a payment was registered from (``payment.bank_key``)."""
    _run_sql_file(db, HERE / f"v0013_{engine}.sql")


def step_0014_pec_account(db: peewee.Database, engine: str) -> None:
    """A mail account may be a PEC mailbox (``mail_account.pec``): FatturaPA files go to SDI from it."""
    _run_sql_file(db, HERE / f"v0014_{engine}.sql")


def step_0015_sales_plans(db: peewee.Database, engine: str) -> None:
    """Sales plans (``sales_plan``): a target per manager or head's team, per month or quarter,
    optionally per pipeline, as an amount in one currency or a count of won deals."""
    _run_sql_file(db, HERE / f"v0015_{engine}.sql")


def step_0016_contact_photo(db: peewee.Database, engine: str) -> None:
    """A contact's photo (``contact.photo``: a PNG or JPEG of at most 256 px a side, synced)."""
    _run_sql_file(db, HERE / f"v0016_{engine}.sql")


def step_0017_custom_fields(db: peewee.Database, engine: str) -> None:
    """Custom fields (``custom_field``) of deals, contacts, companies, leads and products, and their
    values (``custom_value``: one row per field and record, its id derived from both)."""
    _run_sql_file(db, HERE / f"v0017_{engine}.sql")


def step_0018_field_history(db: peewee.Database, engine: str) -> None:
    """Field history (``field_change``): who changed which field of which record, when, old and
    new value, on which device; synced append-only."""
    _run_sql_file(db, HERE / f"v0018_{engine}.sql")


def step_0019_automation(db: peewee.Database, engine: str) -> None:
    """Robots and triggers (``automation_rule``: per pipeline and stage, an event, an optional
    condition, an action, a delay) and their runs (``automation_run``: one per rule, deal and event,
    with a deterministic id so that the same event is acted on once across replicas)."""
    _run_sql_file(db, HERE / f"v0019_{engine}.sql")


def step_0020_stage_time_index(db: peewee.Database, engine: str) -> None:
    """The index time in stages counts the stays that ended in a period from, a range per stage."""
    _run_sql_file(db, HERE / f"v0020_{engine}.sql")


STEPS: dict[int, Step] = {
    1: step_0001_initial,
    2: step_0002_search_index,
    3: step_0003_sales_rules,
    4: step_0004_documents,
    5: step_0005_list_and_report_indexes,
    6: step_0006_reached_order,
    7: step_0007_roles_and_rights,
    8: step_0008_document_parties,
    9: step_0009_issued_papers,
    10: step_0010_paper_series_and_cancel,
    11: step_0011_import_batches,
    12: step_0012_mail,
    13: step_0013_bank_statements,
    14: step_0014_pec_account,
    15: step_0015_sales_plans,
    16: step_0016_contact_photo,
    17: step_0017_custom_fields,
    18: step_0018_field_history,
    19: step_0019_automation,
    20: step_0020_stage_time_index,
}
