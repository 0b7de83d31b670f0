"""Cost scaling: reverse mode stays a few times f, forward mode and differences grow with n."""

import json

import matplotlib.image
import pytest
from cli_runner import diffkit_cli

import diffkit


@pytest.mark.parametrize("family", ["sum-of-squares", "rosenbrock", "dense-layer"])
def test_reverse_mode_costs_a_few_times_f_whatever_n(family):
    report = diffkit.scaling(family, [10, 100, 1000], methods=["reverse-mode"])
    ratios = [r["ops"] / r["function_ops"] for r in report.rows]
    assert all(r <= 4 for r in ratios)
    assert max(ratios) - min(ratios) < 0.5  # flat in n
    assert all(r["evaluations"] == 1 for r in report.rows)


def test_forward_mode_and_differences_grow_linearly_in_n():
    report = diffkit.scaling("rosenbrock", [10, 100], methods=["forward-mode", "fd-central"])
    by = {(r["method"], r["n"]): r for r in report.rows}
    for method in ("forward-mode", "fd-central"):
        small, large = by[(method, 10)], by[(method, 100)]
        growth = (large["ops"] / large["function_ops"]) / (small["ops"] / small["function_ops"])
        assert 8 < growth < 12  # ten times the variables, about ten times f's cost
    assert by[("forward-mode", 100)]["evaluations"] == 100
    assert by[("fd-central", 100)]["evaluations"] == 200


def test_symbolic_rows_report_the_swell_on_the_logistic_family():
    report = diffkit.scaling("logistic", [4, 10], methods=["symbolic"])
    sizes = [r["expression_ops"] for r in report.rows]
    assert sizes[1]["tree"] > 50 * sizes[0]["tree"]  # the printed formula explodes
    assert sizes[1]["graph"] < 1000  # the shared graph does not


def test_a_method_projected_over_budget_is_skipped_with_a_note():
    report = diffkit.scaling("rosenbrock", [10, 100, 1000], methods=["forward-mode"], budget=0.05)
    notes = [r["note"] for r in report.rows]
    assert notes[-1] is not None
    assert "budget" in notes[-1]
    assert report.rows[-1]["ops"] is None


def test_scaling_command_json_and_plot(tmp_path):
    path = tmp_path / "scaling.png"
    done = diffkit_cli("scaling", "--family", "sum-of-squares",
                           "--n", "10", "--n", "100", "--method", "reverse-mode", "--method",
                           "forward-mode", "--format", "json", "--plot", str(path))
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["family"] == "sum-of-squares"
    assert {"n", "method", "ops", "function_ops", "evaluations", "seconds"} <= set(data["rows"][0])
    assert matplotlib.image.imread(path).shape[0] > 300
    bad = diffkit_cli("scaling", "--family", "nope", "--n", "3")
    assert bad.returncode == 2
    assert bad.stderr.startswith("Error: unknown family")


def test_a_hessian_by_forward_over_reverse_costs_order_n_gradients():
    report = diffkit.scaling("rosenbrock", [10, 40], methods=["reverse-mode"], hessian=True)
    small, large = (r["gradient_equivalents"] for r in report.rows)
    assert 3 < large / small < 5.5  # four times the variables, about four times the gradients
    assert [r["evaluations"] for r in report.rows] == [10, 40]
    assert report.to_dict()["derivative"] == "hessian"
