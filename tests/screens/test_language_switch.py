"""A language chosen in Settings › Language applies at once: the main window is built again in it,
showing the same page, and the old one goes away."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QSettings, Qt
from PySide6.QtWidgets import QApplication

from desktop_crm import i18n, workers
from desktop_crm.app import build_main_window, follow_language_changes, install_language, open_and_migrate
from desktop_crm.services.system import session
from desktop_crm.views.main_window import MainWindow


def _windows() -> list[MainWindow]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()]


def test_saving_another_language_rebuilds_the_window_in_it(qtbot, qapp, tmp_path):
    url = str(tmp_path / "crm.db")
    db = open_and_migrate(url)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    install_language(qapp, "en")
    try:
        with workers.synchronous():
            window = build_main_window(url, settings, session.sign_in_for_tool())
            qtbot.addWidget(window)
            follow_language_changes(qapp, url, settings, window)
            window.show()
            view = window.show_section("settings", "settings")
            page = view.select("language")
            button = page.buttons["it"]
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=QPoint(6, button.height() // 2))
            qtbot.mouseClick(page.save_button, Qt.MouseButton.LeftButton)
            assert i18n.current_language() == "it"
            [new] = _windows()
            assert new is not window
            qtbot.addWidget(new)
            titles = [new.sidebar.item(i).text() for i in range(new.sidebar.count())]
            assert titles[:2] == ["La mia giornata", "Trattative"] and "Impostazioni" in titles
            assert new.current_page().section.key == "settings"
            assert new.current_view().tabs.tabText(new.current_view().tabs.currentIndex()) == "Lingua"
            assert settings.value("ui/language") == "it"
            # and back to Russian from the new window: it follows changes too
            page = new.current_view().page("language")
            page.buttons["ru"].setChecked(True)
            page.save()
            [third] = _windows()
            qtbot.addWidget(third)
            assert third.sidebar.item(1).text() == "Сделки"
            third.close()
    finally:
        install_language(qapp, "en")
        db.close()
