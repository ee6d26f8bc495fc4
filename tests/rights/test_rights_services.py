"""Rights in the services, on SQLite and PostgreSQL: each preset's refused actions, and what each
scope sees in lists, the board, search, cards and analytics."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from desktop_crm.entities import Entity
from desktop_crm.errors import PermissionDenied, SignInRefused
from desktop_crm.ids import uuid7
from desktop_crm.models import Action, Scope, User
from desktop_crm.services.billing import invoices
from desktop_crm.services.listing import export, lists, search
from desktop_crm.services.reporting import analytics
from desktop_crm.services.sales import bulk, cards, deal_card, deals, stages
from desktop_crm.services.system import access, admin, rights, session
from tests.rights.conftest import Team, sign_in

# every refusal a preset must meet, as (action, a call that needs it)
REFUSALS = {
    "manager": [Action.EXPORT, Action.IMPORT, Action.REOPEN, Action.REGISTER_PAYMENTS,
                Action.CHANGE_SETTINGS, Action.CHANGE_PRICES, Action.MANAGE_USERS],
    "head": [Action.CHANGE_SETTINGS, Action.CHANGE_PRICES, Action.MANAGE_USERS],
    "accountant": [Action.CREATE, Action.EDIT, Action.DELETE, Action.IMPORT, Action.REOPEN,
                   Action.CHANGE_SETTINGS, Action.CHANGE_PRICES, Action.MANAGE_USERS],
}


def attempt(action: Action, team: Team, tmp_path) -> None:
    """Call a real service that needs ``action`` (on a deal the acting user can see)."""
    deal = team.deals["unassigned"]
    if action == Action.CREATE:
        deals.create_deal({"title": "Новая сделка", "pipeline": team.pipeline.id},
                          rights.current().user_id)
    elif action == Action.EDIT:
        deals.update_deal(deal.id, {"title": "Другое название"}, rights.current().user_id)
    elif action == Action.DELETE:
        bulk.soft_delete(Entity.DEALS, [deal.id])
    elif action == Action.EXPORT:
        export.export_list(Entity.DEALS, None, None, tmp_path / "deals.csv")
    elif action == Action.IMPORT:
        from desktop_crm.services.data.imports import engine
        from desktop_crm.services.data.imports.engine import ImportRequest
        from desktop_crm.services.data.imports.formats import Table

        engine.run_import(ImportRequest("contacts", Table(["Фамилия"], [["Импортов"]], "csv"),
                                        {"Фамилия": "last_name"}))
    elif action == Action.REOPEN:
        stages.reopen_deal(deal.id, team.stages[0].id, rights.current().user_id)
    elif action == Action.REGISTER_PAYMENTS:
        # the role is asked before the invoice is even looked up
        invoices.register_payment(uuid7(), Decimal("10.00"), dt.date.today())
    elif action == Action.CHANGE_SETTINGS:
        admin.save_pipeline(None, "Новая воронка")
    elif action == Action.CHANGE_PRICES:
        cards.save_product(None, {"name": "Курс", "price": "100", "currency": "RUB"},
                           rights.current().user_id)
    elif action == Action.MANAGE_USERS:
        admin.save_user(None, {"name": "Новичок"})


@pytest.mark.parametrize("preset", sorted(REFUSALS))
def test_each_preset_is_refused_what_it_may_not_do(team: Team, preset: str, tmp_path):
    user = {"manager": team.mine, "head": team.head, "accountant": team.accountant}[preset]
    sign_in(user)
    for action in REFUSALS[preset]:
        with pytest.raises(PermissionDenied, match="Your role does not allow") as refused:
            attempt(action, team, tmp_path)
        assert refused.value.message == rights._REFUSALS[action], action


def test_the_refusal_is_translated(team: Team, tmp_path):
    from desktop_crm import i18n

    sign_in(team.mine)
    i18n.set_language("ru")
    with pytest.raises(PermissionDenied, match="Ваша роль не позволяет изменять настройки"):
        admin.save_pipeline(None, "Новая воронка")


def test_the_administrator_may_do_everything(team: Team, tmp_path):
    sign_in(team.admin)
    for action in (Action.EXPORT, Action.CHANGE_SETTINGS, Action.CHANGE_PRICES,
                   Action.MANAGE_USERS, Action.CREATE, Action.EDIT):
        attempt(action, team, tmp_path)


def test_nobody_signed_in_may_do_nothing(team: Team):
    rights.act_as(None)
    with pytest.raises(PermissionDenied, match="Sign in first"):
        deals.update_deal(team.deals["mine"].id, {"title": "x"}, team.mine.id)
    assert lists.count(Entity.DEALS) == 0


def visible_deals() -> set[str]:
    """The titles of the deals list as the signed-in user gets it."""
    title = lists.spec(Entity.DEALS).column_index("title")
    return {str(row.values[title]) for row in lists.fetch_page(Entity.DEALS, None, None, 0, 100)}


def test_scope_own_sees_only_own_and_unassigned(team: Team):
    sign_in(team.mine)
    assert visible_deals() == {"Сделка mine", "Сделка без ответственного"}
    assert lists.count(Entity.DEALS) == 2
    assert lists.count(Entity.CONTACTS) == 1 and lists.count(Entity.LEADS) == 1
    hits = search.search("Сделка")
    assert {h.title for g in hits for h in g.hits} == {"Сделка mine", "Сделка без ответственного"}
    with pytest.raises(PermissionDenied):
        deal_card.load(team.deals["other"].id)
    with pytest.raises(PermissionDenied):
        deals.update_deal(team.deals["other"].id, {"title": "чужая"}, team.mine.id)
    with pytest.raises(PermissionDenied, match="within your scope"):
        deals.create_deal({"title": "Для Марко", "pipeline": team.pipeline.id,
                           "responsible": team.other.id}, team.mine.id)


def test_a_head_sees_the_team_and_not_others(team: Team):
    sign_in(team.head)
    assert visible_deals() == {"Сделка head", "Сделка mine", "Сделка без ответственного"}
    deals.update_deal(team.deals["mine"].id, {"title": "Сделка mine"}, team.head.id)
    with pytest.raises(PermissionDenied):
        bulk.assign_responsible(Entity.DEALS, [team.deals["other"].id], team.head.id)
    period = analytics.default_period()
    scope = analytics.ReportScope(team.pipeline.id, analytics.Period(
        period.start - dt.timedelta(days=1), period.end + dt.timedelta(days=1)))
    funnel = analytics.funnel(scope)
    assert funnel.rows[0].deals == 3  # its team's two and the unassigned one


def test_a_pipeline_scope_overrides_the_roles(team: Team):
    sign_in(team.admin)
    manager = next(r for r in access.roles() if r.preset == "manager")
    access.save_role(manager.id, {"name": manager.stored_name, "actions": manager.actions,
                                  "scope": "own", "pipeline_scopes": {str(team.second.id): "all"}})
    sign_in(team.mine)
    assert rights.scope_for(team.second.id) == Scope.ALL
    assert "Опт other" in visible_deals() and "Сделка other" not in visible_deals()


def test_a_custom_role_and_its_actions(team: Team):
    sign_in(team.admin)
    role = access.save_role(None, {"name": "Стажёр", "actions": ["view"], "scope": "team"})
    admin.save_user(team.other.id, {"name": team.other.name, "access_role": role})
    sign_in(team.other)
    assert rights.can(Action.VIEW) and not rights.can(Action.CREATE)
    with pytest.raises(PermissionDenied):
        deals.update_deal(team.deals["other"].id, {"title": "x"}, team.other.id)
    sign_in(team.admin)
    with pytest.raises(Exception, match="Users still have this role"):
        access.delete_role(role)


def test_the_last_user_manager_cannot_lose_the_right(team: Team):
    sign_in(team.admin)
    admin_role = next(r for r in access.roles() if r.preset == "admin")
    with pytest.raises(Exception, match="manage users and rights"):
        access.save_role(admin_role.id, {"name": admin_role.stored_name, "actions": ["view"],
                                         "scope": "all"})


def test_passwords_are_salted_argon2_and_checked(team: Team):
    sign_in(team.admin)
    session.set_password(team.mine.id, "correct horse")
    stored = User.get_by_id(team.mine.id).password_hash
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    session.set_password(team.other.id, "correct horse")
    assert User.get_by_id(team.other.id).password_hash != stored  # salted
    with pytest.raises(SignInRefused, match="password is wrong"):
        session.sign_in(team.mine.id, "wrong")
    assert session.sign_in(team.mine.id, "correct horse").name == team.mine.name
    assert rights.current().user_id == team.mine.id


def test_a_disabled_user_cannot_sign_in(team: Team):
    sign_in(team.admin)
    admin.save_user(team.other.id, {"name": team.other.name, "active": False})
    with pytest.raises(SignInRefused, match="disabled"):
        session.sign_in(team.other.id)


def test_the_first_administrator_of_an_empty_database(any_db):
    assert session.needs_first_administrator()
    user = session.create_first_administrator("  Анна   Морозова ", "anna", "s3cret-pass")
    assert user.name == "Анна Морозова" and user.role == "admin" and user.has_password
    assert rights.can(Action.MANAGE_USERS)
    with pytest.raises(SignInRefused):
        session.create_first_administrator("Второй")


@pytest.mark.parametrize("engine", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_step_7_gives_old_users_the_preset_of_their_role(engine, tmp_path, request):
    """A version-6 database: each user gets its old role's preset, and the presets exist."""
    from desktop_crm.models import AccessRole
    from desktop_crm.models.db import execute_sql, open_database
    from desktop_crm.models.schema import migrate
    from tests.test_schema import build_version_1

    url = str(tmp_path / "old.db") if engine == "sqlite" else request.getfixturevalue("pg_url")
    db = open_database(url)
    build_version_1(db)
    for name, role in (("Ольга", "admin"), ("Андрей", "head"), ("Дмитрий", "sales")):
        execute_sql(db, 'INSERT INTO "user" (id, created_at, updated_at, _ver, _hlc, name, email, '
                    "email_key, role, locale, active) VALUES (%s, %s, %s, 0, 0, %s, '', '', %s, '', "
                    "%s)".replace("%s", "?" if engine == "sqlite" else "%s"),
                    (uuid7() if engine == "postgres" else uuid7().bytes, dt.datetime(2025, 1, 1),
                     dt.datetime(2025, 1, 1), name, role, True))
    db.close()
    db = open_database(url)
    migrate(db)
    presets = {u.name: AccessRole.get_by_id(u.access_role_id).preset for u in User.select()}
    assert presets == {"Ольга": "admin", "Андрей": "head", "Дмитрий": "manager"}
    assert sorted(r.preset for r in AccessRole.select()) == ["accountant", "admin", "head", "manager"]
    db.close()
