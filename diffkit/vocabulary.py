"""What expression text may name: the functions (with their SymPy builders, float64
shadows and argument counts), the constants, the reserved words, and which calls have
a restricted domain."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp


@dataclass(frozen=True)
class Function:
    build: Callable[..., sp.Expr]
    shadow: Callable[..., float]
    min_args: int
    max_args: int | None  # None: any number from min_args on


def _sign(v: float) -> float:
    return 0.0 if v == 0 else math.copysign(1.0, v)


def _log(v: float, base: float | None = None) -> float:
    if base is None:
        return math.log(v)
    return math.log(v) / math.log(base)


UNARY = {
    "sin": (sp.sin, math.sin),
    "cos": (sp.cos, math.cos),
    "tan": (sp.tan, math.tan),
    "asin": (sp.asin, math.asin),
    "acos": (sp.acos, math.acos),
    "atan": (sp.atan, math.atan),
    "sinh": (sp.sinh, math.sinh),
    "cosh": (sp.cosh, math.cosh),
    "tanh": (sp.tanh, math.tanh),
    "asinh": (sp.asinh, math.asinh),
    "acosh": (sp.acosh, math.acosh),
    "atanh": (sp.atanh, math.atanh),
    "exp": (sp.exp, math.exp),
    "sqrt": (sp.sqrt, math.sqrt),
    "abs": (sp.Abs, abs),
    "Abs": (sp.Abs, abs),
    "sign": (sp.sign, _sign),
}

#: The functions a user may call, with their argument counts.
FUNCTIONS: dict[str, Function] = {
    **{name: Function(b, s, 1, 1) for name, (b, s) in UNARY.items()},
    "log": Function(sp.log, _log, 1, 2),
    "max": Function(sp.Max, max, 2, None),
    "min": Function(sp.Min, min, 2, None),
    "Max": Function(sp.Max, max, 2, None),
    "Min": Function(sp.Min, min, 2, None),
}

#: functions whose domain is not the whole real line: the call as written is kept as a
#: guard where SymPy rewrites it away (``exp(log(x))`` is ``x``, but not at x = -1)
GUARDED = {"log", "sqrt", "asin", "acos", "acosh", "atanh"}

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
