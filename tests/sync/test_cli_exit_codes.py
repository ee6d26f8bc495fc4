"""``desktop-crm sync`` says in its exit status when a round leaves work for the user: 3 while
conflicts are not reviewed (or refused changes are kept aside, see test_parked_ui), 0 otherwise."""

from __future__ import annotations

import time

import pytest

from desktop_crm.cli import main
from desktop_crm.commands.sync import EXIT_ATTENTION
from desktop_crm.models import Deal, database
from desktop_crm.sync import capture
from tests.sync.helpers import new_replica, use
from tests.sync.test_protocol import seed_deal

pytestmark = pytest.mark.postgres


def test_open_conflicts_give_their_own_exit_status(server_url, tmp_path, capsys):
    a = new_replica(tmp_path / "a.db", server_url)
    b = new_replica(tmp_path / "b.db", server_url)
    deal_id = seed_deal(a)
    b.sync()
    now = time.time()
    for replica, skew, title in ((a, 60.0, "by a"), (b, -60.0, "by b")):
        capture.set_clock(replica.db, lambda s=skew: now + s)
        use(replica)
        deal = Deal.get_by_id(deal_id)
        deal.title = title
        deal.save()
    a.sync()
    b_path = str(b.db.database)
    b.db.close()
    a.db.close()
    database.initialize(None)
    code = main(["sync", "--db", b_path, "--server", server_url])
    captured = capsys.readouterr()
    assert code == EXIT_ATTENTION == 3
    assert "1 conflict is not reviewed yet" in captured.err
    assert "Traceback" not in captured.err
