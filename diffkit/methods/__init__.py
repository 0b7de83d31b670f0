"""The ways of differentiating: one module each, one ``run(problem)`` each.

``METHODS`` maps the fixed method ids used in tables and JSON to their functions,
in the order a comparison shows them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from . import complex_step, finite_difference, forward, reverse, symbolic
from .base import MethodResult, Problem

METHODS: dict[str, Callable[[Problem], MethodResult]] = {
    symbolic.ID: symbolic.run,
    "fd-forward": partial(finite_difference.run_scheme, method="fd-forward"),
    "fd-backward": partial(finite_difference.run_scheme, method="fd-backward"),
    "fd-central": partial(finite_difference.run_scheme, method="fd-central"),
    finite_difference.RICHARDSON: finite_difference.run_richardson,
    finite_difference.EXTENDED: finite_difference.run_extended,
    complex_step.ID: complex_step.run,
    forward.ID: forward.run,
    reverse.ID: reverse.run,
}

#: the methods that compute a full Hessian, and how
HESSIANS: dict[str, Callable[[Problem], MethodResult]] = {
    symbolic.ID: symbolic.hessian,
    "fd-central": finite_difference.hessian_central,
    forward.ID: forward.hessian,
    reverse.ID: reverse.hessian,
}

__all__ = ["HESSIANS", "METHODS", "MethodResult", "Problem"]
