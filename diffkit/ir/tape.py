"""Reverse mode for Python functions: values that record the graph as the code runs.

``Tracked`` is what PyTorch calls a tensor that requires grad: a number or numpy
array that, each time an operation is applied to it, computes the value and appends
the operation to a ``Tape``.  Loops and branches in the user's code simply run — the
tape holds the operations of the path actually taken at this point.  ``backward``
then runs the tape in reverse, x̄ += ȳ·∂y/∂x, with the adjoint rules of the one
primitive table, on whole arrays at a time — the tape is a graph being written, and
its backward sweep is the graph's one adjoint loop.

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

from diffkit.ir.adjoints import adjoints
from diffkit.ir.evaluate import is_finite
from diffkit.ir.graph import Graph, Node
from diffkit.support.errors import DiffkitError, EvaluationError
from diffkit.support.limits import DEFAULT_LIMITS, Limits
from diffkit.table.backends import FLOAT, NUMPY
from diffkit.table.primitives import PRIMITIVES, Primitive, as_number
from diffkit.table.reads import reverse_reads
from diffkit.values.overloading import Differentiable, new_level, power


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

    def _diffkit_binary(self, name: str, a: Any, b: Any) -> Any:
        """x * 2.0, x + y with plain numbers or values of this tape: straight to the
        tape (the general dispatch first asks the other side for its rank)."""
        other = b if a is self else a
        kind = type(other)
        if kind is float or kind is int or (kind is Tracked and other.tape is self.tape):
            return self.tape.record(PRIMITIVES[name], (a, b))
        return super()._diffkit_binary(name, a, b)

    def __neg__(self): return self.tape.record(PRIMITIVES["neg"], (self,))

    def __pow__(self, exponent):
        if type(exponent) is int and exponent >= 2:  # as ``power`` writes it, directly
            if exponent == 2:
                return self.tape.record(PRIMITIVES["square"], (self,))
            return self.tape.record(PRIMITIVES["powi"], (self, exponent))
        return power(self, exponent)


class Tape:
    """The operations one run of a function executed, in order, with their values:
    a ``Graph`` being written (``nodes``, the same node type an expression's graph
    has; every argument that is not on this tape is a ``const`` node) and the value of
    each node.  ``m`` is the backend the values are computed with (a counting one to
    measure ops).  ``backward`` is the graph's one adjoint loop, ``adjoints.adjoints``.
    """

    def __init__(self, m: Any = NUMPY, quiet: bool = True, lean: bool = False,
                 limits: Limits = DEFAULT_LIMITS) -> None:
        self.m = m
        self.max_entries = limits.max_tape_entries
        self.level = new_level()  # above every Dual and tape made before it
        self.recording = True  # False once f's run is over: a value kept from it is stale
        self.nodes: list[Node] = []
        self.values: list[Any] = []
        #: node → ((argument node, ∂y/∂argument), …), taken as the node was recorded,
        #: where every argument was a Python float (see ``record``)
        self.local: dict[int, list[tuple[int, float]]] = {}
        self.general = 0  # the operations recorded the general way
        #: whether numpy's floating-point warnings are off already (f runs under
        #: ``np.errstate``); a run on Python floats skips that, and turns them off
        #: only around the operations that reach numpy
        self.quiet = quiet
        #: keep only the values the backward sweep reads (``reverse_reads``); the
        #: others are ``Dropped`` (their shape) and their memory goes back to numpy as
        #: soon as f lets go of them.  A lean tape can sweep, not print or diagnose.
        self.lean = lean
        self.dropped = 0  # values on the tape that are Dropped now

    def __len__(self) -> int:
        return len(self.values)

    def input(self, value: Any, name: str) -> Tracked:
        """A variable to differentiate with respect to."""
        self.nodes.append(Node("var", name=name))
        self.values.append(value)
        return Tracked(value, self, len(self.values) - 1)

    def record(self, prim: Primitive, args: Any) -> Tracked:
        """Compute the primitive and write it on the tape.

        Where every argument is a Python float (a scalar f), the value is computed on
        the ``FLOAT`` backend and the table's partials are taken at once, as numbers
        (``_on_floats``): the backward sweep then multiplies and adds floats
        (``local``), the cheapest reverse mode there is.  Anything else (arrays, a nan)
        is recorded the general way and differentiated by the rules in the sweep."""
        if len(self.nodes) >= self.max_entries:
            raise DiffkitError(
                f"f wrote more than {self.max_entries:,} operations and constants on the tape "
                "(Limits.max_tape_entries): a run that long would hold more memory than "
                "diffkit allows; differentiate a shorter run")
        if self.m is NUMPY and prim.jvp is None:
            on_floats = self._on_floats(prim, args)
            if on_floats is not None:
                return on_floats
        nodes, values = self.nodes, self.values
        arg_values, ids = [], []
        for a in args:
            if type(a) is Tracked and a.tape is self:
                arg_values.append(a.value)
                ids.append(a.index)
                continue
            if type(a) is Tracked and not (a.tape.recording and a.tape.level < self.level):
                raise DiffkitError(
                    "a value recorded by another call met this one: did f keep a value "
                    "from an earlier call (a global, a default argument)?")
            # a plain value, or an outer gradient's value: a constant here
            arg_values.append(a)
            ids.append(self._constant(a))
        self.general += 1
        if self.quiet:
            y = prim.value(self.m, *arg_values)
        else:
            with np.errstate(all="ignore"):
                y = prim.value(self.m, *arg_values)
        i = len(nodes)
        nodes.append(_node((prim.name, tuple(ids), None, None)))
        values.append(self._kept(prim, ids, arg_values, y) if self.lean else y)
        return Tracked(y, self, i)

    def _on_floats(self, prim: Primitive, args: Any) -> Tracked | None:
        """``record`` where every argument is a Python number and those on the tape
        hold Python floats: the value on ``FLOAT`` and its partials as numbers.  None
        otherwise, or where numpy answered (a nan, an inf: the general way then)."""
        numbers = []
        for a in args:
            kind = type(a)
            if kind is Tracked:
                if a.tape is not self or type(a.value) is not float:
                    return None
                numbers.append(a.value)
            elif kind is float or kind is int:
                numbers.append(a)
            else:
                return None
        y = prim.value(FLOAT, *numbers)
        if type(y) is not float:
            return None
        ids, pairs = [], []
        for k, a in enumerate(args):
            if type(a) is not Tracked:
                ids.append(self._constant(a))
                continue
            ids.append(a.index)
            p = as_number(prim.partials[k](FLOAT, *numbers, y))
            if p is not None:
                pairs.append((a.index, p))
        i = len(self.nodes)
        self.local[i] = pairs
        self.nodes.append(_node((prim.name, tuple(ids), None, None)))
        self.values.append(y)
        return Tracked(y, self, i)

    def _constant(self, value: Any) -> int:
        """A ``const`` node for an argument that is not on this tape: its index."""
        self.nodes.append(_node(("const", (), None, Constant(value))))
        self.values.append(value)
        return len(self.nodes) - 1

    def _kept(self, prim: Primitive, ids: list[int], args: list[Any], y: Any) -> Any:
        """On a lean tape: the arguments the rules read are kept (an earlier ``Dropped``
        gets its value back from the argument in hand); y itself, or — a large array
        the rules do not read — its shape.  Small values are kept as they are: their
        memory is not worth the bookkeeping."""
        values = self.values
        if self.dropped:  # an argument may have been let go: take back what is read
            reads = reverse_reads(prim)
            for k, j in enumerate(ids):
                if type(values[j]) is Dropped and (reads is None or k >= len(reads) - 1 or reads[k]):
                    values[j] = args[k]
                    self.dropped -= 1
        if type(y) is not np.ndarray or y.size < LEAN_MIN_ENTRIES:
            return y
        reads = reverse_reads(prim)
        if reads is None or reads[-1]:
            return y
        self.dropped += 1
        return Dropped(y.shape)

    def backward(self, output: Tracked, seed: Any = 1.0, keep: set[int] | None = None) -> list[Any]:
        """The adjoint of every tape entry (None where it is zero; only the entries in
        ``keep``, if given), seeded with ``seed`` at ``output``: a gradient for a
        scalar output, ūᵀJ for a cotangent ū."""
        graph = Graph(self.nodes, [output.index])
        if not self.general:  # floats only: no numpy arithmetic, no warnings to silence
            return adjoints(graph, self.values, self.m, output.index, seed, keep, self.local)
        with np.errstate(all="ignore"):
            return adjoints(graph, self.values, self.m, output.index, seed, keep, self.local)

    def first_invalid(self) -> str | None:
        """Where the run first produced nan or inf from finite arguments, in words."""
        for node, value in zip(self.nodes, self.values, strict=True):
            if node.op in ("var", "const") or all_finite(value):
                continue
            args = [self.values[j] for j in node.args]
            if not all(all_finite(a) for a in args):
                continue
            prim = PRIMITIVES[node.op]
            if prim.domain is not None and not np.all(prim.domain(*_real(args))):
                return f"{prim.name} is undefined here: {prim.domain_text}"
            return f"{prim.name} overflows double precision"
        return self._first_infinite_slope()

    def _first_infinite_slope(self) -> str | None:
        """Where a partial of the table is infinite although every value is finite
        (sqrt at 0): why a gradient is not finite, in words."""
        with np.errstate(all="ignore"):
            for node, value in zip(self.nodes, self.values, strict=True):
                if node.op in ("var", "const") or PRIMITIVES[node.op].jvp is not None:
                    continue
                prim = PRIMITIVES[node.op]
                args = [self.values[j] for j in node.args]
                for k, j in enumerate(node.args):
                    if self.nodes[j].op == "const" or k in prim.constants:
                        continue
                    slope = as_number(prim.partials[k](self.m, *args, value))
                    if slope is not None and not all_finite(slope):
                        return (prim.convention or f"the slope of {prim.name} is infinite here") + \
                            f" ({prim.name} at {_shown(args)})"
        return None

    def graph(self, outputs: list[Tracked]) -> Graph:
        """The recorded operations as a ``Graph`` (printable, traceable), constants as
        nodes of their own; only what the outputs depend on is kept."""
        return self.graph_and_values(outputs)[0]

    def graph_and_values(self, outputs: list[Tracked]) -> tuple[Graph, list[Any]]:
        """``graph`` and the value of each of its nodes at the recorded point: the
        nodes the outputs depend on, renumbered, without the unset trailing options
        (``sum``'s ``axis=None``) a primitive was called with."""
        needed = set()
        stack = [o.index for o in outputs if isinstance(o, Tracked)]
        while stack:
            i = stack.pop()
            if i not in needed:
                needed.add(i)
                stack.extend(self.nodes[i].args)
        nodes: list[Node] = []
        values: list[Any] = []
        where: dict[int, int] = {}
        for i in sorted(needed):
            node = self.nodes[i]
            if node.op == "const" and node.value.value is None:
                continue
            where[i] = len(nodes)
            nodes.append(Node(node.op, tuple(where[j] for j in node.args if j in where),
                              node.name, node.value))
            values.append(self.values[i])
        graph = Graph(nodes, [where[o.index] for o in outputs if isinstance(o, Tracked)])
        return graph, values


def _node(fields: tuple[Any, ...]) -> Node:
    """A ``Node`` from all four fields (``Node(...)`` with defaults costs twice as much)."""
    return tuple.__new__(Node, fields)


#: a lean tape lets go of arrays of at least this many entries (smaller ones cost
#: less to keep than to account for)
LEAN_MIN_ENTRIES = 4096


class Dropped:
    """A value a lean tape let go of (the backward sweep does not read it): its shape,
    which is all ``unbroadcast`` asks of it."""

    __slots__ = ("shape",)

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.shape = shape

    def __repr__(self) -> str:
        return f"Dropped({self.shape})"


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


def all_finite(v: Any) -> bool:
    try:
        return is_finite(v)
    except TypeError:  # an index, a shape, an object array
        return True


def _shown(args: list[Any]) -> str:
    return ", ".join(f"{float(a):.6g}" if np.ndim(a) == 0 and isinstance(a, float | int)
                     else f"an array of shape {np.shape(a)}" for a in args)


def _real(args: list[Any]) -> list[Any]:
    return [np.real(a) if isinstance(a, np.ndarray | float | complex) else a for a in args]


def fail_if_invalid(tape: Tape, what: str, value: Any) -> None:
    """Raise a one-line ``EvaluationError`` if ``value`` is not finite, saying where
    on the tape it went wrong."""
    if not all_finite(value):
        where = tape.first_invalid()
        raise EvaluationError(f"{what} is not finite" + (f": {where}" if where else ""))
