"""Offline work on SQLite with synchronisation to a shared PostgreSQL."""
