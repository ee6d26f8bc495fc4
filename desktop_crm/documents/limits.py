"""Limits of a template render: time, loop iterations, sizes of texts and lists, numbers, output.

A user's template is code the application runs. Jinja's sandbox already refuses unsafe attributes;
here the environment also refuses what would exhaust the computer:

* ``*``, ``**``, ``%`` and ``+`` are intercepted (:meth:`LimitedMixin.call_binop`): a text or list
  longer than :data:`MAX_SEQUENCE`, an integer power beyond :data:`MAX_POWER_BITS` bits or a
  ``%`` format with a huge width is refused before it is computed (interception also stops Jinja
  from folding ``'x' * 10**9`` while it *compiles* the template);
* ``range`` counts its items against a budget shared by every loop of the render
  (:data:`MAX_ITERATIONS`): nested loops of 100,000 each stop at the budget, not after hours;
* calls and filters given a size (``center(10**9)``, ``indent``, ``truncate``, ``slice``…) larger
  than :data:`MAX_SEQUENCE` are refused; ``replace`` that would grow a text past it too;
* the output is counted while it is joined (:data:`MAX_OUTPUT`), and everything produced by the
  operators above is counted against :data:`MAX_PRODUCED` (a loop making large texts in a block);
* a deadline (:data:`MAX_SECONDS`) is checked on every attribute access, call, operator, loop
  item and output chunk.

Every refusal, and every other failure of the template (syntax, a missing field, recursion), is a
:class:`TemplateError` naming the template and the line (:func:`guard`).
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from desktop_crm.errors import CrmError
from desktop_crm.i18n import _

MAX_SECONDS = 20.0  # the template's own code (Jinja)
MAX_RENDER_SECONDS = 90.0  # the whole document: template, layout (weasyprint) or Word file
MAX_ITERATIONS = 1_000_000
MAX_SEQUENCE = 5_000_000  # characters of one text, items of one list
MAX_OUTPUT = 50_000_000  # characters of a rendered template (a part of a Word file)
MAX_PRODUCED = 200_000_000  # characters made by operators during one render, in all
MAX_POWER_BITS = 4096
MAX_IMAGE_PIXELS = 40_000_000  # an image of a document: 40 megapixels (e.g. 8000 × 5000)
_CHECK_EVERY = 64  # operations between two looks at the clock


class TemplateError(CrmError):
    """A template is missing or cannot be rendered."""


class LimitExceeded(Exception):
    """A limit of the render was reached; ``str()`` is the translated reason."""


@dataclass
class Budget:
    """What one render may still use."""

    deadline: float
    iterations: int = 0
    produced: int = 0
    ticks: int = 0
    seconds: float = MAX_SECONDS

    def tick(self) -> None:
        self.ticks += 1
        if self.ticks % _CHECK_EVERY == 0 and time.monotonic() > self.deadline:
            raise LimitExceeded(_("rendering took longer than {seconds} seconds").format(
                seconds=int(self.seconds)))

    def iterate(self) -> None:
        self.iterations += 1
        if self.iterations > MAX_ITERATIONS:
            raise LimitExceeded(_("its loops run more than {limit} times in all").format(
                limit=f"{MAX_ITERATIONS:,}".replace(",", " ")))
        self.tick()

    def produce(self, size: int) -> None:
        self.produced += size
        if self.produced > MAX_PRODUCED:
            raise LimitExceeded(_("it makes more than {limit} million characters of text").format(
                limit=MAX_PRODUCED // 1_000_000))
        self.tick()


_BUDGET: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("render_budget", default=None)


def budget() -> Budget:
    """The running render's budget (a fresh one outside :func:`guard`, e.g. for a test)."""
    current = _BUDGET.get()
    if current is None:
        current = Budget(deadline=time.monotonic() + MAX_SECONDS)
        _BUDGET.set(current)
    return current


def _too_long(size: int) -> LimitExceeded:
    return LimitExceeded(_("a text or list would have {size} items; at most {limit} are allowed").format(
        size=f"{size:,}".replace(",", " "), limit=f"{MAX_SEQUENCE:,}".replace(",", " ")))


def _sized(value: Any) -> bool:
    return isinstance(value, str | bytes | list | tuple)


