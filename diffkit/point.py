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
from collections.abc import Iterable, Mapping
from typing import Any

from .errors import PointError

PointLike = float | int | str | Mapping[str, Any] | Iterable[str]


def _number(text: Any, name: str | None) -> float:
    where = f" for {name}" if name else ""
    if isinstance(text, bool):
        raise PointError(f"{text!r} is not a number{where}")
    if isinstance(text, numbers.Real):
        value = float(text)
    else:
        s = str(text).strip()
        try:
            value = float(s)
        except ValueError:
            raise PointError(
                f"'{s[:40]}' is not a number{where}; write a value such as 2, -0.5 or 1e-3"
            ) from None
        if math.isinf(value) and not any(w in s.lower() for w in ("inf",)):
            raise PointError(f"{s[:40]}{where} is too large for a double")
    if math.isnan(value):
        raise PointError(f"nan is not a point{where}: give a finite number")
    if math.isinf(value):
        raise PointError(f"infinity is not a point{where}: give a finite number")
    return value


def _pairs(at: Any) -> list[tuple[str | None, Any]]:
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
            f"no value for {', '.join(missing)}; give one with --at {missing[0]}=..."
        )
    return {v: point[v] for v in variables}


def choose_variable(variables: list[str], wrt: str | None, why: str) -> str:
    """The one variable a sweep or a forward trace follows: ``wrt``, or the only one."""
    if wrt is None:
        if len(variables) > 1:
            raise PointError(f"{why}: say which variable with --wrt (one of "
                             f"{', '.join(variables)})")
        return variables[0]
    if wrt not in variables:
        raise PointError(f"the expression has no variable '{wrt[:40]}'")
    return wrt
