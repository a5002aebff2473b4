"""/v1/responses: one module per feature area."""
