"""/v1/chat/completions: one module per feature area."""
