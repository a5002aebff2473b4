"""A client's scenario process: started in a clean environment, read line by line, killed with its group.

A process may be started ahead of the matrix (`Processes.start_ahead`): the scenario file imports its client package before
it reads its config, so that start-up (a second for Genkit) overlaps the checks instead of following them.
"""

from __future__ import annotations

import atexit
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from conformance.clients.registry import NODE_DIR, ClientSpec

NODE_HEAP_MB = 512
PYTHON_MEMORY_BYTES = 2 * 1024**3
MAX_LINE = 1024 * 1024


@dataclass
class Process:
    """A running scenario process: its stdout lines in a queue (None once it ended) and its stderr's tail."""

    popen: subprocess.Popen[bytes]
    lines: queue.Queue[bytes | None] = field(default_factory=queue.Queue)
    err: list[bytes] = field(default_factory=list)

    def tail(self) -> str:
        """The end of what the process wrote on stderr."""
        return b"".join(self.err).decode("utf-8", "replace").strip()[-600:]

    def kill(self) -> None:
        """Kill the process and anything it started, and reap it."""
        proc = self.popen
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                proc.kill()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        for pipe in (proc.stdin, proc.stdout, proc.stderr):
            if pipe is not None:
                try:
                    pipe.close()
                except OSError:
                    pass


# Tells a Python scenario module it was started ahead: it imports its client before its config comes.
AHEAD = "--ahead"


def command(client: ClientSpec, ahead: bool = False) -> list[str]:
    """The command line that runs a client's scenario file (a Node one always loads its client first)."""
    if client.language == "node":
        return ["node", f"--max-old-space-size={NODE_HEAP_MB}", str(NODE_DIR / "run.mjs"), str(NODE_DIR / client.script)]
    return [sys.executable, "-m", client.script, *([AHEAD] if ahead else [])]


def env(client: ClientSpec) -> dict[str, str]:
    """A clean environment: no key, no proxy settings (the clients talk to 127.0.0.1 only)."""
    out = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")}
    out["NO_PROXY"] = out["no_proxy"] = "*"
    if client.language == "python":
        out["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
        out["PYTHONDONTWRITEBYTECODE"] = "1"
    return out


def _limit_memory() -> None:  # pragma: no cover - runs in the child before exec
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (PYTHON_MEMORY_BYTES, PYTHON_MEMORY_BYTES))


def start(client: ClientSpec, ahead: bool = False) -> Process:
    """Start a client's scenario process; it waits for its config on stdin."""
    popen = subprocess.Popen(
        command(client, ahead), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        env=env(client), start_new_session=True, cwd=str(NODE_DIR if client.language == "node" else Path.cwd()),
        preexec_fn=_limit_memory if client.language == "python" and sys.platform != "win32" else None,
    )
    p = Process(popen)
    threading.Thread(target=_pump, args=(popen.stdout, p.lines), daemon=True).start()
    threading.Thread(target=_tail, args=(popen.stderr, p.err), daemon=True).start()
    return p


def _pump(stream: Any, out: queue.Queue[bytes | None]) -> None:
    for raw in iter(lambda: stream.readline(MAX_LINE), b""):
        out.put(raw)
    out.put(None)


def _tail(stream: Any, out: list[bytes]) -> None:
    for raw in iter(lambda: stream.read(4096), b""):
        out.append(raw)
        del out[:-4]


# Processes kept between runs of one process (the bundled replay runs several recordings one after the other):
# a client done with a run's config waits for the next one instead of starting again. Off unless keep_warm().
_WARM: dict[str, Process] = {}
_KEEP = [False]
_WARM_LOCK = threading.Lock()


def keep_warm() -> None:
    """From now on, a client process that finished a run's config serves the next run of this process."""
    with _WARM_LOCK:
        if not _KEEP[0]:
            _KEEP[0] = True
            atexit.register(_kill_warm)


def _kill_warm() -> None:
    with _WARM_LOCK:
        left = list(_WARM.values())
        _WARM.clear()
    for p in left:
        p.kill()


def _take_warm(client: ClientSpec) -> Process | None:
    with _WARM_LOCK:
        p = _WARM.pop(client.name, None)
    if p is not None and p.popen.poll() is not None:
        p.kill()
        return None
    return p


class Processes:
    """Every client process of one run: started ahead of the matrix, started by it, or done with a config and
    idle (the matrix's second part, and with keep_warm() the next run, send it another); close() ends them."""

    def __init__(self) -> None:
        self._ahead: dict[str, Process] = {}
        self._idle: dict[str, Process] = {}
        self._all: list[Process] = []
        self._lock = threading.Lock()
        self._closed = False

    def start_ahead(self, clients: Iterable[ClientSpec]) -> None:
        """Start a process for each client that can run here, to be taken by the matrix later."""
        for client in clients:
            if client.missing() is not None:
                continue
            with self._lock:
                if self._closed or client.name in self._ahead:
                    continue
                try:
                    self._ahead[client.name] = p = _take_warm(client) or start(client, ahead=True)
                except OSError:
                    continue  # the matrix starts it again and reports why it cannot run
                self._all.append(p)

    def get(self, client: ClientSpec) -> Process:
        """The client's idle or started-ahead process if one is still alive, else a new one."""
        with self._lock:
            found = [p for p in (self._idle.pop(client.name, None), self._ahead.pop(client.name, None)) if p]
        alive = [p for p in found if p.popen.poll() is None]
        for p in alive[1:]:
            p.kill()
        if alive:
            return alive[0]
        p = _take_warm(client) or start(client)
        with self._lock:
            self._all.append(p)
            closed = self._closed
        if closed:  # the run ended meanwhile: the process is not wanted
            p.kill()
        return p

    def release(self, client: ClientSpec, p: Process) -> None:
        """The client answered every scenario of its config: keep it for another config of this run."""
        with self._lock:
            if not self._closed:
                p.err.clear()
                old, self._idle[client.name] = self._idle.get(client.name), p
            else:
                old = p
        if old is not None and old is not p:
            old.kill()
        if self._closed:
            p.kill()

    def close(self) -> None:
        """The run is over (or was interrupted): idle processes are kept warm for the next run if keep_warm()
        was called, every other one is killed."""
        with self._lock:
            self._closed = True
            idle = list(self._idle.items())
            keep = {id(p) for _, p in idle} if _KEEP[0] else set()
            left = [p for p in self._all if id(p) not in keep]
            self._all, self._ahead, self._idle = [], {}, {}
        for p in left:
            p.kill()
        for name, p in idle:
            if id(p) in keep:
                with _WARM_LOCK:
                    old, _WARM[name] = _WARM.get(name), p
                if old is not None:
                    old.kill()
