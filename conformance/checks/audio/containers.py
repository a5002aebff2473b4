"""Read the header of an audio answer: which container its bytes are, sample rate, channels and duration.

Parsers of the six formats OpenAI's speech endpoint offers, written from the formats' own documents
(RIFF/WAVE, ISO 11172-3 frame headers, RFC 7845 Ogg Opus, ISO 14496-3 ADTS, the FLAC format
description). They read headers and frame lengths only: enough to tell what the bytes are and how
long they play, never to decode sound.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

# OpenAI's pcm: raw 16-bit little-endian samples, mono, 24 kHz, no header.
PCM_RATE = 24_000


class NotAudio(ValueError):
    """The bytes are not the container asked for (the message says what was found)."""


@dataclass(frozen=True)
class AudioInfo:
    """What a container's header says."""

    container: str
    sample_rate: int
    channels: int
    duration_s: float

    def describe(self) -> str:
        """'wav, 22050 Hz, 1 channel, 1.23 s'."""
        return (f"{self.container}, {self.sample_rate} Hz, {self.channels} channel{'s' * (self.channels != 1)}, "
                f"{self.duration_s:.2f} s")


def sniff(data: bytes) -> str:
    """The container the first bytes announce ('unknown' when none)."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:4] == b"fLaC":
        return "flac"
    if data[:4] == b"OggS":
        return "opus" if b"OpusHead" in data[:200] else "ogg"
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0 and data[1] & 0x06 == 0x02):
        return "mp3"
    if len(data) > 1 and data[0] == 0xFF and data[1] & 0xF6 == 0xF0:
        return "aac"
    if data[:1] in (b"{", b"[") or data[:5].lower() in (b"<!doc", b"<html"):
        return "text"
    return "unknown"


def read(fmt: str, data: bytes) -> AudioInfo:
    """The header of `data` read as `fmt` (mp3, opus, aac, flac, wav, pcm); NotAudio when it is not one."""
    if not data:
        raise NotAudio("the body is empty")
    if fmt == "pcm":
        return _pcm(data)
    found = sniff(data)
    if found != fmt:
        raise NotAudio(f"the bytes are {found} (starting {data[:8].hex()}), not {fmt}")
    parser = {"wav": _wav, "flac": _flac, "opus": _opus, "mp3": _mp3, "aac": _aac}[fmt]
    try:
        return parser(data)
    except (struct.error, IndexError, ZeroDivisionError) as exc:
        raise NotAudio(f"the {fmt} header cannot be read ({type(exc).__name__}: {exc})") from None


def _pcm(data: bytes) -> AudioInfo:
    if sniff(data) not in ("unknown",):
        raise NotAudio(f"raw pcm was asked, but the bytes are a {sniff(data)} container")
    if len(data) % 2:
        raise NotAudio(f"{len(data)} bytes: an odd count cannot be 16-bit samples")
    return AudioInfo("pcm", PCM_RATE, 1, len(data) / 2 / PCM_RATE)


def _wav(data: bytes) -> AudioInfo:
    pos, fmt, size = 12, None, None
    while pos + 8 <= len(data):
        cid, clen = data[pos:pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        if cid == b"fmt ":
            fmt = struct.unpack_from("<HHIIHH", data, pos + 8)
        elif cid == b"data":
            # A streamed WAV may say 0 or 0xFFFFFFFF here: what follows is the data either way.
            size = min(clen, len(data) - pos - 8) if 0 < clen < 0xFFFFFFFF else len(data) - pos - 8
            break
        pos += 8 + clen + (clen & 1)
    if fmt is None or size is None:
        raise NotAudio("a RIFF/WAVE file without a fmt or data chunk")
    _, channels, rate, byte_rate, _, _ = fmt
    if not channels or not rate or not byte_rate:
        raise NotAudio(f"a WAVE fmt chunk with {channels} channels, {rate} Hz, {byte_rate} bytes/s")
    return AudioInfo("wav", rate, channels, size / byte_rate)


def _flac(data: bytes) -> AudioInfo:
    if data[4] & 0x7F != 0:
        raise NotAudio("a FLAC stream whose first metadata block is not STREAMINFO")
    v = int.from_bytes(data[18:26], "big")
    rate, channels, total = v >> 44, ((v >> 41) & 7) + 1, v & ((1 << 36) - 1)
    if not rate:
        raise NotAudio("a FLAC STREAMINFO with a sample rate of 0")
    min_block = struct.unpack_from(">H", data, 8)[0]
    if total == 0:  # written to a pipe: the encoder could not seek back to fill it in; count the frames
        total = _flac_frames(data, min_block)
    return AudioInfo("flac", rate, channels, total / rate)


_FLAC_BLOCK = {1: 192, 2: 576, 3: 1152, 4: 2304, 5: 4608, 8: 256, 9: 512, 10: 1024, 11: 2048, 12: 4096,
               13: 8192, 14: 16384, 15: 32768}


def _crc8(data: bytes) -> int:
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = ((crc << 1) ^ 0x07) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def _flac_frames(data: bytes, block: int) -> int:
    """Samples up to the end of the last frame whose header (CRC-8 checked) is found: fixed block size only."""
    pos = data.find(b"\xff\xf8", 42)
    last = -1
    while pos != -1:
        header_end = pos + 4
        lead = data[header_end] if header_end < len(data) else 0
        extra = next((n for n in range(7) if not lead & (0x80 >> n)), 0)  # the coded number's length
        end = header_end + max(extra, 1)
        code = data[pos + 2] >> 4 if pos + 2 < len(data) else 0
        end += 1 if code == 6 else 2 if code == 7 else 0
        rate_code = data[pos + 2] & 0x0F if pos + 2 < len(data) else 0
        end += 1 if rate_code == 12 else 2 if rate_code in (13, 14) else 0
        if end < len(data) and _crc8(data[pos:end]) == data[end]:
            number = lead & (0x7F >> extra) if extra else lead
            for b in data[header_end + 1:header_end + max(extra, 1)]:
                number = (number << 6) | (b & 0x3F)
            last = number
        pos = data.find(b"\xff\xf8", pos + 2)
    if last < 0:
        raise NotAudio("a FLAC stream with no frame")
    return (last + 1) * (block or 4096)


def _opus(data: bytes) -> AudioInfo:
    head = data.find(b"OpusHead")
    channels, pre_skip, rate = data[head + 9], struct.unpack_from("<H", data, head + 10)[0], \
        struct.unpack_from("<I", data, head + 12)[0]
    granule, pos = 0, 0
    while (pos := data.find(b"OggS", pos)) != -1 and pos + 14 <= len(data):
        g = struct.unpack_from("<q", data, pos + 6)[0]
        granule = max(granule, g)
        pos += 4
    # Ogg Opus timestamps count 48 kHz samples whatever the input rate was (RFC 7845 section 4).
    return AudioInfo("opus", rate or 48_000, channels, max(granule - pre_skip, 0) / 48_000)


_MP3_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}
_MP3_KBPS = {  # (version is MPEG-1, layer III) -> bitrate table
    True: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    False: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}


def _mp3(data: bytes) -> AudioInfo:
    pos = 0
    if data[:3] == b"ID3":
        tag = data[6:10]  # the ID3v2 tag's size: four 7-bit bytes
        pos = 10 + ((tag[0] << 21) | (tag[1] << 14) | (tag[2] << 7) | tag[3])
    frames, samples, rate, channels = 0, 0, 0, 0
    while pos + 4 <= len(data):
        h = int.from_bytes(data[pos:pos + 4], "big")
        if h >> 21 != 0x7FF or (h >> 17) & 3 != 1:  # frame sync, layer III
            if frames:
                break  # trailing tags
            raise NotAudio(f"no MPEG layer III frame where one should start (byte {pos}: {data[pos:pos + 4].hex()})")
        version, kbps_i, rate_i, pad = (h >> 19) & 3, (h >> 12) & 15, (h >> 10) & 3, (h >> 9) & 1
        if version == 1 or kbps_i in (0, 15) or rate_i == 3:
            raise NotAudio(f"an MPEG frame header with reserved values at byte {pos}")
        mpeg1 = version == 3
        rate = _MP3_RATES[version][rate_i]
        channels = 1 if (h >> 6) & 3 == 3 else 2
        size = (144 if mpeg1 else 72) * _MP3_KBPS[mpeg1][kbps_i] * 1000 // rate + pad
        frames += 1
        samples += 1152 if mpeg1 else 576
        pos += size
    if not frames:
        raise NotAudio("an MP3 file with no frame")
    return AudioInfo("mp3", rate, channels, samples / rate)


_AAC_RATES = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350)


def _aac(data: bytes) -> AudioInfo:
    pos, frames, rate, channels = 0, 0, 0, 0
    while pos + 7 <= len(data):
        if data[pos] != 0xFF or data[pos + 1] & 0xF6 != 0xF0:
            if frames:
                break
            raise NotAudio(f"no ADTS frame header at byte {pos}")
        rate_i = (data[pos + 2] >> 2) & 0x0F
        if rate_i >= len(_AAC_RATES):
            raise NotAudio(f"an ADTS header with the reserved sampling index {rate_i}")
        rate = _AAC_RATES[rate_i]
        channels = ((data[pos + 2] & 1) << 2) | (data[pos + 3] >> 6)
        length = ((data[pos + 3] & 3) << 11) | (data[pos + 4] << 3) | (data[pos + 5] >> 5)
        if length < 7:
            raise NotAudio(f"an ADTS frame of {length} bytes at byte {pos}")
        frames += (data[pos + 6] & 3) + 1
        pos += length
    if not frames:
        raise NotAudio("an AAC stream with no ADTS frame")
    return AudioInfo("aac", rate, channels, frames * 1024 / rate)
