"""Wall-clock budgets for work that can run away (SymPy parsing, ``diff``, references).

SymPy is pure Python, so a ``SIGALRM`` interrupts it cleanly between bytecodes.  The
budget is enforced in the main thread of a process on POSIX systems; elsewhere (a
worker thread, Windows) it is not enforced and the work runs to completion.

>>> with time_budget(2.0, "symbolic differentiation"):
...     pass
"""

from __future__ import annotations

import functools
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from diffkit.support.errors import BudgetExceeded
from diffkit.support.limits import DEFAULT_LIMITS

F = TypeVar("F", bound=Callable[..., Any])


def _can_alarm() -> bool:
    return hasattr(signal, "setitimer") and (
        threading.current_thread() is threading.main_thread()
    )


@contextmanager
def time_budget(seconds: float | None, what: str) -> Iterator[None]:
    """Raise ``BudgetExceeded`` if the block runs longer than ``seconds``.

    Budgets nest: an inner budget never outlives an outer one, and the outer timer is
    restored (minus the time spent) when the inner block ends.
    """
    if seconds is None or seconds <= 0 or not _can_alarm():
        yield
        return

    def on_alarm(signum, frame):
        error = BudgetExceeded(f"{what} took longer than its budget of {seconds:.3g} s")
        error.what = what  # so that a handler can tell its own budget from an outer one
        raise error

    outer_remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    outer_handler = signal.getsignal(signal.SIGALRM)
    if outer_remaining and outer_remaining < seconds:
        # the outer budget ends first: let it fire as it would have
        yield
        return
    started = time.monotonic()
    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, outer_handler)
        if outer_remaining:
            left = outer_remaining - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-3))


def bounded(fn: F) -> F:
    """``fn`` (an entry point that runs the user's f) under the wall-clock budget
    ``Limits.method_seconds``: an f that loops forever or sleeps ends in
    ``BudgetExceeded`` instead of a hang."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        with time_budget(DEFAULT_LIMITS.method_seconds, f"diffkit.{fn.__name__}"):
            return fn(*args, **kwargs)

    return run  # type: ignore[return-value]
