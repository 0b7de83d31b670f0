"""What users call: compare and its Comparison, the reference, gradient/jacobian/hessian,
jvp/vjp, sweeps, scaling, traces, gradient checks and ``compile``."""
