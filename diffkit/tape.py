"""Reverse mode for Python functions: values that record the graph as the code runs.

``Tracked`` is what PyTorch calls a tensor that requires grad: a number or numpy
array that, each time an operation is applied to it, computes the value and appends
the operation to a ``Tape``.  Loops and branches in the user's code simply run — the
tape holds the operations of the path actually taken at this point.  ``backward``
then runs the tape in reverse, x̄ += ȳ·∂y/∂x, with the adjoint rules of the one
primitive table, on whole arrays at a time.

>>> tape = Tape()
>>> x = tape.input(3.0, "x")
>>> y = x * x + 2.0 * x
>>> float(tape.backward(y)[x.index])   # 2x + 2 at 3
8.0
>>> print(tape.graph([y]))
v0 = x
v1 = v0 * v0
v2 = 2.0
v3 = 2.0 * v0
v4 = v1 + v3
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import array_primitives  # noqa: F401  (the array rows this module reads)
from .array_primitives import add_at
from .backends import NUMPY
from .errors import DiffkitError, EvaluationError
from .evaluate import is_finite
from .graph import Graph, Node
from .overloading import Differentiable, new_level
from .primitives import PRIMITIVES, Primitive, adjoint_term


class Tracked(Differentiable):
    """A value on a tape: its number or array, and where on the tape it was made."""

    __slots__ = ("index", "tape", "value")

    def __init__(self, value: Any, tape: Tape, index: int) -> None:
        self.value = value
        self.tape = tape
        self.index = index

    def __repr__(self) -> str:
        return f"Tracked({self.value!r})"

    @property
    def _diffkit_value(self) -> Any:
        return self.value

    @property
    def _diffkit_rank(self) -> int:
        return 4 * self.tape.level + 2

    def _diffkit_apply(self, name: str, args: Any) -> Tracked:
        return self.tape.record(PRIMITIVES[name], args)


class Tape:
    """The operations one run of a function executed, in order, with their values.

    Entry i holds the primitive (None for an input), the tape positions of its
    arguments (None for a constant), the arguments' values and the result.
    ``m`` is the backend the values are computed with (a counting one to measure ops).
    """

    def __init__(self, m: Any = NUMPY) -> None:
        self.m = m
        self.level = new_level()  # above every Dual and tape made before it
        self.recording = True  # False once f's run is over: a value kept from it is stale
        self.prims: list[Primitive | None] = []
        self.parents: list[list[int | None]] = []
        self.args: list[list[Any]] = []
        self.values: list[Any] = []
        self.names: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.values)

    def input(self, value: Any, name: str) -> Tracked:
        """A variable to differentiate with respect to."""
        self.names[len(self.values)] = name
        return self._push(None, [], [], value)

    def _push(self, prim: Primitive | None, parents: list, args: list, value: Any) -> Tracked:
        self.prims.append(prim)
        self.parents.append(parents)
        self.args.append(args)
        self.values.append(value)
        return Tracked(value, self, len(self.values) - 1)

    def record(self, prim: Primitive, args: Any) -> Tracked:
        """Compute the primitive and write it on the tape."""
        values, parents = [], []
        for a in args:
            if type(a) is Tracked:
                if a.tape is not self and a.tape.recording and a.tape.level < self.level:
                    values.append(a)  # an outer gradient's value: a constant here
                    parents.append(None)
                    continue
                if a.tape is not self:
                    raise DiffkitError(
                        "a value recorded by another call met this one: did f keep a value "
                        "from an earlier call (a global, a default argument)?")
                values.append(a.value)
                parents.append(a.index)
            else:
                values.append(a)
                parents.append(None)
        y = prim.value(self.m, *values)
        self.prims.append(prim)
        self.parents.append(parents)
        self.args.append(values)
        self.values.append(y)
        return Tracked(y, self, len(self.values) - 1)

    def backward(self, output: Tracked, seed: Any = 1.0) -> list[Any]:
        """The adjoint of every tape entry (None where it is zero), seeded with
        ``seed`` at ``output``: a gradient for a scalar output, ūᵀJ for a cotangent ū."""
        m = self.m
        adjoint: list[Any] = [None] * len(self.values)
        adjoint[output.index] = seed
        prims, parents, args, values = self.prims, self.parents, self.args, self.values
        owned: set[int] = set()  # adjoints held in a buffer of our own (see _scatter_into)
        for i in range(output.index, -1, -1):
            y_bar = adjoint[i]
            prim = prims[i]
            if y_bar is None or prim is None:
                continue
            if prim is _GETITEM and m is NUMPY and parents[i][0] is not None \
                    and _scatter_into(adjoint, owned, parents[i][0], args[i], y_bar):
                continue
            for k, j in enumerate(parents[i]):
                if j is None:
                    continue
                part = adjoint_term(prim, k, m, args[i], values[i], y_bar)
                if part is not None:
                    adjoint[j] = part if adjoint[j] is None else m.add(adjoint[j], part)
                    owned.discard(j)
        return adjoint

    def first_invalid(self) -> str | None:
        """Where the run first produced nan or inf from finite arguments, in words."""
        for prim, args, value in zip(self.prims, self.args, self.values, strict=True):
            if prim is None or _all_finite(value) or not all(_all_finite(a) for a in args):
                continue
            if prim.domain is not None and not np.all(prim.domain(*_real(args))):
                return f"{prim.name} is undefined here: {prim.domain_text}"
            return f"{prim.name} overflows double precision"
        return None

    def graph(self, outputs: list[Tracked]) -> Graph:
        """The recorded operations as a ``Graph`` (printable, traceable), constants as
        nodes of their own; only what the outputs depend on is kept."""
        return self.graph_and_values(outputs)[0]

    def graph_and_values(self, outputs: list[Tracked]) -> tuple[Graph, list[Any]]:
        """``graph`` and the value of each of its nodes at the recorded point."""
        needed = set()
        stack = [o.index for o in outputs if isinstance(o, Tracked)]
        while stack:
            i = stack.pop()
            if i not in needed:
                needed.add(i)
                stack.extend(j for j in self.parents[i] if j is not None)
        nodes: list[Node] = []
        values: list[Any] = []
        where: dict[int, int] = {}
        for i in sorted(needed):
            prim = self.prims[i]
            if prim is None:
                where[i] = len(nodes)
                nodes.append(Node("var", name=self.names.get(i, f"input{i}")))
                values.append(self.values[i])
                continue
            arg_ids = []
            for j, a in zip(self.parents[i], self.args[i], strict=True):
                if j is None and a is None:  # an unset trailing option (axis=None)
                    continue
                if j is None:
                    arg_ids.append(len(nodes))
                    nodes.append(Node("const", value=Constant(a)))
                    values.append(a)
                else:
                    arg_ids.append(where[j])
            where[i] = len(nodes)
            nodes.append(Node(prim.name, tuple(arg_ids)))
            values.append(self.values[i])
        graph = Graph(nodes, [where[o.index] for o in outputs if isinstance(o, Tracked)])
        return graph, values


_GETITEM = PRIMITIVES["getitem"]


def _scatter_into(adjoint: list[Any], owned: set[int], j: int, args: list[Any], y_bar: Any) -> bool:
    """x[index]'s adjoint added into x's in place: slicing a parameter vector into
    pieces (W₁, b₁, …) then costs the pieces' sizes, not a full-size array per piece.
    Plain float64 arrays only (the table's rule, ``scatter``, handles the rest)."""
    x, index = args
    if not (isinstance(x, np.ndarray) and isinstance(y_bar, np.ndarray | float)):
        return False
    if adjoint[j] is not None and not isinstance(adjoint[j], np.ndarray | float):
        return False  # an outer derivative's value (gradient of a gradient): the rule
    if j not in owned:
        buffer = np.zeros(x.shape) if adjoint[j] is None else np.array(adjoint[j], dtype=float)
        if buffer.shape != x.shape:
            return False
        adjoint[j] = buffer
        owned.add(j)
    add_at(adjoint[j], index, y_bar)
    return True


class Constant:
    """A constant of a recorded graph, printed briefly (an array by its shape)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __str__(self) -> str:
        v = self.value
        if isinstance(v, np.ndarray) and v.size > 4:
            return f"array{list(v.shape)}"
        if isinstance(v, np.ndarray):
            return np.array2string(v, separator=", ")
        return repr(v) if isinstance(v, tuple | slice) else str(v)

    __repr__ = __str__


def _all_finite(v: Any) -> bool:
    try:
        return is_finite(v)
    except TypeError:  # an index, a shape, an object array
        return True


def _real(args: list[Any]) -> list[Any]:
    return [np.real(a) if isinstance(a, np.ndarray | float | complex) else a for a in args]


def fail_if_invalid(tape: Tape, what: str, value: Any) -> None:
    """Raise a one-line ``EvaluationError`` if ``value`` is not finite, saying where
    on the tape it went wrong."""
    if not _all_finite(value):
        where = tape.first_invalid()
        raise EvaluationError(f"{what} is not finite" + (f": {where}" if where else ""))
