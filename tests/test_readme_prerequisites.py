"""The README's Debian list names every system library Qt's xcb platform plugin loads (read with
``ldd``), so that a clean Debian 12 with only the listed packages opens the window."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: Debian 12 packages of the libraries the Qt libraries and the xcb plugin link (outside PySide6)
PACKAGES = {
    "libEGL.so.1": "libegl1", "libGL.so.1": "libgl1", "libGLX.so.0": "libgl1",
    "libGLdispatch.so.0": "libgl1", "libX11-xcb.so.1": "libx11-xcb1", "libX11.so.6": "libx11-6",
    "libdbus-1.so.3": "libdbus-1-3", "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6", "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0", "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4", "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1", "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0", "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0", "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1", "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0", "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb.so.1": "libxcb1", "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
}
#: dependencies of the packages above (installed with them) and the C runtime
IMPLIED = re.compile(r"^(libc|libm|libdl|libpthread|librt|libstdc\+\+|libgcc_s|ld-linux.*|linux-vdso"
                     r"|libXau|libXdmcp|libbsd|libmd|libexpat|libpng16|libz|libzstd|libbrotli\w*"
                     r"|libpcre2-8|libsystemd|libcap|libgcrypt|libgpg-error|liblzma|liblz4)\.so")


@pytest.mark.skipif(not sys.platform.startswith("linux") or not shutil.which("ldd"),
                    reason="the Debian list")
def test_the_debian_list_covers_what_the_xcb_plugin_loads():
    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"
    files = [qt / "plugins" / "platforms" / "libqxcb.so"]
    for name in ("libQt6XcbQpa.so*", "libQt6Gui.so*", "libQt6DBus.so*"):
        files.extend(sorted((qt / "lib").glob(name))[:1])
    output = subprocess.run(["ldd", *map(str, files)], capture_output=True, text=True).stdout
    names = {line.split()[0] for line in output.splitlines() if "=>" in line}
    system = {n for n in names if not n.startswith(("libQt6", "libicu", "libpyside", "libshiboken"))}
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    debian = readme[readme.index("**Debian 12"):readme.index("**Windows**")]
    unknown = sorted(n for n in system if n not in PACKAGES and not IMPLIED.match(n))
    assert unknown == [], f"map these libraries to their Debian packages: {unknown}"
    missing = sorted({PACKAGES[n] for n in system if n in PACKAGES} - set(debian.split()))
    assert missing == [], f"the README's Debian list lacks {missing}"
