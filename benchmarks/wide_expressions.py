"""`compare` on wide expressions: wall time and peak memory beside their targets.

Each case runs in a fresh interpreter (``compare`` with every method, the reference
included), so its peak resident memory is its own; the time is measured inside, after
the imports.  Targets (issue "Reliability under hostile and extreme input"): the sum
of 1,000 distinct variables and the 200-variable quadratic each under 3 s and 500 MB.

    python benchmarks/wide_expressions.py            # median of 3 runs per case
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CASES = {
    "sum of 1,000 variables": ("' + '.join(f'x{i}' for i in range(1000))",
                               "{f'x{i}': 1.0 for i in range(1000)}"),
    "200-variable quadratic": (
        ("' + '.join(f'x{i}*x{(i + 1) % 200}' for i in range(200)) + ' + ' + "
        "' + '.join(f'x{i}**2' for i in range(200))"),
        "{f'x{i}': 0.5 for i in range(200)}"),
    "a vector f of 1,000 outputs (Python)": (None, None),
}
TARGET_SECONDS, TARGET_MB = 3.0, 500

PROGRAM = """
import json, resource, time
import numpy as np
import diffkit
text, at = {text}, {at}
started = time.perf_counter()
c = diffkit.compare(text, at=at)
seconds = time.perf_counter() - started
print(json.dumps({{"seconds": seconds,
                  "mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "failed": [r.method for r in c.results if r.error],
                  "reference": c.reference_method}}))
"""


def measure(text: str, at: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROGRAM.format(text=text, at=at)],
                          capture_output=True, text=True, check=True,
                          env={"OMP_NUM_THREADS": "1", "PATH": ""})
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    print(f"| case | wall (median of {runs}) | target | peak memory | target | rows that "
          "refused | reference |")
    print("|---|---:|---:|---:|---:|---|---|")
    for name, (text, at) in CASES.items():
        if text is None:
            text, at = "lambda x: np.ones(1000) * x", "1.0"
        results = [measure(text, at) for _ in range(runs)]
        seconds = statistics.median(r["seconds"] for r in results)
        mb = max(r["mb"] for r in results)
        print(f"| {name} | {seconds:.2f} s | < {TARGET_SECONDS:g} s | {mb:.0f} MB | "
              f"< {TARGET_MB} MB | {', '.join(results[-1]['failed']) or 'none'} | "
              f"{results[-1]['reference']} |")


if __name__ == "__main__":
    main()
