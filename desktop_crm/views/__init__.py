"""The PySide6 user interface. Views call services; they never build database queries."""

from desktop_crm._refcount_guard import make_singletons_immortal

make_singletons_immortal()  # PySide6 6.12 drops references to None/True/False (see the module)
