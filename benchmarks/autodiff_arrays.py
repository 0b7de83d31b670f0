"""Reverse mode on arrays: gradient time ÷ plain numpy evaluation time, beside HIPS
autograd's ratio measured in the same run.

Two losses at 10 … 10⁶ parameters (the issue's benchmark):

- linear least squares, Σ (X·w − y)², X of shape (10, n);
- a two-layer tanh network, mean((tanh(X·W₁ + b₁)·W₂ + b₂ − y)²), k inputs and k hidden
  units ((k+1)² parameters), a batch of 32.

The baseline is the loss written in plain numpy (also shown: the ratio to the very
function diffkit differentiates, called on plain arrays); diffkit's gradient runs the loss
written with ``diffkit`` functions (``dk.gradient``: one recorded run and one backward
sweep), autograd's the same loss with ``autograd.numpy`` (``autograd.grad``).  Cases
are timed interleaved (each once per repeat), every ratio is the median of the
per-repeat ratios, and BLAS/OpenMP are pinned to one thread (so that a
library's thread pool does not decide the ratio).  Each gradient is checked against the
hand-written one before it is timed.

    pip install -e ".[bench]"
    python benchmarks/autodiff_arrays.py            # ~1 minute; writes results/autodiff_arrays.md
    python benchmarks/autodiff_arrays.py --quick    # sizes up to 10⁴
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import gc
import statistics
import time
from pathlib import Path

import numpy as np

import diffkit as dk

try:
    import autograd
    import autograd.numpy as anp
except ImportError:  # the anchor is optional: pip install -e ".[bench]"
    autograd = anp = None

SIZES = [10, 100, 1_000, 10_000, 100_000, 1_000_000]


def linear(n: int, rng: np.random.Generator):
    X, y = rng.normal(size=(10, n)), rng.normal(size=10)
    w = rng.normal(size=n) / np.sqrt(n)
    plain = lambda w: np.sum((X @ w - y) ** 2)
    ours = lambda w: dk.sum((X @ w - y) ** 2)
    theirs = (lambda w: anp.sum((anp.dot(X, w) - y) ** 2)) if anp else None
    exact = lambda w: 2 * X.T @ (X @ w - y)
    return w, plain, ours, theirs, exact


def network(n: int, rng: np.random.Generator):
    k = max(1, round(np.sqrt(n)) - 1)
    X, y = rng.normal(size=(32, k)), rng.normal(size=32)
    sizes = [(k, k), (k,), (k,), ()]

    def unpack(p, m):
        parts, i = [], 0
        for s in sizes:
            size = int(np.prod(s))
            parts.append(m.reshape(p[i:i + size], s) if s else p[i])
            i += size
        return parts

    def plain(p):
        W1, b1, W2, b2 = unpack(p, np)
        return np.mean((np.tanh(X @ W1 + b1) @ W2 + b2 - y) ** 2)

    def ours(p):
        W1, b1, W2, b2 = unpack(p, dk)
        return dk.mean((dk.tanh(X @ W1 + b1) @ W2 + b2 - y) ** 2)

    def theirs(p):
        W1, b1, W2, b2 = unpack(p, anp)
        return anp.mean((anp.tanh(anp.dot(X, W1) + b1) @ W2 + b2 - y) ** 2)

    def exact(p):  # backpropagation by hand
        W1, b1, W2, b2 = unpack(p, np)
        h = np.tanh(X @ W1 + b1)
        r = 2 * (h @ W2 + b2 - y) / len(y)
        dh = np.outer(r, W2) * (1 - h ** 2)
        return np.concatenate([(X.T @ dh).ravel(), dh.sum(0), h.T @ r, [r.sum()]])

    p = rng.normal(size=k * k + 2 * k + 1) / np.sqrt(k)
    return p, plain, ours, theirs if anp else None, exact


def _version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def time_interleaved(calls: dict[str, callable], repeats: int, budget: float = 0.05) -> dict[str, list[float]]:
    """Seconds per call, per repeat, each case once per repeat (auto-sized loops)."""
    loops = {}
    for name, fn in calls.items():
        n, t = 1, 0.0
        while t < budget:
            start = time.perf_counter()
            for _ in range(n):
                fn()
            t = time.perf_counter() - start
            n *= 2
        loops[name] = max(1, n // 2)
    times: dict[str, list[float]] = {name: [] for name in calls}
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeats):
            for name, fn in calls.items():
                start = time.perf_counter()
                for _ in range(loops[name]):
                    fn()
                times[name].append((time.perf_counter() - start) / loops[name])
    finally:
        gc.enable()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="sizes up to 10^4, fewer repeats")
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "autodiff_arrays.md"))
    args = parser.parse_args()
    sizes = [s for s in SIZES if s <= 10_000] if args.quick else SIZES
    repeats = 5 if args.quick else 9
    rng = np.random.default_rng(0)
    lines = [
        "# Reverse mode on arrays: gradient time ÷ plain numpy f",
        "",
        "Regenerate: `pip install -e \".[bench]\" && python benchmarks/autodiff_arrays.py`",
        (f"(numpy {np.__version__}, autograd {_version('autograd')},"
        f" one BLAS thread, median of {repeats} interleaved repeats; load average at start "
        f"{os.getloadavg()[0]:.1f})"),
        "",
        ("| loss | parameters | numpy f | diffkit gradient | diffkit ÷ f | autograd ÷ f "
         "| diffkit ÷ its own f on arrays | gradient max rel. error |"),
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    worst = 0.0
    for label, make in (("least squares", linear), ("tanh network", network)):
        for n in sizes:
            at, plain, ours, theirs, exact = make(n, rng)
            g = dk.gradient(ours, at=at)
            want = exact(at)
            err = float(np.max(np.abs(g - want)) / np.max(np.abs(want)))
            calls = {"f": lambda plain=plain, at=at: plain(at),
                     "diffkit": lambda ours=ours, at=at: dk.gradient(ours, at=at),
                     "own f": lambda ours=ours, at=at: ours(at)}
            if theirs is not None:
                grad_theirs = autograd.grad(theirs)
                np.testing.assert_allclose(grad_theirs(at), want, rtol=1e-8, atol=1e-12)
                calls["autograd"] = lambda g=grad_theirs, at=at: g(at)
            times = time_interleaved(calls, repeats)
            ratio = statistics.median(d / f for d, f in zip(times["diffkit"], times["f"], strict=True))
            theirs_ratio = (statistics.median(a / f for a, f in zip(times["autograd"], times["f"], strict=True))
                            if "autograd" in times else None)
            own = statistics.median(d / f for d, f in zip(times["diffkit"], times["own f"], strict=True))
            worst = max(worst, ratio)
            lines.append(
                f"| {label} | {len(at):,} | {statistics.median(times['f']) * 1e6:,.1f} µs "
                f"| {statistics.median(times['diffkit']) * 1e6:,.1f} µs | **{ratio:.2f}** "
                f"| {'—' if theirs_ratio is None else f'{theirs_ratio:.2f}'} | {own:.2f} | {err:.1e} |")
            print(lines[-1], flush=True)
    lines += ["", f"Largest diffkit ratio: {worst:.2f} (the issue's goal: ≤ 5 at every size).",
              "",
              ("\"numpy f\" is the loss written in plain numpy (np.sum, np.tanh): the strict "
               "baseline and the headline ratio. \"its own f on arrays\" is the very function "
               "diffkit differentiates (written with dk.sum, dk.tanh) called on plain arrays; "
               "the difference is dk's dispatch on plain values.")]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
