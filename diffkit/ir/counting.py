"""The op counter: every arithmetic operation an interpreter executes is counted.

Counts are measured, not computed by formula: ``CountingBackend`` wraps a backend and
adds one per element to the operation's tally each time it runs.

>>> from diffkit.table.backends import NUMPY
>>> ops = OpCounter()
>>> m = CountingBackend(NUMPY, ops)
>>> _ = m.mul(m.add(1.0, 2.0), 3.0)
>>> ops.total, dict(ops.by_operation)
(2, {'add': 1, 'mul': 1})
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from diffkit.table.primitives import PRIMITIVES
from diffkit.values.dual import Dual


class OpCounter:
    """A tally of primitive operations by name; ``total`` is their sum."""

    def __init__(self) -> None:
        self.by_operation: Counter[str] = Counter()

    @property
    def total(self) -> int:
        return sum(self.by_operation.values())

    def add(self, operation: str, n: int = 1) -> None:
        self.by_operation[operation] += n

    def __repr__(self) -> str:
        return f"OpCounter(total={self.total}, {dict(self.by_operation)})"


class CountingBackend:
    """A backend whose every operation also counts itself in an ``OpCounter``; an
    operation that only moves data (reshape, indexing) is free."""

    def __init__(self, backend: Any, counter: OpCounter) -> None:
        self.name = backend.name
        self.const = backend.const
        self.counter = counter
        self._backend = backend

    def __getattr__(self, operation: str) -> Any:
        if operation.startswith("_"):
            raise AttributeError(operation)
        fn = getattr(self._backend, operation)
        entry = PRIMITIVES.get(operation)
        if entry is None or not entry.moves_data:  # scatter (an adjoint's) counts too
            fn = self._counted(operation, fn)
        self.__dict__[operation] = fn
        return fn

    def _counted(self, operation: str, fn):
        tally = self.counter.by_operation

        def counted(*args):
            result = fn(*args)
            if not isinstance(result, Dual):  # a Dual's own arithmetic counted its parts
                tally[operation] += _cost(operation, args, result)
            return result

        counted.__name__ = operation
        return counted


def _cost(operation: str, args: tuple, result) -> int:
    """Arithmetic operations one call executed: one per element of the result, except
    for reductions (n − 1 additions per sum of n) and matrix products (k
    multiplications and k − 1 additions per element of the result)."""
    size = getattr(result, "size", 1)
    if operation == "matmul":
        k = np.shape(args[1])[0] if np.ndim(args[1]) == 1 else np.shape(args[1])[-2]
        return (2 * k - 1) * size
    if operation in ("sum", "logsumexp"):
        n = getattr(args[0], "size", 1)
        return max(n - size, 0) + (2 * n + size if operation == "logsumexp" else 0)
    if operation == "scatter":
        return getattr(args[0], "size", 1)
    return size
