"""Entity lists: the windowed table, the filter bar, bulk actions and export."""
