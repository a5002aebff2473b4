"""Checks of /v1/completions (the legacy text completions endpoint), one module per feature area."""
