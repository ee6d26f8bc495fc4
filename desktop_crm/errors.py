"""Typed errors whose messages are shown to users (translated when raised).

``CrmError`` and its subclasses are *expected* problems (bad input, a rule, a locked or newer
database): the UI shows their message in a plain dialog. Anything else is a bug and goes to the
crash dialog and the log.
"""

from __future__ import annotations


class CrmError(Exception):
    """An expected problem with a message for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DatabaseError(CrmError):
    """The database cannot be used as it is."""


class DatabaseUnreadable(DatabaseError):
    """The file is not a database of this application (or not a database at all)."""


class DatabaseTooNew(DatabaseError):
    """The database was written by a newer version of the application."""


class ValidationError(CrmError):
    """User input that cannot be saved; ``field`` names the offending input when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field

    def field_messages(self) -> dict[str, str]:
        """The message to show under each offending input of a form (field name → text)."""
        return {self.field: self.message} if self.field else {}
