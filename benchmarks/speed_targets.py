"""The speed targets of the compiled-programs issue, each beside its measured ratio.

Every ratio is a median over interleaved repeats (the cases alternate, so a slow
moment of this shared machine hits both sides), with BLAS pinned to one thread, and
HIPS autograd measured in the same run where it applies.  Correctness is checked
before anything is timed.

    pip install -e ".[bench]"
    python benchmarks/speed_targets.py          # ~1 minute; writes results/speed_targets.md
    python benchmarks/speed_targets.py --quick  # fewer repeats

The start-up target (``diffkit compare … ≤ 1.3× python -c "import sympy, numpy"``) is
measured by ``benchmarks/cli_startup.py``; the op-count ratio (reverse ÷ f ≤ 3, flat
in n) by ``benchmarks/op_counts.py``.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import sympy as sp

import diffkit as dk
from diffkit.support.budget import time_budget
from diffkit.support.limits import DEFAULT_LIMITS

try:
    import autograd
    import autograd.numpy as anp
except ImportError:  # optional: pip install -e ".[bench]"
    autograd = anp = None


def interleaved(functions: dict[str, object], repeats: int) -> dict[str, float]:
    """The median time of each function, the functions run in turn ``repeats`` times."""
    times: dict[str, list[float]] = {k: [] for k in functions}
    for _ in range(repeats):
        for name, fn in functions.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {k: statistics.median(v) for k, v in times.items()}


def points_target(repeats: int) -> list[tuple[str, float | None, str]]:
    """f′ at 10⁶ points: the compiled program and the tape, against numpy by hand."""
    x = np.linspace(-3.0, 3.0, 1_000_000)
    f = lambda v: np.sin(v) * np.exp(-v ** 2) + np.log(1 + v ** 2)
    by_hand = lambda v: (np.cos(v) * np.exp(-v ** 2) - 2 * v * np.sin(v) * np.exp(-v ** 2)
                         + 2 * v / (1 + v ** 2))
    program = dk.compile("sin(x)*exp(-x**2) + log(1 + x**2)")
    np.testing.assert_allclose(program(x)[0], by_hand(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dk.gradient(lambda v: np.sum(f(v)), x), by_hand(x), rtol=1e-12, atol=1e-14)
    cases = {"f": lambda: f(x), "by hand": lambda: by_hand(x), "compiled": lambda: program(x),
             "tape": lambda: dk.gradient(lambda v: np.sum(f(v)), x)}
    if autograd is not None:
        grad = autograd.grad(lambda v: anp.sum(anp.sin(v) * anp.exp(-v ** 2) + anp.log(1 + v ** 2)))
        cases["autograd"] = lambda: grad(x)
    t = interleaved(cases, repeats)
    rows = [("compiled gradient at 10⁶ points ÷ numpy derivative by hand", t["compiled"] / t["by hand"], "≤ 1.3"),
            ("dk.gradient (tape) at 10⁶ points ÷ numpy f", t["tape"] / t["f"], "≤ 3.0")]
    if "autograd" in t:
        rows.append(("  autograd at 10⁶ points ÷ numpy f (same run)", t["autograd"] / t["f"], "—"))
    return rows


def rosenbrock_expression_target(repeats: int) -> list[tuple[str, float | None, str]]:
    """Rosenbrock n = 1000 as one scalar expression: compiled gradient ÷ lambdified f,
    and the wall time of a reverse-mode comparison."""
    n = 1000
    xs = sp.symbols(" ".join(f"x{i}" for i in range(n)), real=True)
    expr = sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1))
    at = {f"x{i}": 0.5 + 0.001 * i for i in range(n)}
    plain = sp.lambdify(xs, expr)
    values = [at[f"x{i}"] for i in range(n)]
    started = time.perf_counter()
    program = dk.compile(expr)
    compile_seconds = time.perf_counter() - started
    args = [at[name] for name in program.parameters]
    gradient = dict(zip(program.variables, program(*args), strict=True))
    for i in (0, 1, 500, n - 1):
        x = np.array(values)
        exact = (-400 * x[i] * (x[i + 1] - x[i] ** 2) - 2 * (1 - x[i]) if i < n - 1 else 0.0) + (
            200 * (x[i] - x[i - 1] ** 2) if i > 0 else 0.0)
        assert abs(gradient[f"x{i}"] - exact) <= 1e-12 * max(1.0, abs(exact)), i
    t = interleaved({"f": lambda: plain(*values), "compiled": lambda: program(*args)}, repeats * 3)
    started = time.perf_counter()
    dk.compare(expr, at=at, methods=["reverse-mode"])
    wall = time.perf_counter() - started
    return [("compiled Rosenbrock n = 1000 gradient ÷ lambdified f", t["compiled"] / t["f"], "≤ 5"),
            (f"  (its compile time, once: {compile_seconds:.2f} s)", None, "—"),
            ("compare(…, methods=['reverse-mode']) on it, seconds", wall, "≤ 2")]


class Value:
    """The smallest reverse mode there is (micrograd's ``Value``, three operations): the
    floor a per-call ratio can reach in pure Python, measured beside diffkit."""

    __slots__ = ("grad", "parents", "value")

    def __init__(self, value, parents=()):
        self.value, self.parents, self.grad = value, parents, 0.0

    def __add__(self, other):
        if isinstance(other, Value):
            return Value(self.value + other.value, ((self, 1.0), (other, 1.0)))
        return Value(self.value + other, ((self, 1.0),))

    __radd__ = __add__

    def __mul__(self, other):
        if isinstance(other, Value):
            return Value(self.value * other.value, ((self, other.value), (other, self.value)))
        return Value(self.value * other, ((self, other),))

    __rmul__ = __mul__

    def __pow__(self, n):
        return Value(self.value ** n, ((self, n * self.value ** (n - 1)),))

    def backward(self):
        self.grad = 1.0
        for v in reversed(topological(self)):
            for parent, local in v.parents:
                parent.grad += v.grad * local


def topological(out) -> list:
    """Every value ``out`` depends on, each after its parents (micrograd's order)."""
    order, seen = [], set()

    def visit(v):
        if id(v) not in seen:
            seen.add(id(v))
            for parent, _ in v.parents:
                visit(parent)
            order.append(v)

    visit(out)
    return order


def value_gradient(f, x: float, seconds: float | None = None) -> float:
    """df/dx by ``Value``; with ``seconds``, under the same wall-clock budget every
    diffkit entry point runs under (``Limits.method_seconds``)."""
    with time_budget(seconds, "Value"):
        v = Value(x)
        f(v).backward()
        return v.grad


class ArrayValue:
    """The smallest reverse mode over numpy arrays (micrograd's graph, autograd's
    closures), with only what Rosenbrock uses and no checks: the floor a per-call
    ratio on small arrays can reach in pure Python, measured beside diffkit."""

    __slots__ = ("grad", "parents", "value")

    def __init__(self, value, parents=()):
        self.value, self.parents, self.grad = value, parents, None

    def __getitem__(self, index):
        shape = self.value.shape

        def scatter(g):
            out = np.zeros(shape)
            out[index] = g
            return out

        return ArrayValue(self.value[index], ((self, scatter),))

    def __sub__(self, other):
        if isinstance(other, ArrayValue):
            return ArrayValue(self.value - other.value, ((self, _same), (other, np.negative)))
        return ArrayValue(self.value - other, ((self, _same),))

    def __rsub__(self, other):
        return ArrayValue(other - self.value, ((self, np.negative),))

    def __add__(self, other):
        if isinstance(other, ArrayValue):
            return ArrayValue(self.value + other.value, ((self, _same), (other, _same)))
        return ArrayValue(self.value + other, ((self, _same),))

    __radd__ = __add__

    def __mul__(self, c):
        return ArrayValue(self.value * c, ((self, lambda g: g * c),))

    __rmul__ = __mul__

    def __pow__(self, n):
        a = self.value
        return ArrayValue(a ** n, ((self, lambda g: g * (n * a ** (n - 1))),))

    def sum(self):
        shape = self.value.shape
        return ArrayValue(self.value.sum(), ((self, lambda g: np.broadcast_to(g, shape)),))


def _same(g):
    return g


def array_value_gradient(f, x: np.ndarray, seconds: float | None = None) -> np.ndarray:
    """∇f by ``ArrayValue`` (f written with ``.sum()``); with ``seconds``, under the
    wall-clock budget diffkit's calls run under."""
    with time_budget(seconds, "ArrayValue"):
        v = ArrayValue(x)
        out = f(v)
        out.grad = 1.0
        for u in reversed(topological(out)):
            for parent, vjp in u.parents:
                c = vjp(u.grad)
                parent.grad = c if parent.grad is None else parent.grad + c
        return v.grad


def scalar_call_target(repeats: int) -> list[tuple[str, float | None, str]]:
    """One derivative of a scalar Python f per call, beside the pure-Python floor."""
    f = lambda x: 4 * x ** 3 + x ** 2 + 3
    assert dk.gradient(f, 2.0) == 52.0 == value_gradient(f, 2.0)
    calls = 2000
    seconds = DEFAULT_LIMITS.method_seconds
    cases = {"f": lambda: [f(2.0) for _ in range(calls)],
             "gradient": lambda: [dk.gradient(f, 2.0) for _ in range(calls)],
             "derivative": lambda: [dk.derivative(f, 2.0) for _ in range(calls)],
             "Value": lambda: [value_gradient(f, 2.0) for _ in range(calls)],
             "Value, bounded": lambda: [value_gradient(f, 2.0, seconds) for _ in range(calls)]}
    if autograd is not None:
        grad = autograd.grad(f)
        cases["autograd"] = lambda: [grad(2.0) for _ in range(calls // 10)]
    t = interleaved(cases, max(3, repeats // 3))
    rows = [("dk.gradient of a scalar Python f, per call ÷ f", t["gradient"] / t["f"], "≤ 40"),
            ("dk.derivative of it, per call ÷ f", t["derivative"] / t["f"], "≤ 40"),
            ("  pure-Python reverse `Value` (no table, no checks) ÷ f", t["Value"] / t["f"], "—"),
            ("  the same under the wall-clock budget diffkit's calls run under ÷ f",
             t["Value, bounded"] / t["f"], "—")]
    if "autograd" in t:
        rows.append(("  autograd.grad per call ÷ f (same run)", t["autograd"] * 10 / t["f"], "—"))
    return rows


def array_rosenbrock_target(repeats: int) -> list[tuple[str, float | None, str]]:
    """Rosenbrock on arrays: the tape's gradient ÷ numpy f, n = 10 … 10⁵."""
    rows = []
    f = lambda x: np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    f_sum = lambda x: (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()
    seconds = DEFAULT_LIMITS.method_seconds
    for n in (10, 100, 1_000, 10_000, 100_000):
        x = np.linspace(-1.0, 1.5, n)
        np.testing.assert_allclose(array_value_gradient(f_sum, x), dk.gradient(f, x), rtol=1e-12)
        cases = {"f": lambda x=x: f(x), "gradient": lambda x=x: dk.gradient(f, x),
                 "floor": lambda x=x: array_value_gradient(f_sum, x, seconds)}
        if autograd is not None:
            grad = autograd.grad(lambda v: anp.sum(100 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2))
            np.testing.assert_allclose(dk.gradient(f, x), grad(x), rtol=1e-12, atol=1e-12)
            cases["autograd"] = lambda x=x, grad=grad: grad(x)
        t = interleaved(cases, repeats)
        target = "≤ 4" if n >= 10_000 else "≤ 6"
        rows.append((f"array Rosenbrock n = {n:,}: dk.gradient ÷ numpy f", t["gradient"] / t["f"], target))
        rows.append((f"  pure-Python array reverse mode (`ArrayValue`, bounded) ÷ numpy f, n = {n:,}",
                     t["floor"] / t["f"], "—"))
        if "autograd" in t:
            rows.append((f"  autograd ÷ numpy f, n = {n:,}", t["autograd"] / t["f"], "—"))
    return rows


def _met(value: float | None, target: str) -> str:
    if value is None or not target.startswith("≤"):
        return ""
    return "yes" if value <= float(target[1:]) else "**no**"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "speed_targets.md"))
    args = parser.parse_args()
    repeats = 5 if args.quick else 11
    rows = (points_target(repeats) + rosenbrock_expression_target(repeats)
            + scalar_call_target(repeats) + array_rosenbrock_target(repeats))
    lines = ["| what | measured | target | met |", "|---|---|---|---|"]
    for what, value, target in rows:
        shown = "" if value is None else f"{value:.2f}"
        lines.append(f"| {what} | {shown} | {target} | {_met(value, target)} |")
    text = "\n".join(lines)
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("# Speed targets (compiled programs issue)\n\n"
                              "`python benchmarks/speed_targets.py` (one thread, medians of "
                              "interleaved repeats)\n\n" + text + "\n")


if __name__ == "__main__":
    main()
