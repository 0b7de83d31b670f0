"""Wall-clock budgets for work that can run away (SymPy parsing, ``diff``, references,
the user's f).

SymPy is pure Python, so a ``SIGALRM`` interrupts it cleanly between bytecodes.  The
budget is enforced in the main thread of a process on POSIX systems; elsewhere (a
worker thread, Windows) it is not enforced and the work runs to completion.

A budget costs five system calls (read the outer timer, install the handler, arm,
disarm, restore), about 1.5 µs: ``diffkit.gradient`` of a small scalar f pays it on
every call, so it is a small class rather than a generator-based context manager.

>>> with time_budget(2.0, "symbolic differentiation"):
...     pass
"""

from __future__ import annotations

import functools
import signal
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from diffkit.support.errors import BudgetExceeded
from diffkit.support.limits import DEFAULT_LIMITS

try:  # the C functions themselves: ``signal.signal`` wraps them in enum conversions
    from _signal import signal as _install_handler
except ImportError:  # pragma: no cover - other Python implementations
    _install_handler = signal.signal

F = TypeVar("F", bound=Callable[..., Any])
_CAN_ALARM = hasattr(signal, "setitimer")
_MAIN = threading.main_thread()
_ACTIVE: list[time_budget] = []  # the budgets armed now, innermost last


def _on_alarm(signum: int, frame: Any) -> None:
    """The innermost armed budget ran out: raise its error in the code it interrupted.
    A late alarm (its budget already ended) is ignored; an early one (not yet due)
    sets the timer again for what is left."""
    if not _ACTIVE:
        return
    budget = _ACTIVE[-1]
    left = budget.deadline - time.monotonic()
    if left > 0:
        signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))
        return
    error = BudgetExceeded(f"{budget.what} took longer than its budget of {budget.seconds:.3g} s")
    error.what = budget.what  # so that a handler can tell its own budget from an outer one
    raise error


class time_budget:
    """``with time_budget(seconds, what):`` raises ``BudgetExceeded`` if the block runs
    longer than ``seconds``.

    Budgets nest: an inner budget never outlives an outer one, and the outer timer is
    restored (minus the time spent) when the inner block ends.
    """

    __slots__ = ("armed", "deadline", "outer_handler", "outer_remaining", "seconds", "what")

    def __init__(self, seconds: float | None, what: str) -> None:
        self.seconds = seconds
        self.what = what
        self.armed = False

    def __enter__(self) -> None:
        seconds = self.seconds
        if not seconds or seconds <= 0 or not _CAN_ALARM or threading.current_thread() is not _MAIN:
            return
        remaining = signal.getitimer(signal.ITIMER_REAL)[0]
        if remaining and remaining < seconds:
            return  # the outer budget ends first: let it fire as it would have
        self.outer_remaining = remaining
        self.deadline = time.monotonic() + seconds
        self.outer_handler = _install_handler(signal.SIGALRM, _on_alarm)
        _ACTIVE.append(self)
        self.armed = True
        signal.setitimer(signal.ITIMER_REAL, seconds)

    def __exit__(self, *exc: object) -> None:
        if not self.armed:
            return
        signal.setitimer(signal.ITIMER_REAL, 0)
        self.armed = False
        _ACTIVE.remove(self)
        _install_handler(signal.SIGALRM, self.outer_handler)
        if self.outer_remaining:
            left = self.outer_remaining - (time.monotonic() - (self.deadline - self.seconds))
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))


def bounded(fn: F) -> F:
    """``fn`` (an entry point that runs the user's f) under the wall-clock budget
    ``Limits.method_seconds``: an f that loops forever or sleeps ends in
    ``BudgetExceeded`` instead of a hang."""
    what = f"diffkit.{fn.__name__}"

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        with time_budget(DEFAULT_LIMITS.method_seconds, what):
            return fn(*args, **kwargs)

    return run  # type: ignore[return-value]
