"""Messages and SDI receipts the receiving tests deliver into the Dovecot mailbox."""

from __future__ import annotations

import email.utils
from email.message import EmailMessage

NS_MESSAGES = "http://ivaservizi.agenziaentrate.gov.it/docs/xsd/messaggi/v1.0"


def message(
    sender: str,
    to: str,
    subject: str,
    body: str,
    *,
    message_id: str | None = None,
    in_reply_to: str = "",
    html: str | None = None,
    attachments: tuple[tuple[str, str, bytes], ...] = (),
    charset: str = "utf-8",
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = email.utils.format_datetime(email.utils.localtime())
    msg["Message-ID"] = message_id or email.utils.make_msgid(domain="example.com")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    if html is not None:
        msg.set_content(html, subtype="html", charset=charset)
    else:
        msg.set_content(body, charset=charset)
    for filename, mime, content in attachments:
        maintype, subtype = mime.split("/")
        msg.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return bytes(msg)


def receipt_xml(kind: str, file_name: str, sdi_id: str = "111", *, errors: tuple[tuple[str, str], ...] = (),
                outcome: str = "EC01") -> bytes:
    root = {
        "RC": "RicevutaConsegna", "NS": "NotificaScarto", "MC": "NotificaMancataConsegna",
        "NE": "NotificaEsito", "DT": "NotificaDecorrenzaTermini", "AT": "AttestazioneTrasmissioneFattura",
    }[kind]
    extra = ""
    if kind == "RC":
        extra = "<DataOraConsegna>2026-12-07T10:05:00.000+01:00</DataOraConsegna>"
    if kind == "NS":
        items = "".join(
            f"<Errore><Codice>{code}</Codice><Descrizione>{text}</Descrizione></Errore>"
            for code, text in errors
        )
        extra = f"<ListaErrori>{items}</ListaErrori>"
    if kind == "NE":
        extra = (f"<EsitoCommittente><IdentificativoSdI>{sdi_id}</IdentificativoSdI>"
                 f"<Esito>{outcome}</Esito><Descrizione>Esito</Descrizione></EsitoCommittente>")
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<types:{root} xmlns:types="{NS_MESSAGES}" versione="1.0">'
        f"<IdentificativoSdI>{sdi_id}</IdentificativoSdI><NomeFile>{file_name}</NomeFile>"
        f"<DataOraRicezione>2026-12-07T10:00:00.000+01:00</DataOraRicezione>{extra}"
        f"<MessageId>123</MessageId></types:{root}>"
    ).encode()


def pec_receipt(to: str, kind: str, file_name: str, **options: object) -> bytes:
    """An SDI receipt as it reaches a PEC inbox: the provider's envelope around SDI's message (as
    ``postacert.eml``) whose attachment is the receipt's XML."""
    stem = file_name.removesuffix(".xml")
    inner = EmailMessage()
    inner["From"] = "sdi01@pec.fatturapa.it"
    inner["To"] = to
    inner["Subject"] = f"Ricevuta {kind} {stem}"
    inner["Message-ID"] = email.utils.make_msgid(domain="pec.fatturapa.it")
    inner.set_content("Notifica SDI in allegato.")
    xml = receipt_xml(kind, file_name, **options)  # type: ignore[arg-type]
    inner.add_attachment(xml, maintype="application", subtype="xml", filename=f"{stem}_{kind}_001.xml")
    outer = EmailMessage()
    outer["From"] = "posta-certificata@pec.aruba.it"
    outer["To"] = to
    outer["Subject"] = f"POSTA CERTIFICATA: Ricevuta {kind} {stem}"
    outer["Message-ID"] = email.utils.make_msgid(domain="pec.aruba.it")
    outer["Date"] = email.utils.format_datetime(email.utils.localtime())
    outer["X-Trasporto"] = "posta-certificata"
    outer.set_content("Messaggio di posta certificata.")
    outer.add_attachment(inner, filename="postacert.eml")
    outer.add_attachment(b"<postacert/>", maintype="application", subtype="xml", filename="daticert.xml")
    return bytes(outer)
