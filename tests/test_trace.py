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
    assert "v₃ = ln v₋₁" in labels
    if shutil.which("dot"):
        done = subprocess.run(["dot", "-Tsvg"], input=dot, text=True, capture_output=True, check=False)
        assert done.returncode == 0, done.stderr
