"""An in-memory keyring for the tests (named by ``PYTHON_KEYRING_BACKEND`` in ``conftest.py``).

The product asks the OS keyring through the ``keyring`` library; the tests must neither read nor
write the developer's real one, and CI has none. keyring loads this class by its import path in the
test process and in every subprocess the tests start (``tests`` is on their ``PYTHONPATH``).
"""

from __future__ import annotations

from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)
