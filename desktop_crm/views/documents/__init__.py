"""Quotes and invoices in the UI: the editor, the deal's document panel, PDF preview and print."""
