"""Renderers: each a pure function of a results document."""
