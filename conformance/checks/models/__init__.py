"""/v1/models: list and retrieve."""
