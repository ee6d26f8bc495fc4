"""A stage added in Settings lands before the closing stages: Won and Lost stay last."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit

from desktop_crm.models import Deal, Stage, StageKind
from desktop_crm.services.system import admin
from desktop_crm.views.settings import SettingsView
from tests.factories import make_deal, make_pipeline, make_stages


def test_a_new_open_stage_goes_before_won_and_lost_and_deals_keep_their_step(db):
    pipeline = make_pipeline("Продажи")
    stages = make_stages(pipeline, ["Первый", "Второй"], won="Успешно", lost="Проиграна")
    won = next(s for s in stages if s.kind == StageKind.WON)
    deal = make_deal("Победа", stage=won, reached_order=won.sort_order)
    added = admin.save_stage(None, pipeline.id, {"name": "Третий", "kind": "open",
                                                  "probability": "0", "color": "#4a90d9"})
    names = [s.name for s in admin.stages(pipeline.id)]
    assert names == ["Первый", "Второй", "Третий", "Успешно", "Проиграна"]
    assert len({s.sort_order for s in Stage.alive().where(Stage.pipeline == pipeline.id)}) == 5
    # the won deal's furthest step is still the won stage (now one place further)
    assert Deal.get_by_id(deal.id).reached_order == Stage.get_by_id(won.id).sort_order
    # a closing stage added goes last
    admin.save_stage(None, pipeline.id, {"name": "Отказ", "kind": "lost", "probability": "0",
                                         "color": "#e53935"})
    assert [s.name for s in admin.stages(pipeline.id)][-1] == "Отказ"
    assert Stage.get_by_id(added).kind == StageKind.OPEN


def test_add_stage_in_settings_lands_before_the_closing_stages(context, qtbot):
    view = SettingsView(context)
    qtbot.addWidget(view, before_close_func=lambda w: [p.set_clean() for p in w.pages.values()])
    view.show()
    page = view.select("pipelines")

    def type_name() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QInputDialog):
            QTimer.singleShot(10, type_name)
            return
        editor = dialog.findChild(QLineEdit)
        editor.setText("Переговоры")
        qtbot.keyClick(editor, Qt.Key.Key_Return)

    QTimer.singleShot(0, type_name)
    qtbot.mouseClick(page.findChild(type(page.save_button), "stage_add"), Qt.MouseButton.LeftButton)
    pipeline_id = page.pipeline.currentData()
    names = [s.name for s in admin.stages(pipeline_id)]
    assert names[-3:] == ["Переговоры", "Успешно", "Проиграна"]
    shown = [page.stage_model.index(row, 0).data() for row in range(page.stage_model.rowCount())]
    assert any("Переговоры" in text for text in shown[-3:-2])
