"""Import, in the background soon after the first paint, the modules that sections, cards and
settings pages import when the user first opens them.

Their first import (phonenumbers' metadata, the analytics reports, a dozen settings pages, the
deal card with its documents and mail parts) took 100–800 ms on the GUI thread: the first click
on such a section froze the window that long. Imported on a pool thread they cost the GUI thread
nothing but a share of the interpreter while it runs; a section opened meanwhile waits only for
the module still being imported. The modules define classes and functions only: no widget,
pixmap or other GUI-thread object is made at import time.
"""

from __future__ import annotations

import importlib
import logging

from desktop_crm.views.settings.registry import PAGE_MODULES
from desktop_crm.workers import Job, Progress, run_in_background

log = logging.getLogger(__name__)

# the heaviest first: a section opened early should find its modules already there
PRELOADED_MODULES: tuple[str, ...] = (
    "desktop_crm.services.sales.cards",
    "desktop_crm.views.deals.card",
    "desktop_crm.views.cards.contact",
    "desktop_crm.views.cards.company",
    "desktop_crm.views.cards.lead",
    "desktop_crm.views.analytics.view",
    "desktop_crm.views.deals.board.view",
    "desktop_crm.views.calendar",
    "desktop_crm.views.tasks",
    "desktop_crm.views.home",
    "desktop_crm.views.search",
    "desktop_crm.views.documents.panel",
    "desktop_crm.views.documents.preview",
    "desktop_crm.views.settings",
    *PAGE_MODULES,
)


def _import_all(progress: Progress) -> int:
    for name in PRELOADED_MODULES:
        progress.check()
        importlib.import_module(name)
    return len(PRELOADED_MODULES)


def preload_in_background() -> Job:
    """Start importing :data:`PRELOADED_MODULES` on a pool thread (a failure is only logged: the
    module is imported again, and the error shown, when its section is opened)."""
    return run_in_background(
        _import_all, use_database=False, name="preload views",
        on_error=lambda error: log.warning("preloading the views failed: %s", error))
