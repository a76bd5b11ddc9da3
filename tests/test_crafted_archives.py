"""Archives crafted so that the directory this tool reads and the bytes an unzip writes disagree."""

from __future__ import annotations

import io
import json
import os
import struct
import sys
import zipfile
from pathlib import Path

import pytest

from certifier.errors import PackageRejected
from certifier.package.archive import open_package
from certifier.policy.registry import load_profile
from certifier.run.runner import archive_limits
from tests.conftest import run_cli
from tests.factories import build_zip

CENTRAL = struct.Struct(zipfile.structCentralDir)
END = struct.Struct(zipfile.structEndArchive)
MIB = 1024 * 1024


def _rejection(path: Path) -> PackageRejected:
    with pytest.raises(PackageRejected) as caught:
        open_package(path, archive_limits(load_profile("default")))
    return caught.value


def _patched(path: Path, old: bytes, new: bytes, occurrence: int) -> Path:
    """The archive with the ``occurrence``-th copy of ``old`` (0: the local header, 1: the directory) replaced."""
    data = path.read_bytes()
    at = -1
    for _ in range(occurrence + 1):
        at = data.index(old, at + 1)
    path.write_bytes(data[:at] + new + data[at + len(old) :])
    return path


def test_a_local_header_name_that_differs_from_the_directory_rejects_the_archive(tmp_path):
    # The directory says shared/help.txt; the bytes an unzip-by-local-headers writes say ../../tmp/x.jsp.
    course = build_zip(tmp_path / "c.zip", {"index.html": "<html></html>", "../../tmp/x.jsp": "<% run %>"})
    _patched(course, b"../../tmp/x.jsp", b"shared/help.txt", occurrence=1)
    assert "shared/help.txt" in zipfile.ZipFile(course).namelist()
    rejected = _rejection(course)
    assert rejected.reason == "local-header-mismatch"
    assert "shared/help.txt" in str(rejected) and "../../tmp/x.jsp" in str(rejected)


def test_encryption_declared_only_in_the_local_header_rejects_the_archive(tmp_path):
    course = build_zip(tmp_path / "c.zip", {"index.html": "<html></html>", "pages/a.html": "<p>a</p>"})
    data = bytearray(course.read_bytes())
    second = data.index(b"PK\x03\x04", 1)  # the local header of pages/a.html
    data[second + 6] |= 0x1  # general-purpose flags: encrypted
    course.write_bytes(bytes(data))
    rejected = _rejection(course)
    assert rejected.reason == "local-header-mismatch" and "encrypted" in str(rejected)
    assert rejected.member == "pages/a.html"


def test_a_local_header_with_another_size_rejects_the_archive(tmp_path):
    course = build_zip(
        tmp_path / "c.zip", {"index.html": "<html>" + "x" * 500 + "</html>"}, compression=zipfile.ZIP_STORED
    )
    data = bytearray(course.read_bytes())
    data[22:26] = struct.pack("<I", 9)  # the local header's uncompressed size
    course.write_bytes(bytes(data))
    assert _rejection(course).reason == "local-header-mismatch"


def _overlapping_bomb(path: Path, copies: int) -> Path:
    """One 1 MiB entry listed ``copies`` times in the central directory (an "overlapping" zip bomb).

    Each record declares the entry's full compressed size, so the sizes the directory declares add up
    to as much as the archive expands to: only the archive's real size shows the expansion."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("index.html", "<html><body>Course</body></html>")
        archive.writestr("imsmanifest.xml", "<manifest/>")
        archive.writestr("media/0000.bin", os.urandom(MIB))
    raw = buffer.getvalue()
    infos = zipfile.ZipFile(io.BytesIO(raw)).infolist()
    bomb = infos[-1]
    start = min(raw.index(b"PK\x01\x02"), len(raw))
    central = b""
    records = [(i.filename, i) for i in infos] + [(f"media/{n:04}.bin", bomb) for n in range(1, copies)]
    for name, info in records:
        encoded = name.encode()
        central += (
            CENTRAL.pack(
                zipfile.stringCentralDir,
                20,
                0,
                20,
                0,
                0,
                info.compress_type,
                0,
                0,
                info.CRC,
                info.compress_size,
                info.file_size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                info.header_offset,
            )
            + encoded
        )
    end = END.pack(zipfile.stringEndArchive, 0, 0, len(records), len(records), len(central), start, 0)
    path.write_bytes(raw[:start] + central + end)
    return path


def test_an_overlapping_zip_bomb_is_rejected_and_nothing_is_expanded(tmp_path):
    bomb = _overlapping_bomb(tmp_path / "overlap.zip", copies=1500)
    assert bomb.stat().st_size < 2 * MIB and len(zipfile.ZipFile(bomb).infolist()) == 1502
    assert _rejection(bomb).reason == "overlapping-entries"
    # The whole command: exit 4 (not certified), nothing written to the work folder, memory bounded.
    work = tmp_path / "work"
    work.mkdir()
    env = dict(os.environ, TMPDIR=str(work), TEMP=str(work), TMP=str(work))
    result = run_cli("check", str(bomb), "--json", str(tmp_path / "r.json"), "--no-history", env=env, timeout=120)
    assert result.returncode == 4, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    rejected = next(f for f in report["findings"] if f["rule_id"] == "package.archive-rejected")
    assert rejected["measured"] == "overlapping-entries" and "zip bomb" in rejected["message"]
    written = sum(p.stat().st_size for p in work.rglob("*") if p.is_file())
    assert written < MIB, f"{written:,} bytes written to the work folder"
    if sys.platform != "win32":
        import resource

        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / (1024 if sys.platform != "darwin" else MIB)
        assert peak_mb < 400, f"the check peaked at {peak_mb:.0f} MB"


def test_a_file_and_a_folder_of_one_path_are_rejected_as_duplicates(tmp_path):
    course = tmp_path / "c.zip"
    with zipfile.ZipFile(course, "w") as archive:
        archive.writestr("imsmanifest.xml", "<manifest/>")
        archive.writestr("pages/intro.html", "<html></html>")
        archive.writestr(zipfile.ZipInfo("pages/intro.html/"), b"")
    rejected = _rejection(course)
    assert rejected.reason == "duplicate-entry" and "both a file and a folder" in str(rejected)
    # A file used as a folder by another entry's path is the same conflict.
    other = build_zip(tmp_path / "d.zip", {"pages/intro.html": "<html></html>", "pages/intro.html/x.png": b"png"})
    assert _rejection(other).reason == "duplicate-entry"


def test_an_ordinary_archive_with_folder_entries_and_data_descriptors_is_accepted(tmp_path):
    # Streamed zips (data descriptors, zero sizes in local headers) and explicit folder entries are normal.
    course = tmp_path / "c.zip"
    with open(course, "wb") as raw, zipfile.ZipFile(_Unseekable(raw), "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("pages/"), b"")
        archive.writestr("pages/intro.html", "<html>" + "x" * 2000 + "</html>")
        archive.writestr("index.html", "<html></html>")
    assert zipfile.ZipFile(course).infolist()[1].flag_bits & 0x8
    with open_package(course, archive_limits(load_profile("default"))) as package:
        assert package.paths() == ["index.html", "pages/intro.html"]
        assert package.read_bytes("pages/intro.html").startswith(b"<html>xx")


class _Unseekable(io.RawIOBase):
    """A write-only stream, so zipfile writes data descriptors as a streaming zipper does."""

    def __init__(self, target):
        self._target = target

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        return self._target.write(data)
