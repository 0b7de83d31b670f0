"""Which values a primitive's reverse rules read: what a lean tape must keep.

A recording that keeps only the arguments and outputs the backward rules read holds,
like autograd's closures, just what the sweep needs, and lets numpy reuse the memory
of the rest (``Tape.lean``).  The answer is read from the rules' own code, so a new
entry needs no declaration; ``tests/test_lean_tape.py`` replays every rule of the
table with the values said to be unread replaced by their shapes.

>>> from diffkit.table.primitives import PRIMITIVES
>>> reverse_reads(PRIMITIVES["exp"])  # eˣ's slope is its value: x itself is not read
(False, True)
"""

from __future__ import annotations

import dis
import inspect

from diffkit.table.primitives import Primitive, version


def reverse_reads(prim: Primitive) -> tuple[bool, ...] | None:
    """Which of its arguments (then its output) the reverse rules of ``prim`` read:
    a recording that keeps only these values holds, like autograd's closures, just
    what the backward sweep needs, and lets numpy reuse the memory of the rest.  Read
    from the rules' code: a parameter counts as read where any instruction loads it.
    None — everything is read — for a rule without Python code, one that reads
    ``*args``, and a primitive of any number of arguments (``stack``)."""
    key = (prim.name, version())
    try:
        return _READS[key]
    except KeyError:
        found = _READS[key] = _reads(prim)  # None too: read from the code once
        return found


_READS: dict[tuple[str, int], tuple[bool, ...] | None] = {}
_LOADS = ("FAST", "DEREF", "CLOSURE")


def _reads(prim: Primitive) -> tuple[bool, ...] | None:
    n = prim.arity
    if n == 0:
        return None
    rules = prim.vjp if prim.vjp is not None else prim.partials
    extra = 2 if prim.vjp is not None else 1  # (y, ȳ) or (y) after the arguments
    read = [False] * (n + 1)
    for k in range(n):
        code = getattr(rules[k], "__code__", None)
        if code is None or code.co_argcount + code.co_kwonlyargcount not in (0, n + extra + 1):
            return None
        loaded = set(code.co_cellvars)
        for instruction in dis.get_instructions(code):
            if any(kind in instruction.opname for kind in _LOADS):
                value = instruction.argval
                loaded.update(value if isinstance(value, tuple) else (value,))
        if code.co_flags & inspect.CO_VARARGS and code.co_varnames[code.co_argcount] in loaded:
            return None
        params = code.co_varnames[: code.co_argcount]
        for position, name in enumerate(params[1: n + 2]):  # the arguments, then y
            read[position] = read[position] or name in loaded
    return tuple(read)


