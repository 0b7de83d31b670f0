"""What a notebook shows: HTML tables (parsed back, failed rows marked), LaTeX, and
pictures from .plot() (Agg backend; counted lines and bars)."""

import sys
from html.parser import HTMLParser

import matplotlib
import numpy as np
import pytest

import diffkit as dk

matplotlib.use("Agg")


class Table(HTMLParser):
    """The rows of the first table: header cells, then body rows with a failed flag."""

    def __init__(self, text):
        super().__init__()
        self.header, self.rows, self.failed = [], [], []
        self._cell, self._in_head = None, False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "thead":
            self._in_head = True
        elif tag == "tbody":
            self._in_head = False
        elif tag == "tr" and not self._in_head:
            self.rows.append([])
            self.failed.append("dk-failed" in (dict(attrs).get("class") or ""))
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag == "th":
            self.header.append(self._cell)
            self._cell = None
        elif tag == "td":
            self.rows[-1].append(self._cell)
            self._cell = None


def test_comparison_html_has_a_row_per_method_and_marks_the_failed_one():
    c = dk.compare("abs(x) + x**2", at=1.5)
    t = Table(c._repr_html_())
    assert t.header == ["method", "derivative", "abs error", "rel error", "ops", "evals", "time", "note"]
    assert [r[0] for r in t.rows] == list(dk.METHODS)
    failed = [r[0] for r, bad in zip(t.rows, t.failed, strict=True) if bad]
    assert failed == ["complex-step"]  # abs is not analytic
    assert t.rows[-1][1] == "4"  # reverse mode: sign(1.5) + 2·1.5
    assert t.rows[list(dk.METHODS).index("complex-step")][-1].startswith("error: ")


def test_comparison_latex_is_the_symbolic_derivative():
    assert dk.compare("sin(x)*x", at=1)._repr_latex_() == r"$f'(x) = x \cos{\left(x \right)} + \sin{\left(x \right)}$"


def test_sweep_html_lists_each_scheme_and_marks_a_refused_one():
    t = Table(dk.sweep("abs(x)*x", at=0.5)._repr_html_())
    assert [r[0] for r in t.rows] == ["fd-forward", "fd-backward", "fd-central", "fd-central-4",
                                      "fd-central-6", "complex-step"]
    assert t.failed == [False] * 5 + [True]
    assert t.rows[-1][1].startswith("refused")


def test_trace_html_has_one_row_per_intermediate_with_its_adjoint():
    t = Table(dk.trace("log(x1) + x1*x2 - sin(x2)", at="x1=2,x2=5", mode="reverse")._repr_html_())
    assert [r[0] for r in t.rows] == ["v₋₁", "v₀", "v₁", "v₂", "v₃", "v₄", "v₅"]
    assert t.rows[0][4] == "5.5"  # x̄1
    assert t.rows[1][4] == "1.71634"  # x̄2 = 2 − cos 5


def test_scaling_html_rows_and_a_method_over_budget_is_marked():
    report = dk.scaling("sum-of-squares", [2, 4], methods=["reverse-mode", "forward-mode"])
    t = Table(report._repr_html_())
    assert [(r[0], r[1]) for r in t.rows] == [("2", "reverse-mode"), ("2", "forward-mode"),
                                             ("4", "reverse-mode"), ("4", "forward-mode")]
    assert not any(t.failed)


def test_comparison_plot_has_a_bar_per_method_with_an_error_and_ops():
    c = dk.compare("abs(x) + x**2", at=1.5)
    fig = c.plot()
    err_ax, ops_ax = fig.axes
    with_error = [r for r in c.results if r.rel_error is not None]
    assert len(err_ax.patches) == len(with_error) == len(dk.METHODS) - 1
    assert len(ops_ax.patches) == len([r for r in c.results if r.ops is not None and not r.error])
    assert [t.get_text() for t in err_ax.get_yticklabels()][6] == "complex-step ✗"


