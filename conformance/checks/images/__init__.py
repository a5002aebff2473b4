"""Checks of /v1/images/generations: images decode to the asked size, count and format; errors in the envelope."""
