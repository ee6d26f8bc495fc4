"""A damaged database at start-up offers the newest sound backup of the backup folder."""

from __future__ import annotations

from pathlib import Path

from desktop_crm.models import Company
from desktop_crm.services.system import backups
from tests.test_damaged_files import crm_file, made, qsettings, start  # noqa: F401 - fixtures


def test_a_damaged_database_offers_the_newest_sound_backup(start, tmp_path: Path) -> None:  # noqa: F811
    path = crm_file(tmp_path / "crm.db", "ООО «Из папки»")
    good = backups.backup_database(path, reason="daily")
    newer = backups.backup_database(path, reason="merge")
    newer.path.write_bytes(b"not a database at all" * 500)  # the newest is damaged: skipped
    assert backups.latest_sound_backup(path) == good.path
    with made("damaged", tmp_path) as damaged:
        assert damaged == path
        db, seen = start(damaged, "Restore the backup")
    assert [name for name, _text in seen] == ["restore_backup_dialog"]
    assert good.path.name in seen[0][1]
    assert db is not None
    assert [c.legal_name for c in Company.select()] == ["ООО «Из папки»"]
