"""Benchmark: importing 100,000 contacts from a CSV into a database that already holds 100,000
(issue 21).

    uv run python benchmarks/imports.py [--contacts N] [--repeat K] [--db PATH]

The base database (``--contacts`` existing contacts, default 100,000; made once by importing a
generated CSV into an empty file, kept in ``benchmarks/.cache/``, or ``--db``) is copied before each
run, so every run starts from the same state. The file to import is a generated Windows-1251 CSV
with ``;`` as Excel writes it in Russia: ``--contacts`` rows, of which 5% duplicate contacts of the
database (two identifying fields: name and phone, or name and e-mail), 1% repeat an earlier row of
the file and 1% are refused (a phone that is not a number); duplicates are skipped, the default.

Each run is a child process that reads the file (``formats.read_table``), imports it
(``engine.run_import``: the card's rules, duplicate checks against the database and within the
file, bulk writes in chunks, the batch) and reports its wall time from the start of reading to the
finished report, and its peak resident memory. Median of ``--repeat`` runs after one warm-up.

Prints ``import_100k_contacts_s`` (goal ≤ 60 s) and ``import_peak_rss_mb`` (the largest peak of the
timed runs).
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks._common import CACHE, emit, note  # noqa: E402

GOAL_S = 60.0
ROOTS = ["Иван", "Петр", "Сидор", "Кузнец", "Смирн", "Поп", "Васил", "Сокол", "Михайл", "Новик",
         "Федор", "Мороз", "Волк", "Алексе", "Лебед", "Семен", "Егор", "Павл", "Козл", "Степан",
         "Никол", "Орл", "Андре", "Макар", "Захар", "Зайц", "Борис", "Яковл", "Григор", "Роман"]
LAST = [root + ending for root in ROOTS for ending in ("ов", "ин", "енко")]
FIRST = ["Иван", "Пётр", "Алексей", "Сергей", "Андрей", "Дмитрий", "Михаил", "Олег", "Юрий",
         "Николай", "Павел", "Артём", "Максим", "Егор", "Кирилл", "Роман", "Анна", "Мария", "Ольга",
         "Елена", "Татьяна", "Наталья", "Ирина", "Светлана", "Юлия", "Дарья", "Алина", "Ксения"]
MIDDLE = ["Иванович", "Петрович", "Сергеевич", "Андреевич", "Олегович", "Павлович", ""]
HEADER = "Фамилия;Имя;Отчество;Дата рождения;Мобильный телефон;E-mail;Должность;Комментарий\n"


def person(n: int, salt: int) -> list[str]:
    """Contact number ``n`` of a population: its phone and e-mail are unique to ``(salt, n)``."""
    rng = random.Random(n * 7919 + salt)
    eight = f"{n:08d}"
    phone = f"+7 9{salt}{eight[0]} {eight[1:4]}-{eight[4:6]}-{eight[6:]}"
    digits = "".join(ch for ch in phone if ch.isdigit())
    return [rng.choice(LAST), rng.choice(FIRST), rng.choice(MIDDLE),
            f"{rng.randint(1, 28):02}.{rng.randint(1, 12):02}.{rng.randint(1950, 2004)}",
            phone, f"client{digits}@mail.example", rng.choice(["Директор", "Менеджер", ""]),
            "Импорт из 1С" if n % 3 == 0 else ""]


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="cp1251", newline="") as handle:
        handle.write(HEADER)
        for row in rows:
            handle.write(";".join(row) + "\r\n")


def import_file(rows: list[list[str]]) -> list[list[str]]:
    """The file to import: new people, 5% of the database's, 1% repeated, 1% refused."""
    count = len(rows)
    rng = random.Random(21)
    result = [person(n, 2) for n in range(count)]
    for n in rng.sample(range(count), count // 20):  # duplicates of the database
        existing = rows[rng.randrange(count)]
        twin = list(existing)
        if n % 2:
            twin[4] = ""  # name and e-mail
        else:
            twin[5] = ""  # name and phone
        result[n] = twin
    for n in rng.sample(range(1, count), count // 100):  # repeated rows of the file
        result[n] = list(result[rng.randrange(n)])
    for n in rng.sample(range(count), count // 100):
        result[n][4] = "12"
    return result


def child(db_path: str, csv_path: str) -> None:
    """One timed import (run in its own process, so that its peak memory is its own)."""
    from benchmarks import _common  # noqa: F401 - capture installed, acting as the administrator
    from desktop_crm.models.db import open_database
    from desktop_crm.services.data.imports import engine, formats, mapping

    db = open_database(db_path)
    from desktop_crm.services.system import session

    session.sign_in_for_tool()  # as `desktop-crm import` does: the first administrator
    started = time.perf_counter()
    cpu = time.process_time()
    table = formats.read_table(csv_path)
    request = engine.ImportRequest("contacts", table, mapping.suggest_mapping("contacts", table.headers),
                                   check_required=False, file_name=Path(csv_path).name)
    report = engine.run_import(request)
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    db.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "cpu_s": cpu, "peak_rss_mb": peak, "created": report.created,
                      "skipped": report.skipped, "merged": report.merged,
                      "rejected": len(report.rejected)}))


