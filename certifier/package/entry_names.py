"""Entry names as a zip holds them: decoded as UTF-8, printable, and safe to extract."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable

from certifier.errors import PackageRejected

_DRIVE_LETTER = re.compile(r"^[A-Za-z]:")


def unsafe_path_reason(name: str) -> str | None:
    """Why an entry name could escape the extraction folder, or None when it is safe."""
    if name.startswith(("/", "\\")):
        return "is an absolute path"
    if _DRIVE_LETTER.match(name):
        return "starts with a drive letter"
    parts = re.split(r"[\\/]", name)
    if ".." in parts:
        return "climbs out of the package with '..'"
    if any("\x00" in part for part in parts):
        return "contains a NUL character"
    return None


def entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as UTF-8; names in another legacy code page are rejected."""
    name = info.filename
    if info.flag_bits & 0x800 or name.isascii():
        return name
    # Without the UTF-8 flag zipfile decodes as cp437; many tools write UTF-8 without the flag.
    try:
        return info.orig_filename.encode("cp437").decode("utf-8")
    except UnicodeError as exc:
        raise PackageRejected(
            "non-utf8-name",
            f"Entry '{name}' has a file name that is not UTF-8: LMSs and web servers will show or "
            "serve it under a different name. Rename it using ASCII letters.",
            name,
        ) from exc


def printable_name(name: str) -> str:
    """A file name that can be printed and written anywhere: undecodable bytes as \\xNN."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def parent_folders(path: str) -> list[str]:
    """The folders a '/'-separated path lies in: ``a/b/c`` → ``a``, ``a/b``."""
    parts = path.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


def refuse_file_and_folder(files: Iterable[str], folders: set[str]) -> None:
    """A path that is both a file and a folder (``pages/intro.html`` and ``pages/intro.html/``, or a file
    another entry's path runs through) cannot be unzipped: one of the two is dropped or the unzip fails."""
    both = sorted(folders.intersection(files))
    if both:
        raise PackageRejected(
            "duplicate-entry",
            f"'{both[0]}' is both a file and a folder in the archive: unzipping it fails or drops one of them "
            "(an LMS may never write the file).",
            both[0],
        )
