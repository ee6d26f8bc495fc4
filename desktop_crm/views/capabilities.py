"""The capabilities that are no section of their own: list actions (merge two contacts, …) and the
screenshots of the first-run assistant's steps, the contact merge and the payments of an invoice
(the Settings pages shoot themselves through ``settings_section``). Their modules are imported
only when used; the screens are listed only when screens are asked for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from desktop_crm.i18n import N_
from desktop_crm.models.enums import Action
from desktop_crm.views.registry import ListAction, Registry, Screen

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from desktop_crm.views.context import AppContext

SCREEN_ORDER = 5  # the first run comes first

#: A sample business per language, valid for its country's checks (the assistant's own checks).
SAMPLE_COMPANIES: dict[str, dict[str, str]] = {
    "ru": {"short_name": "ООО «Ромашка»", "legal_name": "Общество с ограниченной ответственностью "
           "«Ромашка»", "country": "RU", "inn": "7707083893", "city": "Москва"},
    "it": {"short_name": "Rossi S.r.l.", "legal_name": "Rossi S.r.l.", "country": "IT",
           "vat_number": "01234560124", "city": "Roma", "province": "RM"},
    "en": {"short_name": "Rossi S.r.l.", "legal_name": "Rossi S.r.l.", "country": "IT",
           "vat_number": "01234560124", "city": "Roma", "province": "RM"},
}
SAMPLE_USERS = {"ru": "Анна Морозова", "it": "Mario Rossi", "en": "Mario Rossi"}


def _first_run(step: int) -> Any:
    def render(context: AppContext, window: Any) -> QWidget:
        from desktop_crm import i18n
        from desktop_crm.views.cards.company import write_editors
        from desktop_crm.views.first_run import PAGE_COMPANY, PAGE_USER, FirstRunAssistant

        language = i18n.current_language()
        assistant = FirstRunAssistant(lambda _code: None, True, window)
        assistant.resize(760, 640)
        assistant.show()
        sample = SAMPLE_COMPANIES.get(language, SAMPLE_COMPANIES["en"])
        if step == PAGE_COMPANY:  # a typo shows how requisites are checked as they are typed
            sample = {**sample, "inn": "7707083894"} if sample["country"] == "RU" else {
                **sample, "vat_number": "01234560125"}
        write_editors(assistant.company_page, sample)
        assistant.company_page.requisites.country_changed()
        assistant.company_page.check()
        write_editors(assistant.user_page, {"user_name": SAMPLE_USERS.get(language, "Mario Rossi")})
        assistant.user_page.check()
        assistant.go_to(step)
        if step == PAGE_USER:
            assistant.user_page.editors["user_email"].setFocus()
        return assistant

    return render


def _merge_screen(context: AppContext, window: Any) -> QWidget:
    from desktop_crm.services.sales import merge
    from desktop_crm.views.cards.merge import MergeDialog

    pair = merge.namesake_pair()
    if pair is None:
        raise LookupError("the database has fewer than two contacts")
    dialog = MergeDialog(context, str(pair[0]), str(pair[1]), window)
    dialog.show()
    return dialog


def _screens(registry: Registry) -> None:
    from desktop_crm.views.first_run import (
        PAGE_COMPANY,
        PAGE_LANGUAGE,
        PAGE_SALES,
        PAGE_START,
        PAGE_USER,
    )

    steps = (("language", PAGE_LANGUAGE), ("start", PAGE_START), ("company", PAGE_COMPANY),
             ("sales", PAGE_SALES), ("user", PAGE_USER))
    for position, (name, step) in enumerate(steps, 1):
        registry.add_screen(Screen(f"first_run_{position}_{name}", _first_run(step),
                                   order=SCREEN_ORDER))
    registry.add_screen(Screen("merge_contacts", _merge_screen, order=50))
    registry.add_screen(Screen("invoice_payments", _payments_screen, order=62))


def _payments_screen(context: AppContext, window: Any) -> QWidget:
    from desktop_crm.services.billing import payments
    from desktop_crm.views.documents.payments import PaymentsDialog

    invoice_id = payments.an_invoice_with_payments()
    if invoice_id is None:
        raise LookupError("the database has no invoice with payments")
    dialog = PaymentsDialog(context, invoice_id, window)
    dialog.show()
    return dialog


def register(registry: Registry) -> None:
    registry.add_list_action("contacts", ListAction(
        "merge", N_("Merge…"), "desktop_crm.views.cards.merge:open_merge", 2, 2,
        requires=Action.EDIT))
    registry.add_list_action("leads", ListAction(
        "junk", N_("Junk…"), "desktop_crm.views.cards.closing:junk_selected",
        requires=Action.EDIT))
    registry.add_list_action("deals", ListAction(
        "reopen", N_("Reopen…"), "desktop_crm.views.cards.closing:reopen_selected", 1, 1,
        requires=Action.REOPEN))
    registry.add_list_action("deals", ListAction(
        "issue_invoices", N_("Issue invoices…"),
        "desktop_crm.views.documents.batch:issue_invoices_for_deals",
        requires=Action.ISSUE_DOCUMENTS))
    registry.add_list_action("quotes", ListAction(
        "issue_invoices", N_("Issue invoices…"),
        "desktop_crm.views.documents.batch:issue_invoices_for_quotes",
        requires=Action.ISSUE_DOCUMENTS))
    registry.add_list_action("invoices", ListAction(
        "payments", N_("Payments…"),
        "desktop_crm.views.documents.payments:open_payments_of_selected", 1, 1))
    registry.add_screen_provider(_screens)
