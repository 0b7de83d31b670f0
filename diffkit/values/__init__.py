"""Values that differentiate and numpy on them: dual numbers (forward mode), numpy
dispatch to the table (``overloading``), numpy's functions with rules or refused by
name (``numpy_api``, ``numpy_movement``), ``dk.sin`` and the other functions to write
f with."""
