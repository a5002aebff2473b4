"""A stop signal stops the run even when its KeyboardInterrupt is lost in a finalizer."""

from __future__ import annotations

import gc
import os
import signal
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from conformance import guard
from conformance.scheduler import Scheduler


class _SignalsInFinalizer:
    """Sends a signal to this process from __del__: the handler's exception is printed and dropped there."""

    def __init__(self, signum: int) -> None:
        self.signum = signum

    def __del__(self) -> None:
        os.kill(os.getpid(), self.signum)
        time.sleep(0.05)  # the handler runs here, inside the finalizer


def _lose_a_signal(signum: int) -> None:
    obj = _SignalsInFinalizer(signum)
    del obj
    gc.collect()


# pytest reports what the finalizer printed as a warning: that is the point of these tests.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def test_a_swallowed_sigterm_still_ends_the_wait_for_a_check() -> None:
    hung = threading.Event()
    stuck = SimpleNamespace(spec=SimpleNamespace(id="stuck", alone=True, many_requests=False))
    sched = Scheduler([stuck], work=lambda c: hung.wait(), concurrency=1)  # type: ignore[list-item,arg-type,return-value]
    with guard.terminate_as_interrupt() as terminated:
        _lose_a_signal(signal.SIGTERM)  # the KeyboardInterrupt goes to "Exception ignored", not to us
        assert guard.stop_requested()
        t0 = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            sched.result("stuck")
        assert time.monotonic() - t0 < 10 * guard.POLL_S
        assert terminated()
    hung.set()


@pytest.fixture
def sigint(request: pytest.FixtureRequest) -> Iterator[None]:
    """SIGINT handled as the given handler for the test (a background job starts with it ignored)."""
    previous = signal.signal(signal.SIGINT, request.param)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize("sigint", [signal.default_int_handler], indirect=True)
def test_a_swallowed_ctrl_c_is_not_taken_for_sigterm(sigint: None) -> None:
    with guard.terminate_as_interrupt() as terminated:
        _lose_a_signal(signal.SIGINT)
        with pytest.raises(KeyboardInterrupt):
            guard.raise_if_stopped()
        assert not terminated()
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("sigint", [signal.SIG_IGN], indirect=True)
def test_an_ignored_ctrl_c_stays_ignored(sigint: None) -> None:
    with guard.terminate_as_interrupt():
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
        assert not guard.stop_requested()
    assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN


def test_each_guarded_run_starts_without_a_stop() -> None:
    with guard.terminate_as_interrupt():
        _lose_a_signal(signal.SIGTERM)
    with guard.terminate_as_interrupt():
        assert not guard.stop_requested()
        guard.raise_if_stopped()
