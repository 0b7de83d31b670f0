"""diffkit: differentiate an expression or a Python function five ways and compare them.

>>> import diffkit
>>> print(diffkit.compare("4*x**3 + x**2 + 3", at=2).reference)
{'x': 52.0}

Public API: ``parse``, ``compare`` (→ ``Comparison``), ``sweep`` (→ ``Sweep``),
``stencil``, ``Dual``, ``build_graph``, ``Limits``, ``METHODS`` and the errors
(``DiffkitError`` and its kinds).
"""

from . import numpy_movement  # noqa: F401  (numpy's functions on differentiating values)
from .autodiff import derivative, gradient, hessian, jacobian
from .compare import compare
from .comparison import Comparison
from .compiled import Compiled
from .compiling import compile_derivative as compile
from .directional import Directional, jvp, vjp
from .dual import Dual
from .errors import (
    BudgetExceeded,
    DiffkitError,
    EvaluationError,
    NotAnalyticError,
    ParseError,
    PointError,
    UnsupportedError,
)
from .functions import (
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
from .gradcheck import GradientCheck, check_gradient
from .graph import Graph, build_graph
from .limits import DEFAULT_LIMITS, Limits
from .methods import METHODS, MethodResult
from .parse import parse
from .scaling import ScalingReport, scaling
from .stencils import Stencil, stencil
from .sweep import Sweep, sweep
from .tape import Tracked
from .trace import Trace, record, to_dot, trace

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
