"""Users of the CRM and the seller's own companies."""

from __future__ import annotations

import datetime as dt
import uuid

import peewee

from desktop_crm.i18n import N_
from desktop_crm.models.base import BaseModel, fk
from desktop_crm.models.catalog import Pipeline
from desktop_crm.models.enums import Action, Preset, Role, Scope, VatMode
from desktop_crm.models.fields import EnumField, PercentField
from desktop_crm.normalize import email_key


class AccessRole(BaseModel):
    """A role: what its users may do (``actions``: comma-separated ``Action`` values, sorted) and
    which rows they see (``scope``, for pipelines without a ``RoleScope`` override and for leads).
    ``preset`` names a built-in role ('admin', 'head', 'manager', 'accountant'); '' is custom."""

    name = peewee.CharField(max_length=200)
    preset = peewee.CharField(max_length=20, default="", constraints=[peewee.SQL("DEFAULT ''")])
    actions = peewee.TextField(default="", constraints=[peewee.SQL("DEFAULT ''")])
    scope = EnumField(Scope, default=Scope.OWN)

    class Meta:
        table_name = "access_role"


class User(BaseModel):
    name = peewee.CharField(max_length=200)
    email = peewee.CharField(max_length=254, default="")
    email_key = peewee.CharField(max_length=254, default="", index=True)
    role = EnumField(Role, default=Role.SALES)
    head = fk("self", null=True, backref="team")
    head_id: uuid.UUID | None
    locale = peewee.CharField(max_length=8, default="")
    active = peewee.BooleanField(default=True)
    access_role = fk(AccessRole, null=True, backref="users")
    access_role_id: uuid.UUID | None
    # the sign-in name on SQLite and the PostgreSQL login mapped to the user; unique among live users
    login = peewee.CharField(max_length=100, default="", constraints=[peewee.SQL("DEFAULT ''")])
    # local sign-in only (argon2 hash, '' = no password); never synced
    password_hash = peewee.CharField(
        max_length=200, default="", constraints=[peewee.SQL("DEFAULT ''")])

    def before_save(self) -> None:
        self.email_key = email_key(self.email)
        self._keep_roles_in_step()

    def _keep_roles_in_step(self) -> None:
        """Every user has a role: the preset of the old ``role`` when none is given (or when only
        ``role`` changed); the old ``role`` follows the role's preset."""
        dirty = self._dirty
        if self.access_role_id is None or ("role" in dirty and "access_role" not in dirty):
            preset = {Role.ADMIN: Preset.ADMIN, Role.HEAD: Preset.HEAD}.get(
                Role(self.role), Preset.MANAGER)
            self.access_role_id = PRESET_IDS[preset]
        elif "access_role" in dirty:
            row = AccessRole.select(AccessRole.preset).where(
                AccessRole.id == self.access_role_id).first()
            legacy = PRESET_LEGACY_ROLES.get(row.preset if row else "", Role.SALES)
            if legacy != self.role:
                self.role = legacy


# a login names one live user (users without a login sign in by picking their name)
User.add_index(
    User.login, unique=True,
    where=peewee.SQL('"deleted_at" IS NULL AND "login" <> \'\''), name="user_login_live",
)


class RoleScope(BaseModel):
    """A role's scope in one pipeline, overriding the role's own ``scope`` there."""

    role = fk(AccessRole, backref="pipeline_scopes")
    role_id: uuid.UUID
    pipeline = fk(Pipeline, backref="role_scopes")
    pipeline_id: uuid.UUID
    scope = EnumField(Scope, default=Scope.OWN)

    class Meta:
        table_name = "role_scope"


