"""Image inputs: decode data URLs and recognise real image bytes by their magic numbers."""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import re
import struct

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


# OpenAI's GPT-4o-class billing: detail "low" is a fixed budget, "high" (and "auto", read as high here)
# a base plus one share per 512px tile of the image, scaled to fit 2048x2048 then its short side to 768.
LOW_DETAIL_TOKENS = 85
TILE_TOKENS = 170
_UNKNOWN_SIZE = (512, 512)  # remote images and formats the fake does not measure: one tile


def _png_size(url: str) -> tuple[int, int]:
    """Width and height from a PNG data URL's IHDR, or a one-tile default."""
    match = _DATA_URL.match(url)
    if match is None:
        return _UNKNOWN_SIZE
    try:
        data = base64.b64decode(match["data"], validate=True)
    except (binascii.Error, ValueError):
        return _UNKNOWN_SIZE
    if image_format(data) != "png" or len(data) < 24:
        return _UNKNOWN_SIZE
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def tiles(width: int, height: int) -> int:
    """The 512px tiles an image is billed for at detail "high" (only ever scaled down)."""
    fit = min(1.0, 2048 / max(width, height))
    w, h = width * fit, height * fit
    short = min(1.0, 768 / min(w, h))
    return math.ceil(w * short / 512) * math.ceil(h * short / 512)


def image_tokens(url: str, detail: str | None) -> int:
    """The prompt tokens a decodable image costs at a detail level."""
    if detail == "low":
        return LOW_DETAIL_TOKENS
    return LOW_DETAIL_TOKENS + TILE_TOKENS * tiles(*_png_size(url))


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
