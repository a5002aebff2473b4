"""A session's run built from the pytest options: target, secrets, recorder or replayer, budgets, preflight probe."""

from __future__ import annotations

import sys
import threading
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest

from conformance import __version__, exitcodes, redact
from conformance import sink as sinks
from conformance import results as results_mod
from conformance.config import ConfigError, Settings, build_target, check_env_name, concurrency
from conformance.context import PropertySettings, Run, request_key
from conformance.http import Client, ReplayMiss
from conformance.limits import Budget, Limits
from conformance.model import DEFAULT_MAX_BODY, Severity, Target
from conformance.preflight import Preflight, Unreachable, probe
from conformance.recording import (
    PREFLIGHT, CorruptRecording, Recorder, Replayer, Secrets, read_target, write_target,
)
from conformance.registry import all_checks, select
from conformance.clients.runner import selected
from conformance.session_state import SessionState

UNREACHABLE = pytest.StashKey[str]()
WRONG_TARGET = pytest.StashKey[str]()  # the preflight's sentence: what is wrong with the target, what to try


def _settings(config: pytest.Config) -> Settings:
    opt = config.getoption
    return Settings(
        base_url=opt("--oai-base-url"),
        model=opt("--oai-model"),
        embedding_model=opt("--oai-embedding-model"),
        api_key_env=opt("--oai-api-key-env"),
        name=opt("--oai-name"),
        timeout=opt("--oai-timeout"),
        target_file=opt("--oai-target"),
        max_body=opt("--oai-max-body"),
        speech_model=opt("--oai-speech-model"),
        transcription_model=opt("--oai-transcription-model"),
        image_model=opt("--oai-image-model"),
    )


def wanted(config: pytest.Config) -> bool:
    """Whether the session has a target: a base URL, a target file or a recording to replay."""
    return any(config.getoption(o) for o in ("--oai-base-url", "--oai-target", "--oai-replay"))


def _secrets(config: pytest.Config, recorded: dict[str, Any], redactor: redact.Redactor) -> Secrets:
    headers = {*config.getoption("--oai-secret-header"), *recorded.get("secret_headers", [])}
    fields = {*config.getoption("--oai-secret-field"), *recorded.get("secret_fields", [])}
    return Secrets(frozenset(headers), frozenset(fields), redactor)


def _replay_target(config: pytest.Config, folder: Path) -> tuple[Target, dict[str, Any]]:
    try:
        info = read_target(folder)
    except (OSError, ValueError) as exc:
        raise pytest.UsageError(f"cannot replay {folder}: {exc}") from None
    t = info["target"]
    target = Target(
        base_url=t["base_url"], model=t["model"], name=config.getoption("--oai-name") or t["name"],
        embedding_model=t.get("embedding_model"),
        speech_model=t.get("speech_model"),
        transcription_model=t.get("transcription_model"),
        image_model=t.get("image_model"),
        # Checked on read: a reproducer prints it, and a recording can come from anyone.
        api_key_env=check_env_name(t.get("api_key_env", "OPENAI_API_KEY")),
        # Same code paths as the recorded run; the header is scrubbed and never matched.
        api_key="<replayed>" if t.get("authenticated") else None,
        max_body=config.getoption("--oai-max-body") or DEFAULT_MAX_BODY,
    )
    return target, info


def _tape_and_client(target: Target, secrets: Secrets, replay_dir: str | None,
                     record_dir: str | None) -> tuple[Recorder | Replayer | None, Client]:
    """The replayer the client answers from, or the recorder it taps, and the client (live when neither)."""
    tape: Recorder | Replayer | None = None
    if replay_dir:
        tape = Replayer(Path(replay_dir), secrets)
        client = Client(target, transport=tape.transport)
        client.miss_errors = tape.miss
    else:
        client = Client(target)
        if record_dir:
            tape = Recorder(Path(record_dir), secrets)
            client.tap = tape.add
            client.tap_failure = tape.add_failure
    return tape, client


def _warn_other_version(replay_dir: str, recorded: dict[str, Any], sink: sinks.Sink | None) -> None:
    """Say that the recording was made by another version of the suite, whose checks may differ."""
    warning = (f"warning: {replay_dir} was recorded by oai-conformance {recorded.get('suite_version', '?')}, "
               f"this is {__version__}: checks changed since may give other verdicts or miss the recording")
    if sink is not None:
        sink.warnings.append(warning)  # the command prints it (pytest's own output may go to a log)
    else:
        print(f"oai-conformance: {warning}", file=sys.stderr)


