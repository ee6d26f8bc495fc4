"""Import, in the background soon after the first paint, the modules that sections, cards and
settings pages import when the user first opens them, and load the locale and phone-number data
their first figures and phones read.

Their first import (phonenumbers' metadata, the analytics reports, a dozen settings pages, the
deal card with its documents and mail parts) took 100–800 ms on the GUI thread: the first click
on such a section froze the window that long. Imported on a pool thread they cost the GUI thread
nothing but a share of the interpreter while it runs; a section opened meanwhile waits only for
the module still being imported. The modules define classes and functions only: no widget,
pixmap or other GUI-thread object is made at import time. Babel's locale data (the first amount
shown, 20–50 ms) and phonenumbers' region data (the first phone) are read the same way: both
libraries cache what they load, under a lock.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
from decimal import Decimal

from desktop_crm import normalize
from desktop_crm.i18n.formatting import format_date, format_money
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
)

# a phone of each country whose numbers the demo and the users' data hold most
SAMPLE_PHONES = (("+7 916 123-45-67", "RU"), ("+39 06 1234 5678", "IT"))


def _import_all(progress: Progress) -> int:
    from desktop_crm.views.settings.registry import PAGE_MODULES  # the settings package: not before

    for name in (*PRELOADED_MODULES, *PAGE_MODULES):
        progress.check()
        importlib.import_module(name)
    for language, currency in (("ru", "RUB"), ("it", "EUR")):
        format_money(Decimal("1.5"), currency, language)
        format_date(dt.date(2026, 1, 1), language)
    for phone, region in SAMPLE_PHONES:
        normalize.phone_e164(phone, region)
    return len(PRELOADED_MODULES) + len(PAGE_MODULES)


def preload_in_background() -> Job:
    """Start importing :data:`PRELOADED_MODULES` and the settings pages on a pool thread (a
    failure is only logged: the module is imported again, and the error shown, when its section
    is opened)."""
    return run_in_background(
        _import_all, use_database=False, name="preload views",
        on_error=lambda error: log.warning("preloading the views failed: %s", error))
