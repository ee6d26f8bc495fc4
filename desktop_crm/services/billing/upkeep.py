"""Status changes that follow from the date alone, which no one's edit triggers: a sent quote past
its validity becomes expired. The application runs :func:`run_upkeep` in the background after
start-up and every hour, and reloads the views of what changed.
"""

from __future__ import annotations

import datetime as dt

from desktop_crm.services.billing import quotes

UPKEEP_INTERVAL_MS = 3_600_000


def run_upkeep(today: dt.date | None = None) -> set[str]:
    """Apply the date-driven changes; returns the entities (list names) whose rows changed."""
    changed: set[str] = set()
    if quotes.refresh_expired(today):
        changed.add("quotes")
    return changed
