"""The dialect layer on SQLite and PostgreSQL: what each engine is asked and that both answer alike."""

from __future__ import annotations

import datetime as dt
from array import array
from decimal import Decimal

import peewee
import pytest

from desktop_crm.models import Lead, database, dialect
from desktop_crm.models.search import match_condition


@pytest.fixture
def leads(any_db):
    """Four leads (one deleted), created a month apart, the first two converted."""
    made = []
    for number, title in enumerate(["Alpha", "Beta", "Фёдоров и сыновья", "Gamma"]):
        made.append(Lead.create(
            title=title, created_at=dt.datetime(2026, 1 + number, 15, 12, 0),
            converted_at=dt.datetime(2026, 6, 1) if number < 2 else None,
        ))
    Lead.update(deleted_at=dt.datetime(2026, 7, 1)).where(Lead.id == made[-1].id).execute()
    return made[:3]


def sqlite_run(any_db) -> bool:
    return isinstance(database.obj, peewee.SqliteDatabase)


def test_engine_is_told_once(any_db):
    sqlite = sqlite_run(any_db)
    assert dialect.is_sqlite() is sqlite
    assert dialect.is_postgres() is not sqlite
    assert dialect.database_key()[0] == ("sqlite" if sqlite else "postgres")
    assert dialect.bound() is database.obj


def test_row_keys_are_compact_and_read_back(leads):
    sql, params = Lead.select(dialect.row_key(Lead)).where(
        Lead.deleted_at.is_null()).order_by(Lead.created_at).sql()
    keys = dialect.read_keys(dialect.bound().execute_sql(sql, params))
    assert len(keys) == 3
    if dialect.is_sqlite():
        assert isinstance(keys, array)  # 8 bytes a rowid
    else:
        assert list(keys) == [lead.id for lead in leads]
    raw = dialect.fetch_all(*Lead.select(dialect.row_key(Lead)).order_by(Lead.created_at).sql())
    assert [dialect.same_key(row[0]) for row in raw][:3] == list(keys)
    # cancelled after the first batch: that batch only
    cursor = dialect.bound().execute_sql(sql, params)
    assert len(dialect.read_keys(cursor, cancelled=lambda: True, batch=2)) == 2


def test_a_key_read_back_is_bound_as_a_parameter(leads):
    """A key kept from a row (a keyset cursor) finds that row again in hand-bound SQL."""
    key, title = dialect.fetch_all(*Lead.select(dialect.row_key(Lead), Lead.title).where(
        Lead.title == "Beta").sql())[0]
    mark = dialect.bound().param
    found = dialect.fetch_all(
        f"SELECT title FROM lead WHERE {'rowid' if dialect.is_sqlite() else 'id'} = {mark}",
        [dialect.row_key_param(Lead, key)])
    assert found == [(title,)]


def test_counts_are_exact_on_both_engines(leads):
    assert dialect.count_live_rows("lead") == 3
    assert dialect.count(Lead.select().where(Lead.deleted_at.is_null())) == 3
    assert dialect.count(Lead.select().where(Lead.converted_at.is_null())) == 2


def test_index_hints_are_given_on_sqlite_only(leads):
    sql, params = Lead.select(Lead.title).where(
        Lead.deleted_at.is_null(), Lead.title != "").order_by(Lead.created_at).sql()
    hinted = dialect.along_index(sql, "lead", ("created_at",), exact=True)
    index = dialect.live_index("lead", ("created_at",), exact=True)
    if dialect.is_sqlite():
        assert index is not None
        assert f'FROM "lead" AS "t1" INDEXED BY "{index}"' in hinted
        assert dialect.index_hint(index) == f' INDEXED BY "{index}"'
        assert dialect.narrowest_live_index("lead") is not None
        assert dialect.index_exists(index)
    else:
        assert index is None and hinted == sql
        assert dialect.index_hint("any") == "" and not dialect.index_exists("any")
    assert dialect.live_index("lead", ("no_such_column",)) is None
    assert dialect.named_index_hint("no_such_index") == ""
    assert dialect.live_index_hint("lead", ("no_such_column",)) == ""
    # hinted or not, the statement gives the same rows
    assert dialect.fetch_all(hinted, params) == dialect.fetch_all(sql, params)


