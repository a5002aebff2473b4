"""Which check the current thread works for, so shared layers (recorder, replayer, budgets) can tell checks apart."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_CURRENT: ContextVar[str | None] = ContextVar("conformance_check", default=None)


def current() -> str | None:
    """The id of the check this thread is running (None outside any check)."""
    return _CURRENT.get()


@contextmanager
def within(check_id: str) -> Iterator[None]:
    """Mark everything inside the block, in this thread, as done for check_id."""
    token = _CURRENT.set(check_id)
    try:
        yield
    finally:
        _CURRENT.reset(token)
