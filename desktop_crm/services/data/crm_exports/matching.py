"""Mapping another CRM's pipelines, stages and users to ours, and rewriting the table to match.

The wizard shows each foreign stage (with its pipeline) and each foreign user the file names, with a
suggestion (:func:`suggest_stage`, :func:`suggest_user`: the same name folded; Bitrix24's and
amoCRM's won and lost stages to our won and lost ones); the user confirms or changes them, and
:func:`translate` rewrites the table's pipeline, stage and responsible cells to our names before
the import resolves them by name. A stage left unmapped keeps its names: the import creates it
(``create_missing``); a user left unmapped is emptied (the importing user becomes responsible).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from desktop_crm.normalize import fold, name_key

if TYPE_CHECKING:
    from desktop_crm.services.data.imports.formats import Table

#: Foreign stage names (folded) that mean a won or a lost deal.
WON_NAMES = frozenset({"сделка успешна", "успешно реализовано", "успешная сделка", "выиграна",
                       "won", "closed won", "успешно"})
LOST_NAMES = frozenset({"сделка провалена", "закрыто и не реализовано", "провалена", "проиграна",
                        "lost", "closed lost", "не реализовано", "отказ"})


@dataclass(frozen=True)
class OurStage:
    pipeline: str
    stage: str
    kind: str  # "open", "won", "lost"


StageKey = tuple[str, str]  # (pipeline, stage) as named
#: The header of the pipeline column :func:`translate` adds to a file that has none.
PIPELINE_COLUMN = "Pipeline (mapped)"


def our_stages() -> list[OurStage]:
    """Every live stage of every live pipeline, in the board's order."""
    from desktop_crm.models import Pipeline, Stage

    rows: list[Any] = list(
        Stage.select(Stage, Pipeline)
        .join(Pipeline, on=(Stage.pipeline == Pipeline.id))
        .where(Stage.deleted_at.is_null() & Pipeline.deleted_at.is_null())
        .order_by(Pipeline.sort_order, Pipeline.name, Stage.sort_order)
    )
    return [OurStage(row.pipeline.name, row.name, str(getattr(row.kind, "value", row.kind)))
            for row in rows]


def our_users() -> list[str]:
    """The names of the active users (responsible for imported records)."""
    from desktop_crm.services.system import session

    return [user.name for user in session.users()]


def suggest_stage(foreign: StageKey, ours: Sequence[OurStage]) -> OurStage | None:
    """Ours with the same stage name (in the same-named pipeline first); a won or lost foreign stage
    → our first won or lost one; else ``None`` (create it)."""
    pipeline, stage = fold(foreign[0]), fold(foreign[1])
    same = [s for s in ours if fold(s.stage) == stage]
    for candidate in same:
        if fold(candidate.pipeline) == pipeline:
            return candidate
    if same:
        return same[0]
    kind = "won" if stage in WON_NAMES else "lost" if stage in LOST_NAMES else ""
    if kind:
        return next((s for s in ours if s.kind == kind), None)
    return None


def suggest_user(foreign: str, ours: Sequence[str]) -> str | None:
    """Ours with the same name in any word order (``"Смирнова Анна"`` is ``"Анна Смирнова"``)."""
    key = name_key(foreign)
    return next((name for name in ours if name_key(name) == key), None)


def translate(
    table: Table,
    mapping: Mapping[str, str],
    stages: Mapping[StageKey, OurStage | None],
    users: Mapping[str, str | None],
) -> tuple[Table, dict[str, str]]:
    """The table with its pipeline, stage and responsible cells rewritten to ours (see the module
    docstring), other cells untouched, and its mapping (a file without a pipeline column gets one,
    so that a stage is looked for in the pipeline it belongs to)."""
    headers = list(table.headers)
    mapping = dict(mapping)
    column = {field: headers.index(header)
              for header, field in mapping.items() if field and header in headers}
    p, s, r = column.get("pipeline"), column.get("stage"), column.get("responsible")
    added = s is not None and p is None
    if added:
        p = len(headers)
        headers.append(PIPELINE_COLUMN)
        mapping[PIPELINE_COLUMN] = "pipeline"
    rows: list[list[str]] = []
    for source in table.rows:
        row = list(source)
        if added:
            row = [*(row + [""] * len(headers))[: len(headers) - 1], ""]
        if s is not None and s < len(row) and row[s].strip():
            foreign = ((row[p].strip() if p is not None and p < len(row) else ""), row[s].strip())
            ours = stages.get(foreign)
            if ours is not None:
                row[s] = ours.stage
                if p is not None and p < len(row):
                    row[p] = ours.pipeline
        if r is not None and r < len(row) and row[r].strip():
            row[r] = users.get(row[r].strip()) or ""
        rows.append(row)
    return replace(table, headers=headers, rows=rows), mapping


def references(table: Table, mapping: Mapping[str, str]) -> tuple[list[StageKey], list[str]]:
    """The stages (with their pipelines) and the users the rows name through ``mapping``, each once
    in the file's order."""
    column = {field: table.headers.index(header)
              for header, field in mapping.items() if field and header in table.headers}

    def cell(row: Sequence[str], field: str) -> str:
        index = column.get(field)
        return row[index].strip() if index is not None and index < len(row) else ""

    stages: dict[StageKey, None] = {}
    users: dict[str, None] = {}
    for row in table.rows:
        if "stage" in column and cell(row, "stage"):
            stages.setdefault((cell(row, "pipeline"), cell(row, "stage")), None)
        if "responsible" in column and cell(row, "responsible"):
            users.setdefault(cell(row, "responsible"), None)
    return list(stages), list(users)


#: The formats whose pipelines, stages and users the wizard maps to ours.
FOREIGN_FORMATS = ("bitrix24", "amocrm")


def entity_of(table: Table) -> str:
    """The kind of record another CRM's export holds ("" when the file does not tell)."""
    from desktop_crm.services.data.crm_exports import bitrix24

    if table.format == "bitrix24":
        return bitrix24.entity_of(list(table.headers))
    if table.format == "amocrm":
        return "deals"
    return ""
