"""Every hostile input of the test corpus through the command line, timed.

For each input: the exit code, the number of lines on stderr, the wall time of the
whole `diffkit compare` call (in one process, after the first import), and the error
line.  The summary gives the slowest; the promise is exit code 2, one line, < 1 s.

    python benchmarks/hostile_inputs.py            # Markdown table on stdout
    python benchmarks/hostile_inputs.py --summary  # only the summary
"""

from __future__ import annotations

import argparse
import contextlib
import io
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests"))

from hostile_corpus import BAD_POINTS, REFUSALS

from diffkit.cli.main import main as cli_main


def run(args: list[str]) -> tuple[int, str, float]:
    err = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            cli_main(args)
            code = 0
        except SystemExit as done:
            code = done.code
    return code, err.getvalue(), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--summary", action="store_true")
    args = parser.parse_args()
    run(["compare", "x", "--at", "1"])  # warm up imports and SymPy's caches
    cases = [["compare", text, "--at", "1"] for text, _ in REFUSALS]
    cases += [["compare", *a] for a, _ in BAD_POINTS]
    cases.append(["compare", "+".join(["x"] * 1_000_000), "--at", "1"])
    rows, slowest, failures = [], (0.0, ""), 0
    for case in cases:
        code, err, seconds = run(case)
        lines = err.strip().splitlines()
        ok = code == 2 and len(lines) == 1 and lines[0].startswith("Error: ") and seconds < 1
        failures += not ok
        shown = repr(case[1] if len(case) > 1 else "")
        shown = shown if len(shown) <= 40 else shown[:37] + "..."
        if seconds > slowest[0]:
            slowest = (seconds, shown)
        rows.append(f"| `{shown}` | {code} | {len(lines)} | {seconds * 1e3:.1f} ms | "
                    f"{(lines[0] if lines else '')[:90].replace('|', '/')} |")
    if not args.summary:
        print("| input | exit | stderr lines | time | error |")
        print("|---|---:|---:|---:|---|")
        print("\n".join(rows))
        print()
    print(f"{len(cases)} inputs; {len(cases) - failures} with exit 2, one `Error:` line and under 1 s; "
          f"slowest {slowest[0] * 1e3:.1f} ms ({slowest[1]})")


if __name__ == "__main__":
    main()
