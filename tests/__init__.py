"""Self-tests of oai-conformance."""
