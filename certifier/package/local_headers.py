"""Each entry's local header checked against its central-directory record, and entries' data kept apart.

A zip names every entry twice: in the central directory (what this tool and most readers list) and in
the local header in front of the data (what a streaming unzip, and some LMS importers, write from).
A crafted archive can make the two disagree: an innocent name in the directory and
``../../../tmp/x.jsp`` in the local header, encryption declared only locally, or another method or
size. It can also point many directory records at one compressed block, so that a few hundred KB
expand to gigabytes (an "overlapping" zip bomb). An archive where the copies disagree, or where two
entries share bytes, is rejected before anything is read.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterable
from typing import IO

from certifier.errors import PackageRejected

# signature, version, flags, method, time, date, crc, compressed size, size, name length, extra length
LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
LOCAL_SIGNATURE = b"PK\x03\x04"
ENCRYPTED = 0x1
DATA_DESCRIPTOR = 0x8  # sizes and checksum follow the data; the local header may hold zeros
UTF8_NAME = 0x800
ZIP64_MARKER = 0xFFFFFFFF


def check_local_headers(stream: IO[bytes], infos: Iterable[zipfile.ZipInfo], archive_name: str, data_end: int) -> None:
    """Raise PackageRejected when a local header disagrees with its central record, or two entries'
    data overlap (or run into the central directory, which starts at ``data_end``)."""
    previous_end, previous_name = 0, ""
    for info in sorted(infos, key=lambda i: i.header_offset):
        name = info.orig_filename
        if info.header_offset < previous_end:
            raise PackageRejected(
                "overlapping-entries",
                f"Entries '{previous_name}' and '{name}' share the same bytes of {archive_name}: one compressed "
                "block listed many times is how a small archive expands to gigabytes (a zip bomb). "
                "Nothing was extracted.",
                name,
            )
        end = _check_one(stream, info, archive_name)
        if end > data_end:
            raise PackageRejected(
                "corrupt-archive",
                f"Entry '{name}' runs into the archive's directory: {archive_name} is damaged or crafted.",
                name,
            )
        previous_end, previous_name = end, name


def _check_one(stream: IO[bytes], info: zipfile.ZipInfo, archive_name: str) -> int:
    """Where the entry's data ends, once its local header matches the central record."""
    name = info.orig_filename
    stream.seek(info.header_offset)
    raw = stream.read(LOCAL_HEADER.size)
    if len(raw) != LOCAL_HEADER.size or raw[:4] != LOCAL_SIGNATURE:
        raise PackageRejected(
            "corrupt-archive",
            f"Entry '{name}' has no local header where the directory says: {archive_name} is damaged.",
            name,
        )
    (_, _, flags, method, _, _, _, packed, size, name_length, extra_length) = LOCAL_HEADER.unpack(raw)
    local_raw = stream.read(name_length)
    local_name = local_raw.decode("utf-8" if flags & UTF8_NAME else "cp437", errors="replace")
    differences = []
    if local_name != name:
        differences.append(f"its local header names it '{_printable(local_name)}'")
    if (flags & ENCRYPTED) != (info.flag_bits & ENCRYPTED):
        differences.append(
            "its local header declares it encrypted"
            if flags & ENCRYPTED
            else "its local header declares it unencrypted"
        )
    if method != info.compress_type:
        differences.append(f"its local header gives compression method {method}, the directory {info.compress_type}")
    if (
        not flags & DATA_DESCRIPTOR
        and ZIP64_MARKER not in (packed, size)
        and (packed != info.compress_size or size != info.file_size)
    ):
        differences.append(
            f"its local header gives {size:,} bytes ({packed:,} compressed), "
            f"the directory {info.file_size:,} ({info.compress_size:,} compressed)"
        )
    if differences:
        raise PackageRejected(
            "local-header-mismatch",
            f"Entry '{name}' is listed one way and stored another: {'; '.join(differences)}. An LMS that unzips "
            "by local headers would write or run something other than what was certified.",
            name,
        )
    end: int = info.header_offset + LOCAL_HEADER.size + name_length + extra_length + info.compress_size
    return end


def _printable(name: str) -> str:
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in name)
