"""The screens of issue 19 (first-run assistant, merge, numbering, templates, payments, …) on a real
SQLite file with the real registry and context of the cards' tests."""

from __future__ import annotations

from tests.analytics.conftest import sales  # noqa: F401 - the analytics' hand-made pipeline
from tests.cards.conftest import answer, context, typer  # noqa: F401 - fixtures shared with the cards
