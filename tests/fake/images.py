"""Image inputs: decode data URLs and recognise real image bytes by their magic numbers."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

_DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)?(?P<params>(?:;[^,;]*)*),(?P<data>.*)$", re.S)
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)


def image_format(data: bytes) -> str | None:
    """The image format the bytes start with, or None."""
    for magic, name in _MAGIC:
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def image_digest(url: str) -> str:
    """Check an image URL and return a short digest of it; ValueError says what is wrong."""
    if url.startswith(("http://", "https://")):
        # The fake is offline: remote images are accepted unseen, keyed by their URL.
        return hashlib.sha256(url.encode()).hexdigest()[:16]
    match = _DATA_URL.match(url)
    if match is None:
        raise ValueError("Invalid image URL: expected a data URL or an http(s) URL.")
    if ";base64" not in match["params"]:
        raise ValueError("Invalid image data URL: only base64 data URLs are supported.")
    try:
        data = base64.b64decode(match["data"], validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("Invalid base64 image_url.") from None
    if image_format(data) is None:
        raise ValueError(
            "You uploaded an unsupported image. Please make sure your image has of one the following "
            "formats: ['png', 'jpeg', 'gif', 'webp']."
        )
    return hashlib.sha256(data).hexdigest()[:16]
