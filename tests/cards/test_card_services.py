"""The services behind the cards, tasks and settings, without widgets (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from desktop_crm.errors import ValidationError
from desktop_crm.models import Deal, OwnCompany, Pipeline, Role, Stage, User
from desktop_crm.services.sales import cards, rules
from desktop_crm.services.system import admin


@pytest.fixture
def admin_user(any_db):
    return User.create(name="Админ", role=Role.ADMIN, email="admin@firma.ru")


def test_company_requisites_refused_with_every_message(admin_user):
    with pytest.raises(cards.RequisitesInvalid) as refused:
        cards.save_company(None, {"short_name": "ООО «Альфа»", "country": "RU",
                                  "inn": "7707083894", "kpp": "77", "bik": "123"},
                           admin_user.id)
    assert set(refused.value.errors) == {"inn", "kpp", "bik"}
    company_id = cards.save_company(None, {"short_name": "ООО «Альфа»", "country": "RU",
                                           "inn": "77 0708 3893", "bik": "044525225",
                                           "corr_account": "30101 810 4 0000 0000225"},
                                    admin_user.id)
    card = cards.company_card(company_id)
    assert card["inn"] == "7707083893" and card["corr_account"] == "30101810400000000225"


def test_company_of_another_country_skips_russian_checks(admin_user):
    company_id = cards.save_company(None, {"short_name": "Acme GmbH", "country": "DE",
                                           "inn": "whatever"}, admin_user.id)
    assert cards.company_card(company_id)["country"] == "DE"


def test_product_price_is_decimal_and_validated(admin_user):
    with pytest.raises(ValidationError) as refused:
        cards.save_product(None, {"name": "Курс", "price": "-1", "currency": "RUB",
                                  "vat_rate": "20"}, admin_user.id)
    assert refused.value.field == "price"
    group = cards.add_product_group("Курсы")
    assert cards.add_product_group(" Курсы ") == group
    product_id = cards.save_product(None, {"name": "Курс", "price": Decimal("1200.505"),
                                           "currency": "rub", "vat_rate": "22", "group": group,
                                           "active": True}, admin_user.id)
    card = cards.product_card(product_id)
    assert card["price"] == Decimal("1200.51") and card["currency"] == "RUB"
    assert card["group"] == group


def test_phone_preview_follows_the_region(admin_user):
    assert cards.phone_preview("8 912 345 67 89") == "+7 912 345-67-89"
    rules.PHONE_REGION.set("IT")
    assert cards.phone_preview("02 1234 5678") == "+39 02 1234 5678"
    assert cards.phone_preview("12") == ""


def test_rules_settings_store_only_what_differs(admin_user):
    admin.save_rules_settings({"inactivity_days": 30, "phone_region": "it"})
    assert rules.INACTIVITY_DAYS.get() == 30 and rules.PHONE_REGION.get() == "IT"
    admin.save_rules_settings({"inactivity_days": 60})  # back to the default: the row goes
    assert rules.INACTIVITY_DAYS.get() == 60
    with pytest.raises(ValidationError):
        admin.save_rules_settings({"inactivity_days": 0})


def test_stages_keep_an_open_stage_and_refuse_deleting_a_used_one(admin_user):
    pipeline_id = admin.save_pipeline(None, "Опт")
    stages = admin.stages(pipeline_id)
    assert [s.kind for s in stages] == ["open", "won", "lost"]
    opened = stages[0]
    with pytest.raises(ValidationError, match="at least one open stage"):
        admin.save_stage(opened.id, pipeline_id, {"name": "Новая", "kind": "won",
                                                  "probability": "0", "color": "#112233"})
    Deal.create(title="Опт-1", pipeline=Pipeline.get_by_id(pipeline_id),
                stage=Stage.get_by_id(opened.id))
    with pytest.raises(ValidationError, match="1 deal is in this stage"):
        admin.delete_stage(opened.id)
    with pytest.raises(ValidationError, match="has deals"):
        admin.delete_pipeline(pipeline_id)
    admin.move_stage(stages[2].id, -1)
    assert [s.name for s in admin.stages(pipeline_id)] == ["New", "Lost", "Won"]


def test_users_keep_an_administrator_and_no_circle(admin_user):
    with pytest.raises(ValidationError, match="manage users and rights"):
        admin.save_user(admin_user.id, {"name": "Админ", "role": "sales"})
    head = admin.save_user(None, {"name": "Руководитель", "role": "head"})
    seller = admin.save_user(None, {"name": "Продавец", "role": "sales", "head": head})
    with pytest.raises(ValidationError, match="circle"):
        admin.save_user(head, {"name": "Руководитель", "role": "head", "head": seller})
    assert User.get_by_id(seller).head_id == User.get_by_id(head).id


def test_own_company_default_and_images(admin_user):
    first = admin.save_own_company(None, {"short_name": "ООО «Продажи»", "country": "RU",
                                          "logo": b"\x89PNG fake"})
    second = admin.save_own_company(None, {"short_name": "Vendite S.r.l.", "country": "IT",
                                           "vat_number": "00743110157", "is_default": True,
                                           "default_vat_rate": "22"})
    assert OwnCompany.get_by_id(second).is_default and not OwnCompany.get_by_id(first).is_default
    assert admin.own_company_card(first)["logo"] == b"\x89PNG fake"
    assert admin.own_company_card(second)["default_vat_rate"] == Decimal("22.00")


def test_connection_password_goes_to_the_keyring(any_db):
    url = admin.store_connection("postgresql://crm:pa%40ss@db.example.com/crm")
    assert url == "postgresql://crm@db.example.com/crm"
    assert admin.stored_password(url) == "pa%40ss"
    assert admin.connection_errors("postgres", "postgresql://host") != {}
    assert admin.connection_errors("sqlite", "") == {"path": "Choose the database file."}


def test_lead_conversion_duplicates_are_offered(admin_user):
    from desktop_crm.services.sales import contacts, leads

    contacts.create_contact({"last_name": "Орлова", "first_name": "Юлия",
                             "birth_date": dt.date(1990, 1, 1), "mobile_phone": "+79161234567",
                             "private_email": "orlova@mail.ru"}, admin_user.id)
    lead = leads.create_lead({"last_name": "Орлова", "first_name": "Юлия",
                              "mobile_phone": "8 916 123-45-67"}, admin_user.id)
    found = cards.conversion_duplicates(lead.id)
    assert [d.name for d in found] == ["Орлова Юлия"]
    assert "full name" in found[0].matched and "phone" in found[0].matched
