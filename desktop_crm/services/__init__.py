"""Business rules and use cases: plain Python that owns its transactions (no Qt)."""
