"""Issued papers' numbers on the server: gapless per own company × kind × device series × year and
immutable once given, checked for every writer like invoice numbers (sync.md §2.11).

A paper is numbered on the device that issues it, in the device's series (``issued_paper.series``,
see ``services/billing/numbering.paper_series``): two offline devices never take the same number.
The server keeps its own guard counter per series in ``sync.number_series`` (``doc_type`` ``paper``,
``series`` the counter key ``sync.paper_counter(kind, series)``, the same key as the application's
``number_sequence`` row) and refuses a paper whose number is not exactly the next one (a repeat
from a device numbering the same series, or a gap), and any change of a paper's number afterwards.
"""

from __future__ import annotations

PAPER_NUMBERING_SQL = r"""
CREATE OR REPLACE FUNCTION sync.paper_counter(kind text, series text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    -- numbering.paper_counter_series: the kind's code, «/» and the device series when there is one
    SELECT CASE WHEN coalesce($2, '') = '' THEN left($1, 20)
                ELSE left($1, 19 - length($2)) || '/' || $2 END
$$;

CREATE OR REPLACE FUNCTION sync.check_paper_number() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $body$
DECLARE
    counter text := sync.paper_counter(NEW.kind, NEW.series);
    expected int;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.sequence_number IS DISTINCT FROM OLD.sequence_number
           OR NEW.series IS DISTINCT FROM OLD.series OR NEW.year IS DISTINCT FROM OLD.year
           OR NEW.number IS DISTINCT FROM OLD.number OR NEW.kind IS DISTINCT FROM OLD.kind
           OR NEW.own_company_id IS DISTINCT FROM OLD.own_company_id THEN
            RAISE EXCEPTION 'issued paper % cannot change its number', OLD.number
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END IF;
    -- a number is being given: it must be exactly the next one of its series (no gap, no repeat)
    INSERT INTO sync.number_series (own_company_id, doc_type, series, year, next_no)
    VALUES (NEW.own_company_id, 'paper', counter, NEW.year, 1)
    ON CONFLICT DO NOTHING;
    SELECT next_no INTO expected FROM sync.number_series
     WHERE own_company_id = NEW.own_company_id AND doc_type = 'paper'
       AND series = counter AND year = NEW.year
       FOR UPDATE;
    IF NEW.sequence_number <> expected THEN
        RAISE EXCEPTION 'paper number % of % in series "%" of % is not the next one (expected %)',
            NEW.sequence_number, NEW.kind, NEW.series, NEW.year, expected
            USING ERRCODE = 'check_violation';
    END IF;
    UPDATE sync.number_series SET next_no = expected + 1
     WHERE own_company_id = NEW.own_company_id AND doc_type = 'paper'
       AND series = counter AND year = NEW.year;
    RETURN NEW;
END
$body$;
REVOKE ALL ON FUNCTION sync.check_paper_number() FROM PUBLIC;
"""


def paper_numbering_sql(schema: str) -> list[str]:
    """The trigger on ``issued_paper``; existing numbered papers seed the guard counters, so
    ``server init`` on a database already in use continues each series where it stands."""
    return [
        PAPER_NUMBERING_SQL,
        f'DROP TRIGGER IF EXISTS _sync_paper_number ON "{schema}"."issued_paper"',
        f'CREATE TRIGGER _sync_paper_number BEFORE INSERT OR UPDATE ON "{schema}"."issued_paper" '
        "FOR EACH ROW EXECUTE FUNCTION sync.check_paper_number()",
        "INSERT INTO sync.number_series (own_company_id, doc_type, series, year, next_no) "
        "SELECT own_company_id, 'paper', sync.paper_counter(kind, series), year, "
        "max(sequence_number) + 1 "
        f'FROM "{schema}"."issued_paper" GROUP BY own_company_id, kind, series, year '
        "ON CONFLICT (own_company_id, doc_type, series, year) DO UPDATE "
        "SET next_no = greatest(sync.number_series.next_no, excluded.next_no)",
    ]
