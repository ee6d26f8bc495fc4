"""Property tests of normalisation and the duplicate rule (rule 5): formatting variants of the same
person never escape detection; different people are never taken for one another."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from desktop_crm.models import Contact
from desktop_crm.normalize import email_key, name_key, phone_e164
from desktop_crm.services.sales import contacts

LAST = ["Фёдоров", "Иванов", "Семёнов", "Ковалёва", "Rossi", "Bianchi", "Щербаков", "Соловьёв"]
FIRST = ["Иван", "Пётр", "Алёна", "Мария", "Giulia", "Luca", "Артём", "Фёкла"]
MIDDLE = ["Петрович", "Сергеевна", "Фёдорович", ""]
OTHER_LAST = ["Смирнова", "Кузнецов", "Попов", "Esposito", "Romano"]
OTHER_FIRST = ["Ольга", "Дмитрий", "Наталья", "Marco", "Chiara"]

DB_SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def spell(name: str, data: st.DataObject) -> str:
    """The same name as a user might type it: any case, ё written as е, stray spaces."""
    if data.draw(st.booleans()):
        name = name.replace("ё", "е").replace("Ё", "Е")
    case = data.draw(st.sampled_from(["same", "upper", "lower", "title"]))
    name = {"same": name, "upper": name.upper(), "lower": name.lower(), "title": name.title()}[case]
    return data.draw(st.sampled_from(["", " ", "  "])) + name + data.draw(st.sampled_from(["", " "]))


mobile = st.integers(min_value=9000000000, max_value=9999999999).map(str)


def format_ru_mobile(digits: str, data: st.DataObject) -> str:
    a, b, c, d, e = digits[:3], digits[3:6], digits[6:8], digits[8:], digits
    style = data.draw(st.integers(0, 6))
    return [
        f"+7{e}",
        f"+7 {a} {b}-{c}-{d}",
        f"8 ({a}) {b} {c} {d}",
        f"8{e}",
        f"+7 ({a}) {b}{c}{d}",
        f"8-{a}-{b}-{c}-{d}",
        f"7 {a} {b} {c} {d}",
    ][style]


@settings(max_examples=100, deadline=None)
@given(digits=mobile, data=st.data())
def test_phone_variants_normalise_to_one_e164(digits, data):
    canonical = phone_e164(f"+7{digits}", "RU")
    assume(canonical)
    assert phone_e164(format_ru_mobile(digits, data), "RU") == canonical == f"+7{digits}"


@settings(max_examples=100, deadline=None)
@given(last=st.sampled_from(LAST), first=st.sampled_from(FIRST), middle=st.sampled_from(MIDDLE),
       order=st.permutations([0, 1, 2]), data=st.data())
def test_name_key_ignores_order_case_and_yo(last, first, middle, order, data):
    parts = [last, first, middle]
    shuffled = [spell(parts[i], data) for i in order]
    assert name_key(*shuffled) == name_key(last, first, middle)


@settings(max_examples=40, deadline=None)
@given(local=st.from_regex(r"[a-z][a-z0-9.]{2,12}", fullmatch=True), data=st.data())
def test_email_key_ignores_case_and_spaces(local, data):
    address = f"{local}@Mail.Example"
    typed = data.draw(st.sampled_from([address.upper(), address.lower(), f"  {address} "]))
    assert email_key(typed) == email_key(address)


def person(last, first, middle, digits, birth, email):
    return {
        "last_name": last, "first_name": first, "middle_name": middle, "birth_date": birth,
        "mobile_phone": f"+7{digits}", "private_email": email,
    }


@DB_SETTINGS
@given(
    last=st.sampled_from(LAST), first=st.sampled_from(FIRST), middle=st.sampled_from(MIDDLE),
    digits=mobile, birth=st.dates(dt.date(1940, 1, 1), dt.date(2005, 12, 31)),
    order=st.permutations([0, 1, 2]),
    which=st.sampled_from(["name+phone", "name+birth", "phone+email", "name+email"]),
    data=st.data(),
)
def test_variants_of_the_same_person_never_escape_detection(
    db, last, first, middle, digits, birth, order, which, data
):
    assume(phone_e164(f"+7{digits}", "RU"))
    original = person(last, first, middle, digits, birth, f"{first.lower()}.{digits[-4:]}@mail.example")
    with db.atomic() as transaction:
        stored = Contact.create(**original)
        parts = [last, first, middle]
        # The same person typed again; only two identifying fields are kept equal.
        variant = {
            "last_name": "Другов", "first_name": "Другой", "middle_name": "",
            "birth_date": dt.date(1930, 1, 1), "mobile_phone": "+7 800 000-00-00",
            "private_email": "someone.else@mail.example",
        }
        if "name" in which:
            names = [spell(parts[i], data) for i in order]
            variant.update(last_name=names[0], first_name=names[1], middle_name=names[2])
        if "phone" in which:
            variant["mobile_phone"] = format_ru_mobile(digits, data)
        if "birth" in which:
            variant["birth_date"] = birth
        if "email" in which:
            variant["private_email"] = original["private_email"].upper()
        found = contacts.find_duplicates(variant)
        transaction.rollback()
    assert [m.contact_id for m in found] == [stored.id]


@DB_SETTINGS
@given(
    a=st.tuples(st.sampled_from(LAST), st.sampled_from(FIRST), mobile,
                st.dates(dt.date(1940, 1, 1), dt.date(1970, 12, 31))),
    b=st.tuples(st.sampled_from(OTHER_LAST), st.sampled_from(OTHER_FIRST), mobile,
                st.dates(dt.date(1971, 1, 1), dt.date(2005, 12, 31))),
)
def test_different_people_never_merge(db, a, b):
    assume(a[2] != b[2])
    first = person(a[0], a[1], "", a[2], a[3], f"a{a[2]}@mail.example")
    second = person(b[0], b[1], "", b[2], b[3], f"b{b[2]}@mail.example")
    assert contacts.is_duplicate(contacts.identity(first), contacts.identity(second)) is False
    with db.atomic() as transaction:
        Contact.create(**first)
        found = contacts.find_duplicates(second)
        transaction.rollback()
    assert found == []
