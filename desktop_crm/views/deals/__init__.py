"""The Deals section's own views: the kanban board and the deal card."""
