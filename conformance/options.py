"""The options the command and the pytest plugin share, defined once so the two never drift apart."""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conformance.model import Severity


def positive(text: str) -> int:
    """An integer of at least 1 (argparse type)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def severity(text: str) -> Severity:
    """A failure severity name (argparse type)."""
    try:
        return Severity(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be one of {', '.join(s.value for s in Severity)}, not {text!r}") from None


def seconds(text: str) -> float:
    """A finite number of seconds above 0 (argparse type): 0, nan and inf are refused."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number of seconds above 0, not {text}")
    return value


def size(text: str) -> int:
    """A byte count, optionally with a K/M/G suffix (binary: 4M is 4 MiB), of at least 1 KiB (argparse type)."""
    units = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}
    t = text.strip().upper().removesuffix("IB").removesuffix("B")
    unit = t[-1:] if t[-1:] in units else ""
    try:
        value = int(t[: len(t) - len(unit)]) * units[unit]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (say 4M, 512K or 1048576)") from None
    if value < 1024:
        raise argparse.ArgumentTypeError(f"must be at least 1K, not {text}")
    return value


@dataclass(frozen=True)
class Option:
    """One option: the command's flag, the plugin's --oai- flag, and how it takes values."""

    flag: str
    pytest_flag: str
    help: str
    kind: str = "value"  # value | list | switch
    type: Callable[[str], Any] | None = None
    metavar: str | None = None
    cli_only: dict[str, Any] = field(default_factory=dict)

    @property
    def dest(self) -> str:
        """The argparse attribute of the command's flag."""
        return self.flag.lstrip("-").replace("-", "_")

    def kwargs(self) -> dict[str, Any]:
        """Keyword arguments for add_argument / addoption."""
        kw: dict[str, Any] = {"help": self.help}
        if self.kind == "list":
            kw.update(action="append", default=[])
        elif self.kind == "switch":
            kw.update(action="store_true", default=False)
        if self.type is not None:
            kw["type"] = self.type
        if self.metavar is not None:
            kw["metavar"] = self.metavar
        return kw


SHARED: tuple[Option, ...] = (
    Option("--base-url", "--oai-base-url", "base URL of the target, e.g. http://127.0.0.1:8080/v1"),
    Option("--model", "--oai-model", "chat model id to test"),
    Option("--embedding-model", "--oai-embedding-model", "embedding model id, if the target serves one"),
    Option("--speech-model", "--oai-speech-model", "text-to-speech model id (/v1/audio/speech), if served"),
    Option("--transcription-model", "--oai-transcription-model",
           "speech-to-text model id (/v1/audio/transcriptions), if served"),
    Option("--image-model", "--oai-image-model", "image generation model id (/v1/images/generations), if served"),
    Option("--api-key-env", "--oai-api-key-env", "environment variable holding the API key (default OPENAI_API_KEY)"),
    Option("--name", "--oai-name", "name of the target (default: host:port); names the report folder"),
    Option("--target-file", "--oai-target", "TOML file with a [target] table (command-line values win)"),
    Option("--only", "--oai-only", "comma-separated glob patterns of check ids or feature names"),
    Option("--timeout", "--oai-timeout", "deadline of one request in seconds, from connect to the last byte "
           "(default 60)", type=seconds),
    Option("--max-body", "--oai-max-body", "largest response body read, counted after decompression; a longer "
           "one is cut there and its check is an error (default 4M)", type=size, metavar="BYTES"),
    Option("--concurrency", "--oai-concurrency", "checks run at once, so at most N requests in flight (default 4; "
           "1 on replay; 1 for a server that cannot take parallel requests)", type=positive, metavar="N"),
    Option("--max-requests", "--oai-max-requests", "stop sending after N requests; the remaining checks are "
           "skipped (budget spent) and the reports written", type=positive, metavar="N"),
    Option("--max-tokens", "--oai-max-tokens", "stop sending once the target reports N tokens used (prompt + "
           "completion)", type=positive, metavar="N"),
    Option("--max-duration", "--oai-max-duration", "stop starting requests after SECONDS for the whole run "
           "(requests in flight finish within --timeout)", type=seconds, metavar="SECONDS"),
    Option("--record", "--oai-record", "record every exchange as vcrpy cassettes, one per check "
           "(default: cassettes/ in the report folder)", metavar="DIR", cli_only={"nargs": "?", "const": ""}),
    Option("--replay", "--oai-replay", "answer every request from a recorded folder; no network", metavar="DIR"),
    Option("--secret-header", "--oai-secret-header", "a header to scrub from recordings (Authorization and "
           "API-key headers always are)", kind="list", metavar="NAME"),
    Option("--secret-field", "--oai-secret-field", "a JSON body field whose value is scrubbed from recordings",
           kind="list", metavar="NAME"),
    Option("--server-version", "--oai-server-version", "the server's version, recorded in the results"),
    Option("--examples", "--oai-examples", "generated requests per property check (default 8; 100 with --explore)",
           type=positive, metavar="N"),
    Option("--token-budget", "--oai-token-budget", "tokens one property check may spend (default 4000; "
           "100000 with --explore)", type=positive, metavar="N"),
    Option("--fail-on", "--oai-fail-on", "the mildest failure severity that fails the run: breaks-clients "
           "(default), violates-spec or lax-validation; each level includes the ones before it",
           type=severity, metavar="SEVERITY"),
    Option("--force", "--oai-force", "run the checks even when the preflight finds no OpenAI API at the base URL "
           "or a --model the server neither lists nor answers with (exit 2 otherwise)", kind="switch"),
    Option("--no-clients", "--oai-no-clients", "skip the client matrix (openai-python, openai-node, Genkit "
           "compat-oai and ModelFusion run fixed scenarios against the target after the checks)", kind="switch"),
    Option("--explore", "--oai-explore", "property checks randomized with a bigger budget, for local bug "
           "hunting (not replayable)", kind="switch"),
)


def add_to_command(parser: argparse.ArgumentParser) -> None:
    """Add the shared options to the command's `run` parser."""
    for o in SHARED:
        parser.add_argument(o.flag, **{**o.kwargs(), **o.cli_only})


def add_to_pytest(group: Any) -> None:
    """Add the shared options, --oai- prefixed, to a pytest option group."""
    for o in SHARED:
        group.addoption(o.pytest_flag, **o.kwargs())


def to_pytest(args: argparse.Namespace) -> list[str]:
    """The plugin's arguments for the values given on the command line."""
    argv: list[str] = []
    for o in SHARED:
        value = getattr(args, o.dest)
        if o.kind == "list":
            for v in value:
                argv += [o.pytest_flag, str(v)]
        elif o.kind == "switch":
            argv += [o.pytest_flag] if value else []
        elif value is not None:
            argv += [o.pytest_flag, value.value if isinstance(value, Severity) else str(value)]
    return argv
