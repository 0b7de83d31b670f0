"""The one intermediate representation and its interpreters: the graph (SymPy → nodes),
the primal loop ``evaluate`` (forward mode on dual numbers), the one adjoint loop
``adjoints``, the op counter, the tape a Python function writes (a graph being
written) and the code-emitting backend of compiled programs."""
