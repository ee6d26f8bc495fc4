"""Background work: run a callable off the GUI thread and get its result back on the GUI thread.

One helper for every long operation (exports, demo data, migrations, reports, document batches)::

    from desktop_crm.workers import run_in_background

    def work(progress: Progress) -> Path:          # runs in a pool thread, never touches widgets
        for done, row in enumerate(rows, 1):
            progress.check()                         # raises Cancelled once the user cancelled
            ...
            progress.report(done, total, _("Exporting…"))
        return path                                  # plain data only (ids, dicts, paths)

    job = run_in_background(work, on_result=show_path, on_error=show_error,
                            on_progress=dialog.update, on_cancelled=dialog.close)
    job.cancel()                                     # e.g. from a progress dialog's Cancel button

Rules (architecture P7):

* The callable gets a :class:`Progress` and nothing else; give it ids and plain values, not model
  instances or widgets. Anything it returns must be plain data.
* It runs inside :func:`connection` (its own peewee connection for that thread: peewee keeps one
  connection per thread; SQLite in WAL mode and PostgreSQL both allow concurrent readers).
* ``on_result``/``on_error``/``on_progress``/``on_cancelled`` are always called on the GUI thread.
  An exception that is not handled by ``on_error`` goes to ``sys.excepthook`` (the crash dialog).
  An environmental database failure (locked, unreachable, read-only, damaged) is delivered as its
  typed ``DatabaseError`` (``desktop_crm.errors.classify``): an expected error with a message for
  the user, which ``sys.excepthook`` shows as such, not as a crash.
* Progress reports are throttled (at most one every 50 ms, plus the last one).

Tests make everything synchronous (architecture P8) with ``set_synchronous(True)`` or the
:func:`synchronous` context manager: the callable then runs inline on the calling thread and the
callbacks are called before ``run_in_background`` returns, so flows are deterministic.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, cast

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

from desktop_crm._refcount_guard import make_singletons_immortal
from desktop_crm.errors import classify

make_singletons_immortal()  # PySide6 6.12 drops references to None/True/False (see the module)

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.05

_synchronous = False
_running: set[Job] = set()
_retired: collections.deque[Any] = collections.deque(maxlen=256)


class Cancelled(Exception):
    """Raised inside a background callable (by :meth:`Progress.check`) when the user cancelled."""


class Progress:
    """Handed to the background callable: report progress, notice cancellation."""

    def __init__(self, job: Job) -> None:
        self._job = job
        self._last = 0.0

    @property
    def cancelled(self) -> bool:
        return self._job._cancel_event.is_set()

    def check(self) -> None:
        """Stop the work here (raise :class:`Cancelled`) when the user asked to cancel."""
        if self.cancelled:
            raise Cancelled

    def report(self, done: int, total: int, text: str = "", force: bool = False) -> None:
        """``done`` of ``total`` units (``total`` 0 = unknown); ``text`` is a translated line."""
        now = time.monotonic()
        if not force and done < total and now - self._last < PROGRESS_INTERVAL_S:
            return
        self._last = now
        self._job._emit_progress(done, total, text)


class _Relay(QObject):
    """Lives on the GUI thread; signals emitted from the pool thread arrive here queued."""

    progress = Signal(int, int, str)
    finished = Signal(object)  # (result, exc_info, cancelled): one object, see _on_finished

    def __init__(self, job: Job) -> None:
        super().__init__()
        self._job = job
        self.progress.connect(self._on_progress)
        self.finished.connect(self._on_finished)

    @Slot(int, int, str)
    def _on_progress(self, done: int, total: int, text: str) -> None:
        self._job._deliver_progress(done, total, text)

    @Slot(object)
    def _on_finished(self, outcome: object) -> None:
        # One tuple rather than (object, object, bool): PySide6 miscounts references to Python
        # bools passed through queued connections (fatal "bool_dealloc" at interpreter exit).
        result, exc_info, cancelled = cast("tuple[Any, Any, str]", outcome)
        self._job._deliver_finished(result, exc_info, cancelled == "cancelled")


class _Runnable(QRunnable):
    def __init__(self, job: Job) -> None:
        super().__init__()
        self._job = job
        # Python owns the runnable (kept by its Job until the result is delivered): letting Qt
        # auto-delete a Python subclass corrupts reference counts at interpreter exit.
        self.setAutoDelete(False)

    def run(self) -> None:
        self._job._execute()


class Job:
    """A running (or finished) background operation."""

    def __init__(
        self,
        fn: Callable[[Progress], Any],
        on_result: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
        on_progress: Callable[[int, int, str], None] | None,
        on_cancelled: Callable[[], None] | None,
        use_database: bool,
        name: str,
    ) -> None:
        self._fn = fn
        self._on_result = on_result
        self._on_error = on_error
        self._on_progress = on_progress
        self._on_cancelled = on_cancelled
        self._use_database = use_database
        self.name = name
        self._cancel_event = threading.Event()
        self._done = threading.Event()
        self._relay: _Relay | None = None
        self._runnable: _Runnable | None = None

    # --- public -------------------------------------------------------------------------------
    def cancel(self) -> None:
        """Ask the work to stop; it stops at its next :meth:`Progress.check`."""
        self._cancel_event.set()

    @property
    def is_cancelled(self) -> bool:
        return self._cancel_event.is_set()

    @property
    def is_done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the work finished in its thread (callbacks may still be queued)."""
        return self._done.wait(timeout)

    # --- internals ----------------------------------------------------------------------------
    def _execute(self) -> None:
        progress = Progress(self)
        result: Any = None
        exc_info: Any = None
        cancelled = False
        try:
            if self._use_database:
                with connection():
                    result = self._fn(progress)
            else:
                result = self._fn(progress)
        except Cancelled:
            cancelled = True
        except BaseException as error:
            exc_info = self._typed(error)
        if self.is_cancelled and exc_info is None:
            cancelled = True
        self._done.set()
        if self._relay is not None:
            self._relay.finished.emit((result, exc_info, "cancelled" if cancelled else ""))
        else:
            self._deliver_finished(result, exc_info, cancelled)

    def _typed(self, error: BaseException) -> tuple[type[BaseException], BaseException, Any]:
        """The failure to deliver: an environmental database failure (locked, unreachable,
        read-only, damaged) as its typed, expected error, chained to the driver's; bugs as they are."""
        typed = classify(error)
        if typed is None or typed is error:
            return type(error), error, error.__traceback__
        log.warning("background job %s: %s", self.name, typed.message, exc_info=error)
        typed.__cause__ = error
        return type(typed), typed, error.__traceback__

    def _emit_progress(self, done: int, total: int, text: str) -> None:
        if self._relay is not None:
            self._relay.progress.emit(done, total, text)
        else:
            self._deliver_progress(done, total, text)

    def _deliver_progress(self, done: int, total: int, text: str) -> None:
        if self._on_progress is not None and _receiver_alive(self._on_progress):
            self._on_progress(done, total, text)

    def _deliver_finished(self, result: Any, exc_info: Any, cancelled: bool) -> None:
        _running.discard(self)
        try:
            if cancelled:
                log.info("background job %s cancelled", self.name)
                if self._on_cancelled is not None and _receiver_alive(self._on_cancelled):
                    self._on_cancelled()
            elif exc_info is not None:
                error = exc_info[1]
                if self._on_error is not None:
                    if _receiver_alive(self._on_error):
                        self._on_error(error)
                else:
                    sys.excepthook(*exc_info)
            elif self._on_result is not None and _receiver_alive(self._on_result):
                self._on_result(result)
        finally:
            if self._relay is not None:
                self._relay.deleteLater()
                self._relay = None
            if self._runnable is not None:
                # run() may still be unwinding on its pool thread: release the runnable later
                _retired.append(self._runnable)
                self._runnable = None


