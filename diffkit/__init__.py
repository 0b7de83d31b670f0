"""diffkit: differentiate an expression or a Python function five ways and compare them.

>>> import diffkit
>>> print(diffkit.compare("4*x**3 + x**2 + 3", at=2).reference)
{'x': 52.0}

Public API: ``parse``, ``compare`` (→ ``Comparison``), ``sweep`` (→ ``Sweep``),
``stencil``, ``Dual``, ``build_graph``, ``Limits``, ``METHODS`` and the errors
(``DiffkitError`` and its kinds).
"""

from diffkit.analysis.autodiff import derivative, gradient, hessian, jacobian
from diffkit.analysis.compare import compare
from diffkit.analysis.comparison import Comparison
from diffkit.analysis.compiling import compile_derivative as compile
from diffkit.analysis.directional import Directional, jvp, vjp
from diffkit.analysis.gradcheck import GradientCheck, check_gradient
from diffkit.analysis.scaling import ScalingReport, scaling
from diffkit.analysis.sweep import Sweep, sweep
from diffkit.analysis.trace import Trace, draw_graph, record, to_dot, trace
from diffkit.inputs.parse import parse
from diffkit.ir.graph import Graph, build_graph
from diffkit.ir.program import Compiled
from diffkit.ir.tape import Tracked
from diffkit.methods import METHODS, MethodResult
from diffkit.numerics.stencils import Stencil, stencil
from diffkit.support.errors import (
    BudgetExceeded,
    DiffkitError,
    EvaluationError,
    NotAnalyticError,
    ParseError,
    PointError,
    UnsupportedError,
)
from diffkit.support.limits import DEFAULT_LIMITS, Limits
from diffkit.values import (
    numpy_movement,  # noqa: F401  (numpy's functions on differentiating values)
    numpy_ufuncs,  # noqa: F401  (numpy's ufuncs that are not one primitive)
)
from diffkit.values.dual import Dual
from diffkit.values.functions import (
    cross_entropy,
    dot,
    elementwise_functions,
    log_softmax,
    logsumexp,
    matmul,
    mean,
    norm,
    reshape,
    softmax,
    stack,
    sum,
)

__version__ = "0.1.0"

__all__ = [  # noqa: RUF022  (the functions f is written with come last)
    "DEFAULT_LIMITS",
    "METHODS",
    "BudgetExceeded",
    "Comparison",
    "Compiled",
    "DiffkitError",
    "Directional",
    "Dual",
    "EvaluationError",
    "Graph",
    "Limits",
    "MethodResult",
    "NotAnalyticError",
    "ParseError",
    "PointError",
    "ScalingReport",
    "Stencil",
    "Sweep",
    "Trace",
    "UnsupportedError",
    "__version__",
    "build_graph",
    "compare",
    "compile",
    "jvp",
    "parse",
    "scaling",
    "stencil",
    "sweep",
    "to_dot",
    "draw_graph",
    "trace",
    "vjp",
    "derivative",
    "gradient",
    "hessian",
    "jacobian",
    "Tracked",
    "GradientCheck",
    "check_gradient",
    "record",
    # functions to write f with (diffkit.functions; the elementwise ones from the table)
    "cross_entropy", "dot", "log_softmax", "logsumexp", "matmul", "mean", "norm",
    "reshape", "softmax", "stack", "sum",
]
__all__.extend(sorted(elementwise_functions()))
globals().update(elementwise_functions())


def __getattr__(name: str) -> object:
    """A function of a primitive defined after import (``primitives.define``)."""
    found = elementwise_functions().get(name)
    if found is None:
        raise AttributeError(f"module 'diffkit' has no attribute {name!r}")
    return found
