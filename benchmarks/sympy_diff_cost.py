"""What ``sympy.diff`` costs against diffkit's symbolic method, on the logistic map.

``sympy.diff`` walks the printed tree, so its time grows with the derivative's size as
printed; diffkit's symbolic method differentiates the shared graph.  This is why the
reference uses ``sympy.diff`` of the whole formula only below
``diffkit.analysis.reference.SYMPY_DIFF_MAX_WORK`` (ops as printed × variables) and goes node
by node above it.  SymPy's cache is cleared before each measurement.

    python benchmarks/sympy_diff_cost.py            # depths 6 to 13
"""

from __future__ import annotations

import argparse
import time

import sympy as sp
from sympy.core.cache import clear_cache

from diffkit.analysis.reference import SYMPY_DIFF_MAX_WORK
from diffkit.analysis.scaling import FAMILIES
from diffkit.ir.graph import build_graph
from diffkit.methods.base import differentiate


def logistic(depth: int) -> sp.Expr:
    return FAMILIES["logistic"][0](depth)[0]


def seconds(fn) -> float:
    clear_cache()
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depths", type=int, nargs="*", default=list(range(6, 14)))
    args = parser.parse_args()
    print(f"SYMPY_DIFF_MAX_WORK = {SYMPY_DIFF_MAX_WORK:,} (ops as printed × variables)\n")
    print("| depth | f's ops as printed | sympy.diff | diffkit symbolic | ms per printed op (sympy.diff) |")
    print("|---:|---:|---:|---:|---:|")
    for depth in args.depths:
        e = logistic(depth)
        size = build_graph(e).tree_op_count
        x = next(iter(e.free_symbols))
        theirs = seconds(lambda e=e, x=x: sp.diff(e, x))
        ours = seconds(lambda e=e: differentiate(e, ["x"]))
        print(f"| {depth} | {size:,} | {theirs:.3f} s | {ours:.3f} s | {1000 * theirs / size:.3f} |")


if __name__ == "__main__":
    main()
