"""The Linux tarball carries its installer: install.sh (executable), the menu entry and the icon,
and install.sh installs a launcher and a menu entry from an unpacked tarball."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_build():
    spec = importlib.util.spec_from_file_location("installer_build", ROOT / "installer" / "build.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Linux tarball")
def test_the_linux_tarball_carries_install_sh_and_it_installs(tmp_path):
    build = load_build()
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    (bundle / "desktop-crm").write_text("#!/bin/sh\necho crm\n")
    (bundle / "desktop-crm").chmod(0o755)
    tarball = build.package_linux(bundle, tmp_path)
    with tarfile.open(tarball) as archive:
        members = {Path(m.name).name: m for m in archive.getmembers()}
        assert members["install.sh"].mode & 0o111
        assert {"desktop-crm.desktop", "desktop-crm.png", "desktop-crm"} <= set(members)
        archive.extractall(tmp_path / "unpacked")
    home = tmp_path / "home"
    home.mkdir()
    folder = next((tmp_path / "unpacked").iterdir())
    subprocess.run([str(folder / "install.sh")], check=True, env={**os.environ, "HOME": str(home)},
                   capture_output=True)
    assert (home / ".local/bin/desktop-crm").resolve() == (folder / "desktop-crm").resolve()
    entry = (home / ".local/share/applications/desktop-crm.desktop").read_text()
    assert f"Exec={folder}/desktop-crm" in entry
