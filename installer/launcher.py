"""Entry script of the frozen bundle: the same CLI as ``desktop-crm`` (GUI without arguments)."""

import multiprocessing
import sys

from desktop_crm.cli import main

if __name__ == "__main__":
    # a render worker of an invoice batch (documents/pool.py) starts this executable again:
    # freeze_support() turns that start into the worker instead of a second application
    multiprocessing.freeze_support()
    sys.exit(main())
