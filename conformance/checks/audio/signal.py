"""Two numbers that tell voices apart in 16-bit WAV audio: zero-crossing rate (pitch) and loudness (RMS)."""

from __future__ import annotations

import array
import math
import struct
import sys


def wav_samples(data: bytes) -> bytes | None:
    """The data chunk of a 16-bit PCM WAV file (None when it is anything else)."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return None
    pos, bits = 12, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        if cid == b"fmt " and pos + 24 <= len(data):
            tag, bits = struct.unpack_from("<H", data, pos + 8)[0], struct.unpack_from("<H", data, pos + 22)[0]
            if tag not in (1, 0xFFFE):
                return None
        elif cid == b"data":
            end = len(data) if size in (0, 0xFFFFFFFF) else min(len(data), pos + 8 + size)
            return data[pos + 8:end] if bits == 16 else None
        pos += 8 + size + (size & 1)
    return None


def _features(wav: bytes) -> tuple[float, float]:
    raw = wav_samples(wav) or b""
    samples = array.array("h", raw[: len(raw) - len(raw) % 2])
    if sys.byteorder == "big":
        samples.byteswap()
    voiced = [s for s in samples if abs(s) > 300]  # silence between words says nothing about the voice
    if len(voiced) < 2:
        return 0.0, 0.0
    crossings = sum(1 for a, b in zip(voiced, voiced[1:]) if (a < 0) != (b < 0))
    rms = math.sqrt(sum(s * s for s in voiced) / len(voiced))
    return crossings / len(voiced), rms / 32768


def distance(a: bytes, b: bytes) -> float:
    """Relative difference of two WAV answers' pitch and loudness (0 the same; 0.1 about 10% apart)."""
    (za, ra), (zb, rb) = _features(a), _features(b)
    return abs(za - zb) / max(za, zb, 1e-9) + abs(ra - rb) / max(ra, rb, 1e-9)
