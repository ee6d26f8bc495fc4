"""Benchmark: offline sync against PostgreSQL on loopback (goals from issue 7 / sync.md §4.3).

    uv run python benchmarks/sync.py [--server URL] [--rows N] [--repeat K]

* ``sync_initial_100k_s`` — a new replica downloads a server holding ``--rows`` rows (default
  100,000: 10 % companies, 30 % contacts, 60 % deals): ``Replica.sync()`` from an empty migrated
  SQLite file to the last committed page (goal ≤ 3 s, issue 24; was ≤ 10 s). One run (it is a
  first download).
* ``sync_roundtrip_100_ms`` — an incremental round after 100 local edits (one bulk update of 100
  deals): push in one server transaction, then pull back, warm connection per round as the app keeps
  it (goal ≤ 50 ms, issue 24; was ≤ 500 ms). One warm-up round, then the median of ``--repeat``.
* ``sync_peak_rss_mb`` — peak resident memory of this process over the two measurements above.
* ``sync_initial_upload_100k_s`` — the first sync of a replica holding a demo of ``--deals`` deals
  (default 100,000; about 13 rows per deal) into an empty server, as Sync › Set up does it: the
  file becomes a replica (every row queued for upload), then ``Replica.sync()`` uploads and pulls
  (goal ≤ 60 s, issue 24). ``extra`` says how many rows it pulled back (only what the server
  changed, never its own rows) and how often it reported progress. The demo is built once into
  ``benchmarks/.cache`` (``--upload-db`` reuses one; the file is copied, never changed). Runs last,
  in its own database of the throwaway cluster (or ``--upload-server``); skipped with ``--server``
  alone.

Without ``--server`` a throwaway PostgreSQL cluster is started on a free loopback port (initdb +
pg_ctl, as in the test suite) and removed afterwards. The server is seeded with set-based SQL through
the real stamp triggers (so ``_fv``/``_xid`` are what production writes would leave).
Prints one JSON line per metric on stdout; notes go to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")  # passwords in the URLs


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def emit(metric: str, value: float, unit: str, goal: float | None, **extra: object) -> None:
    print(json.dumps({"metric": metric, "value": round(value, 3), "unit": unit, "goal": goal,
                      "extra": extra}), flush=True)


SEED_SQL = """
INSERT INTO pipeline (id, created_at, updated_at, _ver, _hlc, name, sort_order, is_default)
VALUES ('0193a000-0000-7000-8000-000000000001', now(), now(), 0, 0, 'Main', 0, true);
INSERT INTO stage (id, created_at, updated_at, _ver, _hlc, pipeline_id, name, sort_order, kind,
    probability, color, task_templates, required_fields, requires_correct_deal)
VALUES ('0193a000-0000-7000-8000-000000000002', now(), now(), 0, 0,
    '0193a000-0000-7000-8000-000000000001', 'New', 0, 'open', 1000, '#4a90d9', '[]', '[]', false);
