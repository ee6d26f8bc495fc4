"""A bank statement imported on one replica: its payments, keys and review list reach another
replica, where importing the same file registers nothing twice."""

from __future__ import annotations

import datetime as dt

import pytest

from desktop_crm.models import BankLine, Payment
from tests.statements.files import Doc, one_c_bytes
from tests.sync.helpers import new_replica, use

pytestmark = pytest.mark.postgres


def test_a_statement_imported_on_one_replica_is_known_on_another(server_url, tmp_path, monkeypatch):
    from desktop_crm.services.billing import invoices
    from desktop_crm.services.billing.statements import imports
    from tests.documents_fixtures import RU_LINES, deal_with_lines, russian_buyer, russian_seller

    monkeypatch.setenv("CRM_DATA_DIR", str(tmp_path / "data"))
    a = new_replica(tmp_path / "a.db", server_url)
    use(a)
    russian_seller()
    deal = deal_with_lines(russian_buyer(), RU_LINES)
    invoices.issue(invoices.create_from_deal(deal.id).id, on=dt.date(2026, 12, 1))
    data = one_c_bytes([Doc("311", "02.12.2026", "41990.00", "Оплата по счету № 1"),
                        Doc("77", "04.12.2026", "1500.00", "Возврат займа", payer_inn="500100732259")])
    first = imports.import_statement(data, "kl_to_1c.txt")
    assert len(first.matched) == 1 and len(first.unmatched) == 1
    a.sync()
    b = new_replica(tmp_path / "b.db", server_url)
    b.sync()
    use(b)
    assert Payment.select().where(Payment.bank_key.is_null(False)).count() == 1
    assert BankLine.select().count() == 2
    again = imports.import_statement(data, "kl_to_1c.txt")
    assert again.matched == [] and len(again.known) == 1 and len(again.unmatched) == 1
    assert Payment.select().count() == 1
    assert b.sync().parked == 0  # the new statement and its moved review line go up
