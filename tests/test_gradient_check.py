"""check_gradient: catches a wrong gradient, passes a right one, explains both."""

from html.parser import HTMLParser

import numpy as np
import pytest

import diffkit as dk

X = np.random.default_rng(0).normal(size=(5, 3))
Y = np.arange(5.0)


def loss(w):
    return dk.sum((X @ w - Y) ** 2)


def right(w):
    return 2 * X.T @ (X @ w - Y)  # worked out by hand


def test_a_right_gradient_passes():
    report = dk.check_gradient(loss, right, at=np.ones(3))
    assert report.ok
    assert report.failed == []
    assert report.method_errors["reverse-mode"] < 1e-14
    assert report.method_errors["fd-richardson"] < 1e-10
    assert str(report).startswith("gradient OK")


def test_a_wrong_gradient_is_caught_and_its_worst_component_named():
    def wrong(w):  # the classic slip: the factor 2 forgotten in one component
        g = right(w)
        g[1] /= 2
        return g

    report = dk.check_gradient(loss, wrong, at=np.ones(3))
    assert not report.ok
    assert report.failed == ["w[1]"]
    assert report.worst == "w[1]"
    assert report.errors[1] == pytest.approx(0.5)
    assert "WRONG" in str(report)


def test_the_html_report_marks_the_failed_row():
    report = dk.check_gradient(loss, lambda w: -right(w), at=np.ones(3))

    class Rows(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.failed = [], 0

        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                self.rows.append([])
                self.failed += "dk-failed" in (dict(attrs).get("class") or "")

        def handle_data(self, data):
            if self.rows and data.strip():
                self.rows[-1].append(data.strip())

    parser = Rows()
    parser.feed(report._repr_html_())
    assert parser.rows[0] == ["component", "given", "reverse-mode", "fd-richardson", "rel. error", "status"]
    assert len(parser.rows) == 4
    assert parser.failed == 3
    assert {r[-1] for r in parser.rows[1:]} == {"WRONG"}


def test_several_arguments_and_shape_mistakes():
    f = lambda a, b: dk.sum(a * b) + a[0] ** 2
    grad = lambda a, b: (b + np.array([2 * a[0], 0.0]), a)
    at = (np.array([1.0, 2.0]), np.array([3.0, -1.0]))
    assert dk.check_gradient(f, grad, at=at).ok
    with pytest.raises(dk.DiffkitError, match="shape"):
        dk.check_gradient(f, lambda a, b: (b, a[:1]), at=at)
    with pytest.raises(dk.DiffkitError, match="tuple of 2"):
        dk.check_gradient(f, lambda a, b: b, at=at)


def test_what_grad_f_raises_or_forgets_is_blamed_on_grad_f():
    w = np.ones(3)
    with pytest.raises(dk.EvaluationError, match=r"^grad_f raised ZeroDivisionError"):
        dk.check_gradient(loss, lambda w: 1 / 0, at=w)
    with pytest.raises(dk.DiffkitError, match="grad_f returned None for w"):
        dk.check_gradient(loss, lambda w: None, at=w)


def test_large_gradients_are_differenced_on_a_sample():
    x = np.linspace(0.1, 1.0, 300)
    report = dk.check_gradient(lambda x: dk.sum(x ** 3), lambda x: 3 * x ** 2, at=x)
    assert report.ok
    assert np.count_nonzero(~np.isnan(report.richardson)) == 100
    assert "100 of 300" in report.notes[0]


def test_kinks_and_witnesses_disagreeing_are_reported():
    report = dk.check_gradient(lambda x: dk.sum(dk.abs(x)), lambda x: np.sign(x),
                               at=np.array([0.0, 1.0]))
    assert report.ok  # the given subgradient matches the table's convention ...
    assert any("abs is not differentiable" in n for n in report.notes)  # ... at a kink
    report = dk.check_gradient(lambda x: dk.sum(dk.relu(x)), lambda x: (x > 0) * 1.0,
                               at=np.array([0.0, 1.0]))
    assert report.ok
    # the central difference at relu's kink is 1/2, reverse mode's convention 0
    assert report.richardson[0] == pytest.approx(0.5)
    assert any("disagree at x[0]" in n for n in report.notes)


def test_wrong_components_are_listed_in_their_own_order():
    """Every component wrong, by different amounts: the table lists them W[0], W[1], …
    as the reader indexes them, not shuffled by the size of their errors."""
    import numpy as np

    import diffkit as dk

    grad = lambda w: 2 * w * np.array([3.0, 1.5, 7.0, 2.0])  # wrong by factors 3, 1.5, 7, 2
    check = dk.check_gradient(lambda w: dk.sum(w ** 2), grad, at=np.array([1.0, -2.0, 0.5, 4.0]))
    rows = check.rows()
    assert [r["status"] for r in rows] == ["WRONG"] * 4
    assert [r["component"] for r in rows] == check.names
