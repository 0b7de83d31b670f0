"""A derivative program, loaded and callable: what ``compile_graph`` returns.

Its source is written by ``compiled`` from the graph, never from user text; the call
checks what it is given (real numbers or arrays of them, one per parameter) and, for a
Python function of arrays compiled with ``at=``, is also called as f is.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from diffkit.support.errors import DiffkitError

#: what a program takes without a look at each value
_NUMBER_TYPES = {float, np.float64}


@dataclass
class Compiled:
    """A derivative program: its ``source``, the ``ops`` it executes per point, and a
    call that runs it on numbers or arrays of points (one gradient row per output)."""

    source: str
    ops: int
    mode: str
    variables: list[str]  # the ones differentiated, in the order of each row
    parameters: dict[str, str]  # every variable of f → the program's parameter
    outputs: int
    function: Callable[..., Any]
    #: a Python function's arguments (``dk.compile(f, at=...)``): the program is then
    #: also called as f is, with arrays, and answers in their shapes
    arguments: Any = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The derivative at numbers or arrays of points, one value per parameter (by
        position or name) — or, for a Python function of arrays, f's own arguments."""
        given = (*args, *kwargs.values()) if kwargs else args
        if not set(map(type, given)) <= _NUMBER_TYPES:  # arrays, lists, anything else
            args = tuple(_points(v) for v in args)
            kwargs = {k: _points(v) for k, v in kwargs.items()}
            if self.arguments is not None and not kwargs and len(args) == len(self.arguments.values) \
                    and all(np.shape(a) == np.shape(v) for a, v in zip(args, self.arguments.values, strict=True)):
                return self._as_f(args)
        if len(given) != len(self.parameters) or (kwargs and not set(kwargs) <= set(self.parameters.values())):
            unknown = sorted(set(kwargs) - set(self.parameters.values()))
            raise DiffkitError(f"the program takes {len(self.parameters)} value(s), "
                               f"{', '.join(self.parameters.values())}; got {len(given)}"
                               + (f" and no parameter {', '.join(unknown)}" if unknown else ""))
        return self.function(*args, **kwargs)

    def _as_f(self, args: tuple[Any, ...]) -> Any:
        """Each entry of f's array arguments as the program's parameter of that name;
        the gradient packed like the arguments (one packing per output)."""
        given = replace(self.arguments, values=list(args)).flat_point()
        # an entry f's formula does not read is no parameter (its slope is 0)
        rows = self.function(**{self.parameters[n]: v for n, v in given.items() if n in self.parameters})
        zeros = replace(self.arguments, values=[np.zeros(np.shape(v)) if np.ndim(v) else 0.0
                                                for v in self.arguments.values])
        packed = [self.arguments.pack(zeros.from_flat(dict(zip(self.variables, row, strict=True))))
                  for row in ([rows] if self.outputs == 1 else rows)]
        return packed[0] if self.outputs == 1 else tuple(packed)

    def __str__(self) -> str:
        return self.source


def _points(v: Any) -> Any:
    """A value given to a program as float64 (a list as an array, an integer as a float:
    numpy refuses 2 ** -1 on integers); anything but real numbers is refused."""
    kind = np.asarray(v).dtype.kind if not isinstance(v, list | tuple) else "f"
    if kind not in "iuf" or isinstance(v, bool | np.bool_):
        raise DiffkitError(f"the program takes real numbers or arrays of them, not {type(v).__name__}")
    if isinstance(v, int | np.integer):
        return float(v)
    return v if kind == "f" and not isinstance(v, list | tuple) else np.asarray(v, dtype=float)


def load(source: str, name: str) -> Callable[..., Any]:
    """The function ``name`` defined by ``source`` (written by ``compiled`` from the graph,
    never from user text): its code object, made a function over numpy."""
    module = compile(source, f"<diffkit compiled {name}>", "exec")
    namespace: dict[str, Any] = {"np": np, "__builtins__": {"all": all, "isinstance": isinstance,
                                                            "float": float, "tuple": tuple}}
    for code in module.co_consts:
        if isinstance(code, types.CodeType):
            namespace[code.co_name] = types.FunctionType(code, namespace)
    return namespace[name]

