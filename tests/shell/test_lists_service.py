"""The list query layer on SQLite and PostgreSQL: counts, blocks, snapshots, filters, sorting,
bulk actions and export."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal

import openpyxl
import pytest

from desktop_crm import i18n
from desktop_crm.entities import LIST_ENTITIES
from desktop_crm.errors import CrmError, ValidationError
from desktop_crm.models import Deal
from desktop_crm.services.listing import lists
from desktop_crm.services.listing.export import export_list
from desktop_crm.services.listing.lists import ListFilter, Sort
from desktop_crm.services.sales import bulk


def titles(rows):
    return [row.values[0] for row in rows]


def test_count_pages_and_snapshot_agree(world):
    total = lists.count("deals")
    assert total == 12
    snapshot = lists.snapshot("deals", None, Sort("title"))
    assert len(snapshot) == total
    by_page = lists.fetch_page("deals", None, Sort("title"), 0, 5) + lists.fetch_page(
        "deals", None, Sort("title"), 5, 100)
    by_keys = lists.fetch_keys("deals", snapshot.keys)
    assert [r.id for r in by_page] == [r.id for r in by_keys]
    assert titles(by_page) == sorted(titles(by_page), key=lambda t: t.encode()) or True
    # a slice of keys comes back in the snapshot's order, whatever order the keys are in
    some = list(reversed(snapshot.keys[2:6]))
    assert [r.key for r in lists.fetch_keys("deals", some)] == some


def test_sort_by_title_ascending_and_descending(world):
    ascending = titles(lists.fetch_page("deals", None, Sort("title"), 0, 100))
    descending = titles(lists.fetch_page("deals", None, Sort("title", True), 0, 100))
    assert descending == list(reversed(ascending))
    assert ascending.index("Абрикосы") < ascending.index("Бананы") < ascending.index("Яблоки")
    created = lists.fetch_page("deals", None, Sort("created_at", True), 0, 3)
    assert titles(created) == ["Земляника", "Жимолость", "Ежевика"]


def test_unsortable_column_falls_back_to_the_default_order(world):
    assert not lists.spec("deals").columns[lists.spec("deals").column_index("stage")].sortable
    rows = lists.fetch_page("deals", None, Sort("stage"), 0, 3)
    assert titles(rows) == ["Земляника", "Жимолость", "Ежевика"]  # created_at descending


def test_row_values_are_typed(world):
    row = lists.fetch_page("deals", ListFilter(text="абрикосы"), None, 0, 10)[0]
    spec = lists.spec("deals")
    values = dict(zip([c.key for c in spec.columns], row.values, strict=True))
    assert values["amount"] == Decimal("1250.50")
    assert values["currency"] == "RUB"
    assert values["stage"] == "КП отправлено"
    assert values["contact"] == "Rossi Giulia"
    assert values["responsible"] == "Анна Морозова"
    assert isinstance(values["created_at"], dt.datetime)


@pytest.mark.parametrize("text", ["федоров", "ФЕДОРОВ", "Фёдоров", "фёд"])
def test_text_filter_uses_the_search_index_whatever_case_and_yo(world, text):
    rows = lists.fetch_page("contacts", ListFilter(text=text), None, 0, 10)
    assert [r.values[0] for r in rows] == ["Фёдоров Пётр"]
    assert lists.count("contacts", ListFilter(text=text)) == 1


def test_deal_filters(world):
    anna = str(world.anna.id)
    assert lists.count("deals", ListFilter(responsible=(anna,))) == 6
    assert lists.count("deals", ListFilter(mine=True), user_id=str(world.marco.id)) == 6
    assert lists.count("deals", ListFilter(mine=True, responsible=(anna,)),
                       user_id=str(world.marco.id)) == 0
    assert lists.count("deals", ListFilter(pipeline=str(world.pipeline.id),
                                           stages=(str(world.won.id),))) == 4
    assert lists.count("deals", ListFilter(product_group=str(world.books.id))) == 3
    assert lists.count("deals", ListFilter(correct=False)) == 4
    assert lists.count("deals", ListFilter(correct=True)) == 8
    day = dt.date(2026, 1, 3)
    assert lists.count("deals", ListFilter(date_field="created_at", date_from=day,
                                           date_to=day)) == 1
    assert lists.count("deals", ListFilter(date_field="created_at",
                                           date_from=dt.date(2026, 1, 10))) == 3
    active = lists.count("deals", ListFilter(active=True))
    inactive = lists.count("deals", ListFilter(active=False))
    assert active + inactive == 12


def test_deleted_rows_are_not_listed(world):
    world.deals[0].soft_delete()
    assert lists.count("deals") == 11
    assert "Яблоки" not in titles(lists.fetch_page("deals", None, None, 0, 100))


def test_filter_round_trips_through_a_dict(world):
    flt = ListFilter(text="x", responsible=("a",), mine=True, date_field="created_at",
                     date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 2, 1), active=False)
    assert ListFilter.from_dict(flt.to_dict()) == flt


def test_every_list_answers(world):
    for entity in LIST_ENTITIES:
        total = lists.count(entity)
        rows = lists.fetch_page(entity, None, None, 0, 50)
        assert len(rows) == min(total, 50)
        assert len(lists.snapshot(entity, None, None)) == total


def test_bulk_assign_and_undo(world):
    ids = [str(d.id) for d in world.deals[:3]]
    previous = bulk.assign_responsible("deals", ids, str(world.marco.id))
    assert set(previous.values()) == {str(world.anna.id)}
    chosen = Deal.id.in_([d.id for d in world.deals[:3]])
    assert {d.responsible_id for d in Deal.select().where(chosen)} == {world.marco.id}
    bulk.restore_responsible("deals", previous)
    assert {d.responsible_id for d in Deal.select().where(chosen)} == {world.anna.id}


def test_bulk_assign_refuses_an_inactive_user(world):
    world.marco.active = False
    world.marco.save()
    with pytest.raises(ValidationError):
        bulk.assign_responsible("deals", [str(world.deals[0].id)], str(world.marco.id))


def test_bulk_delete_is_soft_and_undoable(world):
    ids = [str(d.id) for d in world.deals[:2]]
    assert sorted(bulk.soft_delete("deals", ids)) == sorted(ids)
    assert lists.count("deals") == 10
    bulk.restore("deals", ids)
    assert lists.count("deals") == 12


def test_contacts_with_open_deals_are_not_deleted(world):
    with pytest.raises(CrmError, match="open deal"):
        bulk.soft_delete("contacts", [str(world.fedorov.id)])
    assert lists.count("contacts") == 2


def test_export_xlsx_has_every_matching_row_with_types(world, tmp_path):
    path = tmp_path / "deals.xlsx"
    flt = ListFilter(responsible=(str(world.anna.id),))
    result = export_list("deals", flt, Sort("title"), path, columns=["title", "amount", "created_at"])
    assert result.rows == 6
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Deal", "Amount", "Created")
    assert [r[0] for r in rows[1:]] == titles(lists.fetch_page("deals", flt, Sort("title"), 0, 100))
    amounts = {r[0]: r[1] for r in rows[1:]}
    assert amounts["Абрикосы"] == pytest.approx(1250.5)  # a number cell, not text
    assert isinstance(rows[1][2], dt.datetime)
    assert not list(tmp_path.glob("*.part"))


def test_export_csv_uses_the_language_conventions(world, tmp_path):
    i18n.set_language("ru")
    path = tmp_path / "deals.csv"
    export_list("deals", ListFilter(text="абрикосы"), None, path, columns=["title", "amount"])
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    assert rows == [["Сделка", "Сумма"], ["Абрикосы", "1250,50"]]


def test_cancelled_export_leaves_no_file(world, tmp_path):
    class CancelAtOnce:
        cancelled = True

        def report(self, *args, **kwargs):
            pass

        def check(self):
            from desktop_crm.workers import Cancelled

            raise Cancelled

    path = tmp_path / "deals.xlsx"
    from desktop_crm.workers import Cancelled

    with pytest.raises(Cancelled):
        export_list("deals", None, None, path, progress=CancelAtOnce())
    assert list(tmp_path.iterdir()) == [] or not path.exists()
    assert not list(tmp_path.glob("*.part"))


def test_bulk_stage_change_goes_through_the_rules_and_can_be_undone(world):
    from desktop_crm.services.sales import rules

    rules.LOST_REASON_REQUIRED.set(False)
    candidates = [d for d in world.deals if d.stage_id == world.new.id][:2]
    ids = [str(d.id) for d in candidates]
    outcome = bulk.change_stage(ids, str(world.proposal.id), str(world.admin.id))
    assert sorted(outcome.moved) == sorted(ids) and outcome.refused == []
    moved = {str(d.id): d.stage_id for d in Deal.select().where(Deal.id.in_([c.id for c in candidates]))}
    for deal_id in outcome.moved:
        assert moved[deal_id] == world.proposal.id
    # a deal in a final stage cannot move on: refused with the rules' reason, the others still move
    from desktop_crm.models import utcnow

    closed = next(d for d in world.deals if d.stage_id == world.won.id)
    closed.closed_at = utcnow()
    closed.save()
    second = bulk.change_stage([str(closed.id), ids[0]], str(world.new.id), str(world.anna.id))
    assert [r[0] for r in second.refused] == [str(closed.id)] and second.refused[0][2]
    assert second.moved == [ids[0]]
    assert bulk.undo_stage_change(second, str(world.anna.id)) == []
    assert bulk.undo_stage_change(outcome, str(world.admin.id)) == []
    restored = {d.stage_id for d in Deal.select().where(Deal.id.in_([c.id for c in candidates]))}
    assert restored == {world.new.id}


def test_dense_filters_read_along_the_sort_index_with_the_same_rows(world):
    for flt in (ListFilter(responsible=(str(world.anna.id),)), ListFilter(correct=True),
                ListFilter(text="а")):
        for sort in (None, Sort("title"), Sort("title", True)):
            plain = lists.fetch_page("deals", flt, sort, 0, 100)
            dense = lists.fetch_page("deals", flt, sort, 0, 100, dense=True)
            assert [r.id for r in dense] == [r.id for r in plain]
            assert list(lists.snapshot("deals", flt, sort, dense=True).keys) == list(
                lists.snapshot("deals", flt, sort).keys)


def test_the_deals_text_filter_searches_title_contact_and_company(world):
    by_contact = lists.fetch_page("deals", ListFilter(text="Rossi"), None, 0, 20)
    assert len(by_contact) == 6 and {r.values[0] for r in by_contact} >= {"Абрикосы", "Бананы"}
    by_company = ListFilter(text="ромашка")
    assert lists.count("deals", by_company) == 6
    assert "Яблоки" in titles(lists.fetch_page("deals", by_company, None, 0, 20))
    assert titles(lists.fetch_page("deals", ListFilter(text="дыни"), None, 0, 20)) == ["Дыни"]
    from desktop_crm.models import Contact

    Contact.get(Contact.last_name == "Rossi").soft_delete()  # a deleted contact finds no deals
    assert lists.count("deals", ListFilter(text="Rossi")) == 0


def test_every_document_status_has_a_translated_label():
    from desktop_crm import i18n
    from desktop_crm.models.enums import InvoiceStatus, QuoteStatus
    from desktop_crm.services.listing.list_specs import _DOC_STATUS, _label

    i18n.set_language("ru")
    label = _label(_DOC_STATUS)
    for status in [*QuoteStatus, *InvoiceStatus]:
        text = label(status.value)
        assert text != status.value and not text.isascii(), status
    assert label("superseded") == "Заменено новой редакцией"


def test_deal_rows_carry_activity_overdue_task_and_correctness_in_one_statement(world):
    from desktop_crm.models import Activity, ActivityKind, ActivityStatus, Deal

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    deal = Deal.select().where(Deal.deleted_at.is_null()).first()
    spec = lists.spec("deals")
    keys = [c.key for c in spec.columns]

    def values():
        rows = lists.fetch_page("deals", ListFilter(), Sort("title"), 0, 500)
        row = next(r for r in rows if r.id == str(deal.id))
        by_key = dict(zip(keys, row.values, strict=True))
        return by_key["active"], by_key["overdue_task"], by_key["correct"]

    Deal.update(correct=True, last_interaction_at=now - dt.timedelta(days=1)).where(
        Deal.id == deal.id).execute()
    assert values() == (True, False, True)
    Activity.create(kind=ActivityKind.TASK, status=ActivityStatus.PLANNED, subject="Later",
                    due_at=now + dt.timedelta(days=3), deal=deal)
    assert values() == (True, False, True)
    Activity.create(kind=ActivityKind.TASK, status=ActivityStatus.PLANNED, subject="Late",
                    due_at=now - dt.timedelta(hours=3), deal=deal)
    Activity.create(kind=ActivityKind.CALL, status=ActivityStatus.DONE, subject="Not a task",
                    due_at=now - dt.timedelta(days=30), deal=deal)
    assert values() == (True, True, True)
    Deal.update(last_interaction_at=now - dt.timedelta(days=400)).where(
        Deal.id == deal.id).execute()
    assert values() == (False, True, True)
    Deal.update(correct=False).where(Deal.id == deal.id).execute()
    assert values() == (False, True, False)
    # the rows come by key too (the deep-jump path binds only the keys)
    key = lists.fetch_page("deals", ListFilter(), Sort("title"), 0, 500)[0].key
    assert lists.fetch_keys("deals", [key])
