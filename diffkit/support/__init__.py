"""Ground floor: error types, named limits, wall-clock budgets, numbers as text and
strict JSON, matplotlib figures (imported inside the functions only). Imports nothing
of diffkit above it."""
