"""Setting up a new business on the first run: own company, a ready pipeline, product groups, the
country's VAT defaults and the first user (an administrator), in one transaction.

The pipeline templates are the two sales processes of the project's seeds: the sales process
(«Сделка как этап б.п. продажи»; the Italian help's «Nuovo, Qualifica, Proposta inviata,
Negoziazione, Chiuso vinto/perso») and the enterprise process (Creatio's «Процесс корпоративных
продаж»: qualification, presentation, proposal, contracting, each with its tasks). Their texts are
English messages translated into the language chosen on the first run (``i18n.translator``), so a
Russian business gets Russian stages and an Italian one Italian stages.

The functions that describe the choices (:func:`pipeline_templates`, :func:`default_product_groups`,
:func:`vat_defaults`) read no database: the first-run assistant shows them before one exists.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from desktop_crm import countries, money
from desktop_crm.errors import ValidationError
from desktop_crm.i18n import LANGUAGES, N_, _, translator
from desktop_crm.ids import OwnCompanyId, PipelineId, UserId
from desktop_crm.models import Pipeline, ProductGroup, Role, Stage, StageKind, database
from desktop_crm.services.sales import cards, rules
from desktop_crm.services.system import admin, session


@dataclass(frozen=True)
class StageTemplate:
    name: str  # N_-marked
    kind: str  # open / won / lost
    probability: int
    color: str
    tasks: tuple[tuple[str, int], ...] = ()  # (N_-marked subject, due in days)
    requires_correct: bool = False


@dataclass(frozen=True)
class PipelineTemplate:
    key: str
    name: str  # N_-marked
    description: str  # N_-marked
    stages: tuple[StageTemplate, ...]


TEMPLATES: tuple[PipelineTemplate, ...] = (
    PipelineTemplate(
        "sales", N_("Sales"),
        N_("Five steps from the first call to the closing, for a small team selling to "
           "people and companies."),
        (
            StageTemplate(N_("Lead identification"), "open", 10, "#90a4ae",
                          ((N_("Contact the client and find out what they need"), 1),)),
            StageTemplate(N_("Lead qualification"), "open", 25, "#42a5f5",
                          ((N_("Find out the budget, the timing and who decides"), 3),)),
            StageTemplate(N_("Proposal"), "open", 45, "#7e57c2",
                          ((N_("Prepare and send the quote"), 2),
                           (N_("Call about the quote and get feedback"), 5)),
                          requires_correct=True),
            StageTemplate(N_("Negotiation"), "open", 65, "#ffa726",
                          ((N_("Agree the terms and the draft contract"), 5),),
                          requires_correct=True),
            StageTemplate(N_("Closing"), "open", 85, "#26a69a",
                          ((N_("Issue the invoice and check the payment"), 3),),
                          requires_correct=True),
            StageTemplate(N_("Closed won"), "won", 100, "#43a047", requires_correct=True),
            StageTemplate(N_("Closed lost"), "lost", 0, "#e53935"),
        ),
    ),
    PipelineTemplate(
        "enterprise", N_("Enterprise sales"),
        N_("Long sales to companies: qualification, presentation, proposal and contracting, "
           "each stage with the tasks it needs."),
        (
            StageTemplate(N_("Qualification"), "open", 15, "#78909c",
                          ((N_("Contact the client, find out the need, agree the date of the "
                               "presentation"), 2),
                           (N_("Prepare the presentation"), 5))),
            StageTemplate(N_("Presentation"), "open", 30, "#5c6bc0",
                          ((N_("Give the presentation"), 7),)),
            StageTemplate(N_("Commercial proposal"), "open", 50, "#ab47bc",
                          ((N_("Present the proposal"), 3),
                           (N_("Get the client's comments and agree the proposal"), 7),
                           (N_("Prepare the contract and agree it inside the company"), 10)),
                          requires_correct=True),
            StageTemplate(N_("Contracting"), "open", 75, "#ff7043",
                          ((N_("Send the contract to the client"), 1),
                           (N_("Check that the client received the contract"), 5),
                           (N_("Agree and sign the contract"), 14)),
                          requires_correct=True),
            StageTemplate(N_("Closed with a win"), "won", 100, "#2e7d32", requires_correct=True),
            StageTemplate(N_("Closed with a loss"), "lost", 0, "#c62828"),
        ),
    ),
)

PRODUCT_GROUPS: tuple[str, ...] = (N_("Products"), N_("Services"), N_("Support and maintenance"))

#: How VAT is shown in the prices of a seller of the country (Russian price lists include it,
#: Italian ones add it on top).
VAT_MODES: dict[str, str] = {"RU": "included", "IT": "on_top"}


@dataclass(frozen=True)
class TemplateChoice:
    """A pipeline template as the assistant lists it, in the chosen language."""

    key: str
    name: str
    description: str
    stages: tuple[str, ...]


def _translate(language: str | None) -> Any:
    return translator(language).gettext if language in LANGUAGES else _


def pipeline_templates(language: str | None = None) -> list[TemplateChoice]:
    """The ready pipelines, translated into ``language`` (the UI's when None)."""
    tr = _translate(language)
    return [TemplateChoice(t.key, tr(t.name), tr(t.description), tuple(tr(s.name) for s in t.stages))
            for t in TEMPLATES]


def default_product_groups(language: str | None = None) -> list[str]:
    tr = _translate(language)
    return [tr(name) for name in PRODUCT_GROUPS]


@dataclass(frozen=True)
class VatDefaults:
    currency: str
    vat_rate: Decimal
    vat_mode: str  # included / on_top
    rates: tuple[Decimal, ...]


def vat_defaults(country_code: str | None) -> VatDefaults:
    """What a seller in the country usually has: its currency, its standard rate and VAT mode."""
    rules_of = countries.country(country_code)
    rates = tuple(rules_of.vat_rates) or (Decimal(0),)
    return VatDefaults(rules_of.currency or "EUR", rates[0],
                       VAT_MODES.get(rules_of.code, "on_top"), rates)


@dataclass(frozen=True)
class BusinessSetup:
    """What the first-run assistant collected for "my business"."""

    language: str
    company: Mapping[str, Any]  # own company requisites (``cards.REQUISITE_FIELDS``)
    pipeline: str  # a template key
    user_name: str
    user_email: str = ""
    product_groups: Sequence[str] = field(default_factory=tuple)
    currency: str = ""
    vat_rate: Decimal | str | None = None
    vat_mode: str = ""


@dataclass(frozen=True)
class SetupResult:
    user_id: UserId
    own_company_id: OwnCompanyId
    pipeline_id: PipelineId


def company_errors(values: Mapping[str, Any]) -> dict[str, str]:
    """``{field: message}`` for the own company as typed (checked live by the assistant)."""
    return cards.requisites_field_errors(values)


def user_errors(name: str, email: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not " ".join((name or "").split()):
        errors["user_name"] = _("Give the user a name.")
    email = (email or "").strip()
    if email and ("@" not in email or "." not in email.rsplit("@", 1)[-1]):
        errors["user_email"] = _("“{email}” is not a valid e-mail address.").format(email=email)
    return errors


def _template(key: str) -> PipelineTemplate:
    for template in TEMPLATES:
        if template.key == key:
            return template
    raise ValidationError(_("Choose a pipeline."), field="pipeline")


def _create_pipeline(template: PipelineTemplate, tr: Any) -> PipelineId:
    Pipeline.update(is_default=False).where(Pipeline.is_default == True).execute()  # noqa: E712
    last = Pipeline.alive().order_by(Pipeline.sort_order.desc()).first()
    pipeline = Pipeline.create(name=tr(template.name), is_default=True,
                               sort_order=(last.sort_order + 1) if last else 0)
    for order, stage in enumerate(template.stages):
        Stage.create(
            pipeline=pipeline, name=tr(stage.name), sort_order=order, kind=StageKind(stage.kind),
            probability=Decimal(stage.probability), color=stage.color,
            task_templates=[{"subject": tr(subject), "due_days": days} for subject, days in stage.tasks],
            requires_correct_deal=stage.requires_correct,
        )
    return PipelineId(pipeline.id)


#: The longest sign-in name (the e-mail given on the first run is the login when it fits).
MAX_LOGIN = 63


def set_up_business(setup: BusinessSetup) -> SetupResult:
    """Create the business of ``setup`` in one transaction; every refusal names its field."""
    errors = company_errors(setup.company) | user_errors(setup.user_name, setup.user_email)
    if errors:
        name, message = next(iter(errors.items()))
        raise ValidationError(message, field=name)
    template = _template(setup.pipeline)
    tr = _translate(setup.language)
    code = str(setup.company.get("country") or countries.DEFAULT.code).upper()
    defaults = vat_defaults(code)
    company = {name: setup.company.get(name, "") for name in cards.REQUISITE_FIELDS
               if name in setup.company}
    company["country"] = code
    company.update({
        "default_currency": (setup.currency or defaults.currency).upper(),
        "default_vat_rate": money.to_decimal(
            defaults.vat_rate if setup.vat_rate in (None, "") else setup.vat_rate),
        "vat_mode": setup.vat_mode or defaults.vat_mode,
        "is_default": True,
    })
    email = (setup.user_email or "").strip()
    with database.atomic():
        # the first administrator comes first: signed in, they may set up everything else
        first = session.create_first_administrator(
            setup.user_name, email if len(email) <= MAX_LOGIN else "")
        own_id = admin.save_own_company(None, company)
        pipeline_id = _create_pipeline(template, tr)
        groups = [" ".join(name.split()) for name in setup.product_groups if name.strip()]
        known = {row.name.casefold() for row in ProductGroup.alive()}
        for order, name in enumerate(dict.fromkeys(groups)):
            if name.casefold() not in known:
                ProductGroup.create(name=name, sort_order=order)
        user_id = admin.save_user(first.id, {
            "name": setup.user_name, "email": email, "role": Role.ADMIN.value,
            "login": email if len(email) <= MAX_LOGIN else "", "locale": setup.language})
        if code in countries.REGISTERED:
            rules.PHONE_REGION.set(code)
        return SetupResult(user_id, own_id, pipeline_id)


__all__ = [
    "BusinessSetup", "SetupResult", "TemplateChoice", "VatDefaults", "company_errors",
    "default_product_groups", "pipeline_templates", "set_up_business", "user_errors", "vat_defaults",
]