# The preset roles. Their ids are fixed, the same in every database (replicas and the server agree
# on them); their names are stored in English and shown translated while nobody renamed them.
PRESET_IDS: dict[Preset, uuid.UUID] = {
    Preset.ADMIN: uuid.UUID("018f0000-0000-7000-8000-000000000001"),
    Preset.HEAD: uuid.UUID("018f0000-0000-7000-8000-000000000002"),
    Preset.MANAGER: uuid.UUID("018f0000-0000-7000-8000-000000000003"),
    Preset.ACCOUNTANT: uuid.UUID("018f0000-0000-7000-8000-000000000004"),
}
PRESET_CREATED_AT = dt.datetime(2026, 1, 1)  # fixed: every database holds the same rows
PRESET_NAMES: dict[Preset, str] = {
    Preset.ADMIN: N_("Administrator"),
    Preset.HEAD: N_("Head of sales"),
    Preset.MANAGER: N_("Manager"),
    Preset.ACCOUNTANT: N_("Accountant"),
}
_A = Action
PRESET_ACTIONS: dict[Preset, frozenset[Action]] = {
    Preset.ADMIN: frozenset(Action),
    Preset.HEAD: frozenset({_A.VIEW, _A.CREATE, _A.EDIT, _A.DELETE, _A.EXPORT, _A.IMPORT, _A.REOPEN,
                            _A.ISSUE_DOCUMENTS, _A.REGISTER_PAYMENTS}),
    Preset.MANAGER: frozenset({_A.VIEW, _A.CREATE, _A.EDIT, _A.DELETE, _A.ISSUE_DOCUMENTS}),
    Preset.ACCOUNTANT: frozenset({_A.VIEW, _A.EXPORT, _A.ISSUE_DOCUMENTS, _A.REGISTER_PAYMENTS}),
}
PRESET_SCOPES: dict[Preset, Scope] = {
    Preset.ADMIN: Scope.ALL, Preset.HEAD: Scope.TEAM, Preset.MANAGER: Scope.OWN,
    Preset.ACCOUNTANT: Scope.ALL,
}
# the old ``user.role`` kept in step with the role, for code that still reads it
PRESET_LEGACY_ROLES: dict[str, Role] = {Preset.ADMIN: Role.ADMIN, Preset.HEAD: Role.HEAD}


def actions_text(actions: set[Action] | frozenset[Action]) -> str:
    """``access_role.actions`` as stored: the values, sorted, comma-separated."""
    return ",".join(sorted(str(a) for a in actions))


def parse_actions(text: str) -> frozenset[Action]:
    """The actions of ``access_role.actions``; unknown values (a newer app's) are ignored."""
    known = {a.value for a in Action}
    return frozenset(Action(v) for v in (p.strip() for p in (text or "").split(",")) if v in known)


def create_preset_roles() -> None:
    """Insert the preset roles that are missing (a new database; step 7 inserts them on upgrade)."""
    present = {r.id for r in AccessRole.select(AccessRole.id)}
    for preset, key in PRESET_IDS.items():
        if key not in present:
            AccessRole.create(
                id=key, created_at=PRESET_CREATED_AT, updated_at=PRESET_CREATED_AT,
                name=PRESET_NAMES[preset], preset=preset.value,
                actions=actions_text(PRESET_ACTIONS[preset]), scope=PRESET_SCOPES[preset],
            )


class Requisites(BaseModel):
    """Legal requisites shared by the seller's own companies and client companies."""

    legal_name = peewee.CharField(max_length=500, default="")
    short_name = peewee.CharField(max_length=200, default="")
    country = peewee.CharField(max_length=2, default="RU")
    # Russia
    inn = peewee.CharField(max_length=12, default="")
    kpp = peewee.CharField(max_length=9, default="")
    ogrn = peewee.CharField(max_length=15, default="")
    bank_name = peewee.CharField(max_length=300, default="")
    bik = peewee.CharField(max_length=9, default="")
    corr_account = peewee.CharField(max_length=20, default="")
    account = peewee.CharField(max_length=20, default="")
    # Italy
    vat_number = peewee.CharField(max_length=16, default="")  # Partita IVA
    fiscal_code = peewee.CharField(max_length=16, default="")  # Codice Fiscale
    rea = peewee.CharField(max_length=20, default="")
    iban = peewee.CharField(max_length=34, default="")
    bic = peewee.CharField(max_length=11, default="")
    # Address
    address = peewee.TextField(default="")
    postal_code = peewee.CharField(max_length=10, default="")
    city = peewee.CharField(max_length=100, default="")
    province = peewee.CharField(max_length=2, default="")
    email = peewee.CharField(max_length=254, default="")
    phone = peewee.CharField(max_length=40, default="")


class OwnCompany(Requisites):
    """The seller: whose name, bank and VAT settings go on quotes and invoices."""

    regime_fiscale = peewee.CharField(max_length=4, default="")  # FatturaPA RF01…RF19
    pec = peewee.CharField(max_length=254, default="")
    director_name = peewee.CharField(max_length=200, default="")
    accountant_name = peewee.CharField(max_length=200, default="")
    logo = peewee.BlobField(null=True)
    stamp = peewee.BlobField(null=True)
    signature = peewee.BlobField(null=True)
    default_currency = peewee.CharField(max_length=3, default="RUB")
    default_vat_rate = PercentField()
    vat_mode = EnumField(VatMode, default=VatMode.INCLUDED)
    is_default = peewee.BooleanField(default=False)