def test_dense_filters_walk_the_sort_index_on_sqlite_only(any_db):
    counted: list[int] = []

    def total() -> int:
        counted.append(1)
        return 1000

    assert dialect.reads_along_index(21, total) is dialect.is_sqlite()  # over 2 %
    assert not dialect.reads_along_index(20, total)
    assert len(counted) == (2 if dialect.is_sqlite() else 0)  # PostgreSQL never counts


def test_one_compiled_statement_serves_every_block(leads):
    page = dialect.paged(Lead.select(Lead.title).where(Lead.deleted_at.is_null())
                         .order_by(Lead.created_at))
    assert str(dialect.BLOCK_SENTINEL) not in page.sql
    assert [r[0] for r in dialect.fetch_all(page.sql, page.bind(2, 1))] == [
        "Beta", "Фёдоров и сыновья"]
    assert [r[0] for r in dialect.fetch_all(page.sql, page.bind(5, 0))] == [
        "Alpha", "Beta", "Фёдоров и сыновья"]
    along = page.along_index("lead", ("created_at",), exact=True)
    assert dialect.fetch_all(along.sql, along.bind(2, 1)) == dialect.fetch_all(
        page.sql, page.bind(2, 1))


def test_a_marked_statement_runs_with_the_real_values(leads):
    """Compiled once with stand-in values, run with the real ones in their places."""
    before_mark = dt.datetime(1901, 2, 3, 4, 5, 6)
    query = Lead.select(Lead.title).where(
        Lead.deleted_at.is_null(), Lead.created_at < before_mark, Lead.title != "~mark~"
    ).order_by(Lead.created_at)
    marks = {"before": Lead.created_at.db_value(before_mark), "not": "~mark~",
             "absent": "~unused~"}
    statement = dialect.marked(query, marks, wanted={"before", "not"},
                               edit=lambda sql: sql.replace("SELECT", "SELECT /* marked */"))
    assert statement.sql.startswith("SELECT /* marked */")

    def titles(before: dt.datetime, excluded: str) -> list[str]:
        rows = statement.run({"before": Lead.created_at.db_value(before), "not": excluded})
        return [title for (title,) in rows]

    assert titles(dt.datetime(2026, 3, 1), "") == ["Alpha", "Beta"]
    assert titles(dt.datetime(2030, 1, 1), "Beta") == ["Alpha", "Фёдоров и сыновья"]
    with pytest.raises(RuntimeError, match="unexpected query shape"):
        dialect.marked(query, marks)  # "absent" is not in the statement


def test_the_sql_cache_builds_once_per_key_and_database(any_db):
    cache: dialect.SqlCache[str] = dialect.SqlCache(size=2)
    built: list[str] = []

    def build(name: str):
        def make() -> str:
            built.append(name)
            return name
        return make

    assert cache.get(("a",), build("a")) == "a"
    assert cache.get(("a",), build("again")) == "a"
    assert cache.get(None, build("uncached")) == "uncached"
    assert cache.get(None, build("uncached")) == "uncached"
    cache.get(("b",), build("b"))
    cache.get(("c",), build("c"))  # over the size: "a", the oldest, goes
    assert cache.get(("a",), build("a2")) == "a2"
    assert built == ["a", "uncached", "uncached", "b", "c", "a2"]


def test_uuid_text_reads_the_canonical_id(leads):
    db = dialect.bound()
    rows = db.execute_sql(
        f"SELECT {dialect.uuid_text_sql('id', db)} FROM lead WHERE deleted_at IS NULL").fetchall()
    assert {dialect.uuid_from_text(r[0]) for r in rows} == {str(lead.id) for lead in leads}


def test_nulls_come_first_on_both_engines(leads):
    rows = dialect.fetch_all(
        "SELECT title FROM lead WHERE deleted_at IS NULL "
        f"ORDER BY converted_at{dialect.nulls_first()}, title")
    assert [r[0] for r in rows] == ["Фёдоров и сыновья", "Alpha", "Beta"]


