"""Entry script of the frozen bundle: the same CLI as ``desktop-crm`` (GUI without arguments)."""

import sys

from desktop_crm.cli import main

if __name__ == "__main__":
    sys.exit(main())
