"""Tiny but real sound files for tests, built byte by byte (no encoder needed):
MP3 frames of silence, an Ogg Opus stream, an M4A with one AAC track."""

from __future__ import annotations

import struct
from io import BytesIO


def mp3(frames: int = 40) -> bytes:
    """MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, mono; each frame 417 bytes of silence."""
    header = bytes.fromhex("FFFB90C0")
    return (header + bytes(417 - 4)) * frames


def ogg_opus(seconds: int = 2) -> bytes:
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0)
    tags = b"OpusTags" + struct.pack("<I", 4) + b"test" + struct.pack("<I", 0)
    return _ogg([([head], 0), ([tags], 0), ([b"\xf8"] * 50, 312 + 48000 * seconds)])


def ogg_vorbis(seconds: int = 2) -> bytes:
    """The identification and comment headers of a mono 44.1 kHz Vorbis stream, and a
    last page whose position says how long it is."""
    ident = b"\x01vorbis" + struct.pack("<IBIiiiBB", 0, 1, 44100, 0, 64000, 0, 0xB8, 1)
    comment = b"\x03vorbis" + struct.pack("<I", 4) + b"test" + struct.pack("<I", 0) + b"\x01"
    return _ogg([([ident], 0), ([comment], 0), ([b"\x00"] * 10, 44100 * seconds)])


def _ogg(pages: list[tuple[list[bytes], int]]) -> bytes:
    from mutagen.ogg import OggPage

    out = BytesIO()
    for sequence, (packets, position) in enumerate(pages):
        page = OggPage()
        page.serial, page.sequence, page.position = 7, sequence, position
        page.packets = packets
        page.first = sequence == 0
        page.last = sequence == len(pages) - 1
        out.write(page.write())
    return out.getvalue()


def _atom(name: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + name + payload


def m4a(seconds: int = 2, handler: bytes = b"soun") -> bytes:
    timescale = 44100
    mvhd = _atom(
        b"mvhd",
        struct.pack(">BxxxIIII", 0, 0, 0, timescale, timescale * seconds) + bytes(80),
    )
    mdhd = _atom(b"mdhd", struct.pack(">BxxxIIIIHH", 0, 0, 0, timescale, timescale * seconds, 0, 0))
    hdlr = _atom(b"hdlr", bytes(4) + bytes(4) + handler + bytes(12) + b"\x00")
    # An AAC-LC sample entry, mono, 44.1 kHz, with its elementary stream descriptor.
    specific = b"\x05\x02\x12\x08"
    config = b"\x04" + bytes([13 + len(specific)]) + b"\x40\x15" + bytes(11) + specific
    stream = b"\x03" + bytes([3 + len(config) + 3]) + bytes(3) + config + b"\x06\x01\x02"
    esds = _atom(b"esds", bytes(4) + stream)
    entry = bytes(6) + struct.pack(">H", 1) + bytes(8)
    mp4a = _atom(b"mp4a", entry + struct.pack(">HHHHI", 1, 16, 0, 0, timescale << 16) + esds)
    stsd = _atom(b"stsd", bytes(4) + struct.pack(">I", 1) + mp4a)
    stbl = _atom(b"stbl", stsd)
    minf = _atom(b"minf", stbl)
    mdia = _atom(b"mdia", mdhd + hdlr + minf)
    trak = _atom(b"trak", mdia)
    moov = _atom(b"moov", mvhd + trak)
    ftyp = _atom(b"ftyp", b"M4A " + bytes(4) + b"M4A mp42isom")
    return ftyp + moov + _atom(b"mdat", bytes(64))
