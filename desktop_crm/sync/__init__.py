"""Offline work on SQLite with synchronisation to a shared PostgreSQL.

* ``capture`` — triggers queue every local change in ``_outbox``; :func:`capture.install` registers
  sync's hooks in the models layer (every entry point calls it once);
* ``replica`` — the local side and the round (push, then pull); ``sync_once`` for the command;
* ``push`` / ``merge`` — pending changes to the server, merged field by field;
* ``pull`` — the server's changes into the replica, below a snapshot horizon;
* ``wire`` / ``layout`` — the value encoding and the table layout both sides share;
* ``server`` — the server's sync schema, version gate and clock; ``security`` its logins and rows;
  ``purge`` old tombstones; ``hlc`` the hybrid logical clock. Connecting to PostgreSQL (TLS, the
  keyring's password) is ``models.credentials``, shared with a direct PostgreSQL database.
"""