def _check_size(size: int) -> None:
    if size > MAX_SEQUENCE:
        raise _too_long(size)


def _multiply(left: Any, right: Any) -> Any:
    if _sized(left) and isinstance(right, int):
        _check_size(len(left) * max(right, 0))
    elif _sized(right) and isinstance(left, int):
        _check_size(len(right) * max(left, 0))
    return left * right


def _power(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
        bits = right * math.log2(abs(left))
        if bits > MAX_POWER_BITS:
            raise LimitExceeded(_("a number would have more than {limit} digits").format(
                limit=int(MAX_POWER_BITS * math.log10(2))))
    try:
        return left**right
    except OverflowError:
        raise LimitExceeded(_("a number is too large")) from None


def _format_widths(text: str) -> Iterator[int]:
    """The widths and precisions written in a ``%`` format (``%0999999d`` → 999999)."""
    index = text.find("%")
    while index >= 0:
        end = index + 1
        while end < len(text) and text[end] in "#0- +.*123456789":
            end += 1
        digits = "".join(ch if ch.isdigit() else " " for ch in text[index + 1:end])
        for number in digits.split():
            yield int(number)
        if "*" in text[index + 1:end]:
            yield MAX_SEQUENCE + 1  # a width taken from the arguments: refused
        index = text.find("%", end)


def _modulo(left: Any, right: Any) -> Any:
    if isinstance(left, str):
        for width in _format_widths(left):
            _check_size(width)
    return left % right


def _add(left: Any, right: Any) -> Any:
    if _sized(left) and _sized(right):
        _check_size(len(left) + len(right))
    return left + right


_BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "*": _multiply, "**": _power, "%": _modulo, "+": _add,
}


