"""Which format a statement file is in, and reading it."""

from __future__ import annotations

from desktop_crm.errors import ValidationError
from desktop_crm.i18n import _
from desktop_crm.services.billing.statements import camt, onec
from desktop_crm.services.billing.statements.lines import Statement

MAX_BYTES = 50 * 1024 * 1024


def parse_statement(data: bytes) -> Statement:
    """A statement from the bytes of a 1CClientBankExchange or camt.053 file; a translated
    ``ValidationError`` for anything else, a damaged or a cut-short file."""
    if not data.strip():
        raise ValidationError(_("The statement file is empty."))
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The statement file is too large (more than 50 MB)."))
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16, as some Windows tools save text
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(_("The statement's text cannot be read: it is damaged UTF-16.")) from None
    head = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(onec.MAGIC.encode("ascii")):
        return onec.parse(data)
    if head.startswith(b"<"):
        return camt.parse(data)
    raise ValidationError(_("This file is not a bank statement Desktop CRM reads: give a "
                            "1CClientBankExchange (.txt) or ISO 20022 camt.053 (.xml) statement."))
