"""E-mail: the compose dialog, the Outbox, the background sender."""
