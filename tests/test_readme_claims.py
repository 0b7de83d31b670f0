"""What the README and its guide (docs/guide/) state about the code is what the code
does: step formulas, the JSON contract, the reference's ways and thresholds, the limits.

Measured numbers (speeds, error medians) are not checked here: the README names the
command that produced each of them.
"""

from __future__ import annotations

import dataclasses
import math
import pathlib
import re

import numpy as np
import pytest

import diffkit
from diffkit.analysis import reference

ROOT = pathlib.Path(__file__).resolve().parents[1]
#: the README and the guide it links to (docs/guide/), read as one text
README = "\n".join(p.read_text() for p in [ROOT / "README.md", *sorted((ROOT / "docs" / "guide").glob("*.md"))])
EPS = float(np.finfo(float).eps)


def _step(method: str, x: float, order: int = 1) -> float:
    return diffkit.compare("exp(x)", at=x, methods=[method], order=order).result(method).step["x"]


@pytest.mark.parametrize("x", [3.0, 0.25, -7.5, 1e-120])
def test_the_step_formulas_the_readme_states_are_the_steps_that_run(x):
    claims = {
        "fd-forward": ("h = √ε·max(1, |x|)", math.sqrt(EPS) * max(1, abs(x))),
        "fd-backward": ("h = √ε·max(1, |x|)", math.sqrt(EPS) * max(1, abs(x))),
        "fd-central": ("h = ∛ε·max(1, |x|)", EPS ** (1 / 3) * max(1, abs(x))),
        "fd-extended": ("h = 10^(−50/3)·max(|x|, 1e-100)", 10 ** (-50 / 3) * max(abs(x), 1e-100)),
        "complex-step": ("h = 1e-20·min(|x|, 1) (1e-20 at 0", 1e-20 * min(abs(x), 1.0)),
    }
    for method, (formula, h) in claims.items():
        assert formula in README, method
        # difference steps are rounded to a representable x + h
        assert _step(method, x) == pytest.approx(h, rel=1e-6), method


def test_the_higher_order_fd_extended_step_is_as_stated():
    assert "50 + 20(k − 1) digits and h = 10^(−digits/(k + 2))·max(|x|," in README
    for k in (2, 3):
        digits = 50 + 20 * (k - 1)
        assert _step("fd-extended", 2.0, order=k) == pytest.approx(
            10 ** (-digits / (k + 2)) * 2.0, rel=1e-9)


def _json_block() -> str:
    start = README.index("## JSON (")
    block = README[start:].split("```")[1]
    return block


def test_every_json_key_the_readme_documents_is_present_and_none_is_undocumented():
    block = _json_block()
    results_part = block[block.index('"results"'):block.index("...}, ...]")]
    result_keys = set(re.findall(r'"(\w+)":', results_part)) - {"results"}
    one_sided = {"left", "right"}  # the keys of each variable's one_sided entry
    top_keys = set(re.findall(r'"(\w+)":', block)) - result_keys - one_sided
    d = diffkit.compare("sin(x)*y", at="x=1,y=2", noise="auto").to_dict()
    assert top_keys == set(d), (top_keys ^ set(d))
    for r in d["results"]:
        assert result_keys <= set(r), result_keys - set(r)
    kink = diffkit.compare("abs(x)", at=0).to_dict()
    assert set(kink["one_sided"]["x"]) == one_sided


def test_the_reference_ways_and_threshold_are_as_documented():
    for way in reference.REFERENCE_METHODS:
        assert f'"{way}"' in _json_block()
        assert f"**`{way}`**" in README
    assert f"≤ {reference.SYMPY_DIFF_MAX_WORK:,}" in README
    assert "8th-order central difference" in README
    assert reference.DIFFERENCE_ACCURACY == 8
    assert f"h = s·10⁻{_superscript(reference.DIFFERENCE_EXPONENTS[0])}" in README
    assert f"at {reference.DIGITS} significant digits and again at {reference.CONFIRM_DIGITS}" in README


def _superscript(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))


def test_every_limit_is_in_the_readme_table_with_its_default():
    table = README[README.index("## Limits"):README.index("## What f is")]
    for f in dataclasses.fields(diffkit.Limits):
        assert f"`{f.name}`" in table, f.name
