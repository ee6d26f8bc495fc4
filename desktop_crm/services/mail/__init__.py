"""E-mail: each user's mail account, the outbox that sends documents and messages, and the DTOs
of messages and attachments shared with receiving (``accounts``, ``transport``, ``messages``)."""