def run_in_background(
    fn: Callable[[Progress], Any],
    *,
    on_result: Callable[[Any], None] | None = None,
    on_error: Callable[[BaseException], None] | None = None,
    on_progress: Callable[[int, int, str], None] | None = None,
    on_cancelled: Callable[[], None] | None = None,
    use_database: bool = True,
    name: str = "",
) -> Job:
    """Run ``fn(progress)`` on the thread pool; callbacks arrive on the calling (GUI) thread."""
    job = Job(fn, on_result, on_error, on_progress, on_cancelled, use_database, name or _name(fn))
    _running.add(job)
    if _synchronous:
        job._execute()
        return job
    job._relay = _Relay(job)
    job._runnable = _Runnable(job)
    QThreadPool.globalInstance().start(job._runnable)
    return job


def _receiver_alive(callback: Callable[..., Any]) -> bool:
    """Whether a callback's widget (a bound method of a QObject) still exists: a window closed
    while its job ran gets no result, instead of a call on a deleted C++ object."""
    owner = getattr(callback, "__self__", None)
    if isinstance(owner, QObject) and not shiboken6.isValid(owner):
        log.info("background job result dropped: %s was deleted", type(owner).__name__)
        return False
    return True


def _name(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__qualname__", None) or repr(fn)


def set_synchronous(value: bool) -> None:
    """Run background work inline (tests): deterministic, no threads, same callbacks."""
    global _synchronous
    _synchronous = value


def is_synchronous() -> bool:
    return _synchronous


@contextlib.contextmanager
def synchronous() -> Iterator[None]:
    previous = _synchronous
    set_synchronous(True)
    try:
        yield
    finally:
        set_synchronous(previous)


def running_jobs() -> list[Job]:
    return list(_running)


def cancel_all(timeout: float = 5.0) -> None:
    """Cancel every running job and wait for the pool (application exit, test teardown)."""
    for job in list(_running):
        job.cancel()
    QThreadPool.globalInstance().waitForDone(int(timeout * 1000))


@contextlib.contextmanager
def connection() -> Iterator[None]:
    """The calling thread's own database connection, opened if needed and closed afterwards.

    peewee keeps connection state per thread, so a pool thread opens its own. On a thread whose
    connection is already open (the GUI thread in synchronous mode) it is reused and left open.
    """
    from desktop_crm.models.base import database

    db = database.obj  # the database of this job, even if the proxy is rebound meanwhile
    if db is None:
        yield
        return
    opened = db.is_closed()
    if opened:
        db.connect()
    try:
        yield
    finally:
        if opened and not db.is_closed():
            db.close()
        rebound = database.obj
        if rebound is not None and rebound is not db and not rebound.is_closed():
            rebound.close()  # the proxy was rebound meanwhile and the job's queries opened this one
