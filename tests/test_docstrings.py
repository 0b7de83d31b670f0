"""The worked examples in the docstrings run and print what they say."""

import doctest
import importlib

import pytest

MODULES = ["diffkit", "diffkit.directional", "diffkit.scaling", "diffkit.trace", "diffkit.noise", "diffkit.sweep", "diffkit.stencils", "diffkit.parse", "diffkit.graph", "diffkit.evaluate", "diffkit.dual",
           "diffkit.counting", "diffkit.point", "diffkit.compare", "diffkit.primitives",
           "diffkit.limits", "diffkit.budget", "diffkit.tape", "diffkit.functions",
           "diffkit.autodiff", "diffkit.overloading", "diffkit.arguments", "diffkit.array_primitives",
           "diffkit.gradcheck"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
