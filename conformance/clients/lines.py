"""The Python side of the clients' protocol: run a scenario module's scenarios, print one JSON line each.

The same protocol as conformance/clients/node/run.mjs: each config comes on stdin as one line,
{client, model, embedding_model, speech_model, transcription_model, image_model, audio_file, spoken, api_key,
timeout_s, scenarios: [{id, base_url, skip?}]}.
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Any

MAX_TEXT = 2000


class Wrong(Exception):
    """The client returned without error, but not what the scenario asked for."""

    def __init__(self, message: str, value: Any = None) -> None:
        super().__init__(message)
        self.value = value


@dataclass(frozen=True)
class Context:
    """What a scenario gets: where to send, which model, and how long the client may wait."""

    base_url: str
    api_key: str
    model: str
    embedding_model: str | None
    timeout_s: float
    speech_model: str | None = None
    transcription_model: str | None = None
    image_model: str | None = None
    # The speech file the transcription scenarios upload, and what it says.
    audio_file: str | None = None
    spoken: str | None = None


Scenario = Callable[[Context], Any]


def describe(exc: BaseException) -> str:
    """'APIError: ...' with the causes the client chained."""
    text = f"{type(exc).__name__}: {exc}"
    cause = exc.__cause__ or exc.__context__
    for _ in range(3):
        if cause is None:
            break
        text += f" (caused by {type(cause).__name__}: {cause})"
        cause = cause.__cause__ or cause.__context__
    return text[:MAX_TEXT]


def where(exc: BaseException, package: str) -> str | None:
    """The innermost frame inside the client's package: where it raised."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f"/{package}/" in f.filename.replace("\\", "/")]
    if not frames:
        return None
    f = frames[-1]
    return f"{f.name} ({package}/{f.filename.replace(chr(92), '/').split(f'/{package}/', 1)[1]}:{f.lineno})"


def main(client: str, package: str, scenarios: Mapping[str, Scenario], not_offered: Mapping[str, str]) -> None:
    """Read configs from stdin, one a line, until it ends; run each config's scenarios, print one line per scenario."""
    if "--ahead" in sys.argv[1:]:
        # Started ahead of the matrix: import the client while the checks run, not once the config has come.
        importlib.import_module(package)
    version = metadata.version(package)
    for raw in sys.stdin:  # one config a run: a process kept warm serves the next run's config too
        if raw.strip():
            _run(json.loads(raw), client, package, version, scenarios, not_offered)


def _run(config: dict[str, Any], client: str, package: str, version: str, scenarios: Mapping[str, Scenario],
         not_offered: Mapping[str, str]) -> None:
    for item in config["scenarios"]:
        sid = item["id"]
        base = {"client": config.get("client", client), "version": version, "scenario": sid}
        fn = scenarios.get(sid)
        if fn is None:
            line = {**base, "outcome": "not-offered", "value": None, "exception": None,
                    "reason": not_offered.get(sid, f"{package} has no call for this scenario")}
        elif item.get("skip"):
            line = {**base, "outcome": "untested", "value": None, "exception": None, "reason": item["skip"]}
        else:
            ctx = Context(item["base_url"], config["api_key"], config["model"], config.get("embedding_model"),
                          float(config["timeout_s"]), config.get("speech_model"), config.get("transcription_model"),
                          config.get("image_model"), config.get("audio_file"), config.get("spoken"))
            try:
                line = {**base, "outcome": "works", "value": fn(ctx), "exception": None, "reason": None}
            except Wrong as exc:
                line = {**base, "outcome": "breaks", "value": exc.value, "exception": None, "reason": str(exc)}
            except Exception as exc:  # noqa: BLE001 - whatever the client raises is the finding
                line = {**base, "outcome": "breaks", "value": None, "exception": describe(exc),
                        "where": where(exc, package), "reason": None}
        print(json.dumps(line, default=str), flush=True)
