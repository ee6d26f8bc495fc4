"""Start PySide6 from unpacked, byte-compiled support modules instead of its embedded zip.

Shiboken keeps its signature support (``shibokensupport``: about 40 Python modules) in a zip
inside its library and compiles them from source at every start: about 30 ms of CPU, a tenth of
importing Qt. Its documented switch ``SBK_EMBED=0`` unpacks them into ``shiboken6/files.dir``;
from then on every start imports them from that folder like any other package, from bytecode.

:func:`unpack_support_files` does that once, on the first start that finds the folder missing
and writable (a development or ``uv`` environment; never in the frozen bundle), and compiles the
files so that even ``PYTHONDONTWRITEBYTECODE`` starts use bytecode. It must run before the first
``import PySide6``. If unpacking fails, the partial folder is removed and Qt starts as before.
"""

from __future__ import annotations

import compileall
import importlib.util
import logging
import os
import shutil
import sys
from pathlib import Path

log = logging.getLogger(__name__)

FOLDER = "files.dir"  # the name shiboken looks for next to its package


def support_folder() -> Path | None:
    """Where shiboken looks for the unpacked files (None when shiboken6 is not installed)."""
    spec = importlib.util.find_spec("shiboken6")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / FOLDER


def unpack_support_files() -> bool:
    """Unpack and compile shiboken's support files if that has not been done; True if it did."""
    if getattr(sys, "frozen", False) or "shiboken6" in sys.modules:
        return False  # the bundle has its own copy; too late once shiboken is loaded
    folder = support_folder()
    if folder is None or folder.exists() or not os.access(folder.parent, os.W_OK):
        return False
    previous = os.environ.get("SBK_EMBED")
    os.environ["SBK_EMBED"] = "0"
    try:
        import shiboken6  # noqa: F401 - its start-up unpacks the files, then imports from them

        compileall.compile_dir(folder, quiet=1)
    except Exception:
        log.warning("could not unpack shiboken's support files; Qt starts from its embedded copy",
                    exc_info=True)
        shutil.rmtree(folder, ignore_errors=True)
        return False
    finally:
        if previous is None:
            os.environ.pop("SBK_EMBED", None)  # set, it would unpack again in every child process
        else:
            os.environ["SBK_EMBED"] = previous
    return True
