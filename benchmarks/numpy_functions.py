"""numpy functions that diffkit once ran entry by entry on object arrays: the time of a
gradient through each, ÷ HIPS autograd's time on the same f, measured in one run.

For each function F, f(x) = Σ w·F(x) with fixed random weights w, at n = 10² and 10⁴
entries (a 10×10 and a 100×100 matrix where F wants one).  Cases run interleaved (each
once per repeat), each time is the median over repeats, BLAS/OpenMP are pinned to one
thread, and diffkit's gradient is checked against autograd's before it is timed.
Each gradient is checked against a central difference along a random direction; where
autograd's gradient disagrees with it (``np.tile``), autograd is marked wrong, not timed.
The issue's target: at 10⁴ entries every ratio ≤ 3.

    pip install -e ".[bench]"
    python benchmarks/numpy_functions.py          # ~1 minute; writes results/numpy_functions.md
    python benchmarks/numpy_functions.py --quick  # fewer repeats
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

import diffkit as dk

try:
    import autograd
    import autograd.numpy as anp
except ImportError:  # the anchor is needed here: pip install -e ".[bench]"
    autograd = anp = None

TARGET = 3.0


def cases(np_):
    """F for each function, written against the module ``np_`` (numpy or autograd's)."""
    return {
        "where": lambda x: np_.where(x > 0, x * x, -x),
        "clip": lambda x: np_.clip(x, -0.5, 0.5),
        "concatenate": lambda x: np_.concatenate([x, x * x]),
        "stack": lambda x: np_.stack([x, x * x]),
        "cumsum": lambda x: np_.cumsum(x),
        "outer": lambda x: np_.outer(x[0], x[1]),
        "einsum": lambda x: np_.einsum("ij,jk->ik", x, x),
        "tensordot": lambda x: np_.tensordot(x, x, axes=1),
        "roll": lambda x: np_.roll(x, 3),
        "diag": lambda x: np_.diag(x),
        "pad": lambda x: np_.pad(x, 1, mode="constant"),
        "sort": lambda x: np_.sort(np_.ravel(x)),
        "take": lambda x: np_.take(x, np.arange(0, x.size, 3)),
        "repeat": lambda x: np_.repeat(x, 2),
        "tile": lambda x: np_.tile(x, 2),
        "max": lambda x: np_.max(x, axis=0),
        "prod": lambda x: np_.prod(x * 0.01 + 1.0, axis=0),
        "var": lambda x: np_.var(x, axis=0),
        "std": lambda x: np_.std(x, axis=0),
        "norm(axis)": lambda x: np_.linalg.norm(x, axis=1),
        "transpose": lambda x: np_.transpose(x),
        "triu": lambda x: np_.triu(x),
    }


def timed(fn, x, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn(x)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--only", default=None, help="run one function (a name in the table)")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "numpy_functions.md"))
    args = parser.parse_args()
    if autograd is None:
        raise SystemExit("autograd is needed for this comparison: pip install -e \".[bench]\"")
    repeats = 5 if args.quick else 15
    rng = np.random.default_rng(0)
    ours, theirs = cases(np), cases(anp)
    lines = ["| function | n | diffkit | autograd | ratio | ≤ 3× at 10⁴ |", "|---|---|---|---|---|---|"]
    worst = 0.0
    for name in ([args.only] if args.only else ours):
        for side in (10, 100):
            x = rng.normal(size=(side, side))
            w = rng.normal(size=np.shape(ours[name](x)))
            f_ours = lambda v, F=ours[name], w=w: np.sum(F(v) * w)
            f_theirs = lambda v, F=theirs[name], w=w: anp.sum(F(v) * w)
            g_theirs = autograd.grad(f_theirs)
            n = side * side
            try:
                expected = g_theirs(x)
            except (NotImplementedError, ValueError, TypeError) as err:  # autograd lacks it
                a = timed(lambda v, f=f_ours: dk.gradient(f, v), x, repeats)
                lines.append(f"| {name} | {n:,} | {a * 1e3:.2f} ms | fails ({type(err).__name__}) "
                             "| — | — |")
                continue
            grad = dk.gradient(f_ours, x)
            v = rng.normal(size=x.shape)
            h = 1e-8  # small: sort and max change their order over larger steps
            slope = (f_ours(x + h * v) - f_ours(x - h * v)) / (2 * h)  # ⟨∇f, v⟩
            tolerance = 1e-5 * max(1.0, abs(slope)) + 1e-13 * max(1.0, abs(f_ours(x))) / h
            assert abs(np.sum(grad * v) - slope) <= tolerance, (name, np.sum(grad * v), slope)
            if not np.allclose(grad, expected, rtol=1e-10, atol=1e-12):
                agrees = abs(np.sum(expected * v) - slope) <= tolerance
                lines.append(f"| {name} | {n:,} | — | {'differs' if agrees else 'wrong'} "
                             "(autograd's gradient disagrees with differences) | — | — |")
                continue
            t_ours, t_theirs = [], []
            for _ in range(repeats):  # interleaved
                t_ours.append(timed(lambda v, f=f_ours: dk.gradient(f, v), x, 1))
                t_theirs.append(timed(g_theirs, x, 1))
            a, b = statistics.median(t_ours), statistics.median(t_theirs)
            ratio = a / b
            if n == 10_000:
                worst = max(worst, ratio)
            verdict = ("yes" if ratio <= TARGET else "**no**") if n == 10_000 else ""
            lines.append(f"| {name} | {n:,} | {a * 1e3:.2f} ms | {b * 1e3:.2f} ms | {ratio:.2f} | {verdict} |")
    lines.append("")
    lines.append(f"Worst ratio at 10⁴ entries: {worst:.2f} (target ≤ {TARGET:g}).")
    text = "\n".join(lines)
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(
        "# Gradients through numpy functions: diffkit ÷ autograd\n\n"
        "`python benchmarks/numpy_functions.py` (one thread, medians of interleaved repeats)\n\n"
        + text + "\n")


if __name__ == "__main__":
    main()
