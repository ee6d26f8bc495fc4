"""Desktop CRM: deals, pipeline, quotes and invoices for small businesses in Russia and Italy."""

from desktop_crm import _drivers

__version__ = "0.1.0"

_drivers.defer_psycopg()
