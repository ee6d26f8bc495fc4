"""An import through the wizard whose column lands in a custom field: the mapping step offers the
field by its name, a bad choice is rejected naming it, and the open list filters by what came in."""

from __future__ import annotations

from desktop_crm.entities import Entity
from desktop_crm.services.listing import lists
from desktop_crm.services.listing.lists import ListFilter
from desktop_crm.services.system import custom_fields as cf
from desktop_crm.services.system import custom_values as cv
from desktop_crm.views.lists.list_view import EntityListView
from tests.crm_exports import files as f
from tests.imports_ui.helpers import click
from tests.imports_ui.test_wizard_run import _counts, _to_preview, _wizard


def test_a_column_lands_in_a_custom_field(context, qtbot, tmp_path):
    sector = cf.define_field(Entity.COMPANIES, "Отрасль", "list", options=["Банки", "Ритейл"])
    path = f.write_csv(tmp_path / "companies.csv", ["Название", "ИНН", "Отрасль"],
                       [["ООО «Вектор»", "7707083893", "Банки"],
                        ["ООО «Полюс»", "", "Нефть"]])
    companies = EntityListView(context, "companies")
    qtbot.addWidget(companies)
    companies.show()
    wizard = _wizard(context, qtbot, "companies")
    _to_preview(qtbot, wizard, path, create_missing=False)
    assert wizard.mapping_page.field_combo("Отрасль").currentText() == "Отрасль"
    click(qtbot, wizard.preview_page.import_button)
    assert _counts(wizard) == {"created": 1, "merged": 0, "skipped": 0, "rejected": 1}
    click(qtbot, wizard.close_button)
    company_id = lists.fetch_page("companies", None, None, 0, 1)[0].id
    assert cv.values_by_key(Entity.COMPANIES, company_id)[sector.key] == "Банки"
    companies.filter_bar.set_filter(ListFilter(custom=((sector.column, "is", "Банки", ""),)))
    qtbot.waitUntil(lambda: companies.model.rowCount() == 1, timeout=3000)
    chip = companies.filter_bar.custom_chips[sector.column]
    assert chip.first.currentText() == "Банки"