def _check_arguments(args: Iterable[Any], kwargs: dict[str, Any]) -> None:
    """A size given to a call or a filter (a width, a count) within the limit."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SEQUENCE:
            raise _too_long(abs(value))


def _check_replace(text: Any, args: tuple[Any, ...]) -> None:
    if len(args) >= 2 and isinstance(text, str) and isinstance(args[0], str) and isinstance(args[1], str):
        grow = len(args[1]) - len(args[0])
        if grow > 0:
            _check_size(len(text) + (text.count(args[0]) if args[0] else len(text) + 1) * grow)


def _result(value: Any) -> Any:
    if _sized(value):
        _check_size(len(value))
        budget().produce(len(value))
    return value


class CountedRange:
    """``range`` of a template: its items count against the render's loop budget."""

    def __init__(self, *args: int) -> None:
        self._range = range(*args)
        spread = self._range.stop - self._range.start
        size = max(0, -(-spread // self._range.step))  # len() overflows past sys.maxsize
        if size > MAX_ITERATIONS:
            raise LimitExceeded(_("range() of {size} items; at most {limit} are allowed").format(
                size=f"{size:,}".replace(",", " ") if size < 10**15 else f"{size:.3g}",
                limit=f"{MAX_ITERATIONS:,}".replace(",", " ")))

    def __len__(self) -> int:
        return len(self._range)

    def __iter__(self) -> Iterator[int]:
        spend = budget()
        for item in self._range:
            spend.iterate()
            yield item

    def __getitem__(self, index: Any) -> Any:
        return self._range[index]

    def __contains__(self, item: Any) -> bool:
        return item in self._range

    def __repr__(self) -> str:
        return repr(self._range)


SIZED_FILTERS = ("center", "indent", "truncate", "wordwrap", "slice", "batch", "format", "replace",
                 "join", "list", "string", "tojson", "pprint", "urlize", "xmlattr")


def _guarded_filter(function: Callable[..., Any], name: str) -> Callable[..., Any]:
    offset = 2 if hasattr(function, "jinja_pass_arg") else 1  # (environment or context,) value

    def guarded(*args: Any, **kwargs: Any) -> Any:
        budget().tick()
        value, rest = (args[offset - 1], args[offset:]) if len(args) >= offset else (None, ())
        _check_arguments(rest, kwargs)
        if name == "replace":
            _check_replace(str(value), tuple(rest))
        elif name == "format" and isinstance(value, str):
            for width in _format_widths(value):
                _check_size(width)
        return _result(function(*args, **kwargs))

    if hasattr(function, "jinja_pass_arg"):
        setattr(guarded, "jinja_pass_arg", function.jinja_pass_arg)  # noqa: B010
    guarded.__name__ = getattr(function, "__name__", name)
    return guarded


def limit_environment(env: Any) -> Any:
    """Put the limits on a (sandboxed) environment made by ``documents.render``."""
    env.globals["range"] = CountedRange
    env.globals.pop("lipsum", None)  # lipsum(10**6) paragraphs
    for name in SIZED_FILTERS:
        if name in env.filters:
            env.filters[name] = _guarded_filter(env.filters[name], name)
    return env


class LimitedMixin:
    """The overrides of the sandboxed environment (mixed in before ``SandboxedEnvironment``)."""

    intercepted_binops = frozenset(_BINOPS)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        budget().tick()
        return _result(_BINOPS[operator](left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        budget().tick()
        if __obj is not CountedRange:  # range() says itself what is too many
            _check_arguments(args, kwargs)
        if getattr(__obj, "__name__", "") == "replace":
            _check_replace(getattr(__obj, "__self__", None), args)
        parent: Any = super()
        return _result(parent.call(__context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        budget().tick()
        parent: Any = super()
        return parent.getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        budget().tick()
        parent: Any = super()
        return parent.getitem(obj, argument)

    def concat(self, chunks: Iterable[str]) -> str:
        """The output, counted while it is joined."""
        spend = budget()
        parts: list[str] = []
        size = 0
        for chunk in chunks:
            size += len(chunk)
            if size > MAX_OUTPUT:
                raise LimitExceeded(_("the output would be larger than {limit} million "
                                      "characters").format(limit=MAX_OUTPUT // 1_000_000))
            spend.tick()
            parts.append(chunk)
        return "".join(parts)


def check_image(data: bytes, name: str) -> None:
    """Refuse an image with more than :data:`MAX_IMAGE_PIXELS` pixels (reads only its header);
    data that is not a raster image passes."""
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        width, height = 0, 0
        if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:  # a PNG too big for PIL to open
            width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if width * height > MAX_IMAGE_PIXELS:
        message = (_("The image {name} has {width} × {height} pixels ({megapixels} megapixels); a "
                     "document image may have at most {limit} megapixels. Use a smaller image.")
                   if name else
                   _("An image of the document (a logo, stamp, signature or product picture) has "
                     "{width} × {height} pixels ({megapixels} megapixels); a document image may "
                     "have at most {limit} megapixels. Use a smaller image."))
        raise TemplateError(message.format(
            name=name, width=width, height=height, megapixels=width * height // 1_000_000,
            limit=MAX_IMAGE_PIXELS // 1_000_000))


# ------------------------------------------------------------------------------------------------
# failures as template errors with the template's name and line


@dataclass
class _Where:
    name: str
    files: set[str] = field(default_factory=set)


_TEMPLATE_SUFFIXES = (".html", ".htm", ".xml", ".txt", ".docx", ".j2", ".jinja")


def _line_of(error: BaseException, where: _Where) -> tuple[str, int | None]:
    """The template and line an error was raised at (Jinja maps its frames to template lines;
    the deepest template frame wins, so an included template is named itself)."""
    line = getattr(error, "lineno", None)
    name = getattr(error, "name", None) or where.name
    if isinstance(line, int):
        return str(name), line
    found: tuple[str, int | None] = (where.name, None)
    tb = error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename in where.files or filename == "<template>" or filename.endswith(
                _TEMPLATE_SUFFIXES):
            shown = where.name if filename == "<template>" else filename.rsplit("/", 1)[-1]
            found = (shown, tb.tb_lineno)
        tb = tb.tb_next
    return found


def _reason(error: BaseException) -> str:
    if isinstance(error, LimitExceeded):
        return str(error)
    if isinstance(error, RecursionError):
        return _("it calls itself too deeply")
    if isinstance(error, MemoryError):
        return _("it needs more memory than the computer has")
    if isinstance(error, OverflowError):
        return _("a number is too large")
    return str(error) or type(error).__name__


def template_error(name: str, error: BaseException, line: int | None = None) -> TemplateError:
    """The translated error of a template that cannot be rendered."""
    reason = _reason(error)
    if line is None:
        return TemplateError(_("The template {name} cannot be rendered: {reason}").format(
            name=name, reason=reason))
    return TemplateError(_("The template {name} cannot be rendered (line {line}): {reason}").format(
        name=name, line=line, reason=reason))


@contextlib.contextmanager
def guard(name: str, *files: str, seconds: float | None = None) -> Iterator[Budget]:
    """Render ``name`` under a fresh budget; any failure of the template is a TemplateError."""
    from jinja2 import TemplateError as JinjaError

    seconds = MAX_SECONDS if seconds is None else seconds
    spend = Budget(deadline=time.monotonic() + seconds, seconds=seconds)
    token = _BUDGET.set(spend)
    where = _Where(name, set(files))
    try:
        yield spend
    except TemplateError:
        raise
    except (JinjaError, LimitExceeded, RecursionError, MemoryError, OverflowError, ValueError,
            TypeError, ArithmeticError, LookupError) as error:
        shown, line = _line_of(error, where)
        raise template_error(shown, error, line) from error
    finally:
        _BUDGET.reset(token)


class RenderTimeout(BaseException):  # not caught by the `except Exception` of libraries
    """Raised in a rendering thread by :func:`time_limit`'s watchdog."""


class _Watchdog:
    """Raises :class:`RenderTimeout` in one thread once ``seconds`` have passed, unless stopped.

    The exception is delivered asynchronously (``PyThreadState_SetAsyncExc``), so it stops pure
    Python code anywhere, weasyprint's layout included, at its next bytecode; a long call into C
    finishes first. Stopping clears an exception delivered but not yet raised, so it never lands
    in the code after the render."""

    def __init__(self, seconds: float) -> None:
        import threading

        self.thread_id = threading.get_ident()
        self.lock = threading.Lock()
        self.done = False
        self.fired = False
        self.timer = threading.Timer(seconds, self._fire)
        self.timer.daemon = True

    def _set(self, exception: type[BaseException] | None) -> None:
        import ctypes

        ctypes.pythonapi.PyThreadState_SetAsyncExc(
            ctypes.c_ulong(self.thread_id), ctypes.py_object(exception) if exception else None)

    def _fire(self) -> None:
        with self.lock:
            if not self.done:
                self.fired = True
                self._set(RenderTimeout)

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        while True:
            try:
                self.timer.cancel()
                with self.lock:
                    self.done = True
                    if self.fired:
                        self._set(None)
                return
            except RenderTimeout:  # delivered while stopping: stop again, then it is cleared
                continue


class _TimeLimit:
    """The context manager of :func:`time_limit` (a class: nothing runs between starting or
    stopping the watchdog and the body, where a generator-based one would run contextlib's code)."""

    def __init__(self, name: str, seconds: float) -> None:
        self.name = name
        self.seconds = seconds
        self.watchdog = _Watchdog(seconds)

    def __enter__(self) -> None:
        self.watchdog.start()

    def __exit__(self, kind: Any, error: Any, _tb: Any) -> None:
        self.watchdog.stop()
        timed_out = isinstance(error, RenderTimeout) or (
            isinstance(error, TemplateError)
            and isinstance(error.__cause__ or error.__context__, RenderTimeout))
        if timed_out:
            raise template_error(self.name, LimitExceeded(_(
                "rendering took longer than {seconds} seconds").format(
                    seconds=int(self.seconds)))) from None


def time_limit(name: str, seconds: float | None = None) -> _TimeLimit:
    """Render the document ``name`` in at most ``seconds`` (:data:`MAX_RENDER_SECONDS`); past
    that a TemplateError says so. (Should the render end within microseconds of the limit, the
    timeout may still surface as :class:`RenderTimeout` at the end of the block.)"""
    return _TimeLimit(name, MAX_RENDER_SECONDS if seconds is None else seconds)


__all__ = [
    "MAX_IMAGE_PIXELS",
    "MAX_ITERATIONS",
    "MAX_OUTPUT",
    "MAX_RENDER_SECONDS",
    "MAX_SECONDS",
    "MAX_SEQUENCE",
    "Budget",
    "CountedRange",
    "LimitExceeded",
    "LimitedMixin",
    "RenderTimeout",
    "TemplateError",
    "guard",
    "limit_environment",
    "template_error",
    "time_limit",
]
