"""The primitive table (``primitives.define``, the one way to add an entry; the scalar,
array, reduction, linear-algebra and ML rows) and what is generated from it without
values: the backends' namespaces and the names text may call."""
