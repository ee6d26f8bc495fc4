"""The Settings section: a package with a module per page.

``view.py`` is the section (a tab per page); ``page.py`` is what every page is (fields, a Save
button, a dirty flag); ``registry.py`` lists the page modules. To add a page, add a module with a
:class:`~desktop_crm.views.settings.page.SettingsPage` subclass and ``register(pages)``, and list it
in ``registry.PAGE_MODULES``. The section is registered by ``views/settings_section.py`` and loads
this package only when it is first shown.
"""

from desktop_crm.views.settings.view import SettingsView

__all__ = ["SettingsView"]
