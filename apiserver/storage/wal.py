"""The write-ahead log: framed records appended to segment files, and reading them back.

Every record is framed as ``length (u32 LE) | crc32 (u32 LE) | payload``. A process killed in the
middle of an append leaves a *torn* final frame -- a short header, a short payload, or a payload
whose checksum does not match. Reading stops there and reports how many bytes were whole, so the
caller can truncate the file and go on appending: the torn record was never acknowledged (an
append is acknowledged only after its ``write`` returned), so nothing acknowledged is lost.

Segments are named after the first revision they may hold (``%016x.wal``), so their names sort in
revision order and a snapshot at revision S makes every segment older than the one started at
S + 1 redundant.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

_HEADER = struct.Struct("<II")
SEGMENT_SUFFIX = ".wal"
#: A frame larger than this is treated as damage rather than trusted (and allocated).
MAX_FRAME = 1 << 30


def frame(payload: bytes) -> bytes:
    """The bytes to append for ``payload``."""
    return _HEADER.pack(len(payload), zlib.crc32(payload)) + payload


def read_frames(data: bytes) -> tuple[list[bytes], int]:
    """Parse whole frames from ``data``; return their payloads and the length they span.

    Parsing stops at the first frame that is short or fails its checksum.
    """
    payloads: list[bytes] = []
    offset = 0
    size = len(data)
    header_size = _HEADER.size
    view = memoryview(data)
    while offset + header_size <= size:
        length, crc = _HEADER.unpack_from(data, offset)
        end = offset + header_size + length
        if length > MAX_FRAME or end > size:
            break
        payload = bytes(view[offset + header_size : end])
        if zlib.crc32(payload) != crc:
            break
        payloads.append(payload)
        offset = end
    return payloads, offset


def segment_name(first_revision: int) -> str:
    return f"{first_revision:016x}{SEGMENT_SUFFIX}"


def list_segments(directory: Path) -> list[tuple[int, Path]]:
    """The segments in ``directory`` as ``(first_revision, path)``, oldest first."""
    found = []
    for path in directory.iterdir():
        if path.suffix == SEGMENT_SUFFIX and len(path.stem) == 16:
            try:
                found.append((int(path.stem, 16), path))
            except ValueError:
                continue
    found.sort()
    return found


class SegmentWriter:
    """Appends frames to one segment file with plain ``write`` calls (no user-space buffer),
    so a frame is in the kernel's hands, and survives the process dying, once ``append``
    returns."""

    __slots__ = ("_fd", "path")

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)

    @property
    def fd(self) -> int:
        return self._fd

    def append(self, payload: bytes) -> None:
        data = frame(payload)
        written = os.write(self._fd, data)
        while written < len(data):  # short writes are legal; finish the frame
            written += os.write(self._fd, data[written:])

    def sync(self) -> None:
        os.fsync(self._fd)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def fsync_directory(directory: Path) -> None:
    """Make a file's creation, rename or removal in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
