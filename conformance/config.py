"""Builds the Target from command-line values and an optional target file, with clear errors."""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from typing import Any

from conformance.model import Target

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
    "api_key_env": ((str,), "a string"),
    "timeout": ((int, float), "a number of seconds"),
    "headers": ((dict,), "a table of strings"),
    "require": ((list,), "a list of feature or field names"),
    "concurrency": ((int,), "a whole number of at least 1"),
}
DEFAULT_CONCURRENCY = 4


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
    host = re.sub(r"^https?://", "", base_url).split("/")[0]
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
    if not model:
        raise ConfigError("no model: give --model (the id the server serves, see GET /v1/models)")
    timeout = s.timeout or file_vals.get("timeout") or 60.0
    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ConfigError(f"timeout must be a positive number of seconds, got {timeout!r}")
    key_env = s.api_key_env or file_vals.get("api_key_env") or DEFAULT_KEY_ENV
    headers = file_vals.get("headers", {})
    if not isinstance(headers, dict) or not all(isinstance(v, str) for v in headers.values()):
        raise ConfigError("target file: headers must be a table of strings")
    return Target(
        base_url=str(base_url).rstrip("/"),
        model=str(model),
        name=s.name or file_vals.get("name") or default_name(str(base_url)),
        embedding_model=s.embedding_model or file_vals.get("embedding_model"),
        api_key_env=key_env,
        api_key=os.environ.get(key_env) or None,
        timeout_s=float(timeout),
        extra_headers=dict(headers),
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
