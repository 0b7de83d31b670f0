"""Relative error of every method against the 50-digit reference, on the finite-difference anchor
set (REGULAR and HARD below: 14 regular and 7 hard cases, the functions
numdifftools' and scipy's own tests and papers use).

    python benchmarks/accuracy.py

The issue's bar for fd-richardson: <= 1e-10 on the smooth, well-scaled ("regular")
cases; the summary line reports the worst one.
"""

from __future__ import annotations

import diffkit

REGULAR = [
    ("4*x**3+x**2+3", 2), ("exp(x)", 1), ("sin(x)", 1), ("log(x)", 2), ("sqrt(x)", 2),
    ("atan(x)", 0.5), ("x**4*sin(x)", 1), ("exp(x)/(4*x**3)", 1.5), ("cos(3*x**2)", 0.7),
    ("exp(2*x**3+4)", 0.5), ("5*x/sin(x)", 1.2), ("1/(1+exp(-x))", 0.3), ("tanh(x)", 0.8),
    ("log(1+exp(x))", 2),
]
HARD = [
    ("exp(x)", 30), ("sin(1000*x)", 1), ("log(x)", 1e-8), ("tanh(1e8*x)", 1e-8),
    ("sin(x)", 1e8), ("sqrt(x)", 1e-6), ("1/(x-1.0001)", 1),
]


def main() -> None:
    methods = list(diffkit.METHODS)
    print("| expression | x | " + " | ".join(methods) + " |")
    print("|---|---:|" + "---:|" * len(methods))
    worst = 0.0
    for kind, cases in (("regular", REGULAR), ("hard", HARD)):
        for text, at in cases:
            c = diffkit.compare(text, at=at)
            cells = []
            for r in c.results:
                cells.append("error" if r.error else f"{r.rel_error:.1e}")
                if kind == "regular" and r.method == "fd-richardson" and not r.error:
                    worst = max(worst, r.rel_error)
            print(f"| `{text}` ({kind}) | {at:g} | " + " | ".join(cells) + " |")
    print(f"\nfd-richardson, worst relative error on the regular cases: {worst:.1e} (bar: 1e-10)")


if __name__ == "__main__":
    main()
