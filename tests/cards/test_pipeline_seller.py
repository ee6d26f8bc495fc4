"""Issue 20: the seller of a pipeline's documents, chosen on the pipelines settings page; a deal of
that pipeline without a seller of its own then issues from it."""

from __future__ import annotations

import pytest

from desktop_crm.models import Deal, Pipeline
from desktop_crm.services.billing import documents, invoices
from desktop_crm.views.settings import SettingsView
from tests.documents_fixtures import RU_LINES, deal_with_lines, italian_seller, russian_buyer, russian_seller


@pytest.fixture
def view(context, qtbot):
    view = SettingsView(context)
    qtbot.addWidget(view, before_close_func=lambda w: [p.set_clean() for p in w.pages.values()])
    view.show()
    return view


def test_the_pipeline_seller_chosen_in_settings_issues_its_deals_documents(context, view):
    russian_seller(is_default=False)
    italian = italian_seller(is_default=False)
    page = view.select("pipelines")
    page._show_seller()  # the own companies were made after the page
    assert page.seller.currentData() is None  # by the deal's currency until chosen
    page.seller.setCurrentIndex(page.seller.findData(str(italian.id)))
    pipeline = Pipeline.get_by_id(page.pipeline.currentData())
    assert documents.pipeline_seller(pipeline.id) == italian.id
    deal = deal_with_lines(russian_buyer(), RU_LINES)  # a rouble deal…
    Deal.update(pipeline=pipeline.id).where(Deal.id == deal.id).execute()
    draft = invoices.create_from_deal(deal.id, context.user.id)
    assert draft.own_company_id == italian.id  # …of that pipeline: its seller
    page.seller.setCurrentIndex(0)
    assert documents.pipeline_seller(pipeline.id) is None


def test_the_bollo_setting_on_the_own_companies_page(context, view, qtbot):
    from PySide6.QtCore import Qt

    italian = italian_seller()
    page = view.select("own_companies")
    page.reload()
    page.select(italian.id)
    box = page.editors["bollo_charged"]
    assert not box.isChecked() and not documents.bollo_charged()  # paid virtually by default
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
    assert page.save()
    assert documents.bollo_charged()
    page.select(italian.id)
    assert page.editors["bollo_charged"].isChecked()