def test_month_key_groups_by_calendar_month(leads):
    month = dialect.month_key(Lead.created_at)
    query = (Lead.select(month, peewee.fn.COUNT(peewee.SQL("*")))
             .where(Lead.deleted_at.is_null()).group_by(month).order_by(month))
    assert list(query.tuples()) == [("2026-01", 1), ("2026-02", 1), ("2026-03", 1)]


def test_median_aggregate_where_the_engine_has_one(leads):
    median = dialect.median_aggregate(peewee.SQL("v"))
    if dialect.is_sqlite():
        assert median is None
        return
    value = dialect.fetch_all(
        "SELECT CAST(percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS numeric) "
        "FROM (VALUES (1), (2), (10), (20)) AS t(v)")[0][0]
    assert Decimal(value) == Decimal(6)
    query = peewee.Select(columns=[median]).from_(peewee.SQL("(VALUES (1), (2), (10), (20)) AS t(v)"))
    assert Decimal(query.bind(dialect.bound()).scalar()) == Decimal(6)


def test_for_update_runs_on_both_engines(leads):
    with database.atomic():
        locked = dialect.for_update(Lead.select().where(Lead.id == leads[0].id)).get()
    assert locked.title == "Alpha"
    sql = dialect.for_update(Lead.select()).sql()[0]
    assert ("FOR UPDATE" in sql) is dialect.is_postgres()


def test_temp_tables_on_both_engines(leads):
    db = dialect.bound()
    with db.atomic():
        temp = dialect.TempTables(db)
        temp.create("dialect_keys", "id {key} PRIMARY KEY, at {stamp}")
        temp.insert("dialect_keys", [(Lead.id.db_value(lead.id), lead.created_at) for lead in leads])
        temp.create("dialect_titles", "id {key} PRIMARY KEY, title TEXT",
                    "SELECT l.id, l.title FROM lead l JOIN dialect_keys k ON k.id = l.id")
        temp.create_text_set("dialect_texts", "body")
        temp.insert("dialect_texts", [("Alpha",), ("a" * 5000,)])
        joined = db.execute_sql(
            "SELECT t.title FROM dialect_titles t JOIN dialect_texts x ON x.body = t.title").fetchall()
        assert joined == [("Alpha",)]
        temp.drop_all()
        with pytest.raises(peewee.DatabaseError), db.atomic():
            db.execute_sql("SELECT 1 FROM dialect_keys")


def test_match_condition_folds_case_and_yo(leads):
    def titles(text: str, prefix: bool = True) -> list[str]:
        query = Lead.select(Lead.title).where(match_condition(Lead, text, prefix),
                                              Lead.deleted_at.is_null())
        return sorted(t for (t,) in query.tuples())

    assert titles("федоров") == ["Фёдоров и сыновья"]
    assert titles("ФЁДОР СЫН") == ["Фёдоров и сыновья"]
    assert titles("alp") == ["Alpha"]
    assert len(titles("!!")) == 3  # no word: every row
    assert titles("nobody") == []
    assert titles("федоров сыновья", prefix=False) == ["Фёдоров и сыновья"]
    if dialect.is_sqlite():  # whole words only (PostgreSQL's trigram LIKE matches inside words)
        assert titles("федор", prefix=False) == []


def test_the_other_tricks_stay_out_of_services():
    """Engine names are compared and SQL text is edited only in the models layer."""
    import pathlib

    root = pathlib.Path(__file__).resolve().parent.parent / "desktop_crm" / "services"
    paths = [*(root / "listing").rglob("*.py"), *(root / "reporting").rglob("*.py"),
             root / "sales" / "board.py"]
    tricks = ("engine(", "INDEXED BY", "BLOCK_SENTINEL", "sqlite_master", '"postgres"', '"sqlite"')
    for path in paths:
        text = path.read_text(encoding="utf-8")
        for trick in tricks:
            assert trick not in text, f"{path.name}: {trick}"
