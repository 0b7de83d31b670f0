"""diffkit: differentiate one expression four ways and compare them side by side.

>>> import diffkit
>>> print(diffkit.compare("4*x**3 + x**2 + 3", at=2).reference)
{'x': 52.0}

Public API: ``parse``, ``compare`` (→ ``Comparison``), ``sweep`` (→ ``Sweep``),
``stencil``, ``Dual``, ``build_graph``, ``Limits``, ``METHODS`` and the errors
(``DiffkitError`` and its kinds).
"""

from . import array_primitives  # noqa: F401  (the table's array and ML rows)
from .autodiff import derivative, gradient, hessian, jacobian
from .compare import compare
from .comparison import Comparison
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
    abs,
    arccos,
    arcsin,
    arctan,
    cos,
    cosh,
    cross_entropy,
    dot,
    exp,
    log,
    log_softmax,
    logsumexp,
    matmul,
    maximum,
    mean,
    minimum,
    norm,
    relu,
    reshape,
    sigmoid,
    sign,
    sin,
    sinh,
    softmax,
    softplus,
    sqrt,
    stack,
    stop_gradient,
    sum,
    tan,
    tanh,
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
    # functions to write f with (diffkit.functions)
    "abs", "arccos", "arcsin", "arctan", "cos", "cosh", "cross_entropy", "dot", "exp",
    "log", "log_softmax", "logsumexp", "matmul", "maximum", "mean", "minimum", "norm",
    "relu", "reshape", "sigmoid", "sign", "sin", "sinh", "softmax", "softplus", "sqrt",
    "stack", "stop_gradient", "sum", "tan", "tanh",
]
