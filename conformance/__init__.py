"""oai-conformance: a conformance suite for OpenAI-compatible HTTP APIs."""

__version__ = "0.1.0"
