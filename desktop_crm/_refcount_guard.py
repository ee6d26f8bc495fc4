"""Guard against PySide6 6.12's reference-count bug on Python 3.11.

PySide6 6.12.0 returns ``None`` from every ``void`` Qt method (``show()``, ``setText()``,
``processEvents()``…) without taking a reference, so each call drops one reference to ``None``;
bool-returning paths do the same to ``True``/``False``. After some tens of thousands of calls the
interpreter aborts ("Fatal Python error: none_dealloc" / "bool_dealloc") — minutes into a working
session. Python 3.12+ makes these singletons immortal; on 3.11 we give them a reference count so
large that no session can exhaust it. Nothing else is touched; remove once PySide6 is fixed.
"""

from __future__ import annotations

import ctypes
import sys

_RESERVE = 1 << 40  # about 10**12 calls


def make_singletons_immortal() -> None:
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return  # immortal already, or not CPython's layout
    for singleton in (None, True, False):
        count = ctypes.c_ssize_t.from_address(id(singleton))
        if count.value < _RESERVE:
            count.value += _RESERVE
