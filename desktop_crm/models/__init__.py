"""peewee models (no Qt). ``ALL_MODELS`` lists the tables in dependency order."""

from desktop_crm.models import indexes as _indexes  # noqa: F401 - registers step 5's indexes
from desktop_crm.models.automation import AutomationRule, AutomationRun
from desktop_crm.models.bank import BankLine, BankStatement
from desktop_crm.models.base import BaseModel, database, utcnow
from desktop_crm.models.catalog import Pipeline, Product, ProductGroup, Stage
from desktop_crm.models.custom import CustomField, CustomValue
from desktop_crm.models.deals import Activity, Deal, DealLine, StageChange
from desktop_crm.models.documents import (
    DocumentFile,
    Invoice,
    InvoiceLine,
    IssuedPaper,
    NumberSequence,
    Payment,
    Quote,
    QuoteLine,
)
from desktop_crm.models.enums import (
    Action,
    ActivityKind,
    ActivityStatus,
    BankLineStatus,
    CustomFieldKind,
    DocumentType,
    FileFormat,
    InvoiceStatus,
    LeadStatus,
    MailDirection,
    MailSecurity,
    MailStatus,
    Preset,
    QuoteStatus,
    Role,
    Scope,
    StageKind,
    VatMode,
)
from desktop_crm.models.history import FieldChange
from desktop_crm.models.imports import LOCAL_MODELS, ImportBatch, ImportBatchItem
from desktop_crm.models.mail import MailAccount, MailAttachment, MailMessage
from desktop_crm.models.parties import Company, Contact, Lead
from desktop_crm.models.people import AccessRole, OwnCompany, RoleScope, User
from desktop_crm.models.plans import SalesPlan
from desktop_crm.models.rules import DuplicateDismissal
from desktop_crm.models.system import Notification, SchemaVersion, Setting

ALL_MODELS: list[type[BaseModel]] = [
    AccessRole,
    User,
    OwnCompany,
    Company,
    Contact,
    Lead,
    Pipeline,
    Stage,
    RoleScope,
    ProductGroup,
    Product,
    Deal,
    DealLine,
    Activity,
    StageChange,
    Quote,
    QuoteLine,
    Invoice,
    InvoiceLine,
    Payment,
    IssuedPaper,  # before document_file: a paper's files are checked against it on the server
    DocumentFile,
    NumberSequence,
    BankStatement,  # step 13: imported bank statements and their review list
    BankLine,
    Notification,
    Setting,
    DuplicateDismissal,
    MailAccount,
    MailMessage,
    MailAttachment,
    SalesPlan,  # step 15: sales plans per manager or team
    CustomField,  # step 17: custom fields and their values
    CustomValue,
    FieldChange,  # step 18: field history, append-only
    AutomationRule,  # step 19: robots and triggers per pipeline, and their runs
    AutomationRun,
]

__all__ = [
    "ALL_MODELS",
    "LOCAL_MODELS",
    "AccessRole",
    "Action",
    "Activity",
    "ActivityKind",
    "ActivityStatus",
    "AutomationRule",
    "AutomationRun",
    "BankLine",
    "BankLineStatus",
    "BankStatement",
    "BaseModel",
    "Company",
    "Contact",
    "CustomField",
    "CustomFieldKind",
    "CustomValue",
    "Deal",
    "DealLine",
    "DocumentFile",
    "DocumentType",
    "DuplicateDismissal",
    "FieldChange",
    "FileFormat",
    "ImportBatch",
    "ImportBatchItem",
    "Invoice",
    "InvoiceLine",
    "InvoiceStatus",
    "IssuedPaper",
    "Lead",
    "LeadStatus",
    "MailAccount",
    "MailAttachment",
    "MailDirection",
    "MailMessage",
    "MailSecurity",
    "MailStatus",
    "Notification",
    "NumberSequence",
    "OwnCompany",
    "Payment",
    "Pipeline",
    "Preset",
    "Product",
    "ProductGroup",
    "Quote",
    "QuoteLine",
    "QuoteStatus",
    "Role",
    "RoleScope",
    "SalesPlan",
    "SchemaVersion",
    "Scope",
    "Setting",
    "Stage",
    "StageChange",
    "StageKind",
    "User",
    "VatMode",
    "database",
    "utcnow",
]
