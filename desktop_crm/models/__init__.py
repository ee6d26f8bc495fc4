"""peewee models (no Qt). ``ALL_MODELS`` lists the tables in dependency order."""

from desktop_crm.models import indexes as _indexes  # noqa: F401 - registers step 5's indexes
from desktop_crm.models.base import BaseModel, database, utcnow
from desktop_crm.models.catalog import Pipeline, Product, ProductGroup, Stage
from desktop_crm.models.deals import Activity, Deal, DealLine, StageChange
from desktop_crm.models.documents import (
    DocumentFile,
    Invoice,
    InvoiceLine,
    NumberSequence,
    Payment,
    Quote,
    QuoteLine,
)
from desktop_crm.models.enums import (
    ActivityKind,
    ActivityStatus,
    DocumentType,
    FileFormat,
    InvoiceStatus,
    LeadStatus,
    QuoteStatus,
    Role,
    StageKind,
    VatMode,
)
from desktop_crm.models.parties import Company, Contact, Lead
from desktop_crm.models.people import OwnCompany, User
from desktop_crm.models.rules import DuplicateDismissal
from desktop_crm.models.system import Notification, SchemaVersion, Setting

ALL_MODELS: list[type[BaseModel]] = [
    User,
    OwnCompany,
    Company,
    Contact,
    Lead,
    Pipeline,
    Stage,
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
    DocumentFile,
    NumberSequence,
    Notification,
    Setting,
    DuplicateDismissal,
]

__all__ = [
    "ALL_MODELS",
    "Activity",
    "ActivityKind",
    "ActivityStatus",
    "BaseModel",
    "Company",
    "Contact",
    "Deal",
    "DealLine",
    "DocumentFile",
    "DocumentType",
    "DuplicateDismissal",
    "FileFormat",
    "Invoice",
    "InvoiceLine",
    "InvoiceStatus",
    "Lead",
    "LeadStatus",
    "Notification",
    "NumberSequence",
    "OwnCompany",
    "Payment",
    "Pipeline",
    "Product",
    "ProductGroup",
    "Quote",
    "QuoteLine",
    "QuoteStatus",
    "Role",
    "SchemaVersion",
    "Setting",
    "Stage",
    "StageChange",
    "StageKind",
    "User",
    "VatMode",
    "database",
    "utcnow",
]
