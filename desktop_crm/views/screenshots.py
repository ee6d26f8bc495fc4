"""Renders every registered screen (``registry.add_screen``) offscreen to PNG files.

Used by ``desktop-crm screenshots``. Background work runs synchronously meanwhile, so each screen
is shot with its data complete.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication


def render_screenshots(url: str, out: Path, language: str | None,
                       only: list[str] | None = None, user: str = "",
                       dark: bool = False) -> list[Path]:
    """Build the main window over the open database and write one PNG per screen, working as the
    user with the login ``user`` (else the first administrator); ``dark``: in a dark palette."""
    from desktop_crm.app import build_main_window, install_language
    from desktop_crm.i18n import _
    from desktop_crm.services.system import session
    from desktop_crm.workers import synchronous

    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    install_language(app, language)
    if dark:
        from desktop_crm.views.common.palette import use_dark_palette

        use_dark_palette(app)
    settings_path = out / "screenshots-settings.ini"
    settings = QSettings(str(settings_path), QSettings.Format.IniFormat)
    settings.clear()
    written: list[Path] = []
    with synchronous():
        window = build_main_window(url, settings, session.sign_in_for_tool(user))
        window.resize(1366, 800)
        window.show()
        app.processEvents()
        try:
            for screen in window.context.registry.screens:
                if only and screen.name not in only:
                    continue
                widget = screen.render(window.context, window)
                for _round in range(3):
                    app.processEvents()
                target = out / f"{screen.name}.png"
                if not widget.grab().save(str(target)):
                    raise OSError(_("Could not write {path}").format(path=target))
                written.append(target)
                if screen.cleanup is not None:
                    screen.cleanup()
                elif widget is not window:
                    widget.close()
                app.processEvents()
        finally:
            window.close()
            settings_path.unlink(missing_ok=True)
    return written
