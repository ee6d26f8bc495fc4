"""Start-up: process start → first paint of the main window on the demo database.

    uv run python benchmarks/startup.py [--db PATH] [--deals N] [--repeat K]

Each run starts the app (``desktop_crm.cli.main --db PATH``) in a fresh process (offscreen, fresh
local settings, so it opens on Home, "my day", the first section of a day) through
``benchmarks/first_paint.py``, which writes the wall-clock time of the end of its first
main-window paint and quits. The figure is that time
minus the time just before the process was spawned; peak RSS is the child's ``ru_maxrss`` (``wait4``).
Median of ``--repeat`` runs after one warm-up. ``cpu_ms`` is the app process's CPU time (all its
threads) at that paint: on a shared, loaded machine the steadier figure.

Bytecode is compiled first, for the app and its dependencies, as the installed app ships it
(PyInstaller bundles ``.pyc``) and as any development setup has it after its first start. Without
this a start in an environment with ``PYTHONDONTWRITEBYTECODE`` set (this machine's) compiles
peewee, babel and the app from source every time, which measures the compiler rather than the app.
"""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import demo_database, emit, median, note, parser  # noqa: E402 - after the path

FIRST_PAINT = ROOT / "benchmarks" / "first_paint.py"


def compile_bytecode() -> None:
    note("compiling bytecode of the app and its dependencies (once; up to date files are skipped)…")
    for folder in (ROOT / "desktop_crm", Path(sysconfig.get_paths()["purelib"])):
        compileall.compile_dir(folder, quiet=2, workers=0)


def one_run(path: Path) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory(prefix="crm-startup-") as scratch:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
                   CRM_DATA_DIR=str(Path(scratch) / "data"),
                   XDG_CONFIG_HOME=str(Path(scratch) / "config"))
        start_ns = time.time_ns()
        process = subprocess.Popen(
            [sys.executable, str(FIRST_PAINT), "--db", str(path), "--lang", "ru"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        assert process.stderr is not None
        stderr = process.stderr.read().decode("utf-8", "replace")
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    painted = [line for line in stderr.splitlines() if line.startswith("first-paint ")]
    if process.returncode != 0 or not painted:
        raise RuntimeError(f"the app did not paint (exit {process.returncode}):\n{stderr}")
    fields = painted[-1].split()
    paint_ns, cpu_ms = int(fields[1]), float(fields[fields.index("cpu-ms") + 1])
    return (paint_ns - start_ns) / 1e6, usage.ru_maxrss / 1024, cpu_ms


def main() -> int:
    args = parser(__doc__.splitlines()[0]).parse_args()
    path = demo_database(args)
    compile_bytecode()
    note(f"start-up on {path}")
    times, memory, cpu = [], [], []
    for run in range(args.repeat + 1):
        elapsed, rss, cpu_ms = one_run(path)
        note(f"run {run}: {elapsed:.0f} ms ({cpu_ms:.0f} ms CPU), {rss:.0f} MB"
             + (" (warm-up)" if run == 0 else ""))
        if run:
            times.append(elapsed)
            memory.append(rss)
            cpu.append(cpu_ms)
    emit("startup_first_paint_ms", median(times), "ms", 250, db=str(path),
         runs=[round(t, 1) for t in times], python=sys.version.split()[0],
         cpu_ms=round(median(cpu), 1), load_average=round(os.getloadavg()[0], 2),
         measured="spawn of the app (`benchmarks/first_paint.py --db`) to end of the main window's "
                  "first paint (Deals list shown), offscreen, warm OS cache, bytecode precompiled")
    emit("startup_peak_rss_mb", round(max(memory), 1), "MB", None, runs=[round(m, 1) for m in memory],
         measured="child ru_maxrss (wait4), largest of the runs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
