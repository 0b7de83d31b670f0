"""Hostile and extreme input, through the command line and the Python API.

Every command line here must end with exit 0 (and, for ``--format json``, valid
strict JSON) or exit 2 with exactly one ``Error:`` line, within 10 s and 1 GB of
memory, with no control character reaching the terminal.  Each runs in a forked child
of one driver process (``extremes_driver.py``) under an address-space limit, so a
runaway allocation fails the case instead of the machine.  The Python API cases
assert that bad input raises a ``DiffkitError`` subclass, never a raw exception.
"""

from __future__ import annotations

import json
import math
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp

import diffkit
from diffkit.support.errors import DiffkitError

HERE = pathlib.Path(__file__).resolve().parent
SECONDS = 10
PEAK_MB = 1024
ADDRESS_SPACE = 3 * 1024**3  # virtual: numpy and matplotlib reserve more than they touch

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@pytest.fixture(scope="module")
def driver():
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MPLBACKEND": "Agg", "COLUMNS": "120"}
    process = subprocess.Popen(
        [sys.executable, str(HERE / "extremes_driver.py"), str(ADDRESS_SPACE), str(SECONDS + 5)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=HERE.parent)

    def run(argv, stdin=None, stdout="pipe", stdin_closed=False):
        case = {"argv": argv, "stdin": stdin, "stdout": stdout, "stdin_closed": stdin_closed}
        process.stdin.write(json.dumps(case) + "\n")
        process.stdin.flush()
        return json.loads(process.stdout.readline())

    yield run
    process.stdin.close()
    process.wait(timeout=30)
    process.stdout.close()


def _strict_json(text: str):
    def refuse(name):
        raise ValueError(f"{name} is not strict JSON")

    return json.loads(text, parse_constant=refuse)


def check(result: dict, argv: list[str], expect: str = "any") -> None:
    """The contract every command line keeps."""
    what = " ".join(argv)
    assert result["exit"] in (0, 2), (what, result["exit"], result["stderr"][-500:])
    assert result["seconds"] < SECONDS, (what, result["seconds"])
    assert result["peak_mb"] < PEAK_MB, (what, result["peak_mb"])
    assert not CONTROL.search(result["stderr"]), (what, result["stderr"])
    if result["exit"] == 2:
        lines = result["stderr"].splitlines()
        assert len(lines) == 1, (what, result["stderr"])
        assert lines[0].startswith("Error: "), (what, lines)
        assert "internal error" not in lines[0]
    elif "json" in argv and result["stdout"]:
        _strict_json(result["stdout"])
    if expect == "ok":
        assert result["exit"] == 0, (what, result["stderr"])
    elif expect == "error":
        assert result["exit"] == 2, (what, result["stdout"][:300])


# -- command lines --------------------------------------------------------------------
NON_FINITE = [  # legal input whose numbers overflow, underflow or sit at a pole
    ("x/1e-320", "1"), ("log(x)", "5e-324"), ("x**0.01", "5e-324"), ("exp(x)", "709"),
    ("exp(x)", "710"), ("1/x", "1e-310"), ("x**-3", "1e-120"), ("sqrt(x)", "5e-324"),
    ("tan(x)", "1.5707963267948966"), ("log(x)", "1e-300"), ("exp(x)*exp(x)", "400"),
    ("x**300", "10"), ("cosh(x)", "711"), ("1/(x-1)", "1"), ("atanh(x)", "1"),
    ("x*1e300", "1e10"), ("sin(x)/x", "1e-320"), ("exp(-x)", "800"),
]
FORMATS = ["json", "csv", "markdown", "table"]


@pytest.mark.parametrize(("text", "at"), NON_FINITE)
@pytest.mark.parametrize("fmt", FORMATS)
def test_non_finite_numbers_never_break_an_output_format(driver, text, at, fmt):
    argv = ["compare", text, "--at", at, "--format", fmt]
    check(driver(argv), argv)


@pytest.mark.parametrize("extra", [["--order", "2"], ["--order", "4"], ["--hessian"],
                                   ["--step", "auto"], ["--noise", "auto"], ["--accuracy", "6"]])
@pytest.mark.parametrize(("text", "at"), [("x", "1e300"), ("asin(x)", "5e-324"),
                                          ("x, x**2", "1e300"), ("tan(x)", "-1e300")])
def test_far_out_points_never_give_an_internal_error_in_a_row(driver, text, at, extra):
    argv = ["compare", text, "--at", at, "--format", "json", *extra]
    result = driver(argv)
    check(result, argv)
    assert "internal error" not in result["stdout"]


@pytest.mark.parametrize(("text", "at"), NON_FINITE[:10])
def test_non_finite_numbers_in_trace_and_sweep_json(driver, text, at):
    for argv in (["trace", text, "--at", at, "--format", "json"],
                 ["trace", text, "--at", at, "--mode", "forward", "--format", "json"],
                 ["sweep", text, "--at", at, "--format", "json"]):
        check(driver(argv), argv)


@pytest.mark.parametrize(("text", "at"), [
    ("sqrt(x)*sqrt(x)", "-1"), ("exp(log(x))", "-1"), ("sqrt(x)**2", "-4"),
    ("log(x)-log(x)+x", "-1"), ("x**2/x", "0"), ("1/(1/x)", "0"), ("(x**2-1)/(x-1)", "1"),
    ("sin(asin(x))", "2"), ("cosh(acosh(x))", "0.5"), ("tanh(atanh(x))", "-3"),
    ("x*y/y", "x=1,y=0"), ("(x**0.5)**2", "-2"),
])
def test_a_domain_error_as_written_is_reported_in_every_row(driver, text, at):
    argv = ["compare", text, "--at", at, "--format", "json"]
    result = driver(argv)
    check(result, argv, "ok")
    data = _strict_json(result["stdout"])
    assert data["value"] is None, data["value"]
    assert data["value_error"]
    assert all(r["error"] for r in data["results"])


@pytest.mark.parametrize("text", ["x*1e200*1e200", "x*1e-200*1e-200", "1e308*10*x",
                                  "x + 1e300*1e300", "2**2000*x"])
def test_constants_that_fold_out_of_double_range_are_refused(driver, text):
    argv = ["compare", text, "--at", "1"]
    check(driver(argv), argv, "error")


AT_VALUES = {
    "１": "error", "٣": "error", "x=1e-400": "error", "1e400": "error", "nan": "error",
    "inf": "error", "-inf": "error", "x=": "error", "=1": "error", "": "error",
    "x=1,x=2": "error", "y=1": "error", "1+": "error", "\x1b[2J": "error", "1\n2": "error",
    "pi": "ok", "2*pi": "ok", "e": "ok", "-pi/4": "ok", "1/3": "ok", "5e-324": "ok",
    "-0.0": "ok", "1e308": "any", "0x10": "error", "1_000": "error", "x=sin(1)": "ok",
    "x=y": "error", "9" * 400: "error",
}


@pytest.mark.parametrize(("at", "expect"), AT_VALUES.items())
def test_points_follow_the_expressions_rules(driver, at, expect):
    argv = ["compare", "sin(x)", "--at", at, "--format", "json"]
    check(driver(argv), argv, expect)


STEPS = {"1e308": "ok", "5e-324": "ok", "0": "error", "-1": "error", "nan": "error",
         "inf": "error", "auto": "ok", "1e-300": "ok", "abc": "error", "\x07": "error"}


@pytest.mark.parametrize(("step", "expect"), STEPS.items())
def test_extreme_steps_are_answered_or_refused(driver, step, expect):
    argv = ["compare", "sin(x)", "--at", "1", "--step", step, "--format", "json"]
    result = driver(argv)
    check(result, argv, expect)
    if step == "5e-324":  # x + h == x, or a subnormal Im f: said in the rows
        data = _strict_json(result["stdout"])
        for r in data["results"]:
            if r["method"] in ("fd-forward", "fd-central", "complex-step"):
                assert r["error"], r


@pytest.mark.parametrize("args", [
    ["--family", "rosenbrock", "--n", "1"], ["--family", "rosenbrock", "--n", "0"],
    ["--family", "rosenbrock", "--n", "100000"], ["--family", "rosenbrock", "--n", "10", "--budget", "nan"],
    ["--family", "rosenbrock", "--n", "10", "--budget", "inf"],
    ["--family", "rosenbrock", "--n", "10", "--budget", "1e308"],
    ["--family", "rosenbrock", "--n", "10", "--budget", "-1"],
    ["--family", "rosenbrock", "--hessian", "--method", "fd-central", "--n", "3000"],
    ["--family", "nope", "--n", "3"], ["--family", "logistic", "--n", "1", "--format", "json"],
    ["--family", "sum-of-squares", "--n", "1", "--format", "json"],
    ["--family", "product", "--n", "2", "--n", "4", "--format", "json"],
])
def test_scaling_sizes_and_budgets_are_bounded(driver, args):
    argv = ["scaling", *args]
    check(driver(argv), argv)


@pytest.mark.parametrize(("path", "expect"), [
    ("", "error"), ("/tmp/diffkit-extremes-noext", "error"), ("/dev/full", "error"),
    ("/proc/diffkit-extremes.png", "error"), ("/nonexistent-dir/a.png", "error"),
    ("x.gif", "error"),
])
def test_plot_paths_are_exactly_what_was_named(driver, path, expect):
    argv = ["sweep", "sin(x)", "--at", "1", "--plot", path]
    check(driver(argv), argv, expect)
    assert not os.path.exists(path + ".png")


@pytest.mark.parametrize("args", [["-o", ""], ["--png", ""], ["-o", "/nonexistent-dir/g.dot"]])
def test_graph_output_paths_are_checked(driver, args):
    argv = ["graph", "sin(x)", *args]
    check(driver(argv), argv, "error")


def test_a_plot_is_written_exactly_where_named_in_the_named_format(driver, tmp_path):
    for name in ("a.svg", "b.PNG", "c.pdf"):
        path = tmp_path / name
        argv = ["sweep", "log(x)", "--at", "5e-324", "--plot", str(path)]
        check(driver(argv), argv, "ok")
        assert path.exists()
    assert len(list(tmp_path.iterdir())) == 3


@pytest.mark.parametrize(("argv", "stdin", "stdout", "stdin_closed", "expect"), [
    (["compare", "sin(x)", "--at", "1"], None, "closed", False, "error"),
    (["compare", "sin(x)", "--at", "1"], None, "full", False, "error"),
    (["compare", "sin(x)", "--at", "1", "--format", "json"], None, "full", False, "error"),
    (["compare", "-", "--at", "1"], None, "pipe", True, "error"),
    (["compare", "-", "--at", "1"], "sin(x)\n", "pipe", False, "ok"),
    (["compare", "-", "--at", "1"], "", "pipe", False, "error"),
    (["compare", "-", "--at", "1"], "x" * 20_000, "pipe", False, "error"),
    (["compare", "-", "--at", "1"], "sin(x)\x1b[31m", "pipe", False, "error"),
    (["compare", "@/dev/zero", "--at", "1"], None, "pipe", False, "error"),
    (["compare", "@/dev/null", "--at", "1"], None, "pipe", False, "error"),
    (["compare", "@/nonexistent", "--at", "1"], None, "pipe", False, "error"),
    (["compare", "@/tmp", "--at", "1"], None, "pipe", False, "error"),
    (["compare", "@", "--at", "1"], None, "pipe", False, "error"),
    (["compare", "@/etc/shadow\x1b[2J", "--at", "1"], None, "pipe", False, "error"),
])
def test_exit_codes_hold_under_every_stream_condition(driver, argv, stdin, stdout,
                                                       stdin_closed, expect):
    check(driver(argv, stdin=stdin, stdout=stdout, stdin_closed=stdin_closed), argv, expect)


def test_a_fifo_is_refused_not_waited_on(driver, tmp_path):
    fifo = tmp_path / "expr"
    os.mkfifo(fifo)
    argv = ["compare", f"@{fifo}", "--at", "1"]
    check(driver(argv), argv, "error")


@pytest.mark.parametrize("text", [
    "x\x1b[31m", "sin(x)\x07", "x\r", "x\x00", "x\u202e", "\x1b]0;title\x07x",
])
def test_control_characters_are_never_echoed_raw(driver, text):
    """(A trailing line break or carriage return in an expression is only white space.)"""
    for argv in (["compare", text, "--at", "1"], ["compare", "x", "--at", text],
                 ["compare", "x", "--at", "1", "--method", text]):
        check(driver(argv), argv, "any" if text == "x\r" and argv[1] == text else "error")


@pytest.mark.parametrize(("text", "at"), [
    (" + ".join(f"x{i}" for i in range(300)), ",".join(f"x{i}=1" for i in range(300))),
    (" + ".join(f"x{i}*x{i}" for i in range(100)), ",".join(f"x{i}=0.5" for i in range(100))),
    ("*".join(["x"] * 500), "1.001"),
    ("sin(" * 60 + "x" + ")" * 60, "0.5"),
])
def test_wide_and_deep_expressions_stay_bounded(driver, text, at):
    argv = ["compare", text, "--at", at, "--format", "json"]
    check(driver(argv), argv, "ok")


# -- the Python API --------------------------------------------------------------------
def recursive(x):
    return recursive(x)


API_CASES = {
    "at None": lambda: diffkit.compare("x", at=None),
    "at 10**400": lambda: diffkit.compare("x", at=10**400),
    "at complex": lambda: diffkit.compare("x", at=1 + 2j),
    "order 2.0": lambda: diffkit.compare("x", at=1, order=2.0),
    "order True": lambda: diffkit.compare("x", at=1, order=True),
    "step True": lambda: diffkit.compare("x", at=1, step=True),
    "step nan": lambda: diffkit.compare("x", at=1, step=float("nan")),
    "noise 2": lambda: diffkit.compare("x", at=1, noise=2.0),
    "accuracy 1.5": lambda: diffkit.compare("x", at=1, accuracy=1.5),
    "huge integer": lambda: diffkit.compare(sp.Integer(10) ** (10**6) * sp.Symbol("x"), at=1),
    "stencil -1": lambda: diffkit.stencil(-1, 2),
    "stencil huge": lambda: diffkit.stencil(1, 10**6),
    "stencil 1.5": lambda: diffkit.stencil(1.5, 2),
    "gradient at None": lambda: diffkit.gradient(lambda x: x * x, at=None),
    "gradient at 10**400": lambda: diffkit.gradient(lambda x: x * x, at=10**400),
    "gradient complex array": lambda: diffkit.gradient(lambda x: diffkit.sum(x * x),
                                                        at=np.array([1 + 1j, 2])),
    "gradient recursive": lambda: diffkit.gradient(recursive, at=1.0),
    "compare recursive": lambda: diffkit.compare(recursive, at=1.0),
    "derivative order 2.0": lambda: diffkit.derivative(lambda x: x**3, at=1.0, order=2.0),
    "gradient at text": lambda: diffkit.gradient(lambda x: x * x, at="abc"),
    "scaling n=1": lambda: diffkit.scaling("rosenbrock", [1]),
    "scaling budget nan": lambda: diffkit.scaling("rosenbrock", [3], budget=float("nan")),
    "scaling n=2.5": lambda: diffkit.scaling("rosenbrock", [2.5]),
    "empty text": lambda: diffkit.compare("", at=1),
    "trace of an array operation": lambda: diffkit.trace(lambda x: diffkit.sum(x**2), at=1.0),
    "trace of a vector f": lambda: diffkit.trace(lambda x: [x, x**2], at=1.0),
    "trace of a constant f": lambda: diffkit.trace(lambda x: 3, at=1.0),
    "bytes": lambda: diffkit.compare(b"x", at=1),
}


@pytest.mark.parametrize("case", API_CASES)
def test_bad_input_to_the_python_api_raises_a_diffkit_error(case):
    with pytest.raises(DiffkitError) as caught:
        API_CASES[case]()
    assert "\n" not in caught.value.message


def test_zero_d_arrays_and_numpy_scalars_are_points():
    assert diffkit.compare("x**2", at=np.array(2.0), methods=["reverse-mode"]).reference == {"x": 4.0}
    assert diffkit.compare("x**2", at=np.float32(2.0), methods=["reverse-mode"]).reference == {"x": 4.0}
    assert diffkit.derivative(lambda x: x**2, at=np.array(3.0)) == 6.0


def test_to_dict_is_strict_json_with_the_kinds_beside_it():
    c = diffkit.compare("log(x)", at=5e-324)
    text = json.dumps(c.to_dict(), allow_nan=False)
    data = json.loads(text)
    assert data["reference_jacobian"] is None or "reference_jacobian_kinds" in data
    for r in data["results"]:
        for key, value in r.items():
            if key.endswith("_kind"):
                assert value in ("inf", "-inf", "nan")
                assert r[key.removesuffix("_kind")] is None


def test_kinks_through_infinite_slopes_are_classified_exactly():
    expected = {"acos(cos(x))": 1.0, "sqrt(1-cos(x))": math.sqrt(0.5),
                "acos(1-x**2)": math.sqrt(2), "sqrt(x**2+x**4)": 1.0}
    for text, slope in expected.items():
        c = diffkit.compare(text, at=0)
        assert c.reference_error == "not differentiable at this point", text
        left, right = c.one_sided["x"]
        assert left == pytest.approx(-slope, rel=1e-14), text
        assert right == pytest.approx(slope, rel=1e-14), text


def loops_forever(x):
    while True:
        pass


def test_a_python_function_that_never_returns_is_stopped_by_a_budget(monkeypatch):
    import time

    import diffkit.support.budget

    monkeypatch.setattr(diffkit.support.budget, "DEFAULT_LIMITS", diffkit.Limits(method_seconds=0.5))
    for call in (lambda: diffkit.gradient(loops_forever, at=1.0),
                 lambda: diffkit.derivative(loops_forever, at=1.0),
                 lambda: diffkit.jvp(loops_forever, at=1.0, tangent=1.0)):
        started = time.monotonic()
        with pytest.raises(diffkit.BudgetExceeded):
            call()
        assert time.monotonic() - started < 5
    started = time.monotonic()
    with pytest.raises(diffkit.BudgetExceeded):
        diffkit.compare(loops_forever, at=1.0, limits=diffkit.Limits(compare_seconds=0.5))
    assert time.monotonic() - started < 5


def test_budgets_nest_survive_an_early_alarm_and_restore_the_handler():
    """The inner budget ends first and says so; the outer one still ends on time; an
    alarm that comes early (another timer) is set again for what is left; afterwards
    the process's own SIGALRM handler and timer are back."""
    import signal
    import time

    from diffkit.support.budget import time_budget

    def spin():
        while True:
            pass

    before = signal.getsignal(signal.SIGALRM)
    started = time.monotonic()
    with pytest.raises(diffkit.BudgetExceeded) as outer, time_budget(0.6, "outer"):  # noqa: PT012
        with pytest.raises(diffkit.BudgetExceeded) as inner, time_budget(0.1, "inner"):
            spin()
        assert inner.value.what == "inner"
        assert time.monotonic() - started < 0.5
        spin()
    assert outer.value.what == "outer"
    assert 0.55 < time.monotonic() - started < 3
    started = time.monotonic()
    with pytest.raises(diffkit.BudgetExceeded), time_budget(0.3, "early"):  # noqa: PT012
        signal.setitimer(signal.ITIMER_REAL, 0.05)  # an alarm before the budget is due
        spin()
    assert time.monotonic() - started > 0.25
    assert signal.getsignal(signal.SIGALRM) == before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_slow_python_function_keeps_compare_within_its_budget():
    import time

    def slow(x):
        time.sleep(0.05)
        return x * x

    started = time.monotonic()
    c = diffkit.compare(slow, at=2.0, limits=diffkit.Limits(compare_seconds=1.0))
    assert time.monotonic() - started < 4
    assert c.reference == {"x": 4.0}
    skipped = [r for r in c.results if r.error and "compare_seconds" in r.error]
    assert skipped  # said in the rows, not silently dropped


def test_memory_stays_bounded_for_the_worst_python_cases():
    """Run in a child process under a 1 GB address-space limit (numpy's own reserve
    included): a vector f of 1,000 outputs through compare, and a Jacobian too large to
    build densely (refused with a suggestion)."""
    code = """
import resource
resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))
import numpy as np, diffkit as dk
c = dk.compare(lambda x: np.ones(1000) * x, at=1.0)
assert all(r.error is None for r in c.results), [r.error for r in c.results]
try:
    dk.jacobian(lambda x: dk.sin(x), at=np.linspace(0, 1, 20_000))
    raise SystemExit("a 20,000 x 20,000 Jacobian was built")
except dk.DiffkitError as err:
    assert "jvp" in err.message
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
assert peak < 1024, peak
print("ok", peak)
"""
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env=env, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("ok")


def test_ctrl_c_is_one_line_and_exit_130():
    import signal
    import time

    process = subprocess.Popen(
        [sys.executable, "-m", "diffkit", "scaling", "--family", "rosenbrock", "--n", "5000",
         "--method", "forward-mode", "--budget", "60"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)  # past the imports, into the work
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert err.splitlines() == ["Error: interrupted"]


def test_the_noise_probe_works_at_huge_values_without_overflow():
    """Its difference table at 1e300 is ~1e284: squaring it overflowed (a warning in
    Python, an error under this suite's warnings-as-errors)."""
    c = diffkit.compare("x", at=1e300, noise="auto", methods=["fd-central"])
    assert c.noise.startswith("noise estimated at")
