"""Real, decodable one-colour images in PNG, JPEG and WebP, written with the standard library only."""

from __future__ import annotations

import struct
import zlib


def png(width: int, height: int, rgb: tuple[int, int, int], alpha: int | None = None) -> bytes:
    """An 8-bit RGB PNG of one colour (RGBA with that alpha when alpha is given)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    colour_type, pixel = (2, bytes(rgb)) if alpha is None else (6, bytes((*rgb, alpha)))
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    row = b"\x00" + pixel * width  # filter type 0 before every scanline
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * height))
            + chunk(b"IEND", b""))


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def jpeg(width: int, height: int, gray: int = 128) -> bytes:
    """A baseline greyscale JPEG of one grey level (quantizer 1, so the level is exact up to rounding).

    Every 8x8 block is the same: the first block's DC value, then zero differences and end-of-block. Both
    Huffman tables hold one 1-bit code, so a block costs two zero bits and no 0xFF byte needs stuffing.
    """
    dc = round((gray - 128) * 8)  # the DC coefficient of a flat block is 8 x (level - 128)
    size = max(abs(dc).bit_length(), 0)
    bits = "0" if size == 0 else ""
    dc_symbols = [0]
    if size:
        dc_symbols = [size, 0]  # code "0" for the first block's size, "10" for the zero differences after it
        value = dc if dc > 0 else dc + (1 << size) - 1
        bits = "0" + format(value, f"0{size}b")
    blocks = -(-width // 8) * -(-height // 8)
    first_ac = "0"  # EOB
    rest = ("10" if size else "0") + "0"  # a zero DC difference, then EOB
    stream = bits + first_ac + rest * (blocks - 1)
    stream += "1" * (-len(stream) % 8)
    data = int(stream, 2).to_bytes(len(stream) // 8, "big") if stream else b""
    data = data.replace(b"\xff", b"\xff\x00")
    dc_counts = bytes([1, len(dc_symbols) - 1] + [0] * 14)
    ac_counts = bytes([1] + [0] * 15)
    return (b"\xff\xd8"
            + _segment(0xDB, b"\x00" + b"\x01" * 64)  # quantization table 0: all ones
            + _segment(0xC0, struct.pack(">BHHB", 8, height, width, 1) + b"\x01\x11\x00")
            + _segment(0xC4, b"\x00" + dc_counts + bytes(dc_symbols))  # DC table 0
            + _segment(0xC4, b"\x10" + ac_counts + b"\x00")  # AC table 0: EOB only
            + _segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
            + data + b"\xff\xd9")


def webp(width: int, height: int, rgb: tuple[int, int, int], alpha: int = 255) -> bytes:
    """A lossless WebP (VP8L) of one colour: every prefix code has one symbol, so pixels cost no bits."""
    bits: list[int] = []

    def put(value: int, count: int) -> None:
        bits.extend((value >> i) & 1 for i in range(count))  # VP8L packs bits least significant first

    put(0x2F, 8)
    put(width - 1, 14)
    put(height - 1, 14)
    put(1 if alpha < 255 else 0, 1)
    put(0, 3)  # version
    put(0, 1)  # no transform
    put(0, 1)  # no colour cache
    put(0, 1)  # no meta prefix codes
    red, green, blue = rgb
    for symbol in (green, red, blue, alpha, 0):  # green, red, blue, alpha, distance
        put(1, 1)  # a simple code
        put(0, 1)  # of one symbol
        put(1, 1)  # written in 8 bits
        put(symbol, 8)
    bits.extend([0] * (-len(bits) % 8))
    payload = bytes(sum(bit << i for i, bit in enumerate(bits[k:k + 8])) for k in range(0, len(bits), 8))
    if len(payload) % 2:
        payload += b"\x00"  # RIFF chunks are padded to an even length
    chunk = b"VP8L" + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk
