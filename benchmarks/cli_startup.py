"""Wall time of `diffkit compare "4*x**3+x**2+3" --at 2` against `python -c "import sympy, numpy"`.

Both commands run alternately in one process (so they share the machine's load), N
times each; the report gives the medians and their ratio (target: <= 1.3).  diffkit's
own modules are byte-compiled first, as a regular (non-editable) install does, so that
an environment with PYTHONDONTWRITEBYTECODE=1 does not time the compiler.

    python benchmarks/cli_startup.py            # 15 runs each
    python benchmarks/cli_startup.py --runs 31
"""

from __future__ import annotations

import argparse
import compileall
import pathlib
import shutil
import statistics
import subprocess
import sys
import time


def wall(cmd: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    root = pathlib.Path(__file__).resolve().parents[1]
    for package in ("diffkit",):
        compileall.compile_dir(root / package, quiet=1)
    exe = shutil.which("diffkit")
    diffkit_cmd = [exe] if exe else [sys.executable, "-m", "diffkit"]
    diffkit_cmd += ["compare", "4*x**3+x**2+3", "--at", "2"]
    baseline_cmd = [sys.executable, "-c", "import sympy, numpy"]
    wall(diffkit_cmd), wall(baseline_cmd)  # warm the file cache and the .pyc files
    ours, base = [], []
    for _ in range(args.runs):
        ours.append(wall(diffkit_cmd))
        base.append(wall(baseline_cmd))
    m_ours, m_base = statistics.median(ours), statistics.median(base)
    print("| command | median wall time (s) |")
    print("|---|---:|")
    print(f"| `python -c \"import sympy, numpy\"` | {m_base:.3f} |")
    print(f"| `diffkit compare \"4*x**3+x**2+3\" --at 2` | {m_ours:.3f} |")
    print(f"\nratio: {m_ours / m_base:.2f} (target <= 1.3), {args.runs} runs each")


if __name__ == "__main__":
    main()
