"""What expression text may name: the functions (generated from the primitive table:
their SymPy builders, float64 shadows, argument counts and whether their domain is
restricted), the constants and the reserved words.

>>> sorted(name for name in functions() if name.startswith("log") and len(name) < 6)
['log', 'log10', 'log1p', 'log2']
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp

from diffkit.table import backends  # noqa: F401  (the whole table)
from diffkit.table.primitives import PRIMITIVES, generated


@dataclass(frozen=True)
class Function:
    """A function text may call: its SymPy builder, its float64 "shadow" (for
    constants), how many arguments it takes, and whether its domain is restricted."""

    build: Callable[..., sp.Expr]
    shadow: Callable[..., float]
    min_args: int
    max_args: int | None  # None: any number from min_args on
    guarded: bool = False


def _log(v: float, base: float | None = None) -> float:
    if base is None:
        return math.log(v)
    return math.log(v) / math.log(base)


def _shadow(fn: Callable[..., Any], chain: bool) -> Callable[..., float]:
    """The entry's float64 value, raising as ``math`` does where it is not a number."""

    def shadow(*args: float) -> float:
        with np.errstate(all="raise"):
            try:
                if chain:
                    return float(functools.reduce(fn, [np.float64(a) for a in args]))
                return float(fn(*[np.float64(a) for a in args]))
            except FloatingPointError as exc:
                if "overflow" in str(exc):
                    raise OverflowError(str(exc)) from None
                raise ValueError(str(exc)) from None

    return shadow


@generated
def functions() -> dict[str, Function]:
    """The functions text may call, name → ``Function``, generated from the table's
    ``text`` names (``ln`` is ``log``; ``max`` takes any number of arguments)."""
    found: dict[str, Function] = {}
    for entry in PRIMITIVES.values():
        if not entry.text:
            continue
        low, high = entry.text_arity or (entry.arity, entry.arity)
        shadow = _log if entry.name == "log" else _shadow(entry.impl["float64"], high is None)
        spec = Function(entry.sympy[0], shadow, low, high, guarded=entry.domain is not None)
        for name in entry.text:
            found[name] = spec
    return found


CONSTANTS = {"pi": (sp.pi, math.pi), "e": (sp.E, math.e), "E": (sp.E, math.e)}
RESERVED = {
    "I": "complex numbers are not supported",
    "oo": "infinity is not a value diffkit can differentiate at",
    "zoo": "complex infinity is not supported",
    "nan": "nan is not a number",
    "inf": "infinity is not a value diffkit can differentiate at",
}


def clip(s: str, n: int = 30) -> str:
    return s if len(s) <= n else s[: n - 3] + "..."
