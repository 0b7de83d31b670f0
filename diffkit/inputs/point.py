"""The point: turn ``at=2``, ``at={"x": 2}``, ``"x1=2,x2=5"`` or CLI ``--at`` values into
``{name: float}`` for exactly the expression's variables, or say what is wrong.

>>> point_from(["x1=2", "x2=5"], ["x1", "x2"])
{'x1': 2.0, 'x2': 5.0}
>>> point_from(2, ["x"])
{'x': 2.0}
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable, Mapping
from typing import Any

from diffkit.inputs.parse import parse
from diffkit.support.errors import DiffkitError, PointError

#: a plain decimal number in ASCII (the expression's own character rules)
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")

PointLike = float | int | str | Mapping[str, Any] | Iterable[str]


def _number(text: Any, name: str | None) -> float:
    where = f" for {name}" if name else ""
    if isinstance(text, bool):
        raise PointError(f"{text!r} is not a number{where}")
    if hasattr(text, "shape") and getattr(text, "shape", None) == ():
        text = text.item()  # a numpy scalar or a 0-d array
    if isinstance(text, numbers.Real):
        try:
            value = float(text)
        except OverflowError:
            raise PointError(f"{str(text)[:40]}{where} is too large for a double") from None
    elif isinstance(text, numbers.Complex):
        raise PointError(f"{text!r}{where} is complex; diffkit differentiates at real points")
    else:
        value = _from_text(str(text).strip(), where)
    if math.isnan(value):
        raise PointError(f"nan is not a point{where}: give a finite number")
    if math.isinf(value):
        raise PointError(f"infinity is not a point{where}: give a finite number")
    return value


def _from_text(s: str, where: str) -> float:
    """A number as text: a decimal in ASCII digits, or a constant expression the safe
    parser accepts (``pi``, ``2*pi``, ``e``, ``1/3``); never one that overflows or
    underflows to 0."""
    if _DECIMAL.match(s):
        value = float(s)
        if math.isinf(value):
            raise PointError(f"{s[:40]}{where} is too large for a double")
        if value == 0 and any(c in "123456789" for c in s.lower().split("e")[0]):
            raise PointError(f"{s[:40]}{where} underflows double precision to 0")
        return value
    try:
        expr = parse(s)
    except DiffkitError as err:
        raise PointError(f"'{s[:40]}' is not a number{where}: {err.message}; write a value "
                         "such as 2, -0.5, 1e-3 or pi/4") from None
    if expr.free_symbols or not expr.is_real:
        raise PointError(f"'{s[:40]}' is not a number{where}; write a value such as 2, -0.5, "
                         "1e-3 or pi/4")
    value = float(expr)
    if not math.isfinite(value) or (value == 0 and expr != 0):
        raise PointError(f"{s[:40]}{where} is not a double (too large or too small)")
    return value


def _pairs(at: Any) -> list[tuple[str | None, Any]]:
    if at is None:
        raise PointError("no point given; write --at x=2 (or at=2 in Python)")
    if hasattr(at, "shape") and getattr(at, "shape", None) == ():
        return [(None, at)]
    if isinstance(at, numbers.Number) and not isinstance(at, numbers.Real):
        raise PointError(f"{at!r} is complex; diffkit differentiates at real points")
    if not isinstance(at, str | Mapping | Iterable) and not isinstance(at, numbers.Real):
        raise PointError(f"at must be a number, a mapping or text like 'x=2', "
                         f"not {type(at).__name__}")
    if isinstance(at, Mapping):
        return [(str(k), v) for k, v in at.items()]
    if isinstance(at, numbers.Real) and not isinstance(at, str):
        return [(None, at)]
    items = [at] if isinstance(at, str) else list(at)
    pairs: list[tuple[str | None, Any]] = []
    for item in items:
        for part in str(item).split(","):
            part = part.strip()
            if not part:
                raise PointError("an empty value in the point; write --at x=2 or --at 2")
            if "=" in part:
                name, _, value = part.partition("=")
                name = name.strip()
                if not name:
                    raise PointError(f"'{part}' names no variable; write x=2")
                pairs.append((name, value))
            else:
                pairs.append((None, part))
    return pairs


def point_from(at: PointLike, variables: list[str]) -> dict[str, float]:
    """Values for exactly ``variables``: none missing, none extra, all finite."""
    if not variables:
        raise PointError("the expression has no variables: there is nothing to differentiate")
    pairs = _pairs(at)
    if not pairs:
        raise PointError("no point given; write --at x=2 (or at=2 in Python)")
    point: dict[str, float] = {}
    for name, value in pairs:
        if name is None:
            if len(variables) > 1 or len(pairs) > 1:
                raise PointError(
                    f"the expression has variables {', '.join(variables)}: name each, "
                    f"as in --at {variables[0]}=1"
                )
            name = variables[0]
        if name not in variables:
            raise PointError(
                f"the expression has no variable '{name[:40]}'; its variables are "
                f"{', '.join(variables)}"
            )
        if name in point:
            raise PointError(f"the variable {name} is given twice")
        point[name] = _number(value, name)
    missing = [v for v in variables if v not in point]
    if missing:
        raise PointError(
            f"no value for {', '.join(missing)}; give one with --at {missing[0]}=... "
            f"(in Python, at={{'{missing[0]}': ...}})"
        )
    return {v: point[v] for v in variables}


def choose_variable(variables: list[str], wrt: str | None, why: str) -> str:
    """The one variable a sweep or a forward trace follows: ``wrt``, or the only one."""
    if wrt is None:
        if len(variables) > 1:
            raise PointError(f"{why}: say which variable with --wrt (wrt= in Python; one "
                             f"of {', '.join(variables)})")
        return variables[0]
    if wrt not in variables:
        raise PointError(f"the expression has no variable '{wrt[:40]}'")
    return wrt
