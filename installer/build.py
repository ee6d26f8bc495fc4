"""The one local entry point for installers: catalogs → PyInstaller → frozen self-test → package.

    uv run --group build python installer/build.py [--skip-selftest] [--no-package]

Linux: ``dist/desktop-crm/`` and ``dist/desktop-crm-<version>-linux-<arch>.tar.gz`` (with a
``.desktop`` file and icon). Windows: the bundle, then Inno Setup (``iscc``) makes the installer.
macOS: ``Desktop CRM.app``, then ``installer/macos/make_dmg.sh`` makes the DMG. The build fails
when the frozen ``--selftest`` fails, so a missing library, font or catalog never ships.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist"
BUILD = ROOT / "build"
sys.path.insert(0, str(ROOT))


def version() -> str:
    from desktop_crm import __version__

    return __version__


def log(message: str) -> None:
    print(f"[build] {message}", flush=True)


def folder_size_mb(path: Path) -> float:
    """Unpacked size on disk; links inside the bundle are counted once, as the files they are."""
    return sum(f.lstat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def make_icons() -> Path | None:
    """Platform icon files made from the PNG master (Pillow ships with weasyprint)."""
    from PIL import Image

    master = ROOT / "resources" / "icons" / "desktop-crm.png"
    BUILD.mkdir(exist_ok=True)
    if sys.platform == "win32":
        target = BUILD / "desktop-crm.ico"
        Image.open(master).save(target, sizes=[(16, 16), (32, 32), (48, 48), (256, 256)])
        return target
    if sys.platform == "darwin":
        target = BUILD / "desktop-crm.icns"
        Image.open(master).save(target)
        return target
    return None


def pyinstaller(icon: Path | None) -> Path:
    env = dict(os.environ, CRM_VERSION=version())
    if icon:
        env["CRM_BUNDLE_ICON"] = str(icon)
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--clean",
               "--distpath", str(DIST), "--workpath", str(BUILD / "pyinstaller"),
               str(ROOT / "installer" / "desktop_crm.spec")]
    subprocess.run(command, check=True, env=env, cwd=ROOT)
    return DIST / "desktop-crm"


def frozen_executable(bundle: Path) -> Path:
    if sys.platform == "darwin":
        return DIST / "Desktop CRM.app" / "Contents" / "MacOS" / "desktop-crm"
    return bundle / ("desktop-crm.exe" if sys.platform == "win32" else "desktop-crm")


def selftest(executable: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["QT_QPA_PLATFORM"] = "offscreen"
    result = subprocess.run([str(executable), "--selftest"], env=env, cwd=str(DIST),
                            timeout=600)
    if result.returncode != 0:
        raise SystemExit("the frozen self-test failed")


LINUX_EXTRAS = (  # what the tarball carries beside the bundle: its installer, menu entry, icon
    (ROOT / "installer" / "linux" / "install.sh", "install.sh", 0o755),
    (ROOT / "installer" / "linux" / "desktop-crm.desktop", "desktop-crm.desktop", 0o644),
    (ROOT / "resources" / "icons" / "desktop-crm.png", "desktop-crm.png", 0o644),
)


def package_linux(bundle: Path, dist: Path = DIST) -> Path:
    """The tarball: the bundle with ``install.sh`` (executable), the ``.desktop`` file and the icon."""
    for source, name, mode in LINUX_EXTRAS:
        shutil.copy(source, bundle / name)
        (bundle / name).chmod(mode)
    target = dist / f"desktop-crm-{version()}-linux-{platform.machine()}.tar.gz"
    with tarfile.open(target, "w:gz", compresslevel=6) as archive:
        archive.add(bundle, arcname=f"desktop-crm-{version()}")
    return target


def package_windows() -> Path:
    iscc = shutil.which("iscc") or r"C:\Program Files (x86)\Inno Setup 6\ISCC.exe"
    subprocess.run([iscc, f"/DAppVersion={version()}", f"/DSourceDir={DIST / 'desktop-crm'}",
                    f"/DOutputDir={DIST}", str(ROOT / "installer" / "windows" / "desktop_crm.iss")],
                   check=True)
    return DIST / f"DesktopCRM-{version()}-setup.exe"


def package_macos() -> Path:
    subprocess.run(["bash", str(ROOT / "installer" / "macos" / "make_dmg.sh"), version(), str(DIST)],
                   check=True)
    return DIST / f"DesktopCRM-{version()}.dmg"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-selftest", action="store_true")
    parser.add_argument("--no-package", action="store_true", help="stop after the bundle")
    args = parser.parse_args(argv)

    from desktop_crm.i18n.catalogs import compile_catalogs

    started = time.perf_counter()
    log("compiling message catalogs")
    compile_catalogs()
    bundle = pyinstaller(make_icons())
    built = time.perf_counter() - started
    log(f"bundle {bundle}: {folder_size_mb(bundle):.0f} MB unpacked, built in {built:.0f} s")
    if not args.skip_selftest:
        log("running the frozen self-test")
        selftest(frozen_executable(bundle))
    if args.no_package:
        return 0
    if sys.platform == "win32":
        artefact = package_windows()
    elif sys.platform == "darwin":
        artefact = package_macos()
    else:
        artefact = package_linux(bundle)
    log(f"package {artefact}: {artefact.stat().st_size / 1e6:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
