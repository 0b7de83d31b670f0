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
    # a call, not SymPy's ``def eval(cls, ...)`` hook that a DiffkitHead defines
    pattern = re.compile(r"(?<!def )\b(eval|exec|sympify|parse_expr)\(")
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


def _dummy_cli_wheel(folder: pathlib.Path) -> pathlib.Path:
    """A real wheel of a distribution ``dummy-cli`` that ships a top-level ``cli``
    package whose every module stops the interpreter with a message."""
    import zipfile

    wheel = folder / "dummy_cli-1.0-py3-none-any.whl"
    files = {
        "cli/__init__.py": "raise SystemExit('the dummy cli ran')\n",
        "cli/main.py": "raise SystemExit('the dummy cli.main ran')\n",
        "dummy_cli-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: dummy-cli\nVersion: 1.0\n",
        "dummy_cli-1.0.dist-info/WHEEL": ("Wheel-Version: 1.0\nGenerator: hand\n"
                                          "Root-Is-Purelib: true\nTag: py3-none-any\n"),
    }
    files["dummy_cli-1.0.dist-info/RECORD"] = "".join(f"{n},,\n" for n in files) + \
        "dummy_cli-1.0.dist-info/RECORD,,\n"
    with zipfile.ZipFile(wheel, "w") as z:
        for name, text in files.items():
            z.writestr(name, text)
    return wheel


def test_another_distributions_top_level_cli_package_cannot_shadow_diffkits(tmp_path):
    """A distribution that ships a top-level ``cli`` package, pip-installed into a
    fresh virtual environment that also sees this diffkit, must not change what the
    ``diffkit`` console script or ``python -m diffkit`` run: the command line lives
    inside the package, as ``diffkit.cli``."""
    import sysconfig
    import venv

    home = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(home)
    python = home / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    # this environment's packages (diffkit, numpy, sympy, click) after the venv's own
    outer = sysconfig.get_path("purelib")
    pathlib.Path(site, "outer.pth").write_text(f"import site; site.addsitedir({outer!r})\n")
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps",
         "--no-index", "--quiet", str(_dummy_cli_wheel(tmp_path))],
        capture_output=True, text=True, check=False)
    assert installed.returncode == 0, installed.stderr
    assert pathlib.Path(site, "cli", "main.py").exists()
    # what the console script does: load diffkit's entry point and call it
    script = ("import sys; from importlib.metadata import entry_points; "
              "sys.argv = ['diffkit', 'compare', 'x**2', '--at', '3']; "
              "sys.exit(entry_points(group='console_scripts')['diffkit'].load()())")
    shadowed = subprocess.run([str(python), "-c", "import cli"], capture_output=True, text=True,
                              check=False)
    assert "the dummy cli ran" in shadowed.stderr  # the dummy really is first on the path
    for command in ([str(python), "-c", script],
                    [str(python), "-m", "diffkit", "compare", "x**2", "--at", "3"]):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        assert done.returncode == 0, (command, done.stderr)
        assert "dummy" not in done.stdout + done.stderr
        assert "exact f' = 2*x = 6" in done.stdout


def _diffkit_imports(path: pathlib.Path) -> tuple[set[str], list[str]]:
    """The diffkit modules a file imports at module level, and the lines of any import
    of a diffkit module inside a function or class (lazy imports of matplotlib or
    pandas are fine; of diffkit's own modules they hide a cycle)."""
    import ast

    tree = ast.parse(path.read_text())
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if path.name == "__init__.py":
        package = package.rsplit(".", 1)[0] + ".__init__"
    here = package.rsplit(".", 1)[0]
    top, nested = set(), []

    def resolve(node: ast.ImportFrom) -> list[str]:
        if node.level:
            base = here.split(".")[: len(here.split(".")) - node.level + 1]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        if not module.startswith("diffkit"):
            return []
        if node.module is None or (node.level and not node.module):
            return [f"{module}.{a.name}" for a in node.names]
        return [module]

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = resolve(node)
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.startswith("diffkit")]
        else:
            continue
        if not names:
            continue
        if node.col_offset == 0:
            top.update(names)
        else:
            nested.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return top, nested


def test_the_package_imports_downward_only_no_cycle_no_function_level_import():
    modules: dict[str, set[str]] = {}
    nested_all: list[str] = []
    files = sorted((ROOT / "diffkit").rglob("*.py"))
    known = {".".join(f.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
             for f in files}
    for path in files:
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        top, nested = _diffkit_imports(path)
        nested_all += nested
        # "from . import x" names a module when x is one; otherwise the package itself
        modules[name] = {m if m in known else m.rsplit(".", 1)[0] for m in top} - {name}
    assert nested_all == []
    # the package's own __init__ re-exports everything: leave it out of the walk
    graph = {m: {d for d in deps if d != "diffkit"} for m, deps in modules.items()
             if m != "diffkit"}
    state: dict[str, int] = {}

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for d in graph.get(m, ()):
            if state.get(d) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*trail, m, d]))
            if d in graph and not state.get(d):
                visit(d, [*trail, m])
        state[m] = 2

    for m in graph:
        if not state.get(m):
            visit(m, [])


