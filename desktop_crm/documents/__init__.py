"""Rendering of quotes and invoices (DOCX, PDF, FatturaPA XML) from a prepared context."""
