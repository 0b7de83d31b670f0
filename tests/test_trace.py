"""Evaluation traces and the DOT graph, on the classic survey example
f(x1, x2) = ln x1 + x1·x2 − sin x2 at (2, 5)."""

import json
import math
import re
import shutil
import subprocess

import pytest
from cli_runner import diffkit_cli

import diffkit

SURVEY = "log(x1) + x1*x2 - sin(x2)"
AT = {"x1": 2, "x2": 5}


def test_primal_trace_has_the_survey_intermediate_values():
    t = diffkit.trace(SURVEY, AT, mode="reverse")
    values = {r.operation: r.value for r in t.primal}
    assert values["x1"] == 2.0
    assert values["x2"] == 5.0
    assert values["ln v₋₁"] == pytest.approx(math.log(2))
    assert values["v₋₁ × v₀"] == 10.0
    assert values["sin v₀"] == pytest.approx(math.sin(5))
    assert t.value == pytest.approx(math.log(2) + 10 - math.sin(5))
    assert t.value == pytest.approx(11.652, abs=5e-4)
    assert [r.name for r in t.primal[:2]] == ["v₋₁", "v₀"]


def test_reverse_trace_gives_the_whole_gradient_in_one_sweep():
    t = diffkit.trace(SURVEY, AT, mode="reverse")
    assert t.gradient["x1"] == pytest.approx(5.5)
    assert t.gradient["x2"] == pytest.approx(2 - math.cos(5))
    assert t.derivative_rows[0].derivative == 1.0  # the seed at the output
    adjoints = {r.name: r.derivative for r in t.derivative_rows}
    assert adjoints["v₋₁"] == pytest.approx(5.5)
    assert adjoints["v₀"] == pytest.approx(1.716, abs=5e-4)


def test_forward_trace_follows_one_direction():
    t = diffkit.trace(SURVEY, AT, mode="forward", wrt="x1")
    assert t.gradient == {"x1": pytest.approx(5.5)}
    tangents = {r.operation: r.derivative for r in t.derivative_rows}
    assert tangents["ln v₋₁"] == pytest.approx(0.5)
    assert tangents["v₋₁ × v₀"] == pytest.approx(5.0)
    assert tangents["sin v₀"] == 0.0
    with pytest.raises(diffkit.DiffkitError, match="--wrt"):
        diffkit.trace(SURVEY, AT, mode="forward")


def test_trace_command_json_rows():
    done = diffkit_cli("trace", SURVEY, "--at", "x1=2,x2=5",
                           "--mode", "forward", "--wrt", "x2", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["gradient"]["x2"] == pytest.approx(2 - math.cos(5))
    assert len(data["primal"]) == 7
    assert {"name", "operation", "value", "derivative", "rule"} <= set(data["tangent"][0])


def test_dot_output_has_a_node_per_variable_and_operation_and_an_edge_per_argument():
    dot = diffkit.to_dot(SURVEY)
    assert dot.startswith("digraph diffkit {")
    assert dot.rstrip().endswith("}")
    nodes = re.findall(r"^\s+n(\d+) \[label=\"([^\"]*)\"", dot, flags=re.MULTILINE)
    edges = re.findall(r"^\s+n(\d+) -> n(\d+);", dot, flags=re.MULTILINE)
    assert len(nodes) == 7  # two inputs, five operations
    assert len(edges) == 8  # ln: 1, ×: 2, sin: 1, +: 2, −: 2
    labels = {label for _, label in nodes}
    assert "v₋₁ = x1" in labels
    assert "v₁ = ln v₋₁" in labels
    if shutil.which("dot"):
        done = subprocess.run(["dot", "-Tsvg"], input=dot, text=True, capture_output=True, check=False)
        assert done.returncode == 0, done.stderr


BAYDIN = ["v₋₁ = x1", "v₀ = x2", "v₁ = ln v₋₁", "v₂ = v₋₁ × v₀", "v₃ = sin v₀",
          "v₄ = v₁ + v₂", "v₅ = v₄ − v₃"]  # Baydin et al. (2018), table 2


def test_the_trace_numbers_operations_as_the_survey_does_for_text_and_for_functions():
    """Level by level, and within a level in the order written (text) or run (a
    Python function): the same numbering either way, the survey's."""
    import numpy as np

    from_text = diffkit.trace(SURVEY, AT, mode="reverse")
    from_function = diffkit.trace(lambda x1, x2: np.log(x1) + x1 * x2 - np.sin(x2),
                                  at=(2.0, 5.0), mode="reverse")
    for t in (from_text, from_function):
        assert [f"{r.name} = {r.operation}" for r in t.primal] == BAYDIN


def test_the_dot_graph_lists_the_inputs_in_order_then_the_operations_as_numbered():
    labels = re.findall(r'label="([^"]+)"', diffkit.to_dot(SURVEY))
    assert labels == BAYDIN


def test_the_printed_trace_keeps_its_equals_signs_in_one_column():
    """The bar of v̄ is a combining mark: it takes no column on a terminal, so the
    padding must not count it."""
    import unicodedata

    def column_of_equals(line):
        shown = [c for c in line if not unicodedata.combining(c)]
        return "".join(shown).index(" = ")

    for mode, wrt in (("reverse", None), ("forward", "x1")):
        text = str(diffkit.trace(SURVEY, AT, mode=mode, wrt=wrt))
        sections = text.split("\n\n")[:2]
        for section in sections:
            rows = [line for line in section.splitlines()[1:] if " = " in line]
            assert len({column_of_equals(line) for line in rows}) == 1, section


def test_graph_png_is_drawn_with_matplotlib_when_graphviz_is_missing(tmp_path, monkeypatch):
    import matplotlib.image

    monkeypatch.setattr(shutil, "which", lambda name, *a, **k: None)
    png = tmp_path / "graph.png"
    done = diffkit_cli("graph", SURVEY, "--png", str(png))
    assert done.returncode == 0, done.stderr
    image = matplotlib.image.imread(png)
    assert image.shape[0] > 200
    assert image.shape[1] > 200
