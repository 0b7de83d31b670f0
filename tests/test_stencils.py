"""Fornberg's weights against the stencils every textbook prints."""

from fractions import Fraction as F

import pytest

from diffkit.numerics.stencils import fornberg_weights, stencil, stencil_on


@pytest.mark.parametrize(
    ("derivative", "accuracy", "kind", "offsets", "weights"),
    [
        (1, 2, "central", (-1, 0, 1), [F(-1, 2), 0, F(1, 2)]),
        (1, 4, "central", (-2, -1, 0, 1, 2), [F(1, 12), F(-2, 3), 0, F(2, 3), F(-1, 12)]),
        (1, 6, "central", (-3, -2, -1, 0, 1, 2, 3),
         [F(-1, 60), F(3, 20), F(-3, 4), 0, F(3, 4), F(-3, 20), F(1, 60)]),
        (2, 2, "central", (-1, 0, 1), [1, -2, 1]),
        (2, 4, "central", (-2, -1, 0, 1, 2), [F(-1, 12), F(4, 3), F(-5, 2), F(4, 3), F(-1, 12)]),
        (1, 1, "forward", (0, 1), [-1, 1]),
        (1, 1, "backward", (-1, 0), [-1, 1]),
        (1, 2, "forward", (0, 1, 2), [F(-3, 2), 2, F(-1, 2)]),
        (2, 1, "forward", (0, 1, 2), [1, -2, 1]),
        (3, 2, "central", (-2, -1, 0, 1, 2), [F(-1, 2), 1, 0, -1, F(1, 2)]),
    ],
)
def test_fornberg_gives_the_textbook_stencils(derivative, accuracy, kind, offsets, weights):
    s = stencil(derivative, accuracy, kind)
    assert s.offsets == offsets
    assert list(s.weights) == [F(w) for w in weights]
    assert s.accuracy == accuracy


def test_accuracy_is_measured_not_assumed():
    # a symmetric stencil for the 2nd derivative is one order better than its point count says
    assert stencil_on(2, (-1, 0, 1)).accuracy == 2
    assert stencil_on(1, (0, 1, 3)).accuracy == 2
    assert stencil_on(1, (-1, 1)).weights == (F(-1, 2), F(1, 2))


def test_weights_on_any_offsets_differentiate_polynomials_exactly():
    offsets = [F(-3, 2), F(-1, 3), 0, F(1, 2), 2]
    w = fornberg_weights(2, offsets)
    # exact for x**k, k < 5: second derivative at 0 of x**2 is 2, others 0
    for k in range(5):
        assert sum(wi * o**k for wi, o in zip(w, offsets, strict=True)) == (2 if k == 2 else 0)


def test_truncation_constant_of_central_differences_is_one_sixth():
    assert stencil(1, 2).truncation_constant == F(1, 6)
    assert stencil(2, 2).truncation_constant == F(1, 12)


def test_bad_requests_are_refused():
    with pytest.raises(ValueError, match="even"):
        stencil(1, 3)
    with pytest.raises(ValueError, match="more than"):
        fornberg_weights(2, [0, 1])
