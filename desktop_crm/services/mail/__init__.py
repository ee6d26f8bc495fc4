"""E-mail: accounts, the outbox and sending (``mailout``), fetching and linking received mail."""
