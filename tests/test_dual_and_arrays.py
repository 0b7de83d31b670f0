"""Dual numbers and array evaluation, against derivatives worked out by hand."""

import numpy as np
import pytest
import sympy as sp

from diffkit import Dual, build_graph, parse
from diffkit.ir.evaluate import evaluate
from diffkit.table.backends import NUMPY


def test_dual_arithmetic_follows_the_rules_of_calculus():
    x = Dual(2.0, 1.0)
    assert (x * x * x).tangent == 12.0  # product rule, 3x^2
    assert (1 / x).tangent == -0.25  # quotient rule, -1/x^2
    assert (x**3 - 2 * x + 1).tangent == 10.0
    assert (x**-2).tangent == pytest.approx(-2 / 8)
    assert (2.0**x).tangent == pytest.approx(4 * np.log(2))
    assert (x**0.5).tangent == pytest.approx(0.5 / np.sqrt(2))
    assert abs(Dual(-3.0, 1.0)).tangent == -1.0


def test_numpy_functions_work_on_duals():
    x = Dual(0.3, 1.0)
    assert np.sin(x).tangent == pytest.approx(np.cos(0.3))
    assert np.exp(np.tanh(x)).tangent == pytest.approx(np.exp(np.tanh(0.3)) * (1 - np.tanh(0.3) ** 2))
    assert np.arctan(x).tangent == pytest.approx(1 / (1 + 0.09))
    assert np.maximum(x, 0.0).tangent == 1.0


def test_duals_with_array_parts_differentiate_elementwise():
    xs = np.linspace(0.1, 2.0, 7)
    y = np.log(Dual(xs, np.ones_like(xs))) * Dual(xs, np.ones_like(xs))  # x log x
    np.testing.assert_allclose(y.tangent, np.log(xs) + 1, rtol=1e-15)


def test_a_graph_evaluates_on_arrays_and_on_complex_numbers():
    graph = build_graph(parse("sin(x)*exp(x)"))
    xs = np.linspace(-1, 1, 5)
    values = evaluate(graph, {"x": xs}, NUMPY)[graph.outputs[0]]
    np.testing.assert_allclose(values, np.sin(xs) * np.exp(xs), rtol=1e-15)
    z = evaluate(graph, {"x": 1 + 1e-20j}, NUMPY)[graph.outputs[0]]
    assert z.imag / 1e-20 == pytest.approx(np.exp(1) * (np.sin(1) + np.cos(1)), rel=1e-15)


def test_graph_shares_subexpressions_and_names_subtraction_and_division():
    x = sp.Symbol("x", real=True)
    g = build_graph((sp.sin(x) + 1) ** 2 + (sp.sin(x) + 1) * sp.cos(x) + sp.exp(sp.sin(x) + 1))
    assert g.op_count == 8  # sin(x) + 1 computed once
    assert g.tree_op_count == 12
    ops = [n.op for n in build_graph(parse("x/3 - y/z")).nodes]
    assert ops.count("div") == 2
    assert ops.count("sub") == 1
    assert "mul" not in ops


def test_deep_chains_build_and_evaluate_without_recursion():
    x = sp.Symbol("x", real=True)
    e = x
    for _ in range(3000):
        e = sp.sin(e, evaluate=False)  # SymPy itself recurses when it evaluates
    g = build_graph(e)
    assert g.op_count == 3000
    assert np.isfinite(evaluate(g, {"x": 0.5}, NUMPY)[g.outputs[0]])
