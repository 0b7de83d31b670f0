"""The Comparison a notebook gets: text, HTML, dict; and Richardson's accuracy bar."""

from html.parser import HTMLParser

import mpmath
import pytest

import diffkit


class Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.classes, self._cell = [], [], None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
            self.classes.append(dict(attrs).get("class"))
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.rows[-1].append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def test_html_has_a_row_per_method_and_marks_the_failed_one():
    c = diffkit.compare("abs(x) + x**2", at=1.5)
    parser = Cells()
    parser.feed(c._repr_html_())
    header, *rows = parser.rows
    assert header[:3] == ["method", "derivative", "abs error"]
    assert [r[0] for r in rows] == list(diffkit.METHODS)
    failed = [r[0] for r, cls in zip(rows, parser.classes[1:], strict=True) if cls == "dk-failed"]
    assert failed == ["complex-step"]
    assert rows[-1][1] == "4"  # reverse mode: 1 + 2*1.5


def test_user_text_is_escaped_in_html():
    c = diffkit.compare(diffkit.parse("x") * 1, at=1)
    c.expression = "<script>alert(1)</script>"
    assert "<script>" not in c._repr_html_()


def test_text_dict_and_latex():
    c = diffkit.compare("4*x**3+x**2+3", at=2)
    assert "f(2) = 39" in str(c)
    d = c.to_dict()
    assert d["value"] == 39.0
    assert d["reference"] == {"x": 52.0}
    assert d["derivative_expression"] == {"x": "12*x**2 + 2*x"}
    assert c.latex() == "f'(x) = 12 x^{2} + 2 x"


REGULAR = [
    ("4*x**3+x**2+3", 2, lambda x: 12 * x**2 + 2 * x),
    ("exp(x)", 1, mpmath.exp),
    ("log(x)", 2, lambda x: 1 / x),
    ("atan(x)", 0.5, lambda x: 1 / (1 + x**2)),
    ("cos(3*x**2)", 0.7, lambda x: -6 * x * mpmath.sin(3 * x**2)),
    ("exp(2*x**3+4)", 0.5, lambda x: 6 * x**2 * mpmath.exp(2 * x**3 + 4)),
    ("5*x/sin(x)", 1.2, lambda x: 5 / mpmath.sin(x) - 5 * x * mpmath.cos(x) / mpmath.sin(x) ** 2),
    ("1/(1+exp(-x))", 0.3, lambda x: mpmath.exp(-x) / (1 + mpmath.exp(-x)) ** 2),
    ("log(1+exp(x))", 2, lambda x: mpmath.exp(x) / (1 + mpmath.exp(x))),
]


@pytest.mark.parametrize(("text", "at", "derivative"), REGULAR, ids=[r[0] for r in REGULAR])
def test_richardson_reaches_1e_10_on_smooth_well_scaled_functions(text, at, derivative):
    result = diffkit.compare(text, at=at, methods=["fd-richardson"]).result("fd-richardson")
    with mpmath.workdps(40):
        exact = derivative(mpmath.mpf(at))
        assert abs(result.derivative["x"] - exact) <= 1e-10 * abs(exact)
    assert result.error_estimate < 1e-9


def test_a_swollen_derivative_is_not_printed_but_its_size_is():
    text = "x"
    for _ in range(7):
        text = f"4*({text})*(1-({text}))"
    c = diffkit.compare(text, at=0.3, methods=["symbolic", "reverse-mode"])
    summary = "\n".join(c.summary_lines())
    assert "(a formula of" in summary
    assert len(summary) < 1000
    d = c.to_dict()
    assert d["derivative_ops"] > 5_000
    assert d["derivative_expression"] is None
    assert c.result("symbolic").rel_error < 1e-12


def test_a_new_method_is_one_module_plus_one_registry_line_and_works_at_a_kink():
    """A dummy method registered for one comparison: it runs in its row, says what its
    number means at a kink, and no other registry needs to know it."""
    from diffkit.ir.counting import OpCounter
    from diffkit.methods import METHODS, Method, MethodResult, registered

    def half_sum(problem):
        counter = OpCounter()
        counter.add("add")
        return MethodResult.measured("dummy", dict.fromkeys(problem.variables, 0.5), counter, 1)

    dummy = Method("dummy", half_sum, at_a_kink="half of one, always", tolerance=1.0)
    with registered(dummy):
        smooth = diffkit.compare("x**2", at=0.25, methods=["dummy", "reverse-mode"])
        assert smooth.result("dummy").derivative == {"x": 0.5}
        assert smooth.result("dummy").rel_error == 0.0
        kink = diffkit.compare("abs(x)", at=0)
        row = kink.result("dummy")
        assert row.status == "no derivative here"
        assert row.notes[0] == "no derivative here; the value is half of one, always"
        assert kink.to_dict()["results"][-1]["method"] == "dummy"
    assert "dummy" not in METHODS
