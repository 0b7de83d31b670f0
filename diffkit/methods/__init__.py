"""The ways of differentiating: one module each, and one registry line each.

A method is a ``Method``: its id (used in tables and JSON), its function
``run(problem) -> MethodResult``, what its number means at a kink, the relative error
it reaches on smooth, well-scaled f (the tests hold it to that), and, if it computes
full Hessians, how.  ``register`` adds one; ``METHODS`` and ``HESSIANS`` are the
id → function views the comparison reads, in the order a comparison shows them.

>>> list(METHODS)[:3]
['symbolic', 'fd-forward', 'fd-backward']
>>> REGISTRY["fd-central"].at_a_kink
'a central difference (about the mean of the one-sided slopes)'
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from diffkit.methods import (
    compiled,
    complex_step,
    finite_difference,
    forward,
    reverse,
    richardson,
    symbolic,
)
from diffkit.methods.base import MethodResult, Problem

Run = Callable[[Problem], MethodResult]


@dataclass(frozen=True)
class Method:
    """A way of differentiating, and what a comparison needs to know about it."""

    id: str
    run: Run
    #: what its number is where f has no derivative (a row's note says it)
    at_a_kink: str
    #: the relative error it reaches on smooth, well-scaled f (tests/test_calculus_rules.py)
    tolerance: float
    #: how it computes a full Hessian, if it does
    hessian: Run | None = None


REGISTRY: dict[str, Method] = {}
METHODS: dict[str, Run] = {}
HESSIANS: dict[str, Run] = {}


def register(method: Method) -> None:
    """Add a method (or replace one of the same id): one line per method."""
    REGISTRY[method.id] = method
    METHODS[method.id] = method.run
    HESSIANS.pop(method.id, None)
    if method.hessian is not None:
        HESSIANS[method.id] = method.hessian


@contextmanager
def registered(method: Method) -> Iterator[Method]:
    """``method`` registered for the duration of a ``with`` block (tests, notebooks)."""
    saved = dict(REGISTRY)
    register(method)
    try:
        yield method
    finally:
        REGISTRY.clear()
        METHODS.clear()
        HESSIANS.clear()
        for m in saved.values():
            register(m)


_CENTRAL = "a central difference (about the mean of the one-sided slopes)"
_TABLE = "the primitive table's subgradient (see the note above)"

register(Method(symbolic.ID, symbolic.run, tolerance=1e-14, hessian=symbolic.hessian,
                at_a_kink="SymPy's conventions sign(0) = 0, Heaviside(0) = 1/2"))
register(Method("fd-forward", partial(finite_difference.run_scheme, method="fd-forward"),
                tolerance=1e-6, at_a_kink="a forward difference (about the right derivative)"))
register(Method("fd-backward", partial(finite_difference.run_scheme, method="fd-backward"),
                tolerance=1e-6, at_a_kink="a backward difference (about the left derivative)"))
register(Method("fd-central", partial(finite_difference.run_scheme, method="fd-central"),
                tolerance=1e-8, at_a_kink=_CENTRAL, hessian=finite_difference.hessian_central))
register(Method(richardson.RICHARDSON, richardson.run_richardson, tolerance=1e-10,
                at_a_kink="central differences (about the mean of the one-sided slopes)"))
register(Method(finite_difference.EXTENDED, finite_difference.run_extended, tolerance=1e-15,
                at_a_kink=_CENTRAL))
register(Method(complex_step.ID, complex_step.run, tolerance=1e-14, at_a_kink="the complex step"))
register(Method(forward.ID, forward.run, tolerance=1e-14, at_a_kink=_TABLE,
                hessian=forward.hessian))
register(Method(reverse.ID, reverse.run, tolerance=1e-14, at_a_kink=_TABLE,
                hessian=reverse.hessian))
register(Method(compiled.ID, compiled.run, tolerance=1e-14, at_a_kink=_TABLE))

__all__ = ["HESSIANS", "METHODS", "REGISTRY", "Method", "MethodResult", "Problem", "register",
           "registered"]