"""


def seed(conn, rows: int) -> None:
    companies, contacts = rows // 10, rows * 3 // 10
    deals = rows - companies - contacts
    conn.execute(SEED_SQL)
    conn.execute(
        """INSERT INTO company (id, created_at, updated_at, _ver, _hlc, legal_name, short_name,
            country, inn, kpp, ogrn, bank_name, bik, corr_account, account, vat_number, fiscal_code,
            rea, iban, bic, address, postal_code, city, province, email, phone, website, comment,
            search_text)
        SELECT ('0193b000-0000-7000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, now(), now(), 0, 0,
            'ООО Компания ' || g, 'Компания ' || g, 'RU', '77' || lpad(g::text, 8, '0'), '', '', '',
            '', '', '', '', '', '', '', '', 'ул. Ленина, ' || g, '101000', 'Москва', '', '', '', '',
            '', 'ооо компания ' || g
        FROM generate_series(1, %s) g""",
        (companies,),
    )
    conn.execute(
        """INSERT INTO contact (id, created_at, updated_at, _ver, _hlc, last_name, first_name,
            middle_name, mobile_phone, mobile_phone_e164, work_phone, work_phone_e164,
            private_email, work_email, name_key, search_text, company_id, position, source,
            comment, private_email_key, work_email_key)
        SELECT ('0193c000-0000-7000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, now(), now(), 0, 0,
            'Иванов' || g, 'Иван', 'Иванович', '+7 916 ' || g, '+7916' || g, '', '',
            'ivan' || g || '@example.ru', '', 'иванов' || g, 'иванов' || g || ' иван',
            ('0193b000-0000-7000-8000-' || lpad(to_hex(1 + g %% %s), 12, '0'))::uuid, 'Директор', '',
            '', 'ivan' || g || '@example.ru', ''
        FROM generate_series(1, %s) g""",
        (companies, contacts),
    )
    conn.execute(
        """INSERT INTO deal (id, created_at, updated_at, _ver, _hlc, title, pipeline_id, stage_id,
            contact_id, company_id, currency, amount, probability, lost_reason, comment, correct,
            missing_fields, board_rank, search_text)
        SELECT ('0193d000-0000-7000-8000-' || lpad(to_hex(g), 12, '0'))::uuid, now(), now(), 0, 0,
            'Сделка ' || g, '0193a000-0000-7000-8000-000000000001',
            '0193a000-0000-7000-8000-000000000002',
            ('0193c000-0000-7000-8000-' || lpad(to_hex(1 + g %% %s), 12, '0'))::uuid,
            ('0193b000-0000-7000-8000-' || lpad(to_hex(1 + g %% %s), 12, '0'))::uuid,
            'RUB', (g * 1234) %% 100000000, 1000, '', '', true, '[]', g, 'сделка ' || g
        FROM generate_series(1, %s) g""",
        (contacts, companies, deals),
    )


def upload_demo(args: argparse.Namespace) -> Path:
    """The demo database to upload: ``--upload-db``, else one built once into the cache."""
    if args.upload_db:
        return Path(args.upload_db)
    path = ROOT / "benchmarks" / ".cache" / f"demo-{args.deals}.db"
    if not path.exists():
        from desktop_crm.services.data.demo import DemoOptions, build_demo

        path.parent.mkdir(parents=True, exist_ok=True)
        log(f"building a demo database with {args.deals:,} deals in {path} (once; reused later)…")
        build_demo(str(path), DemoOptions(deals=args.deals, files=False))
    return path


def initial_upload(args: argparse.Namespace, url: str, work: Path) -> None:
    """``sync_initial_upload_100k_s``: Sync › Set up on a file that holds a demo."""
    import shutil

    from desktop_crm.models import database
    from desktop_crm.models.db import make_database
    from desktop_crm.sync import capture
    from desktop_crm.sync.replica import Replica
    from desktop_crm.sync.server import init_server

    source = upload_demo(args)
    init_server(url)
    path = work / "upload.db"
    shutil.copy(source, path)
    log(f"uploading a copy of {source}")
    db = make_database(str(path))
    db.connect()
    database.initialize(db)
    reports: list[tuple[int, int, str]] = []
    started, cpu = time.perf_counter(), time.process_time()
    capture.make_replica(db)
    queued = time.perf_counter() - started
    replica = Replica(db, url)
    result = replica.sync(lambda done, total, text: reports.append((done, total, text)))
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    uploads = [r for r in reports if r[2] == reports[0][2]] if reports else []
    log(f"first upload: {result.pushed:,} rows in {elapsed:.2f} s ({queued:.2f} s queueing, "
        f"{cpu:.2f} s CPU here), {result.pulled:,} pulled back, {len(reports)} progress reports")
    emit("sync_initial_upload_100k_s", elapsed, "s", 60, deals=args.deals, rows=result.pushed,
         pulled=result.pulled, progress_reports=len(reports), upload_reports=len(uploads),
         queue_s=round(queued, 2), client_cpu_s=round(cpu, 2), load_average=os.getloadavg()[0],
         peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
         measured="make_replica (queue every row) + Replica.sync() into an empty server")
    db.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", help="postgresql:// URL of an empty database you may fill")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--deals", type=int, default=100_000, help="deals in the uploaded demo")
    parser.add_argument("--upload-db", help="a demo database (SQLite) to upload; copied first")
    parser.add_argument("--upload-server", help="postgresql:// URL of an empty database for the upload")
    args = parser.parse_args()

    from desktop_crm.models import Deal, database
    from desktop_crm.models.db import make_database
    from desktop_crm.models.schema import migrate
    from desktop_crm.sync import capture
    from desktop_crm.sync.replica import Replica
    from desktop_crm.sync.server import connect, init_server

    capture.install()  # as cli.main does: the replica's databases get sync's hooks

    work = Path(tempfile.mkdtemp(prefix="crm-sync-bench-"))
    cluster = None
    url = args.server
    if url is None:
        from tests.pg import PostgresCluster, create_database, find_postgres_bin

        bindir = find_postgres_bin()
        if bindir is None:
            log("no PostgreSQL binaries found; pass --server URL")
            return 2
        cluster = PostgresCluster(bindir, work / "pg")
        (work / "pg").mkdir()
        cluster.start()
        url = create_database(cluster.url("postgres"), "sync_bench")
        log(f"started a throwaway PostgreSQL on port {cluster.port}")
    try:
        init_server(url)
        with connect(url) as conn:
            log(f"seeding {args.rows:,} rows on the server")
            started = time.perf_counter()
            with conn.transaction():
                seed(conn, args.rows)
            conn.autocommit = True
            conn.execute("VACUUM ANALYZE")
            log(f"seeded in {time.perf_counter() - started:.1f} s")

        db = make_database(str(work / "replica.db"))
        db.connect()
        database.initialize(db)
        migrate(db)
        replica = Replica(db, url, keep_connection=True)
        started, cpu = time.perf_counter(), time.process_time()
        result = replica.sync()
        initial = time.perf_counter() - started
        cpu = time.process_time() - cpu
        log(f"initial download: {result.pulled:,} rows in {initial:.2f} s ({cpu:.2f} s CPU here)")
        emit("sync_initial_100k_s", initial, "s", 3, rows=result.pulled,
             client_cpu_s=round(cpu, 2), load_average=os.getloadavg()[0],
             measured="Replica.sync() on an empty replica: connect, gate, pull pages, apply")

        ids = [d.id for d in Deal.select(Deal.id).order_by(Deal.id).limit(100)]
        timings, cpus = [], []
        for attempt in range(args.repeat + 1):
            Deal.update(comment=f"round {attempt}").where(Deal.id.in_(ids)).execute()
            started, cpu = time.perf_counter(), time.process_time()
            result = replica.sync()
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - cpu) * 1000
            assert result.pushed == 100, result
            if attempt:
                timings.append(elapsed)
                cpus.append(cpu)
        emit("sync_roundtrip_100_ms", statistics.median(timings), "ms", 50, changes=100,
             repeat=args.repeat, client_cpu_ms=round(statistics.median(cpus), 1),
             load_average=os.getloadavg()[0],
             measured="100 edited deals: Replica.sync() push + pull, loopback")
        replica.close()
        db.close()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        emit("sync_peak_rss_mb", peak, "MB", None, rows=args.rows)
        upload_url = args.upload_server
        if upload_url is None and cluster is not None:
            from tests.pg import create_database

            upload_url = create_database(cluster.url("postgres"), "sync_upload_bench")
        if upload_url is None:
            log("no database for the upload measurement (pass --upload-server)")
        else:
            initial_upload(args, upload_url, work)
    finally:
        if cluster is not None:
            cluster.stop()
            log("stopped the throwaway PostgreSQL")
    return 0


if __name__ == "__main__":
    sys.exit(main())
