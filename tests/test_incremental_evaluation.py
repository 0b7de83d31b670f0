"""Moving one variable recomputes only what depends on it (``Problem.run_moved``):
fd-extended's 50-digit differences then cost each variable's share of the graph."""

from __future__ import annotations

import pytest
import sympy as sp

import diffkit as dk
from diffkit.ir.graph import BALANCED_FROM, build_graph
from diffkit.methods.base import Problem
from diffkit.support.limits import DEFAULT_LIMITS
from diffkit.table.backends import NUMPY


def test_a_moved_variable_gives_what_a_whole_evaluation_gives():
    text = "sin(a*b) + exp(c)*d - log(1 + g**2)*a + sqrt(b + 3)/c"
    point = {"a": 0.3, "b": -1.1, "c": 0.7, "d": 2.0, "g": -0.4}
    problem = Problem.of_text(text, point, DEFAULT_LIMITS)
    at = problem.values_of_nodes(problem.point, NUMPY)
    for name, x in point.items():
        for value in (x + 1e-3, x - 0.25):
            moved = problem.run_moved(at, name, value, NUMPY)
            whole = problem.run({**problem.point, name: value}, NUMPY)
            assert moved == whole, name


def test_fd_extended_pays_each_variables_share_of_the_graph():
    n = 40
    xs = sp.symbols(f"x0:{n}", real=True)
    expr = sum(xs[i] * xs[(i + 1) % n] + xs[i] ** 2 for i in range(n))
    at = {f"x{i}": 0.5 + 0.01 * i for i in range(n)}
    comparison = dk.compare(expr, at=at, methods=["fd-extended"])
    row = comparison.results[0]
    assert row.status == "ok"
    exact = {f"x{i}": 2 * at[f"x{i}"] + at[f"x{(i + 1) % n}"] + at[f"x{(i - 1) % n}"] for i in range(n)}
    for name, value in row.derivative.items():
        assert value == pytest.approx(exact[name], rel=1e-15)
    f_ops = comparison.function_ops
    # a whole evaluation per move would cost evaluations × f; a move recomputes its own
    # terms and the sums above them: the 80-term sum is folded pairwise, so about
    # log₂ 80 ≈ 7 additions, not the 40 of a left chain
    assert row.ops < row.evaluations * f_ops / 8


def test_a_long_sum_is_a_balanced_tree_and_a_short_one_a_chain_as_written():
    def depth(graph, i):
        node = graph.nodes[i]
        return 0 if not node.args else 1 + max(depth(graph, j) for j in node.args)

    xs = sp.symbols("x0:64", real=True)
    long = build_graph(sum(xs))
    assert sum(n.op == "add" for n in long.nodes) == 63  # the same n − 1 additions
    assert depth(long, long.outputs[0]) == 6  # log₂ 64
    short = build_graph(sum(xs[: BALANCED_FROM - 1]))
    assert depth(short, short.outputs[0]) == BALANCED_FROM - 2  # a left chain
