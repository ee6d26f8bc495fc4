"""The search index over contacts, companies, deals, leads and products.

Each searchable table keeps a folded ``search_text`` (see :func:`normalize.fold`). SQLite indexes it
with an external-content FTS5 table kept current by triggers; PostgreSQL with a trigram GIN index.
Queries are folded the same way, so case and ё/е never matter.
"""

from __future__ import annotations

import functools
import operator
import re
from typing import Any

import peewee

from desktop_crm.models import dialect
from desktop_crm.normalize import fold
from desktop_crm.validation import search_value

SEARCHABLE_TABLES = ("contact", "company", "deal", "lead", "product")


def fts_table(table: str) -> str:
    return f"{table}_fts"


def sqlite_ddl(table: str) -> list[str]:
    fts = fts_table(table)
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5("
        f"search_text, content='{table}', content_rowid='rowid', "
        f"tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER IF NOT EXISTS {table}_fts_ai AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.rowid, new.search_text); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_fts_ad AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.rowid, old.search_text); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_fts_au AFTER UPDATE OF search_text ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, search_text) VALUES ('delete', old.rowid, old.search_text); "
        f"INSERT INTO {fts}(rowid, search_text) VALUES (new.rowid, new.search_text); END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def postgres_ddl(table: str) -> list[str]:
    return [
        "CREATE EXTENSION IF NOT EXISTS pg_trgm",
        f'CREATE INDEX IF NOT EXISTS {table}_search_trgm ON "{table}" '
        f"USING gin (search_text gin_trgm_ops)",
    ]


def create_search_index(
    db: peewee.Database, engine: str, tables: tuple[str, ...] = SEARCHABLE_TABLES
) -> None:
    for table in tables:
        for statement in sqlite_ddl(table) if engine == "sqlite" else postgres_ddl(table):
            dialect.execute(statement, db=db)


def rebuild_search_index(db: peewee.Database, engine: str) -> None:
    """Re-read every row into the index (after bulk loads that bypassed it)."""
    if engine == "sqlite":
        for table in SEARCHABLE_TABLES:
            fts = fts_table(table)
            dialect.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')", db=db)


_TOKEN = re.compile(r"[\w@.+-]+", re.UNICODE)


def query_tokens(text: str) -> list[str]:
    """The words of a typed query, folded; control characters, lone surrogates and bidi controls
    never reach the MATCH or LIKE parameters (:func:`validation.search_value`)."""
    return _TOKEN.findall(fold(search_value(text)))


def fts_query(text: str, prefix: bool = True) -> str:
    """A FTS5 MATCH expression: every word of the query quoted, as a prefix unless not ``prefix``."""
    star = "*" if prefix else ""
    return " ".join('"' + token.replace('"', '""') + '"' + star for token in query_tokens(text))


def like_patterns(text: str) -> list[str]:
    """PostgreSQL: one ``LIKE`` pattern per word (the trigram index serves them)."""
    escaped = (t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") for t in query_tokens(text))
    return [f"%{token}%" for token in escaped]


def _quoted(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _like_escape(token: str) -> str:
    return token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


#: How the tiers of :func:`ranked_conditions` match the query's first word (the others match as
#: prefixes anywhere): the whole word at the start of the text (an exact name: "Фёдоров" before
#: "Фёдорова"), a prefix at the start (the name), the whole word anywhere, a prefix anywhere.
RANKS = ("start_word", "start_prefix", "word", "prefix")


def ranked_conditions(model: Any, text: str) -> list[Any]:
    """Conditions in rank order, each through the search index (FTS5 or trigrams); a row matching
    an earlier one ranks higher. The text of every searchable table starts with its name, so the
    first tiers are name matches, then phones, e-mails and other words."""
    tokens = query_tokens(text)
    if not tokens:
        return [peewee.SQL("1 = 1")]
    first, rest = tokens[0], tokens[1:]
    if dialect.is_sqlite():
        fts = fts_table(model._meta.table_name)
        others = "".join(" " + _quoted(token) + "*" for token in rest)
        queries = [f"^{_quoted(first)}", f"^{_quoted(first)}*", _quoted(first), _quoted(first) + "*"]
        return [
            peewee.Column(model, "rowid").in_(
                peewee.SQL(f'(SELECT rowid FROM "{fts}" WHERE "{fts}" MATCH ?)', [query + others]))
            for query in queries
        ]
    word = _like_escape(first)
    others_like = [peewee.Expression(model.search_text, "LIKE", f"%{_like_escape(t)}%") for t in rest]
    tiers = [
        (model.search_text == first) | peewee.Expression(model.search_text, "LIKE", f"{word} %"),
        peewee.Expression(model.search_text, "LIKE", f"{word}%"),
        peewee.Expression(model.search_text, "LIKE", f"% {word} %")
        | peewee.Expression(model.search_text, "LIKE", f"% {word}"),
        peewee.Expression(model.search_text, "LIKE", f"%{word}%"),
    ]
    return [functools.reduce(operator.and_, [tier, *others_like]) for tier in tiers]


def match_condition(model: Any, text: str, prefix: bool = True) -> Any:
    """Rows of ``model`` whose search text holds every word of ``text`` (on SQLite's FTS5 as a
    word prefix, or as a whole word unless ``prefix``; on PostgreSQL's trigram index anywhere in
    the text); all rows when ``text`` has no word."""
    if dialect.is_sqlite():
        query = fts_query(text, prefix)
        if not query:
            return peewee.SQL("1 = 1")
        fts = fts_table(model._meta.table_name)
        return peewee.Column(model, "rowid").in_(
            peewee.SQL(f'(SELECT rowid FROM "{fts}" WHERE "{fts}" MATCH ?)', [query])
        )
    conditions = [peewee.Expression(model.search_text, "LIKE", p) for p in like_patterns(text)]
    return functools.reduce(operator.and_, conditions) if conditions else peewee.SQL("1 = 1")
