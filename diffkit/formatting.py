"""How numbers are written in tables: shortest round-trip floats, errors in 2 digits."""

from __future__ import annotations

import math


def number(v: float | None) -> str:
    """The shortest text that reads back as the same float64 (``52``, ``0.1``)."""
    if v is None:
        return "—"
    v = float(v)
    if math.isnan(v) or math.isinf(v):
        return str(v)
    text = repr(v)
    return text.removesuffix(".0")


def error(v: float | None) -> str:
    if v is None:
        return "—"
    return "0" if v == 0 else f"{v:.1e}"


def seconds(v: float | None) -> str:
    if v is None:
        return "—"
    if v < 1e-3:
        return f"{v * 1e6:.0f} µs"
    if v < 1:
        return f"{v * 1e3:.1f} ms"
    return f"{v:.2f} s"


def count(v: int | None) -> str:
    return "—" if v is None else str(v)
