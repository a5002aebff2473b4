"""One redaction rule for every output: secret headers by name, secret values wherever they appear."""

from __future__ import annotations

import base64
import dataclasses
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from conformance.model import CheckResult, Exchange, Target, public_url

REDACTED = "<redacted>"
# Headers whose value is a credential whatever the target: never written, never compared.
ALWAYS_SECRET_HEADERS = frozenset({"authorization", "api-key", "x-api-key", "proxy-authorization", "cookie",
                                   "set-cookie"})
# Shorter values would match ordinary text everywhere; such a key is still kept out of its header.
MIN_SECRET_CHARS = 4


@dataclass(frozen=True)
class Redactor:
    """Replaces secret values in any text, bytes or JSON value, and secret headers' values by name."""

    values: tuple[str, ...] = ()
    headers: frozenset[str] = ALWAYS_SECRET_HEADERS

    def text(self, text: str) -> str:
        """The text with every secret value replaced."""
        for v in self.values:
            if v in text:
                text = text.replace(v, REDACTED)
        return text

    def data(self, data: bytes) -> bytes:
        """The bytes with every secret value (UTF-8) replaced."""
        for v in self.values:
            raw = v.encode()
            if raw in data:
                data = data.replace(raw, REDACTED.encode())
        return data

    def json(self, value: Any) -> Any:
        """A JSON value with secrets replaced in every string, keys included."""
        if not self.values:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.json(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.json(v) for v in value]
        return value

    def header_map(self, headers: dict[str, str]) -> dict[str, str]:
        """Headers with secret ones replaced by name and secret values replaced in the others."""
        return {k: (REDACTED if k.lower() in self.headers else self.text(v)) for k, v in headers.items()}

    def exchange(self, ex: Exchange) -> Exchange:
        """The evidence form of an exchange with nothing secret left (the wire bytes are kept for the recorder)."""
        return dataclasses.replace(
            ex,
            url=self.text(public_url(ex.url)),
            request_headers=self.header_map(ex.request_headers),
            request_body=self.json(ex.request_body),
            response_headers=self.header_map(ex.response_headers),
            response_body=self.json(ex.response_body),
            raw_body=None if ex.raw_body is None else self.text(ex.raw_body),
            error=None if ex.error is None else self.text(ex.error),
        )

    def result(self, r: CheckResult) -> CheckResult:
        """A check result with nothing secret left in its reason, details, deviations or evidence."""
        if not self.values:
            return dataclasses.replace(r, evidence=tuple(self.exchange(e) for e in r.evidence))
        return dataclasses.replace(
            r,
            reason=self.text(r.reason),
            deviations=tuple(self.text(d) for d in r.deviations),
            details=self.json(r.details),
            evidence=tuple(self.exchange(e) for e in r.evidence),
        )

    def merged(self, other: Redactor) -> Redactor:
        """Both redactors' rules at once."""
        return Redactor(_ordered({*self.values, *other.values}), self.headers | other.headers)


def _ordered(values: set[str]) -> tuple[str, ...]:
    # Longest first, so a secret that contains another is replaced whole.
    return tuple(sorted((v for v in values if len(v) >= MIN_SECRET_CHARS), key=lambda v: (-len(v), v)))


def url_secrets(url: str) -> set[str]:
    """Credentials in a URL's userinfo, in every form a server could echo them."""
    parts = urlsplit(url)
    if parts.password is None and parts.username is None:
        return set()
    user, password = parts.username or "", parts.password or ""
    found = {f"{user}:{password}", password, unquote(password), f"{unquote(user)}:{unquote(password)}"}
    found.add(base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode())
    return {v for v in found if v and v != ":"}


def for_target(target: Target, headers: frozenset[str] = frozenset()) -> Redactor:
    """The rule for one target: its key, every configured header not marked public, URL credentials."""
    public = {h.lower() for h in target.public_headers}
    secret_headers = {k.lower() for k in target.extra_headers if k.lower() not in public}
    values = {v for k, v in target.extra_headers.items() if k.lower() in secret_headers}
    values |= url_secrets(target.base_url)
    if target.api_key:
        values.add(target.api_key)
    return Redactor(_ordered(values), ALWAYS_SECRET_HEADERS | secret_headers | {h.lower() for h in headers})


_active: list[Redactor] = [Redactor()]


def install(redactor: Redactor) -> None:
    """Make this the rule every writer of this process applies."""
    _active[0] = _active[0].merged(redactor)


def active() -> Redactor:
    """The rule every writer applies (values of every target this process has talked to)."""
    return _active[0]
