"""FatturaPA: generated XML validates against the official XSD v1.2.3; documents.md §4.3 negatives fail."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from desktop_crm.countries.it import fatturapa
from desktop_crm.documents.context import LineInput, build_context, sample_input
from desktop_crm.paths import resources_dir


def xml_of(data=None) -> bytes:
    return fatturapa.build_xml(build_context(data or sample_input("it", "invoice")))


def test_the_vendored_schema_is_the_official_v1_2_3():
    content = (resources_dir() / "fatturapa" / fatturapa.XSD_NAME).read_bytes()
    assert hashlib.sha256(content).hexdigest() == (
        "152944f6eef9f5d69ef6e955ee173b32142b00a8c1c5222fc97dfab5910e8a8c"
    )
    assert b"TD29" in content and b"RF20" in content


def test_generated_invoice_validates_against_the_xsd_and_the_rules():
    xml = xml_of()
    assert fatturapa.xsd_errors(xml) == []
    assert fatturapa.rule_errors(xml) == []
    text = xml.decode("utf-8")
    for fragment in (
        "<FormatoTrasmissione>FPR12</FormatoTrasmissione>", "<TipoDocumento>TD01</TipoDocumento>",
        "<Numero>2026/0042</Numero>", "<ImponibileImporto>27490.00</ImponibileImporto>",
        "<Imposta>6047.80</Imposta>", "<ImportoTotaleDocumento>33537.80</ImportoTotaleDocumento>",
        "<Descrizione>Licenza software annuale - Pro</Descrizione>",  # en dash transliterated
        "<IBAN>IT60X0542811101000000123456</IBAN>", "<DataScadenzaPagamento>2026-12-25",
    ):
        assert fragment in text, fragment


def test_forfettario_with_natura_legal_reference_and_virtual_stamp_duty():
    data = sample_input("it", "invoice")
    data.seller.regime_fiscale = "RF19"
    data.lines = [LineInput("Consulenza", Decimal("1"), Decimal("500.00"), "ore", vat_rate=Decimal("0"))]
    ctx = build_context(data)
    assert ctx["totals"]["stamp_duty"] == "2.00"
    xml = fatturapa.build_xml(ctx)
    assert fatturapa.validate(xml) == []
    text = xml.decode()
    assert "<Natura>N2.2</Natura>" in text and "<RegimeFiscale>RF19</RegimeFiscale>" in text
    assert "<BolloVirtuale>SI</BolloVirtuale>" in text and "<ImportoBollo>2.00</ImportoBollo>" in text
    assert "EsigibilitaIVA" not in text and "RiferimentoNormativo" in text


def test_vat_is_per_rate_on_the_summary_so_sdi_arithmetic_holds():
    data = sample_input("it", "invoice")
    data.lines = [
        LineInput(f"Voce {i}", Decimal("1"), Decimal("1.25"), vat_rate=Decimal("22")) for i in range(10)
    ]
    xml = xml_of(data)
    assert "<Imposta>2.75</Imposta>" in xml.decode()
    assert fatturapa.validate(xml) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "<Descrizione>Installazione e formazione</Descrizione>",
            "<Descrizione>Installazione — formazione</Descrizione>",
            "Descrizione",
        ),
        ("<Imposta>6047.80</Imposta>", "<Imposta>6047.805</Imposta>", "Imposta"),
        ("<Numero>2026/0042</Numero>", "<Numero>2026/0042-ABCDEFGHIJKLMNOP</Numero>", "Numero"),
        (
            "<CodiceDestinatario>0000000</CodiceDestinatario>",
            "<CodiceDestinatario>abcdefg</CodiceDestinatario>",
            "CodiceDestinatario",
        ),
    ],
)
def test_xsd_negative_cases_fail_with_clear_messages(old, new, expected):
    xml = xml_of()
    broken = xml.replace(old.encode(), new.encode())
    assert broken != xml
    errors = fatturapa.validate(broken)
    assert errors and expected in errors[0]


def test_business_rules_negative_cases():
    xml = xml_of()
    wrong_vat = xml.replace(b"<Imposta>6047.80</Imposta>", b"<Imposta>6047.90</Imposta>")
    assert any("00421" in e for e in fatturapa.validate(wrong_vat))
    no_summary = xml.replace(
        b"<AliquotaIVA>22.00</AliquotaIVA>\n        <ImponibileImporto>",
        b"<AliquotaIVA>10.00</AliquotaIVA>\n        <ImponibileImporto>",
    )
    problems = fatturapa.validate(no_summary)
    assert any("00443" in e for e in problems) and any("00444" in e for e in problems)
    bad_iva = xml.replace(b"<IdCodice>12345670017</IdCodice>", b"<IdCodice>12345670018</IdCodice>")
    assert any("12345670018 is not a valid Partita IVA" in e for e in fatturapa.validate(bad_iva))
    wrong_total = xml.replace(
        b"<PrezzoTotale>4990.00</PrezzoTotale>", b"<PrezzoTotale>4999.00</PrezzoTotale>"
    )
    assert any("00423" in e for e in fatturapa.validate(wrong_total))


def test_zero_rate_needs_a_specific_natura():
    data = sample_input("it", "invoice")
    data.lines = [
        LineInput("Esportazione", Decimal("1"), Decimal("100.00"), vat_rate=Decimal("0"), natura="N3")
    ]
    xml = xml_of(data)
    assert any("generic Natura N3" in e for e in fatturapa.rule_errors(xml))
    data.lines = [LineInput("Esente", Decimal("1"), Decimal("100.00"), vat_rate=Decimal("0"))]
    assert any("needs a Natura" in e for e in fatturapa.rule_errors(xml_of(data)))


def test_text_outside_latin1_is_refused_by_name():
    data = sample_input("it", "invoice")
    data.lines = [LineInput("Ноутбук", Decimal("1"), Decimal("100.00"), vat_rate=Decimal("22"))]
    with pytest.raises(fatturapa.FatturaPAError) as caught:
        xml_of(data)
    assert "Descrizione" in caught.value.problems[0] and "Н" in caught.value.problems[0]


def test_sanitiser_transliterates_typography():
    assert fatturapa.sanitize("“Pro” — 10 € … l’offerta", "x") == "\"Pro\" - 10 EUR ... l'offerta"
    assert fatturapa.sanitize("città perché", "x") == "città perché"  # Latin-1 stays


def test_file_name_and_progressive():
    ctx = build_context(sample_input("it", "invoice"))
    assert fatturapa.file_name(ctx, fatturapa.progressive_for(42)) == "IT01234560124_00016.xml"
    assert fatturapa.progressive_for(10 * 36**4 - 1) == "9ZZZZ"  # the main series starts with a digit
    assert fatturapa.progressive_for(7, "B") == "B0007"  # a device series with its letter
    with pytest.raises(fatturapa.FatturaPAError, match="used up"):
        fatturapa.progressive_for(10 * 36**4)  # "A0000" belongs to series A
    with pytest.raises(fatturapa.FatturaPAError, match="used up"):
        fatturapa.progressive_for(36**4, "B")
    with pytest.raises(fatturapa.FatturaPAError, match="one Latin letter"):
        fatturapa.progressive_for(1, "LAP1")  # «LAP1» + 1 digit would collide with series L
