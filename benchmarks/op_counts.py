"""Measured op counts and times per method, and the cost of a gradient vs one f.

Prints two Markdown tables:

1. for a set of one-variable expressions: ops, evaluations and time per method;
2. for gradients of n = 10, 100, 1000, 10000 variables: the ratio of reverse-mode ops
   (one forward + one adjoint sweep) to the ops of one evaluation of f (target <= 3 and
   flat in n; the cheap-gradient principle promises <= 4), and forward mode's ops per
   direction over f's ops (target <= 3; measured up to n = 1000, beyond which its n
   passes are left out).

Every count is measured by running the interpreters with the op counter; nothing is
computed by formula.

    python benchmarks/op_counts.py            # about 20 seconds
    python benchmarks/op_counts.py --max-n 100
"""

from __future__ import annotations

import argparse
import time

import sympy as sp

import diffkit
from diffkit.ir.evaluate import evaluate
from diffkit.ir.graph import build_graph
from diffkit.methods import METHODS, Problem

EXPRESSIONS = [
    ("4*x**3+x**2+3", 2.0),
    ("sin(x)*exp(x)", 1.0),
    ("x**4*sin(x)", 1.0),
    ("exp(x)/(4*x**3)", 1.5),
    ("1/(1+exp(-x))", 0.3),
    ("log(1+exp(x))", 2.0),
    ("sin(x)*exp(-x^2)/sqrt(1+x^2)", 0.7),
]


def families(n: int) -> dict[str, sp.Expr]:
    x = sp.symbols(f"x0:{n}", real=True)
    return {
        "sum of squares": sp.Add(*[xi**2 for xi in x]),
        "rosenbrock": sp.Add(*[100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(n - 1)]),
        "x_i^2 sin(x_i+1)": sp.Add(*[x[i] ** 2 * sp.sin(x[(i + 1) % n]) for i in range(n)]),
    }


def table_one() -> None:
    print("### Ops, evaluations and time per method (one variable)\n")
    print("| expression | x | f ops | " + " | ".join(METHODS) + " | forward / f | reverse / f |")
    print("|---|---:|---:|" + "---:|" * (len(METHODS) + 2))
    for text, at in EXPRESSIONS:
        c = diffkit.compare(text, at=at)
        cells = []
        for r in c.results:
            if r.error:
                cells.append("error")
            else:
                cells.append(f"{r.ops} ops / {r.evaluations} ev / {r.seconds * 1e6:.0f} µs")
        ratios = [c.result(m).ops / c.function_ops for m in ("forward-mode", "reverse-mode")]
        print(f"| `{text}` | {at} | {c.function_ops} | " + " | ".join(cells)
              + f" | {ratios[0]:.2f} | {ratios[1]:.2f} |")
    print()


def measure(expr: sp.Expr, method: str) -> tuple[int, int, float]:
    graph = build_graph(expr)
    names = graph.variables
    point = {v: 0.5 + 0.01 * i for i, v in enumerate(names)}
    problem = Problem(expr, graph, point)
    started = time.perf_counter()
    result = METHODS[method](problem)
    return result.ops, result.evaluations, time.perf_counter() - started


def f_ops(expr: sp.Expr) -> tuple[int, float]:
    graph = build_graph(expr)
    point = {v: 0.5 + 0.01 * i for i, v in enumerate(graph.variables)}
    problem = Problem(expr, graph, point)
    m, counter = problem.counting()
    started = time.perf_counter()
    evaluate(graph, point, m)
    return counter.total, time.perf_counter() - started


FORWARD_MAX_N = 1000  # beyond, forward mode's n passes are left out of the table


def table_two(sizes: list[int]) -> None:
    print("### Gradient cost against one evaluation of f\n")
    print("| family | n | f ops | reverse ops | reverse / f (≤ 3) | forward ops per direction | "
          "forward per direction / f (≤ 3) | forward passes | f time | reverse time |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        for name, expr in families(n).items():
            fo, ft = f_ops(expr)
            ro, _, rt = measure(expr, "reverse-mode")
            if n <= FORWARD_MAX_N:
                wo, passes, _ = measure(expr, "forward-mode")
                forward = f"{wo / passes:.0f} | {wo / passes / fo:.2f} | {passes}"
            else:  # n passes over a graph of ~8n ops: the point of reverse mode
                forward = "— | — | —"
            print(f"| {name} | {n} | {fo} | {ro} | {ro / fo:.2f} | {forward} | "
                  f"{ft * 1e3:.1f} ms | {rt * 1e3:.1f} ms |")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-n", type=int, default=10_000)
    args = parser.parse_args()
    table_one()
    table_two([n for n in (10, 100, 1000, 10_000) if n <= args.max_n])


if __name__ == "__main__":
    main()
