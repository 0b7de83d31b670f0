"""Regenerate every committed figure from the command line.

    python figures/make_figures.py

Each figure is made by the `diffkit` command shown beside it in FIGURES, so the
README can say exactly how it was made.  It prints one line per figure (the command),
not the numbers behind it.
"""

from __future__ import annotations

import contextlib
import io
import pathlib
import shlex
import sys

HERE = pathlib.Path(__file__).resolve().parent

#: file name → the diffkit command that draws it
FIGURES = {
    "sweep-sin-exp.png": 'diffkit sweep "sin(x)*exp(x)" --at 1 --plot figures/sweep-sin-exp.png',
    "sweep-sin-exp-order2.png":
        'diffkit sweep "sin(x)*exp(x)" --at 1 --order 2 --plot figures/sweep-sin-exp-order2.png',
    "scaling.png":
        "diffkit scaling --family rosenbrock --n 10 --n 100 --n 1000 --plot figures/scaling.png",
}


def main() -> None:
    sys.path.insert(0, str(HERE.parent))
    from diffkit.cli.main import main as diffkit_main

    for name, command in FIGURES.items():
        args = shlex.split(command)[1:]
        args[args.index("--plot") + 1] = str(HERE / name)
        print(command)
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # the figure, not its numbers
                diffkit_main([*args, "--format", "json"])
        except SystemExit as done:
            if done.code:
                raise
    print(f"{len(FIGURES)} figures written to {HERE}")


if __name__ == "__main__":
    main()
