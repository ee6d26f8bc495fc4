"""The import wizard (File › Import…) and the imports history (File › Imports history…)."""
