"""The pipelines as screens pick them: the board's switcher, the settings page, the analytics.

:class:`PipelineInfo` is the one description of a pipeline that services hand to views (the board,
the settings page and the analytics used to declare one each).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop_crm.ids import PipelineId
from desktop_crm.models import Pipeline


@dataclass(frozen=True, slots=True)
class PipelineInfo:
    id: PipelineId
    name: str
    is_default: bool


def pipelines(default_first: bool = False) -> list[PipelineInfo]:
    """The live pipelines in their order (``default_first``: the default one leads)."""
    order: list[Any] = [Pipeline.sort_order, Pipeline.name]
    if default_first:
        order.insert(0, Pipeline.is_default.desc())
    rows: list[Any] = list(Pipeline.alive().order_by(*order))
    return [PipelineInfo(PipelineId(row.id), row.name, bool(row.is_default)) for row in rows]


def default_pipeline() -> PipelineId | None:
    """The default pipeline (else the first one); ``None`` while there is none."""
    first: Any = Pipeline.alive().order_by(Pipeline.is_default.desc(), Pipeline.sort_order).first()
    return PipelineId(first.id) if first is not None else None