def test_no_module_of_the_package_is_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "diffkit").rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}


def _calls(name: str) -> set[str]:
    """The package's files that call ``name(`` (its definition left out)."""
    pattern = re.compile(rf"(?<!def )(?<![\w.]){name}\(|\.{name}\(")
    return {str(p.relative_to(ROOT)) for p in (ROOT / "diffkit").rglob("*.py")
            if any(pattern.search(line) for line in p.read_text().splitlines()
                   if not line.lstrip().startswith((">>>", "#")))}


def test_one_home_for_each_piece_of_maths():
    """One adjoint loop (the tape's backward and the traces read it), one tangent rule
    application, one stencil application, one Richardson table, one error model."""
    assert _calls("adjoint_term") == {"diffkit/ir/adjoints.py"}
    assert _calls("tangent_term") == {"diffkit/values/dual.py"}
    assert _calls("RichardsonTable") == {"diffkit/methods/richardson.py"}
    assert _calls("error_model") == {"diffkit/methods/finite_difference.py", "diffkit/analysis/sweep.py"}
    for attribute in ("truncation_constant", "roundoff_factor"):
        users = {str(p.relative_to(ROOT)) for p in (ROOT / "diffkit").rglob("*.py")
                 if f".{attribute}" in p.read_text()}
        assert users <= {"diffkit/numerics/differences.py", "diffkit/numerics/stencils.py"}, attribute
    # the weights are applied in numerics.combine (and the reference's own
    # tensor-product stencils at high precision), nowhere else
    users = {str(p.relative_to(ROOT)) for p in (ROOT / "diffkit").rglob("*.py")
             if ".weights" in p.read_text()}
    assert users <= {"diffkit/numerics/differences.py", "diffkit/numerics/stencils.py", "diffkit/analysis/reference.py"}


#: the package's folders, bottom up: a module imports only from its own folder or below
LAYERS = ["support", "numerics", "table", "values", "inputs", "ir", "methods", "analysis", "cli"]


def test_the_folders_are_layers_that_import_downward_only():
    files = sorted((ROOT / "diffkit").rglob("*.py"))
    loose = [str(f.relative_to(ROOT)) for f in files
             if f.parent == ROOT / "diffkit" and f.name not in ("__init__.py", "__main__.py")]
    assert loose == []  # every module sits in a layer
    upward = []
    for path in files:
        parts = path.relative_to(ROOT / "diffkit").parts
        if len(parts) == 1:
            continue  # the package's __init__ (the public API) and __main__ sit on top
        mine = LAYERS.index(parts[0])
        top, _ = _diffkit_imports(path)
        for module in top:
            layer = module.split(".")[1] if module.count(".") else None
            if layer in LAYERS and LAYERS.index(layer) > mine:
                upward.append(f"{path.relative_to(ROOT)} imports {module}")
            if module == "diffkit" and parts[0] != "cli":
                upward.append(f"{path.relative_to(ROOT)} imports the package's top")
    assert upward == []


def test_the_documentation_site_builds_strictly(tmp_path):
    """``mkdocs build --strict``: every page, link and API entry resolves, and the
    notebooks execute without an error (they are rendered with their outputs)."""
    env = {**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(ROOT / "mkdocs.yml"),
         "-d", str(tmp_path / "site")], capture_output=True, text=True, env=env, check=False,
        timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    api = (tmp_path / "site" / "api" / "index.html").read_text()
    assert "check_gradient" in api
    notebook = (tmp_path / "site" / "notebooks" / "02-step-size" / "index.html").read_text()
    assert "<img" in notebook  # executed: its figures are in the page
    assert not (ROOT / ".cache").exists()


def test_the_readme_is_short_and_keeps_exactly_two_setup_commands():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 120  # about two screens, the example table included
    quickstart = readme[readme.index("## Quickstart"):readme.index("## Documentation")]
    commands = [line for line in quickstart.splitlines() if line.startswith("pip install")]
    assert commands == ['pip install -e . && diffkit compare "4*x**3+x**2+3" --at 2',
                        'pip install -e ".[test]" && python -m pytest']


def test_nothing_in_the_repository_cites_files_outside_it():
    """A reader of a clean checkout can open every file a docstring or page names."""
    cited = [f"{p.relative_to(ROOT)}:{n}"
             for folder in ("diffkit", "benchmarks", "docs/guide", "tests", "figures")
             for p in (ROOT / folder).rglob("*") if p.suffix in (".py", ".md")
             for n, line in enumerate(p.read_text().splitlines(), 1)
             if "../shared" in line and p.name != "test_project_rules.py"]
    cited += [f"{name}" for name in ("README.md", "ARCHITECTURE.md")
              if "../shared" in (ROOT / name).read_text()]
    assert cited == []
