"""The import wizard's tests: a real SQLite file, the real registry and context of the cards' tests."""

from __future__ import annotations

from tests.cards.conftest import answer, context, typer  # noqa: F401 - fixtures shared with the cards