def _preflight(config: pytest.Config, client: Client, tape: Recorder | Replayer | None, replay_dir: str | None,
               sink: sinks.Sink | None) -> Preflight:
    """Probe the target: exit 3 when it does not answer; the wrong target is a usage error unless replayed or forced."""
    try:
        with tape.cassette(PREFLIGHT) if tape is not None else nullcontext():
            found = probe(client)
    except CorruptRecording as exc:
        client.close()
        raise pytest.UsageError(f"cannot replay {replay_dir}: {exc}") from None
    except (Unreachable, ReplayMiss) as exc:
        client.close()
        config.stash[UNREACHABLE] = str(exc)  # for the command's console, which prints it once
        if sink is not None:
            sink.unreachable = str(exc)
        pytest.exit(str(exc), returncode=exitcodes.UNREACHABLE)
    if found.problem is not None:
        config.stash[WRONG_TARGET] = found.problem  # for the command's console, which prints it once
        # The target answered, so it is the command line that is wrong: a usage error. A replay reproduces
        # a run that was made, so it only warns.
        if not (config.getoption("--oai-force") or replay_dir):
            client.close()
            raise pytest.UsageError(f"{found.problem} (--force runs anyway)")
        print(f"oai-conformance: warning: {found.problem} (running anyway)", file=sys.stderr)
    return found


def build(config: pytest.Config) -> SessionState:
    """Build the target and check it answers; a usage error, or pytest's exit, when the run cannot go on."""
    only = config.getoption("--oai-only")
    if only and not select(all_checks(), only) and not selected(only):
        raise pytest.UsageError(f"--oai-only {only!r} matches no check id, feature name or client cell; "
                                "nothing was sent")
    replay_dir, record_dir = config.getoption("--oai-replay"), config.getoption("--oai-record")
    recorded: dict[str, Any] = {}
    try:
        if replay_dir:
            target, recorded = _replay_target(config, Path(replay_dir))
        else:
            target = build_target(_settings(config))
        workers = concurrency(config.getoption("--oai-concurrency"), config.getoption("--oai-target"),
                              bool(replay_dir))
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    secrets = _secrets(config, recorded, redact.for_target(target))
    # One rule for every output of this process: results, reports, cassettes, console.
    redact.install(secrets.redactor)
    tape, client = _tape_and_client(target, secrets, replay_dir, record_dir)
    props = PropertySettings(config.getoption("--oai-examples"), config.getoption("--oai-token-budget"),
                             config.getoption("--oai-explore"))
    budget = Budget(config.getoption("--oai-max-requests"), config.getoption("--oai-max-tokens"),
                    config.getoption("--oai-max-duration"))
    run = Run(target, client, recorder=tape if isinstance(tape, Recorder) else None, replay=bool(replay_dir),
              properties=props, replayer=tape if isinstance(tape, Replayer) else None, limits=Limits(budget),
              in_flight=threading.BoundedSemaphore(workers))
    sink = sinks.of(config)
    if replay_dir and recorded.get("suite_version") != __version__:
        _warn_other_version(replay_dir, recorded, sink)
    found = _preflight(config, client, tape, replay_dir, sink)
    if found.models is not None:
        # The checks' own GET /models is this same request: sent once per run.
        run.cache.setdefault(request_key("GET", "/models"), found.models)
    server = {**found.server, **recorded.get("server", {})}
    if config.getoption("--oai-server-version"):
        server["version"] = config.getoption("--oai-server-version")
    if isinstance(tape, Recorder):
        write_target(tape.folder, {
            "target": target.public(), "server": server, "recorded_at": results_mod.now(),
            "suite_version": __version__,
            "secret_headers": sorted(secrets.headers), "secret_fields": sorted(secrets.fields),
        })
    out = config.getoption("--oai-output")
    state = SessionState(run, Path(out) if out else None, config.getoption("--oai-only"), server, tape, workers,
                         config.getoption("--oai-fail-on") or Severity.BREAKS_CLIENTS,
                         recorded if replay_dir else None)
    state.clients = not config.getoption("--oai-no-clients")
    return state
