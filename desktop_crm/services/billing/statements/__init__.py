"""Bank statements: reading the files banks export (``parse``), matching their incoming payments
to issued invoices (``matching``) and the import itself with its review list (``imports``).

The parsers are pure (bytes in, a :class:`~.lines.Statement` out, a translated
``ValidationError`` for a file they cannot read); only ``imports`` touches the database.
"""

from __future__ import annotations

from desktop_crm.services.billing.statements.lines import Direction, Statement, StatementLine
from desktop_crm.services.billing.statements.parse import parse_statement

__all__ = ["Direction", "Statement", "StatementLine", "parse_statement"]
