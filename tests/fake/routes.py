"""Routes of the fake beyond chat and models: each endpoint module registers its own handlers here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# handler(app, ctx, **path_groups) -> Reply | StreamReply; app gives config, hooks, state and _soft.
Handler = Callable[..., Any]


@dataclass(frozen=True)
class Route:
    """One method on one path pattern (a regular expression over the request path)."""

    pattern: str
    method: str
    handler: Handler


ROUTES: list[Route] = []


def route(pattern: str, method: str = "POST") -> Callable[[Handler], Handler]:
    """Register an endpoint handler of the fake (see tests/fake/endpoints/)."""

    def register(fn: Handler) -> Handler:
        ROUTES.append(Route(pattern, method, fn))
        return fn

    return register
