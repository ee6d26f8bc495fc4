"""Property-based tests of custom fields (both engines): hostile values for every kind of field, and
hostile definitions, are refused as a ``CrmError`` leaving every table as it was, or stored clean
(see ``test_service_inputs``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_crm.entities import Entity
from desktop_crm.services.system import custom_fields as cf
from desktop_crm.services.system import custom_values as cv
from tests.factories import make_company, make_contact, make_deal, make_pipeline, make_stages
from tests.fuzz.test_service_inputs import ANY_VALUE, TEXT_VALUE, fuzz, refused_or_clean

KINDS = ("text", "number", "money", "date", "list", "multi_list", "yes_no", "contact_link",
         "company_link")


@pytest.fixture
def world(fuzz_db):
    pipeline = make_pipeline("Корпоративные продажи")
    deal = make_deal("Внедрение", stage=make_stages(pipeline, ["Квалификация"])[0])
    for kind in KINDS:
        cf.define_field(Entity.DEALS, f"Поле {kind}", kind,
                        options=["Альфа", "Бета"] if "list" in kind else ())
    make_contact()
    make_company()
    return deal


RAW = st.one_of(ANY_VALUE, st.lists(ANY_VALUE, max_size=3), st.sampled_from(["Альфа", "Альфа; Бета"]))


@fuzz
@given(values=st.dictionaries(st.sampled_from([f"pole_{k}" for k in KINDS] + ["nope", ""]), RAW,
                              min_size=1, max_size=5))
def test_set_values(world, values):
    refused_or_clean(lambda: cv.set_values(Entity.DEALS, world.id, values))


@fuzz
@given(label=TEXT_VALUE, kind=st.one_of(st.sampled_from(KINDS), TEXT_VALUE),
       options=st.one_of(st.lists(ANY_VALUE, max_size=3), TEXT_VALUE), block=TEXT_VALUE)
def test_define_and_update_field(world, label, kind, options, block):
    refused_or_clean(lambda: cf.define_field(Entity.DEALS, label, kind, options=options,
                                             block=block))
    first = cf.fields(Entity.DEALS)[0]
    refused_or_clean(lambda: cf.update_field(first.id, label=label, block=block))
