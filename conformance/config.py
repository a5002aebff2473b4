"""Builds the Target from command-line values and an optional target file, with clear errors."""

from __future__ import annotations

import math
import os
import re
import sys
from dataclasses import dataclass
from typing import Any

from conformance.model import DEFAULT_MAX_BODY, Target

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10 has no tomllib; tomli is the same parser, published before it joined the standard library
    import tomli as tomllib

DEFAULT_KEY_ENV = "OPENAI_API_KEY"
# Each key of the [target] table, the types it takes and how the error names them.
_TYPES: dict[str, tuple[tuple[type, ...], str]] = {
    "name": ((str,), "a string"),
    "base_url": ((str,), "a string"),
    "model": ((str,), "a string"),
    "embedding_model": ((str,), "a string"),
    "speech_model": ((str,), "a string"),
    "transcription_model": ((str,), "a string"),
    "image_model": ((str,), "a string"),
    "api_key_env": ((str,), "a string"),
    "timeout": ((int, float), "a number of seconds"),
    "headers": ((dict,), "a table of strings"),
    "public_headers": ((list,), "a list of header names"),
    "max_body": ((int,), "a whole number of bytes"),
    "require": ((list,), "a list of feature or field names"),
    "concurrency": ((int,), "a whole number of at least 1"),
}
DEFAULT_CONCURRENCY = 4
# A reproducer prints "$NAME": anything but a plain variable name would run as shell code when pasted.
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ConfigError(Exception):
    """The user's configuration is unusable; the message says how to fix it."""


@dataclass(frozen=True)
class Settings:
    """Target settings as given, before the key is read from the environment."""

    base_url: str | None = None
    model: str | None = None
    embedding_model: str | None = None
    api_key_env: str | None = None
    name: str | None = None
    timeout: float | None = None
    target_file: str | None = None
    max_body: int | None = None
    speech_model: str | None = None
    transcription_model: str | None = None
    image_model: str | None = None


def check_timeout(value: object) -> float:
    """A timeout in seconds: a finite number above zero (0, nan and inf are refused, not reinterpreted)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ConfigError(f"timeout must be a finite number of seconds above 0, got {value!r}")
    return float(value)


def check_env_name(value: object) -> str:
    """An environment variable name a shell reads as one plain variable."""
    if not isinstance(value, str) or not ENV_NAME.fullmatch(value):
        raise ConfigError(f"api_key_env must be an environment variable name ([A-Za-z_][A-Za-z0-9_]*), got {value!r}")
    return value


def check_max_body(value: object) -> int:
    """A body size cap in bytes: a whole number of at least 1 KiB."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1024:
        raise ConfigError(f"max_body must be a whole number of bytes, at least 1024, got {value!r}")
    return value


def read_target_file(path: str) -> dict[str, Any]:
    """Read the [target] table of a TOML target file."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"target file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"target file {path} is not valid TOML: {exc}") from None
    if "api_key" in data or "api_key" in (data.get("target") or {}):
        raise ConfigError("never put an API key in a file: name its environment variable with api_key_env")
    table = data.get("target")
    if not isinstance(table, dict):
        raise ConfigError(f"target file {path}: no [target] table (put name, base_url, model, ... under [target])")
    unknown = set(table) - set(_TYPES)
    if unknown:
        raise ConfigError(f"target file {path}: unknown key(s) {sorted(unknown)}; known: {sorted(_TYPES)}")
    for key, (types, what) in _TYPES.items():
        value = table.get(key)
        # bool is an int to Python, but `timeout = true` is a mistake, not one second.
        if value is not None and (not isinstance(value, types) or isinstance(value, bool)):
            raise ConfigError(f"target file {path}: [target] {key} must be {what}, got {value!r}")
    return table


def default_name(base_url: str) -> str:
    """A folder-safe name derived from the base URL."""
    # Never the user:password@ part: the name is written everywhere, folder names included.
    host = re.sub(r"^https?://", "", base_url).split("/")[0].rsplit("@", 1)[-1]
    return re.sub(r"[^A-Za-z0-9._-]+", "-", host).strip("-") or "target"


def build_target(s: Settings) -> Target:
    """Merge command line over target file and validate; the key stays in memory only."""
    file_vals = read_target_file(s.target_file) if s.target_file else {}
    base_url = s.base_url or file_vals.get("base_url")
    model = s.model or file_vals.get("model")
    if not base_url:
        raise ConfigError("no target: give --base-url (e.g. http://127.0.0.1:8080/v1) or a target file")
    if not re.match(r"^https?://[^/\s]+", str(base_url)):
        raise ConfigError(f"--base-url must be an http(s) URL such as http://127.0.0.1:8080/v1, got {base_url!r}")
    others = [s.embedding_model or file_vals.get("embedding_model"), s.speech_model or file_vals.get("speech_model"),
              s.transcription_model or file_vals.get("transcription_model"), s.image_model or file_vals.get("image_model")]
    if not model and not any(others):
        # A server of audio or images alone needs no chat model; a run with no model at all tests nothing.
        raise ConfigError("no model: give --model (the id the server serves, see GET /v1/models), or the model "
                          "of another endpoint (--embedding-model, --speech-model, --transcription-model, "
                          "--image-model)")
    timeout = check_timeout(next((t for t in (s.timeout, file_vals.get("timeout")) if t is not None), 60.0))
    key_env = check_env_name(s.api_key_env or file_vals.get("api_key_env") or DEFAULT_KEY_ENV)
    max_body = check_max_body(next((m for m in (s.max_body, file_vals.get("max_body")) if m is not None),
                                   DEFAULT_MAX_BODY))
    headers = file_vals.get("headers", {})
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise ConfigError("target file: headers must be a table of strings")
    public = file_vals.get("public_headers", [])
    if not isinstance(public, list) or not all(isinstance(h, str) for h in public):
        raise ConfigError("target file: public_headers must be a list of header names")
    return Target(
        base_url=str(base_url).rstrip("/"),
        model=str(model) if model else None,
        name=s.name or file_vals.get("name") or default_name(str(base_url)),
        embedding_model=s.embedding_model or file_vals.get("embedding_model"),
        speech_model=s.speech_model or file_vals.get("speech_model"),
        transcription_model=s.transcription_model or file_vals.get("transcription_model"),
        image_model=s.image_model or file_vals.get("image_model"),
        api_key_env=key_env,
        api_key=os.environ.get(key_env) or None,
        timeout_s=timeout,
        extra_headers=dict(headers),
        public_headers=tuple(public),
        max_body=max_body,
    )


def concurrency(given: int | None, target_file: str | None, replay: bool) -> int:
    """Checks run at once: the command line, else the target file, else 4 live and 1 on replay."""
    if given:
        return given
    value = read_target_file(target_file).get("concurrency") if target_file else None
    if value is None:
        return 1 if replay else DEFAULT_CONCURRENCY
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"target file {target_file}: concurrency must be a whole number of at least 1, got {value!r}")
    return value
