"""Promises the project makes about itself."""

import pathlib
import re
import shutil
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_import_diffkit_loads_neither_click_nor_rich_nor_matplotlib():
    code = ("import sys, diffkit; "
            "print([m for m in ('click', 'rich', 'matplotlib') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_no_eval_exec_sympify_or_parse_expr_in_the_package():
    pattern = re.compile(r"\b(eval|exec|sympify|parse_expr)\(")
    hits = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for folder in ("diffkit",)
        for path in (ROOT / folder).rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert hits == []


def test_ruff_check_is_clean():
    ruff = shutil.which("ruff")
    cmd = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    done = subprocess.run([*cmd, "check", str(ROOT)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_another_distributions_top_level_cli_package_cannot_shadow_diffkits(tmp_path):
    """A dummy distribution that ships a top-level ``cli`` package (installed where
    Python finds it first) must not change what ``diffkit`` or ``python -m diffkit``
    run: the command line lives inside the package, as ``diffkit.cli``."""
    dummy = tmp_path / "site"
    (dummy / "cli").mkdir(parents=True)
    (dummy / "cli" / "__init__.py").write_text("raise SystemExit('the dummy cli ran')\n")
    (dummy / "cli" / "main.py").write_text("raise SystemExit('the dummy cli.main ran')\n")
    env = {**__import__("os").environ, "PYTHONPATH": str(dummy)}
    script = shutil.which("diffkit", path=str(pathlib.Path(sys.executable).parent))
    commands = [[sys.executable, "-m", "diffkit", "compare", "x**2", "--at", "3"]]
    if script:
        commands.append([script, "compare", "x**2", "--at", "3"])
    for command in commands:
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        assert done.returncode == 0, (command, done.stderr)
        assert "dummy" not in done.stdout + done.stderr
        assert "exact f' = 2*x = 6" in done.stdout
