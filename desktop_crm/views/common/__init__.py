"""Widgets and helpers shared by every screen: dialogs, progress, table models and delegates."""