def test_sweep_plot_draws_one_measured_line_per_scheme():
    fig = dk.sweep("sin(x)", at=1).plot()
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert [lb for lb in labels if not lb.startswith("_") and lb.startswith(("fd", "complex"))] == [
        "fd-forward", "fd-backward", "fd-central", "fd-central-4", "fd-central-6", "complex-step"]


def test_trace_plot_draws_the_computation_graph():
    t = dk.trace("log(x1) + x1*x2 - sin(x2)", at="x1=2,x2=5", mode="reverse")
    ax = t.plot().axes[0]
    arrows = [a for a in ax.texts if getattr(a, "arrow_patch", None) is not None]
    boxes = [a for a in ax.texts if getattr(a, "arrow_patch", None) is None]
    # edges, each an arrow: ln←x1; ×←x1, x2; +←ln, ×; sin←x2; −←+, sin: 1 + 2 + 2 + 1 + 2
    assert len(arrows) == 8
    assert all(a.arrow_patch.get_arrowstyle().__class__.__name__ == "CurveFilledB" for a in arrows)
    assert len(boxes) == 7  # one box per intermediate


def test_scaling_and_gradient_check_plots():
    report = dk.scaling("sum-of-squares", [2, 4, 8], methods=["reverse-mode", "forward-mode"])
    assert len(report.plot().axes[0].get_lines()) == 3  # two methods and f itself
    check = dk.check_gradient(lambda x: dk.sum(x ** 2), lambda x: 2 * x + [0.0, 1.0, 0.0],
                              at=np.ones(3))
    ax = check.plot().axes[0]
    assert len(ax.patches) == 3
    assert [p.get_facecolor()[0] > 0.5 for p in ax.patches] == [False, True, False]  # red = wrong


def test_to_dict_everywhere():
    c = dk.compare("x**2", at=3)
    assert c.to_dict()["results"][-1]["derivative"] == {"x": 6.0}
    assert dk.sweep("sin(x)", at=1).to_dict()["variable"] == "x"
    assert dk.trace("x*x", at=3, mode="forward").to_dict()["gradient"] == {"x": 6.0}
    assert dk.check_gradient(lambda x: x * x, lambda x: 2 * x, at=3.0).to_dict()["ok"] is True


def test_to_dataframe_says_when_pandas_is_missing(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(dk.DiffkitError, match="pip install pandas"):
        dk.compare("x**2", at=3).to_dataframe()


def test_to_dataframe_with_pandas():
    pytest.importorskip("pandas")
    frame = dk.compare("x**2", at=3).to_dataframe()
    assert list(frame["method"]) == list(dk.METHODS)


def test_comparison_html_marks_answers_not_to_be_trusted():
    c = dk.compare("abs(x)", at=0)  # no derivative: every number is a convention
    parser = Table(c._repr_html_())
    html_text = c._repr_html_()
    answered = [r for r in c.results if r.error is None]
    assert html_text.count('class="dk-flagged"') == len(answered) > 0
    assert sum(parser.failed) == len(c.results) - len(answered)


def test_the_scaling_plot_keeps_every_method_visible():
    """fd-forward and fd-backward cost the same ops: each method has its own marker
    and line style, and a line drawn on another's says so in the legend."""
    report = dk.scaling("rosenbrock", [10, 100], methods=["fd-forward", "fd-backward", "reverse-mode"])
    ax = report.plot().axes[0]
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("one evaluation")]
    assert len({(line.get_marker(), line.get_linestyle()) for line in lines}) == 3
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "fd-backward (on fd-forward's line)" in labels


def test_figures_script_prints_a_line_per_figure_not_the_numbers(tmp_path, monkeypatch, capsys):
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).resolve().parents[1] / "figures" / "make_figures.py"
    spec = importlib.util.spec_from_file_location("make_figures", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.setattr(script, "HERE", tmp_path)
    monkeypatch.setattr(script, "FIGURES", {
        "sweep.png": 'diffkit sweep "sin(x)" --at 1 --plot figures/sweep.png'})
    script.main()
    printed = capsys.readouterr().out.splitlines()
    assert len(printed) == 2  # the command, then where the figure went
    assert (tmp_path / "sweep.png").stat().st_size > 10_000
