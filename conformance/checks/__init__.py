"""The checks, one module per feature area."""
