"""The real ``desktop-crm`` command, dying at a named checkpoint of the sync round.

    python -m tests.sync.crashing_sync <checkpoint> sync --db FILE --server URL

Runs ``desktop_crm.cli.main`` with every replica's crash hook ending the process at ``checkpoint``
with ``os._exit(137)``: no cleanup, like a kill (the fault injection of sync.md §3.2 for tests that
run the real command). The product itself reads no test setting; the fault is installed here.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Any

from desktop_crm import cli
from desktop_crm.sync.replica import FaultHook, Replica


def die_at(checkpoint: str) -> FaultHook:
    def hook(reached: str) -> None:
        if reached == checkpoint:
            os._exit(137)

    return hook


def install_fault(checkpoint: str) -> None:
    """Every replica made from now on in this process dies at ``checkpoint``."""
    original = Replica.__init__

    @functools.wraps(original)
    def with_fault(self: Replica, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.crash_hook = die_at(checkpoint)

    Replica.__init__ = with_fault


if __name__ == "__main__":
    install_fault(sys.argv[1])
    sys.exit(cli.main(sys.argv[2:]))
