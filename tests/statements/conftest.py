"""The statement review's screens use the cards' context (a real SQLite file, registry, user)."""

from __future__ import annotations

from tests.cards.conftest import answer, context, typer  # noqa: F401 - fixtures shared with the cards
