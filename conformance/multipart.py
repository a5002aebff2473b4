"""multipart/form-data: encode an upload with a boundary fixed by its content, and describe one as evidence."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

MEDIA_TYPE = "multipart/form-data"
_BOUNDARY = re.compile(r'boundary="?([^";]+)"?', re.IGNORECASE)
_DISPOSITION = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class File:
    """One file part: the form field it fills, its file name, its media type and its bytes."""

    field: str
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Form:
    """An encoded upload: the body and the Content-Type header that names its boundary."""

    body: bytes
    content_type: str


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", " ").replace("\n", " ")


def encode(fields: Sequence[tuple[str, str]], files: Sequence[File] = ()) -> Form:
    """The body of a form post. Fields repeat as given (`timestamp_granularities[]` twice is two parts).

    The boundary is a hash of the parts, so the same upload is the same bytes in every run: the run cache
    and a replay both match requests by their bytes.
    """
    digest = hashlib.sha256()
    for name, value in fields:
        digest.update(f"{name}\0{value}\0".encode())
    for f in files:
        digest.update(f"{f.field}\0{f.filename}\0{f.content_type}\0".encode() + f.data)
    boundary = "oai-conformance-" + digest.hexdigest()[:32]
    parts: list[bytes] = []
    for name, value in fields:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"\r\n\r\n'.encode()
                     + value.encode() + b"\r\n")
    for f in files:
        head = (f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(f.field)}"; '
                f'filename="{_quoted(f.filename)}"\r\nContent-Type: {f.content_type}\r\n\r\n')
        parts.append(head.encode() + f.data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return Form(b"".join(parts), f"{MEDIA_TYPE}; boundary={boundary}")


def rebound(body: bytes, content_type: str) -> Form:
    """The same form with its boundary replaced by one fixed by its content, every other byte as sent.

    Clients draw a random boundary for every upload; a replay matches requests by their bytes, so the
    client matrix's proxy sends a client's upload with this boundary instead (parts, order and headers kept).
    """
    found = _BOUNDARY.search(content_type or "")
    if found is None:
        return Form(body, content_type)
    old = found.group(1).encode()
    boundary = "oai-conformance-" + hashlib.sha256(body.replace(old, b"")).hexdigest()[:32]
    return Form(body.replace(b"--" + old, b"--" + boundary.encode()), f"{MEDIA_TYPE}; boundary={boundary}")


def is_form(content_type: str | None) -> bool:
    """Whether a Content-Type header names a multipart form."""
    return (content_type or "").split(";")[0].strip().lower() == MEDIA_TYPE


def decode(body: bytes, content_type: str) -> tuple[list[tuple[str, str]], list[File]] | None:
    """The fields and files of a multipart body (None when it cannot be read as one)."""
    found = _BOUNDARY.search(content_type or "")
    if found is None:
        return None
    delimiter = b"--" + found.group(1).encode()
    fields: list[tuple[str, str]] = []
    files: list[File] = []
    for chunk in body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, sep, data = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not sep:
            return None
        data = data.removesuffix(b"\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in
                   (line.partition(":") for line in head.decode("utf-8", "replace").split("\r\n"))}
        params = dict(_DISPOSITION.findall(headers.get("content-disposition", "")))
        if "name" not in params:
            return None
        if "filename" in params:
            files.append(File(params["name"], params["filename"], headers.get("content-type", ""), data))
        else:
            fields.append((params["name"], data.decode("utf-8", "replace")))
    return fields, files


def describe(body: bytes, content_type: str) -> dict[str, Any] | None:
    """Evidence form of a multipart body: fields as sent, each file by name, type, size and digest."""
    parsed = decode(body, content_type)
    if parsed is None:
        return None
    fields, files = parsed
    out: dict[str, Any] = {}
    for name, value in fields:
        out[name] = [*out[name], value] if isinstance(out.get(name), list) else (
            [out[name], value] if name in out else value)
    for f in files:
        out[f.field] = {"filename": f.filename, "content_type": f.content_type, "bytes": len(f.data),
                        "sha256": hashlib.sha256(f.data).hexdigest()[:16]}
    return {"multipart/form-data": out}
