"""Extension points of the main window: sections, their views, card openers and screenshots.

Every UI area is a module listed in :data:`VIEW_MODULES` with a function ``register(registry)``.
Add your module's name to that tuple (small, targeted edit: others edit it too) and register what
your area brings::

    from desktop_crm.i18n import N_
from desktop_crm.models.enums import Action
    from desktop_crm.views.registry import Registry, SectionView, Screen

    def register(registry: Registry) -> None:
        # a second view of the Deals section (the section shows a List | Board switch)
        registry.add_view("deals", SectionView("board", N_("Board"), order=0, factory=KanbanView))
        # what opens when a record of an entity is double-clicked, found by search, or created
        registry.add_card_opener("contacts", open_contact_card)
        # screens for ``desktop-crm screenshots``
        registry.add_screen(Screen("contact_card", render_contact_card))
        # an action of a list on its selected rows (here: exactly two contacts)
        registry.add_list_action("contacts", ListAction("merge", N_("Merge…"), open_merge, 2, 2))

* Start-up imports every module in :data:`VIEW_MODULES`, so keep them light (import widgets and
  services inside functions): a factory or a card opener may be given as a
  ``"package.module:function"`` string, imported the first time it is used
  (``registry.add_card_opener("contacts", "desktop_crm.views.cards.contact:open_contact_card")``);
  screens that need heavy imports just to be listed come from ``add_screen_provider(function)``,
  called only when the screens are asked for (``desktop-crm screenshots``).
* Sections are the fixed sidebar entries (:data:`SECTIONS`: one per entity of
  ``desktop_crm.entities.LIST_ENTITIES``, then Analytics and Settings); a section appears in the sidebar as
  soon as at least one view is registered for it.
* ``SectionView.factory(context, parent) -> QWidget`` builds the view lazily, when the section is
  first shown. The widget may implement ``create_new()`` (toolbar New / Ctrl+N), ``activated()``
  (called each time it becomes visible), ``save_state()`` (called when the window closes) and
  ``reload()`` (data changed elsewhere).
* ``card opener(context, entity_id | None, parent) -> None``: ``entity_id`` is a string UUID, or
  ``None`` for a new record (``context.open_record`` takes a typed id too and hands the opener its
  text: ids are text at this boundary, typed on both sides of it). It opens the card (a dialog or
  a window) and returns; when the card saves, it calls ``context.notify_changed(entity)`` so that
  lists reload.
* ``Screen.render(context, window) -> QWidget``: bring the UI into the state to be shot (switch the
  main window's section, open a card for a demo record…) and return the widget to grab; the
  command grabs it after processing events, then calls ``Screen.cleanup`` if given.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from desktop_crm.entities import LIST_ENTITIES, Entity
from desktop_crm.i18n import N_
from desktop_crm.models.enums import Action

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop_crm.views.context import AppContext

VIEW_MODULES: tuple[str, ...] = (
    "desktop_crm.views.lists.sections",
    "desktop_crm.views.search",
    "desktop_crm.views.deals.section",
    "desktop_crm.views.analytics",
    "desktop_crm.views.cards.register",
    "desktop_crm.views.tasks_section",
    "desktop_crm.views.settings_section",
    "desktop_crm.views.documents.register",
    "desktop_crm.views.signin",
    "desktop_crm.views.help",
    "desktop_crm.views.capabilities",
    "desktop_crm.views.data_exchange",
    "desktop_crm.views.imports.register",
    "desktop_crm.views.statements.register",
    "desktop_crm.views.mail.register",
    "desktop_crm.views.mail_in_screens",
    "desktop_crm.views.calendar_section",
    "desktop_crm.views.home_section",
)


@dataclass(frozen=True)
class Section:
    key: str
    title: str  # N_-marked; translated where shown
    order: int
    shortcut: str  # Ctrl+1 … Ctrl+0 ("" for none)


# The sidebar: a section per listed entity (``LIST_ENTITIES``, in its order), then the screens
# that are not lists of one entity. Titles are marked here and translated when the sidebar is built.
_ENTITY_TITLES: dict[Entity, str] = {
    Entity.DEALS: N_("Deals"),
    Entity.LEADS: N_("Leads"),
    Entity.CONTACTS: N_("Contacts"),
    Entity.COMPANIES: N_("Companies"),
    Entity.PRODUCTS: N_("Products"),
    Entity.TASKS: N_("Tasks"),
    Entity.QUOTES: N_("Quotes"),
    Entity.INVOICES: N_("Invoices"),
}
_OTHER_SECTIONS: tuple[tuple[str, str], ...] = (
    ("analytics", N_("Analytics")),
    ("settings", N_("Settings")),
    ("outbox", N_("Outbox")),
    ("calendar", N_("Calendar")),
)
_SHORTCUT_DIGITS = "1234567890"  # Ctrl+1 … Ctrl+0 in sidebar order; later sections get none


def _sections() -> tuple[Section, ...]:
    keyed = [(entity.value, _ENTITY_TITLES[entity]) for entity in LIST_ENTITIES] + list(_OTHER_SECTIONS)
    # Home ("my day") leads the sidebar and is shown at start-up; Alt+Home brings it back
    listed = [
        Section(key, title, 10 * position,
                f"Ctrl+{_SHORTCUT_DIGITS[position - 1]}" if position <= len(_SHORTCUT_DIGITS) else "")
        for position, (key, title) in enumerate(keyed, 1)
    ]
    return (Section("home", N_("My day"), 0, "Alt+Home"), *listed)


SECTIONS: tuple[Section, ...] = _sections()

ViewFactory = Callable[["AppContext", "QWidget | None"], "QWidget"] | str
CardOpener = Callable[["AppContext", "str | None", "QWidget | None"], Any] | str


def resolve(target: Any) -> Any:
    """A callable, or the object named by a ``"package.module:attribute"`` string (imported now)."""
    if not isinstance(target, str):
        return target
    module, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module), attribute)


@dataclass(frozen=True)
class SectionView:
    key: str
    title: str  # N_-marked
    factory: ViewFactory
    order: int = 100


@dataclass(frozen=True)
class Screen:
    name: str  # file name without .png
    render: Callable[[AppContext, Any], QWidget]
    cleanup: Callable[[], None] | None = None
    order: int = 100


ListActionRun = Callable[["AppContext", "QWidget", list[str]], Any] | str


@dataclass(frozen=True)
class ListAction:
    """An action of an entity's list on its selected rows (ids as text), in its toolbar and menu:
    ``run(context, list_view, ids)``; enabled while ``min_selected`` … ``max_selected`` rows are."""

    key: str  # the action's object name is ``action_<key>``
    title: str  # N_-marked
    run: ListActionRun
    min_selected: int = 1
    max_selected: int | None = None
    requires: Action | None = None  # offered only to users whose role allows this action

    def accepts(self, count: int) -> bool:
        return count >= self.min_selected and (self.max_selected is None or count <= self.max_selected)


@dataclass
class Registry:
    sections: tuple[Section, ...] = SECTIONS
    views: dict[str, list[SectionView]] = field(default_factory=dict)
    card_openers: dict[str, CardOpener] = field(default_factory=dict)
    list_actions: dict[str, list[ListAction]] = field(default_factory=dict)
    _screens: list[Screen] = field(default_factory=list)
    _screen_providers: list[Callable[[Registry], None] | str] = field(default_factory=list)

    def add_view(self, section: str, view: SectionView) -> None:
        if section not in {s.key for s in self.sections}:
            raise KeyError(f"unknown section {section!r}")
        views = self.views.setdefault(section, [])
        views[:] = [v for v in views if v.key != view.key] + [view]
        views.sort(key=lambda v: v.order)

    def views_of(self, section: str) -> list[SectionView]:
        return list(self.views.get(section, []))

    def visible_sections(self) -> list[Section]:
        return [s for s in sorted(self.sections, key=lambda s: s.order) if self.views.get(s.key)]

    def add_card_opener(self, entity: str, opener: CardOpener) -> None:
        self.card_openers[entity] = opener

    def card_opener(self, entity: str) -> Any:
        opener = self.card_openers.get(entity)
        if isinstance(opener, str):
            opener = self.card_openers[entity] = resolve(opener)
        return opener

    def add_list_action(self, entity: str, action: ListAction) -> None:
        actions = self.list_actions.setdefault(entity, [])
        actions[:] = [a for a in actions if a.key != action.key] + [action]

    def list_actions_of(self, entity: str) -> list[ListAction]:
        return list(self.list_actions.get(entity, []))

    def add_screen(self, screen: Screen) -> None:
        self._screens[:] = [s for s in self._screens if s.name != screen.name] + [screen]
        self._screens.sort(key=lambda s: (s.order, s.name))

    def add_screen_provider(self, provider: Callable[[Registry], None] | str) -> None:
        """``provider(registry)`` adds screens with :meth:`add_screen` when they are first needed."""
        self._screen_providers.append(provider)

    @property
    def screens(self) -> list[Screen]:
        while self._screen_providers:
            resolve(self._screen_providers.pop(0))(self)
        return list(self._screens)


def build_registry(modules: tuple[str, ...] | None = None) -> Registry:
    """Import every UI area and let it register itself."""
    registry = Registry()
    for name in VIEW_MODULES if modules is None else modules:
        importlib.import_module(name).register(registry)
    return registry
