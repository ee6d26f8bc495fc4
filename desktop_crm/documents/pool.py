"""Worker processes that render documents for batches (PDF and DOCX from a render input).

weasyprint runs in pure Python under the GIL, so a batch of invoices uses one core unless the
rendering moves to other processes. ``services.invoices.issue_for_deals`` hands the *inputs* of the
next invoices to this pool (predicted from a rolled-back savepoint) while the current invoice is
issued; every invoice is still issued in its own transaction, which uses the worker's files only
when its real input equals the predicted one (else it renders in place).

What a worker runs is registered by the layer that owns it (:func:`use_renderer`, called by
``services.billing.documents``): documents never import services. The renderer is a module-level
function, so it reaches the worker by name and the worker imports its module itself.

* Processes are started with ``spawn`` (forking a process that runs Qt threads is unsafe) on the
  first batch big enough to be worth it (:func:`for_batch`) and kept for the batches that follow;
  when no batch has used them for ``IDLE_SECONDS`` they stop (about 100 MB each), and the next
  batch starts them again. They are closed at exit.
* In the frozen bundle a worker is the bundle's executable started again; its launcher calls
  ``multiprocessing.freeze_support()`` (and ``desktop-crm --selftest`` renders through a worker).
* Workers never touch the database: input in, ``(context, {format: bytes})`` out.
* A worker's memory is limited (:data:`WORKER_MEMORY_BYTES`, ``RLIMIT_DATA`` where the system has
  it) on top of the render limits of :mod:`documents.limits`; a worker that fails hands the
  document back to the batch, which renders it in its own process and reports the error.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from typing import Any

#: A render input in, ``(context, {format: bytes})`` out; runs in a worker process.
Renderer = Callable[[Any], tuple[dict[str, Any], dict[Any, bytes]]]

WORKER_MEMORY_BYTES = 3 * 1024**3
MIN_BATCH = 6  # a smaller batch does not pay for starting the workers (~1 s each)
IDLE_SECONDS = 120.0
_lock = threading.Lock()
_executor: Executor | None = None
_batches = 0  # batches using the pool now
_idle_timer: threading.Timer | None = None
_renderer: Renderer | None = None


def use_renderer(renderer: Renderer) -> None:
    """What the workers run for :func:`submit` (a module-level function: it is pickled by name)."""
    global _renderer
    _renderer = renderer


def worker_count() -> int:
    """How many rendering processes a batch may use (0: render in this process)."""
    if os.environ.get("CRM_RENDER_WORKERS") == "0":
        return 0
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(cores, 4) if cores >= 2 else 0


def executor() -> Executor | None:
    """The shared pool (started on first use), or None when batches render in this process."""
    global _executor
    count = worker_count()
    if count == 0:
        return None
    with _lock:
        if _executor is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            _executor = ProcessPoolExecutor(
                max_workers=count, mp_context=multiprocessing.get_context("spawn"), initializer=_warm_up
            )
        return _executor


@contextmanager
def for_batch(size: int) -> Iterator[Executor | None]:
    """The pool for a batch of ``size`` documents: None when it renders in this process (a small
    batch, one core). Once no batch has used the pool for ``IDLE_SECONDS``, its processes stop."""
    global _batches, _idle_timer
    if size < MIN_BATCH:
        yield None
        return
    with _lock:
        _batches += 1
        if _idle_timer is not None:
            _idle_timer.cancel()
            _idle_timer = None
    try:
        yield executor()
    finally:
        with _lock:
            _batches -= 1
            if _batches == 0 and _executor is not None:
                _idle_timer = threading.Timer(IDLE_SECONDS, _stop_if_idle)
                _idle_timer.daemon = True
                _idle_timer.start()


def _stop_if_idle() -> None:
    global _executor, _idle_timer
    with _lock:
        if _batches or threading.current_thread() is not _idle_timer:
            return  # a batch came meanwhile (it cancelled this timer or will use the pool)
        pool, _executor, _idle_timer = _executor, None, None
    if pool is not None:
        pool.shutdown(wait=True)


def discard(broken: Executor) -> None:
    """Forget a pool whose process died (the next batch starts a new one)."""
    global _executor
    with _lock:
        if _executor is broken:
            _executor = None
    broken.shutdown(wait=False, cancel_futures=True)


@atexit.register
def shutdown() -> None:
    global _executor, _idle_timer
    with _lock:
        pool, _executor = _executor, None
        if _idle_timer is not None:
            _idle_timer.cancel()
            _idle_timer = None
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)


def limit_memory(limit: int = WORKER_MEMORY_BYTES) -> int | None:
    """Cap this process's heap (``RLIMIT_DATA``) at ``limit`` bytes; returns the cap, or None
    where the system has no such limit."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    cap = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (cap, hard))
    return cap


def _warm_up() -> None:
    """Limit the worker's memory; import the renderers and load the fonts before the first
    document arrives."""
    from desktop_crm.documents import render

    limit_memory()
    from desktop_crm.documents.context import build_context, sample_input

    context = build_context(sample_input("ru", "invoice"))
    render.render_pdf(context)
    render.render_docx(context)


def submit(executor: Executor, data: Any) -> Future[tuple[dict[str, Any], dict[Any, bytes]]]:
    """Render a render input in a worker, with this process's template folders."""
    from desktop_crm.config import data_dir

    if _renderer is None:
        raise RuntimeError("no document renderer registered (documents.pool.use_renderer)")
    return executor.submit(_render_in_worker, _renderer, data, str(data_dir()))


def _render_in_worker(
    renderer: Renderer, data: Any, user_data_dir: str
) -> tuple[dict[str, Any], dict[Any, bytes]]:
    """In a worker: the registered renderer's context and files for one input."""
    os.environ["CRM_DATA_DIR"] = user_data_dir  # the user's templates, as the batch's process sees them
    return renderer(data)
