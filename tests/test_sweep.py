"""Error against step size: values, JSON shape, the model, the plot and the command."""

import json
import subprocess
import sys

import matplotlib.image
import mpmath
import numpy as np
import pytest
from cli_runner import diffkit_cli

import diffkit


def test_central_differences_on_sin_at_1_reach_1e_10_near_h_1e_5():
    s = diffkit.sweep("sin(x)", at=1)
    best = s.best["fd-central"]
    assert best["error"] < 1e-10
    assert 1e-6 < best["step"] < 1e-4
    assert 1e-6 < s.optimal_step["fd-central"] < 1e-4


def test_errors_are_measured_against_the_exact_derivative():
    steps = [1e-3, 1e-2]
    s = diffkit.sweep("exp(x)", at=0.5, steps=steps, schemes=["fd-forward"])
    with mpmath.workdps(40):
        x = mpmath.mpf(0.5)
        for h, err in zip(steps, s.errors["fd-forward"], strict=True):
            h_taken = (0.5 + h) - 0.5
            estimate = (mpmath.mpf(float(np.exp(0.5 + h_taken))) - mpmath.mpf(float(np.exp(0.5)))) / h_taken
            assert err == pytest.approx(float(abs(estimate - mpmath.exp(x))), rel=1e-6)


def test_higher_order_stencils_do_better_and_the_complex_step_best():
    s = diffkit.sweep("sin(x)*exp(x)", at=1)
    b = {k: v["error"] for k, v in s.best.items()}
    assert b["fd-forward"] > b["fd-central"] > b["fd-central-4"] > b["fd-central-6"] > b["complex-step"]
    assert b["complex-step"] < 1e-15


def test_second_derivative_sweep():
    s = diffkit.sweep("sin(x)*exp(x)", at=1, order=2)
    assert s.exact == pytest.approx(2 * np.exp(1) * np.cos(1), rel=1e-15)
    assert s.best["fd-central"]["error"] < 1e-6
    assert s.best["fd-central-6"]["error"] < 1e-10


def test_json_keeps_every_series_as_long_as_the_steps_with_nulls():
    s = diffkit.sweep("log(x)", at=1e-3)  # large steps leave the domain
    d = json.loads(json.dumps(s.to_dict()))
    assert set(d) >= {"expression", "point", "order", "steps", "errors", "best", "optimal_step"}
    assert set(d["errors"]) == {"fd-forward", "fd-backward", "fd-central", "fd-central-4",
                                "fd-central-6", "complex-step"}
    for series in d["errors"].values():
        assert len(series) == len(d["steps"]) == 80
    assert d["errors"]["fd-central"][-1] is None  # h = 1 steps to log(-1)
    assert d["errors"]["fd-central"][40] is not None


def test_the_plot_has_a_line_per_scheme_and_a_model_each():
    fig = diffkit.sweep("sin(x)", at=1).plot()
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    for scheme in ("fd-forward", "fd-central", "complex-step"):
        assert scheme in labels
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel().startswith("step size h")


def test_sweep_command_writes_a_png_that_reads_back(tmp_path):
    path = tmp_path / "sweep.png"
    done = diffkit_cli("sweep", "sin(x)*exp(x)", "--at", "1",
                           "--plot", str(path))
    assert done.returncode == 0, done.stderr
    image = matplotlib.image.imread(path)
    assert image.shape[0] > 300
    assert image.shape[1] > 500
    assert "fd-central" in done.stdout


def test_sweep_command_errors_are_one_line():
    done = diffkit_cli("sweep", "x*y", "--at", "x=1,y=2")
    assert done.returncode == 2
    assert done.stderr.startswith("Error: ")
    assert "--wrt" in done.stderr
    assert done.stderr.count("\n") == 1


def test_import_diffkit_does_not_load_matplotlib_until_a_plot_is_asked_for():
    code = ("import sys, diffkit; s = diffkit.sweep('sin(x)', at=1); "
            "print('matplotlib' in sys.modules); s.plot(); print('matplotlib.pyplot' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]


def test_the_sweep_refuses_a_kink_and_a_complex_step_on_a_non_analytic_function():
    with pytest.raises(diffkit.DiffkitError, match="not differentiable"):
        diffkit.sweep("abs(x)", at=0)
    s = diffkit.sweep("abs(x) + x**2", at=0.5)
    assert "analytic" in s.refused["complex-step"]
    assert all(e is None for e in s.to_dict()["errors"]["complex-step"])
    assert s.best["fd-central"]["error"] < 1e-9


def test_the_best_error_counts_a_step_that_is_exact():
    # on 3x every difference is exact at h = 1 (a log plot has no 0, so the errors shown
    # leave out exact zeros; the best error must not: it said 8.9e-16 at h = 0.25)
    s = diffkit.sweep("3*x", at=1.0)
    for scheme, best in s.best.items():
        assert best["error"] == 0.0, scheme
        assert best["step"] == 1.0, scheme
