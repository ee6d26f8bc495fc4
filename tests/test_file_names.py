"""File names made from user data are valid everywhere, and hostile names neither reach a stored
file's name nor break the FatturaPA XML."""

from __future__ import annotations

import dataclasses
import os
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_crm.countries.it import fatturapa
from desktop_crm.documents.context import build_context, sample_input
from desktop_crm.filenames import MAX_BYTES, safe_existing_name, safe_file_name

FORBIDDEN = set('\\/:*?"<>|') | {chr(c) for c in range(32)} | {"\u202e", "\u202d", "\u2066", "\u200f"}
RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)),
            *(f"LPT{n}" for n in range(1, 10))}
EXAMPLES = int(os.environ.get("CRM_FUZZ_EXAMPLES", "200"))


def assert_valid(name: str, extension: str) -> None:
    assert name.endswith(f".{extension}")
    stem = name[: -len(extension) - 1]
    assert stem and stem == stem.strip(" .")
    assert not FORBIDDEN & set(name)
    assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in name)
    assert unicodedata.category(stem[0]) != "Cf"
    assert stem.split(".")[0].upper() not in RESERVED
    assert len(name.encode("utf-8")) <= MAX_BYTES + len(extension) + 1


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.text(), st.sampled_from(["pdf", "docx", "xml", "xlsx"]))
def test_any_text_makes_a_valid_file_name(text, extension):
    assert_valid(safe_file_name(text, extension), extension)


def test_hostile_names():
    assert safe_file_name("ООО «Лютик»\x00\u202efdp.exe", "pdf") == "ООО Лютикfdp.exe.pdf"
    assert safe_file_name("../../etc/passwd", "pdf") == "etc passwd.pdf"
    assert safe_file_name("CON", "pdf") == "_CON.pdf"
    assert safe_file_name("nul.txt", "pdf") == "_nul.txt.pdf"
    assert safe_file_name(" ... ", "pdf", fallback="КП-1") == "КП-1.pdf"
    assert safe_file_name("Я" * 500, "pdf") == "Я" * 100 + ".pdf"  # 200 bytes of UTF-8
    assert safe_existing_name("Счёт 1 \u202eOOO.pdf") == "Счёт 1 OOO.pdf"


def test_a_hostile_buyer_name_leaves_the_fattura_valid_and_its_file_name_safe():
    data = sample_input("it", "invoice")
    data = dataclasses.replace(data, buyer=dataclasses.replace(
        data.buyer, name="Bianchi\x00 \u202eSpA\x07", street="Via Roma\x0b 1"))
    context = build_context(data)
    xml = fatturapa.build_xml(context)
    assert fatturapa.xsd_errors(xml) == []
    assert "<Denominazione>Bianchi SpA</Denominazione>" in xml.decode("utf-8")
    assert_valid(fatturapa.file_name(context, "00001"), "xml")
    seller = dataclasses.replace(data.seller, vat_number="0123\u202e/..\x00")
    context = build_context(dataclasses.replace(data, seller=seller))
    assert fatturapa.file_name(context, "00001") == "IT0123_00001.xml"
