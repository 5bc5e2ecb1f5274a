"""Where a PNG, JPEG, WebP or GIF file's picture ends, read from its own structure.

An uploaded lesson image is kept byte for byte (its URL carries its content hash, and the
curriculum export and import carry the same bytes), so it must be nothing but a picture: a
GIF or PNG with an HTML page or a PHP script glued after its last block still opens in
every viewer, and would be served from our origin. ``picture_end`` walks the format's
blocks as its specification lays them out and returns the offset just past the last one;
the caller refuses a file whose length is not that offset.

Pure Python, no Django: each walker reads only lengths and markers, never pixel data, so it
is cheap on any file and cannot be made to allocate more than the file itself.

Specifications: PNG (ISO/IEC 15948, W3C PNG 3rd ed., chunk layout), JPEG (ITU-T T.81
Annex B, marker segments), WebP (RFC 9649, RIFF container), GIF (GIF89a specification,
block grammar in Appendix B).
"""

from __future__ import annotations

import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Malformed(ValueError):
    """The file's structure is broken before its picture ends."""


def picture_end(data: bytes, kind: str) -> int:
    """The offset just past the picture's last block, for Pillow's format name ``kind``."""
    walkers = {"PNG": png_end, "JPEG": jpeg_end, "WEBP": webp_end, "GIF": gif_end}
    return walkers[kind](data)


def _need(data: bytes, end: int) -> None:
    if end > len(data):
        raise Malformed("the file ends inside a block")


def png_end(data: bytes) -> int:
    """Past the IEND chunk's CRC. Every chunk's CRC is checked on the way."""
    if not data.startswith(PNG_SIGNATURE):
        raise Malformed("no PNG signature")
    at = len(PNG_SIGNATURE)
    while True:
        _need(data, at + 8)
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        end = at + 8 + length + 4
        _need(data, end)
        (crc,) = struct.unpack(">I", data[end - 4 : end])
        if zlib.crc32(data[at + 4 : end - 4]) != crc:
            raise Malformed(f"bad CRC in the {kind!r} chunk")
        at = end
        if kind == b"IEND":
            return at


# Markers with no length field after them (T.81 Table B.1): SOI, EOI, RST0-7, TEM.
_STANDALONE = {0xD8, 0xD9, 0x01, *range(0xD0, 0xD8)}


def jpeg_end(data: bytes) -> int:
    """Past the EOI marker that ends the (last) frame: marker segments are skipped by their
    length (so an EXIF thumbnail's own EOI is passed over), entropy-coded data after each SOS
    runs to the next marker that is not a stuffed 0xFF00 or a restart marker."""
    if not data.startswith(b"\xff\xd8"):
        raise Malformed("no JPEG start-of-image marker")
    at = 2
    while True:
        _need(data, at + 2)
        if data[at] != 0xFF:
            raise Malformed("expected a marker")
        marker = data[at + 1]
        if marker == 0xFF:  # fill bytes before a marker
            at += 1
            continue
        at += 2
        if marker == 0xD9:
            return at
        if marker in _STANDALONE:
            continue
        _need(data, at + 2)
        (length,) = struct.unpack(">H", data[at : at + 2])
        if length < 2:
            raise Malformed("bad segment length")
        at += length
        _need(data, at)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            at = _scan_end(data, at)


def _scan_end(data: bytes, at: int) -> int:
    while True:
        at = data.find(b"\xff", at)
        if at < 0 or at + 1 >= len(data):
            raise Malformed("the file ends inside the picture data")
        following = data[at + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
            at += 1 if following == 0xFF else 2
            continue
        return at


def webp_end(data: bytes) -> int:
    """Past the RIFF chunk, whose length the header states (padded to an even size)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise Malformed("no RIFF WEBP header")
    (length,) = struct.unpack("<I", data[4:8])
    end = 8 + length + (length & 1)
    _need(data, end)
    # Walk the chunks inside, so that the stated length cannot hide a gap of anything.
    at = 12
    while at < end:
        _need(data, at + 8)
        (size,) = struct.unpack("<I", data[at + 4 : at + 8])
        at += 8 + size + (size & 1)
    if at != end:
        raise Malformed("chunks overrun the RIFF length")
    return end


def gif_end(data: bytes) -> int:
    """Past the trailer byte (0x3B) after the last image and extension block."""
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise Malformed("no GIF header")
    _need(data, 13)
    flags = data[10]
    at = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    while True:
        _need(data, at + 1)
        introducer = data[at]
        if introducer == 0x3B:
            return at + 1
        if introducer == 0x21:  # extension: label, then data sub-blocks
            at = _sub_blocks_end(data, at + 2)
        elif introducer == 0x2C:  # image descriptor, local colour table, LZW size, sub-blocks
            _need(data, at + 10)
            flags = data[at + 9]
            at += 10 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
            at = _sub_blocks_end(data, at + 1)
        else:
            raise Malformed(f"unknown GIF block 0x{introducer:02x}")


def _sub_blocks_end(data: bytes, at: int) -> int:
    while True:
        _need(data, at + 1)
        size = data[at]
        at += 1 + size
        if size == 0:
            return at
