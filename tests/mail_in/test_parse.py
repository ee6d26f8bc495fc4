"""Received mail read safely (issue 22, point 3): charsets, HTML-only bodies, attachments, PEC."""

from __future__ import annotations

from desktop_crm.countries.it import sdi
from desktop_crm.services.mail.parse import html_to_text, parse
from tests.mail_in import samples


def test_koi8r_and_windows1251_bodies_and_subjects() -> None:
    for charset in ("koi8-r", "windows-1251"):
        raw = samples.message("Иван <ivan@example.ru>", "me@example.org", "Счёт получен",
                              "Спасибо, счёт получили, оплатим в пятницу.", charset=charset)
        parsed = parse(raw)
        assert parsed.subject == "Счёт получен"
        assert "оплатим в пятницу" in parsed.body
        assert parsed.sender == "ivan@example.ru" and parsed.sender_name == "Иван"


def test_a_wrong_charset_label_falls_back_instead_of_failing() -> None:
    raw = (b"From: a@example.ru\r\nTo: b@example.org\r\nSubject: x\r\nContent-Type: text/plain; "
           b"charset=x-unknown\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
    raw += "Привет".encode("cp1251")
    assert parse(raw).body == "Привет"


def test_html_only_body_becomes_text_without_scripts() -> None:
    raw = samples.message("a@example.com", "b@example.org", "Hi", "", html=(
        "<html><head><style>p{color:red}</style><script>alert(1)</script></head>"
        "<body><p>Buongiorno,</p><p>confermiamo l&#39;ordine &amp; il prezzo.</p></body></html>"))
    body = parse(raw).body
    assert body == "Buongiorno,\n\nconfermiamo l'ordine & il prezzo."
    assert "alert" not in body and "color" not in body
    assert html_to_text("<div>a<br>b</div>") == "a\nb"


def test_attachments_are_kept_and_headers_read() -> None:
    raw = samples.message("Anna <anna@example.com>", "me@example.org, boss@example.org", "Files", "See",
                          message_id="<abc@example.com>", in_reply_to="<ours@example.org>",
                          attachments=(("spec.pdf", "application/pdf", b"%PDF-1.4 x"),))
    parsed = parse(raw)
    assert parsed.message_id == "<abc@example.com>" and parsed.in_reply_to == "<ours@example.org>"
    assert parsed.to == ("me@example.org", "boss@example.org")
    assert [(a.filename, a.mime_type, a.content) for a in parsed.attachments] == [
        ("spec.pdf", "application/pdf", b"%PDF-1.4 x")]
    assert parsed.date is not None


def test_garbage_does_not_raise() -> None:
    parsed = parse(b"\x00\xff\xfe garbage without headers")
    assert parsed.message_id == "" and parsed.sender == ""


def test_sdi_receipt_inside_a_pec_envelope() -> None:
    raw = samples.pec_receipt("pec@example.it", "NS", "IT01234567890_00012.xml",
                              errors=(("00404", "Fattura duplicata"),))
    files = [a for a in parse(raw).attachments if sdi.is_receipt_name(a.filename)]
    assert [f.filename for f in files] == ["IT01234567890_00012_NS_001.xml"]
    receipt = sdi.parse_receipt(files[0].content)
    assert receipt is not None
    assert receipt.kind == sdi.ReceiptKind.NS and receipt.status == sdi.SdiStatus.REJECTED
    assert receipt.file_name == "IT01234567890_00012.xml" and receipt.sdi_id == "111"
    assert receipt.errors == (sdi.SdiError("00404", "Fattura duplicata"),)
    assert receipt.received_at is not None and receipt.received_at.hour == 9  # 10:00+01:00 in UTC


def test_receipt_kinds_and_outcomes() -> None:
    def status(xml: bytes) -> sdi.SdiStatus:
        receipt = sdi.parse_receipt(xml)
        assert receipt is not None
        return receipt.status

    assert status(samples.receipt_xml("RC", "IT1_00001.xml")) == sdi.SdiStatus.DELIVERED
    assert status(samples.receipt_xml("NE", "IT1_00001.xml", outcome="EC02")) == sdi.SdiStatus.REFUSED
    assert status(samples.receipt_xml("NE", "IT1_00001.xml")) == sdi.SdiStatus.ACCEPTED
    assert status(samples.receipt_xml("MC", "IT1_00001.xml")) == sdi.SdiStatus.NOT_DELIVERED
    assert sdi.parse_receipt(b"<not-a-receipt/>") is None
    assert sdi.parse_receipt(b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>") is None
