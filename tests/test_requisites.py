"""Requisite validators on valid and mistyped real-world numbers, in every UI language."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from desktop_crm import i18n
from desktop_crm.services.billing import requisites as rq

# Public requisites of real banks and companies (as printed on their websites and invoices).
SBERBANK = {
    "inn": "7707083893",
    "kpp": "773601001",
    "ogrn": "1027700132195",
    "bik": "044525225",
    "corr": "30101810400000000225",
}
ALFA = {"bik": "044525593", "corr": "30101810200000000593"}
TBANK = {"bik": "044525974", "corr": "30101810145250000974"}
SBER_SPB = {"bik": "044030653", "corr": "30101810500000000653"}


@pytest.mark.parametrize("value", ["7707083893", "7710140679", "500100732259", " 7707 083 893 "])
def test_valid_inn(value):
    assert rq.inn_error(value) is None


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("7707083894", "check digits"),
        ("500100732258", "check digits"),
        ("77070838", "10 digits"),
        ("77070838A3", "digits only"),
    ],
)
def test_invalid_inn(value, fragment):
    assert fragment in rq.inn_error(value)


def test_inn_kind_is_enforced_when_asked():
    assert "10 digits" in rq.inn_error("500100732259", legal_entity=True)
    assert "12 digits" in rq.inn_error("7707083893", legal_entity=False)


@pytest.mark.parametrize("value", ["773601001", "7736AB001", "502901001"])
def test_valid_kpp(value):
    assert rq.kpp_error(value) is None


@pytest.mark.parametrize("value", ["77360100", "7736АБ001", "ABCD01001", "7736010011"])
def test_invalid_kpp(value):
    assert rq.kpp_error(value) is not None


@pytest.mark.parametrize("value", ["1027700132195", "1022200525819", "304500116000157", "316774600100110"])
def test_valid_ogrn_and_ogrnip(value):
    assert rq.ogrn_error(value) is None


def test_ogrnip_whose_remainder_is_two_digits_is_valid_although_stdnum_rejects_it():
    from stdnum.ru import ogrn

    # 31677460010011 % 13 == 10: the check digit is 0, the last digit of the remainder.
    assert int("31677460010011") % 13 == 10
    assert not ogrn.is_valid("316774600100110")
    assert rq.ogrn_error("316774600100110") is None
    assert "check digit" in rq.ogrn_error("316774600100111")


@pytest.mark.parametrize(
    ("value", "fragment"),
    [("1027700132196", "check digit"), ("0027700132195", "starts with"), ("10277001321", "13 digits")],
)
def test_invalid_ogrn(value, fragment):
    assert fragment in rq.ogrn_error(value)


def test_bik_format():
    assert rq.bik_error("044525225") is None
    assert "starts with 04" in rq.bik_error("144525225")
    assert "9 digits" in rq.bik_error("04452522")


@pytest.mark.parametrize("bank", [SBERBANK, ALFA, TBANK, SBER_SPB])
def test_real_correspondent_accounts_match_their_bik(bank):
    assert rq.corr_account_error(bank["corr"], bank["bik"]) is None


def test_correspondent_account_of_another_bank_is_refused():
    assert "does not match the BIK" in rq.corr_account_error(ALFA["corr"], SBER_SPB["bik"])
    assert "starts with 301" in rq.corr_account_error("40702810938000012345", SBERBANK["bik"])


def test_settlement_account_key():
    assert rq.settlement_account_error("40702810938000012345", SBERBANK["bik"]) is None
    assert "does not match" in rq.settlement_account_error("40702810138000012345", SBERBANK["bik"])
    # The same account is wrong at another bank: the key covers the БИК.
    assert rq.settlement_account_error("40702810938000012345", TBANK["bik"]) is not None
    assert "BIK first" in rq.settlement_account_error("40702810938000012345", "")
    assert "20 digits" in rq.settlement_account_error("4070281093800001234", SBERBANK["bik"])


def test_control_key_is_computed_for_any_account():
    fixed = rq.account_control_key("40702810038000012345", SBERBANK["bik"], correspondent=False)
    assert fixed == "40702810938000012345"
    assert rq.settlement_account_error(fixed, SBERBANK["bik"]) is None


@pytest.mark.parametrize("value", ["00743110157", "IT00743110157", "01114601006"])
def test_valid_partita_iva(value):
    assert rq.vat_number_error(value) is None


def test_invalid_partita_iva():
    assert "check digit" in rq.vat_number_error("00743110158")
    assert "11 digits" in rq.vat_number_error("0074311015")


def test_codice_fiscale_person_and_company():
    assert rq.fiscal_code_error("RSSMRA85T10A562S") is None
    assert rq.fiscal_code_error("00743110157") is None
    assert "check letter" in rq.fiscal_code_error("RSSMRA85T10A562T")
    assert "wrong check digit" in rq.fiscal_code_error("00743110158")
    assert "16 characters" in rq.fiscal_code_error("RSSMRA85T10")


def test_iban_and_italian_cin():
    assert rq.iban_error("IT60 X054 2811 1010 0000 0123 456") is None
    assert rq.iban_error("DE89370400440532013000") is None
    assert "check digits" in rq.iban_error("IT61X0542811101000000123456")
    assert rq.italian_cin("0542811101000000123456") == "X"
    # Same mod-97 digits recomputed around a wrong CIN: only the CIN check can catch it.
    bban = "Y0542811101000000123456"
    forged = "IT" + rq.iban_check_digits("IT", bban) + bban
    assert "CIN" in rq.iban_error(forged)


def test_swift_bic():
    assert rq.bic_error("UNCRITMM") is None
    assert rq.bic_error("SABRRUMMXXX") is None
    assert rq.bic_error("UNCR1TMM") is not None


def test_empty_values_are_not_format_errors():
    for check in (rq.inn_error, rq.kpp_error, rq.ogrn_error, rq.bik_error, rq.vat_number_error,
                  rq.fiscal_code_error, rq.iban_error, rq.bic_error):
        assert check("") is None and check(None) is None


def test_requisites_errors_checks_the_fields_of_the_country():
    russian = SimpleNamespace(country="RU", inn=SBERBANK["inn"], kpp=SBERBANK["kpp"], ogrn="1027700132196",
                              bik=SBERBANK["bik"], corr_account=SBERBANK["corr"],
                              account="40702810938000012345", vat_number="123", iban="", bic="")
    assert set(rq.requisites_errors(russian)) == {"ogrn"}
    italian = SimpleNamespace(country="IT", inn="123", vat_number="00743110157", fiscal_code="00743110157",
                              iban="IT60X0542811101000000123456", bic="BPPIITRRXXX")
    assert rq.requisites_errors(italian) == {}


@pytest.mark.parametrize(("language", "expected"), [("ru", "ИНН"), ("it", "INN")])
def test_messages_are_translated(language, expected):
    i18n.set_language(language)
    message = rq.inn_error("7707083894")
    assert expected in message
    assert message != "The INN check digits do not match: the number has a typo."
