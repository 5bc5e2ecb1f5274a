"""What an uploaded sound file really is: MP3, Ogg (Vorbis or Opus) or M4A (AAC or
ALAC), told from its content, never its name, and read through by ``mutagen`` (a
maintained library of audio containers) so that a file that only starts like audio
is refused. No Django models: tested on its own.

The checks, in order, each only after the one before passed: the size; the first
bytes (``OggS``, ``ftyp`` at byte 4, ``ID3`` or an MPEG frame sync); the container
parsed by mutagen's class for that format, which must find a playable stream with a
length; and, for M4A, no video track (a film is not a recording for a lesson).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from io import BytesIO

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

MB = 1024 * 1024
# The most a recording may weigh: 1 MB under the app's bound on a request body
# (settings.MAX_REQUEST_BYTES, 5 MB by default, so 4 MB: about 8 minutes of speech at
# 64 kbit/s MP3, 16 at 32 kbit/s Opus), so that the form around it still fits; and
# never more than 25 MB (a 20-minute recording at 128 kbit/s is about 19 MB), whatever
# the bound is raised to. Design decision.
MAX_AUDIO_BYTES = 25 * MB


def max_audio_bytes() -> int:
    from django.conf import settings

    return max(MB, min(MAX_AUDIO_BYTES, settings.MAX_REQUEST_BYTES - MB))


# Longer than any guided exercise; a longer file is more likely a mistake.
MAX_AUDIO_SECONDS = 60 * 60
# The extension stored → the content type served.
AUDIO_TYPES = {"mp3": "audio/mpeg", "ogg": "audio/ogg", "m4a": "audio/mp4"}


@dataclass(frozen=True)
class AudioFacts:
    digest: str
    extension: str
    seconds: int
    size: int


def sniff(data: bytes) -> str | None:
    """The format the first bytes announce, or None."""
    if data[:4] == b"OggS":
        return "ogg"
    if data[4:8] == b"ftyp":
        return "m4a"
    if data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


def _length(kind: str, data: bytes) -> float:
    """The stream's length in seconds as mutagen reads it; raises on anything else."""
    from mutagen.mp3 import MP3
    from mutagen.mp4 import MP4
    from mutagen.oggopus import OggOpus
    from mutagen.oggvorbis import OggVorbis

    if kind == "mp3":
        return _seconds(MP3(BytesIO(data)).info)
    if kind == "ogg":
        # Vorbis or Opus: the first packet, after the page's 27-byte header and its
        # segment table (byte 26 says how long), says which.
        first = 27 + data[26] if len(data) > 26 else 0
        reader = OggOpus if data[first : first + 8] == b"OpusHead" else OggVorbis
        return _seconds(reader(BytesIO(data)).info)
    audio = MP4(BytesIO(data))
    if _has_video(data):
        raise ValueError("video track")
    return _seconds(audio.info)


def _seconds(info: object) -> float:
    return float(getattr(info, "length", 0) or 0)


def _has_video(data: bytes) -> bool:
    from mutagen.mp4 import Atoms

    atoms = Atoms(BytesIO(data))
    fileobj = BytesIO(data)
    for trak in atoms[b"moov"].findall(b"trak"):
        ok, handler = trak[b"mdia", b"hdlr"].read(fileobj)
        if ok and handler[8:12] == b"vide":
            return True
    return False


def inspect_audio(data: bytes) -> AudioFacts:
    """What an uploaded sound file is, or a ValidationError a clinic admin can act on."""
    limit = max_audio_bytes()
    if len(data) > limit:
        raise ValidationError(
            gettext(
                "This file is %(size).1f MB; sound files can be at most %(limit)d MB. "
                "Save it at a lower bit rate (speech is clear at 64 kbit/s mono MP3) or "
                "split it."
            )
            % {"size": len(data) / MB, "limit": limit // MB}
        )
    not_audio = ValidationError(
        gettext("This file is not an MP3, Ogg or M4A sound file (whatever its name says).")
    )
    kind = sniff(data)
    if kind is None:
        raise not_audio
    try:
        seconds = _length(kind, data)
    except Exception:
        raise not_audio from None
    if not seconds > 0:
        raise not_audio
    if seconds > MAX_AUDIO_SECONDS:
        raise ValidationError(
            gettext("This recording lasts %(minutes)d minutes; at most %(limit)d are accepted.")
            % {"minutes": seconds // 60, "limit": MAX_AUDIO_SECONDS // 60}
        )
    return AudioFacts(
        digest=hashlib.sha256(data).hexdigest(),
        extension=kind,
        seconds=max(1, round(seconds)),
        size=len(data),
    )