def run_child(db_path: Path, csv_path: Path) -> dict[str, float]:
    done = subprocess.run([sys.executable, __file__, "--child", str(db_path), str(csv_path)],
                          check=True, capture_output=True, text=True, cwd=ROOT)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def base_database(contacts: int, work: Path) -> tuple[Path, list[list[str]]]:
    rows = [person(n, 1) for n in range(contacts)]
    path = CACHE / f"imports-base-{contacts}.db"
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        note(f"building {path} with {contacts} contacts (once; reused later)…")
        from desktop_crm.models.db import open_database
        from desktop_crm.models.schema import migrate

        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        db = open_database(str(partial))
        migrate(db)
        db.close()
        source = work / "base.csv"
        write_csv(source, rows)
        result = run_child(partial, source)
        note(f"base built: {result}")
        partial.rename(path)
    return path, rows


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
        return 0
    import argparse

    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--contacts", type=int, default=100_000)
    options.add_argument("--repeat", type=int, default=5)
    options.add_argument("--db", help="a base database with contacts (copied, never changed)")
    args = options.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        base, rows = base_database(args.contacts, work)
        if args.db:
            base = Path(args.db)
        source = work / "contacts.csv"
        write_csv(source, import_file(rows))
        note(f"importing {args.contacts} contacts into a copy of {base}")
        results = []
        for run in range(args.repeat + 1):
            target = work / f"run{run}.db"
            shutil.copyfile(base, target)
            results.append(run_child(target, source))
            target.unlink()
            label = "warm-up" if run == 0 else f"run {run}/{args.repeat}"
            note(f"{label}: {results[-1]}")
    timed = results[1:] or results
    emit("import_100k_contacts_s", round(statistics.median(r["seconds"] for r in timed), 2), "s", GOAL_S,
         contacts_in_file=args.contacts, contacts_in_database=args.contacts,
         created=timed[0]["created"], skipped=timed[0]["skipped"], rejected=timed[0]["rejected"],
         runs=[round(r["seconds"], 2) for r in timed],
         cpu_s=[round(r["cpu_s"], 2) for r in timed],
         load_average=round(os.getloadavg()[0], 1),
         measured="child process: read_table of a Windows-1251 CSV to the finished ImportReport "
                  "(rules, duplicate checks against the database and the file, bulk writes, batch), "
                  "a fresh copy of the base database each run, median after one warm-up")
    emit("import_peak_rss_mb", round(max(r["peak_rss_mb"] for r in timed), 1), "MB", None,
         measured="ru_maxrss of the importing child process")
    return 0


if __name__ == "__main__":
    sys.exit(main())
