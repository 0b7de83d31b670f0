"""Resource limits: named, documented settings that stop hostile or runaway input.

Each limit stops a measured attack (see the guide's "Safety and limits" page,
docs/guide/safety-and-limits.md, and ``python benchmarks/hostile_inputs.py``).  Pass your own ``Limits`` to
``parse`` or ``compare`` to loosen or tighten them:

>>> from diffkit.support.limits import Limits
>>> Limits(max_length=50_000).max_length
50000
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    #: characters of expression text (a 1 MB input costs ast.parse 5 s and 419 MB)
    max_length: int = 10_000
    #: nesting of parentheses, calls, unary signs and powers (SymPy recurses)
    max_depth: int = 64
    #: the operator characters + - * / ^ (ast.parse fails near 3,000 chained)
    max_operators: int = 2_000
    #: syntax-tree nodes, a second line behind max_operators
    max_nodes: int = 5_000
    #: digits of an integer literal (write 1e20 for a large number)
    max_int_digits: int = 15
    #: characters of a float literal
    max_float_chars: int = 40
    #: characters of a variable name
    max_name_length: int = 32
    #: absolute value of a constant exponent (9**9**9**9, x**(10**10))
    max_exponent: int = 1_000
    #: bits of an exact constant SymPy is allowed to fold
    max_const_bits: int = 4_096
    #: wall-clock seconds for parsing and building the SymPy expression (backstop)
    parse_seconds: float = 2.0
    #: wall-clock seconds for symbolic differentiation and for the reference
    symbolic_seconds: float = 5.0
    #: wall-clock seconds for any one method (a large but valid expression)
    method_seconds: float = 20.0
    #: wall-clock seconds for all the rows of one comparison together
    compare_seconds: float = 8.0
    #: entries of a Jacobian ``jacobian`` builds densely (10⁷ float64 = 80 MB; an
    #: elementwise f at 20,000 entries would need 3.2 GB)
    max_jacobian_entries: int = 10_000_000
    #: the largest n of a ``scaling`` run for gradients (building and differentiating
    #: the family grows with n; reverse mode at 10,000 takes ~1.5 s)
    max_scaling_size: int = 10_000
    #: the largest n of a ``scaling --hessian`` run (a Hessian has n² entries)
    max_hessian_size: int = 100
    #: operations and constants one recorded run of a Python f may write on its tape
    #: (~300 bytes each for numbers: a scalar loop that runs for the whole
    #: ``method_seconds`` would otherwise hold gigabytes)
    max_tape_entries: int = 1_000_000


DEFAULT_LIMITS = Limits()
