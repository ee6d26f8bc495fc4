"""Imports: files read as tables (``formats``), columns mapped to fields (``mapping``), rows checked
and written as one batch that can be undone (``engine``). See each module's docstring."""
