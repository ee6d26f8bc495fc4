"""The PySide6 user interface. Views call services; they never build database queries."""
