"""Read an image's format, size and alpha from its header bytes (PNG, JPEG, WebP), without an imaging library."""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers carry the size; C4 (huffman tables), C8 (reserved) and CC (arithmetic) do not.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


class NotAnImage(ValueError):
    """The bytes are not a PNG, JPEG or WebP image whose header can be read."""


@dataclass(frozen=True)
class ImageInfo:
    """What an image's header says."""

    format: str  # png, jpeg, webp
    width: int
    height: int
    alpha: bool  # the image can hold transparency (an alpha channel or a transparent colour)

    @property
    def size(self) -> str:
        """As the API writes sizes: '1024x768'."""
        return f"{self.width}x{self.height}"


def b64_image(text: object) -> ImageInfo:
    """The image inside a b64_json value; NotAnImage says why it is none."""
    if not isinstance(text, str) or not text:
        raise NotAnImage(f"b64_json is {type(text).__name__ if not isinstance(text, str) else 'empty'}, "
                         "not a base64 string")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NotAnImage(f"b64_json is not valid base64: {exc}") from None
    return image_info(data)


def image_info(data: bytes) -> ImageInfo:
    """The format, size and alpha of an image from its header; NotAnImage when it is none of PNG/JPEG/WebP."""
    if data.startswith(PNG_SIGNATURE):
        return _png(data)
    if data.startswith(b"\xff\xd8\xff"):
        return _jpeg(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp(data)
    raise NotAnImage(f"{len(data)} bytes that start {data[:12]!r}: not a PNG, JPEG or WebP image")


def _png(data: bytes) -> ImageInfo:
    if len(data) < 33 or data[12:16] != b"IHDR":
        raise NotAnImage("a PNG signature without an IHDR chunk")
    width, height, _depth, colour = struct.unpack(">IIBB", data[16:26])
    # Colour types 4 and 6 carry alpha; a tRNS chunk gives the others a transparent colour.
    alpha = colour in (4, 6) or _png_has_chunk(data, b"tRNS")
    return _checked(ImageInfo("png", width, height, alpha))


def _png_has_chunk(data: bytes, kind: bytes) -> bool:
    at = 8
    while at + 8 <= len(data):
        (length,) = struct.unpack(">I", data[at:at + 4])
        if data[at + 4:at + 8] == kind:
            return True
        if data[at + 4:at + 8] == b"IDAT":
            return False  # tRNS comes before the image data
        at += 12 + length
    return False


def _jpeg(data: bytes) -> ImageInfo:
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            raise NotAnImage(f"a JPEG whose segment at byte {at} does not start with a marker")
        marker = data[at + 1]
        if marker == 0xFF:  # fill bytes before a marker
            at += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2:at + 4])
        if marker in _SOF:
            if at + 9 > len(data):
                break
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return _checked(ImageInfo("jpeg", width, height, False))  # JPEG has no alpha
        if marker == 0xDA:  # start of scan before any frame header
            break
        at += 2 + length
    raise NotAnImage("a JPEG without a start-of-frame segment (no size)")


def _webp(data: bytes) -> ImageInfo:
    kind, body = data[12:16], data[20:]
    if kind == b"VP8X" and len(body) >= 10:
        flags = body[0]
        width = 1 + int.from_bytes(body[4:7], "little")
        height = 1 + int.from_bytes(body[7:10], "little")
        return _checked(ImageInfo("webp", width, height, bool(flags & 0x10)))
    if kind == b"VP8L" and len(body) >= 5 and body[0] == 0x2F:
        bits = int.from_bytes(body[1:5], "little")
        return _checked(ImageInfo("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, bool(bits >> 28 & 1)))
    if kind == b"VP8 " and len(body) >= 10 and body[3:6] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", body[6:10])
        return _checked(ImageInfo("webp", width & 0x3FFF, height & 0x3FFF, False))
    raise NotAnImage(f"a WebP file whose first chunk {kind!r} gives no readable size")


def _checked(info: ImageInfo) -> ImageInfo:
    if info.width <= 0 or info.height <= 0:
        raise NotAnImage(f"a {info.format.upper()} header with size {info.size}")
    return info
