"""The errors diffkit raises. Every message is one readable line that says what to fix.

``DiffkitError`` is the only exception family the library lets out for bad input or a
point where a method cannot work; anything else escaping is a bug in diffkit.
"""

from __future__ import annotations


class DiffkitError(Exception):
    """Base class: bad input, or a method that cannot answer at this point."""

    def __init__(self, message: str) -> None:
        message = " ".join(str(message).split())  # one line, always
        super().__init__(message)
        self.message = message


class ParseError(DiffkitError):
    """The expression text was refused; ``column`` is 1-based where one applies."""

    def __init__(self, message: str, column: int | None = None) -> None:
        if column is not None:
            message = f"{message} (column {column})"
        super().__init__(message)
        self.column = column


class PointError(DiffkitError):
    """The point (``--at`` values) does not fit the expression."""


class EvaluationError(DiffkitError):
    """A method could not evaluate at the point: outside a domain, a pole, an overflow."""


class NoDerivativeError(EvaluationError):
    """A one-sided derivative does not exist as a finite number (a jump, an infinite
    slope, or a side that leaves the domain)."""


class NotAnalyticError(EvaluationError):
    """The complex step met a primitive that is not complex-analytic (abs, max, ...)."""


class BudgetExceeded(DiffkitError):
    """A time budget ran out (SymPy can take exponential time on some inputs)."""


class UnsupportedError(DiffkitError):
    """A SymPy expression uses something diffkit has no primitive for."""


class StencilError(DiffkitError, ValueError):
    """A finite-difference stencil that cannot be built (a negative order, too few
    points, an order beyond ``MAX_STENCIL_POINTS``)."""
