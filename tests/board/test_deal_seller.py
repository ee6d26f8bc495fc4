"""Issue 20: the deal card shows and changes the seller of the deal's documents; the deal's quotes
and invoices then take it (else the own company of the deal's currency)."""

from __future__ import annotations

from desktop_crm.models import Deal
from desktop_crm.services.billing import invoices
from desktop_crm.views.deals.card import DealCard, open_deal
from tests.board.conftest import correct_deal
from tests.documents_fixtures import italian_seller, russian_seller


def test_the_seller_chosen_on_the_deal_card_issues_its_documents(qtbot, context, world):
    russian_seller(is_default=False)
    italian = italian_seller(is_default=False)
    deal = correct_deal(world)
    card = open_deal(context, str(deal.id))
    assert isinstance(card, DealCard)
    try:
        names = [card.seller.itemText(i) for i in range(card.seller.count())]
        assert card.seller.currentData() is None  # by the deal's currency until one is chosen
        assert any("Rossi" in name for name in names) and any("Ромашка" in name for name in names)
        card.seller.setCurrentIndex(card.seller.findData(str(italian.id)))
        assert card.is_dirty()
        assert card.save()
        assert Deal.get_by_id(deal.id).own_company_id == italian.id
        draft = invoices.create_from_deal(deal.id, world.manager)
        assert draft.own_company_id == italian.id and draft.language == "it"
    finally:
        card._set_dirty(False)
        card.close()
