"""The package reader refuses hostile archives with a clear reason and reads good ones."""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
from pathlib import Path

import pytest

from certifier.errors import CertifierError, PackageRejected
from certifier.package.archive import open_package
from certifier.package.archive_limits import ArchiveLimits
from certifier.package.entry_names import unsafe_path_reason
from certifier.package.inventory import build_inventory
from certifier.package.workdir import WorkDir
from tests.factories import build_zip


def rejected(path: Path, limits: ArchiveLimits) -> PackageRejected:
    with pytest.raises(PackageRejected) as caught, open_package(path, limits) as package:
        build_inventory(package)
    return caught.value


def patch_bytes(path: Path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert data.count(old) >= 1
    path.write_bytes(data.replace(old, new))


def set_flag_bits(path: Path, bits: int, clear: int = 0) -> None:
    """Set/clear general-purpose flag bits in every local and central header."""
    data = bytearray(path.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (pos := data.find(signature, start)) != -1:
            flags = int.from_bytes(data[pos + offset : pos + offset + 2], "little")
            flags = (flags | bits) & ~clear
            data[pos + offset : pos + offset + 2] = flags.to_bytes(2, "little")
            start = pos + 4
    path.write_bytes(bytes(data))


def test_reads_a_good_zip_and_hashes_every_entry(tmp_path, limits):
    files = {"index.html": "<html>hello</html>", "media/a.bin": os.urandom(5000)}
    path = build_zip(tmp_path / "course.zip", files)
    with open_package(path, limits) as package:
        inventory = build_inventory(package)
    records = inventory.by_path()
    assert set(records) == {"index.html", "media/a.bin"}
    assert records["media/a.bin"].sha256 == hashlib.sha256(files["media/a.bin"]).hexdigest()
    assert records["index.html"].media_type == "text/html"
    assert inventory.package_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert inventory.total_size == 5000 + len(files["index.html"])


@pytest.mark.parametrize(
    "name, reason_text",
    [
        ("../escape.html", "climbs out"),
        ("a/../../escape.html", "climbs out"),
        ("/etc/passwd", "absolute path"),
        ("C:/Windows/evil.dll", "drive letter"),
        ("..\\..\\evil.bat", "climbs out"),
    ],
)
def test_path_traversal_is_rejected(tmp_path, limits, name, reason_text):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("index.html", "<html></html>")
        info = zipfile.ZipInfo("x" * len(name))
        archive.writestr(info, "boom")
    # zipfile sanitises some names on write; put the hostile name into the headers directly.
    patch_bytes(path, ("x" * len(name)).encode(), name.encode())
    error = rejected(path, limits)
    assert error.reason == "path-traversal"
    assert reason_text in str(error) and name in str(error)


def test_zip_bomb_over_total_size_is_rejected(tmp_path):
    small = ArchiveLimits(
        max_uncompressed_mb=1, max_compression_ratio=10_000, min_size_for_ratio_check_mb=100, max_entry_count=100
    )
    path = build_zip(tmp_path / "bomb.zip", {"zeros.bin": b"\0" * (3 * 1024 * 1024)})
    error = rejected(path, small)
    assert error.reason == "zip-bomb" and "max_uncompressed_mb" in str(error)


def test_zip_bomb_over_ratio_is_rejected(tmp_path, limits):
    path = build_zip(tmp_path / "ratio.zip", {"zeros.bin": b"\0" * (20 * 1024 * 1024)})
    error = rejected(path, limits)
    assert error.reason == "zip-bomb" and "max_compression_ratio" in str(error)
    assert error.member == "zeros.bin"


def test_too_many_entries_is_rejected(tmp_path):
    few = ArchiveLimits(
        max_uncompressed_mb=10, max_compression_ratio=100, min_size_for_ratio_check_mb=1, max_entry_count=5
    )
    path = build_zip(tmp_path / "many.zip", {f"f{i}.txt": "x" for i in range(6)})
    assert rejected(path, few).reason == "too-many-entries"


def test_symlink_entry_is_rejected(tmp_path, limits):
    path = tmp_path / "link.zip"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("shared/passwd")
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(info, "/etc/passwd")
    error = rejected(path, limits)
    assert error.reason == "symlink-entry" and error.member == "shared/passwd"


def test_duplicate_names_are_rejected(tmp_path, limits):
    path = tmp_path / "dup.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("index.html", "one")
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("index.html", "two")
    error = rejected(path, limits)
    assert error.reason == "duplicate-entry" and "index.html" in str(error)


def test_encrypted_entry_is_rejected(tmp_path, limits):
    path = build_zip(tmp_path / "secret.zip", {"index.html": "<html></html>"})
    set_flag_bits(path, 0x1)
    assert rejected(path, limits).reason == "encrypted-entry"


def test_truncated_archive_is_rejected(tmp_path, limits):
    path = build_zip(tmp_path / "full.zip", {"video.bin": os.urandom(200_000), "index.html": "<html/>"})
    cut = tmp_path / "cut.zip"
    cut.write_bytes(path.read_bytes()[:100_000])
    error = rejected(cut, limits)
    assert error.reason in ("not-a-zip", "corrupt-archive")
    assert "zip" in str(error)


def test_a_zip_version_zipfile_cannot_read_is_rejected_with_the_reason(tmp_path, limits):
    path = build_zip(tmp_path / "future.zip", {"index.html": "<html></html>"})
    data = bytearray(path.read_bytes())
    central = data.rfind(b"PK\x01\x02")
    data[central + 6 : central + 8] = (99).to_bytes(2, "little")  # "version needed to extract": 9.9
    path.write_bytes(data)
    error = rejected(path, limits)
    assert error.reason == "corrupt-archive" and "zip file version 9.9" in str(error)


def test_corrupt_entry_data_is_rejected_when_read(tmp_path, limits):
    payload = b"lesson text " * 5000
    path = build_zip(tmp_path / "corrupt.zip", {"index.html": payload})
    data = bytearray(path.read_bytes())
    middle = len(data) // 3
    data[middle : middle + 16] = b"\xff" * 16
    path.write_bytes(bytes(data))
    error = rejected(path, limits)
    assert error.reason == "corrupt-entry" and error.member == "index.html"


def test_non_utf8_name_is_rejected(tmp_path, limits):
    path = build_zip(tmp_path / "latin1.zip", {"caf\u00e9.html": "<html></html>"})
    patch_bytes(path, "caf\u00e9".encode(), b"caf\xe9_")  # Latin-1 bytes, same length
    set_flag_bits(path, 0, clear=0x800)
    error = rejected(path, limits)
    assert error.reason == "non-utf8-name"


def test_utf8_name_without_flag_is_accepted(tmp_path, limits):
    path = build_zip(tmp_path / "utf8.zip", {"caf\u00e9.html": "<html></html>"})
    set_flag_bits(path, 0, clear=0x800)
    with open_package(path, limits) as package:
        assert package.paths() == ["caf\u00e9.html"]


def test_zip64_archive_is_accepted(tmp_path, limits):
    path = tmp_path / "z64.zip"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive,
        archive.open("index.html", "w", force_zip64=True) as entry,
    ):
        entry.write(b"<html>zip64</html>")
    assert b"\x01\x00" in path.read_bytes()  # the zip64 extra field id
    with open_package(path, limits) as package:
        assert build_inventory(package).files[0].path == "index.html"


def test_not_a_zip_and_missing_path(tmp_path, limits):
    fake = tmp_path / "course.zip"
    fake.write_text("<html>this is a web page saved as .zip</html>")
    assert rejected(fake, limits).reason == "not-a-zip"
    with pytest.raises(CertifierError, match="does not exist"):
        open_package(tmp_path / "nope.zip", limits)


def test_folder_with_symlink_is_rejected(tmp_path, limits):
    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "index.html").write_text("<html></html>")
    os.symlink("/etc/hostname", folder / "host.txt")
    assert rejected(folder, limits).reason == "symlink-entry"


def test_folder_package_reads_relative_posix_paths(tmp_path, limits):
    folder = tmp_path / "course"
    (folder / "pages").mkdir(parents=True)
    (folder / "pages" / "a.html").write_text("<html></html>")
    with open_package(folder, limits) as package:
        inventory = build_inventory(package)
    assert [f.path for f in inventory.files] == ["pages/a.html"]
    assert len(inventory.package_sha256) == 64


@pytest.mark.parametrize("name", ["ok/file.html", "a b/c%20d.html", "deep/./x.js"])
def test_safe_names_pass(name):
    assert unsafe_path_reason(name) is None


def test_workdir_extracts_inside_and_refuses_escapes(tmp_path, limits):
    path = build_zip(tmp_path / "course.zip", {"pages/index.html": "<html>ok</html>"})
    with open_package(path, limits) as package, WorkDir() as workdir:
        target = workdir.extract(package, "pages/index.html")
        assert target.read_text() == "<html>ok</html>"
        assert workdir.path in target.parents
        with pytest.raises(PackageRejected):
            workdir.target_for("../../outside.txt")
        root = workdir.path
    assert not root.exists()


def central_field(path: Path, offset: int, width: int, value: int) -> None:
    """Overwrite a field of the (only) central directory header."""
    data = bytearray(path.read_bytes())
    central = data.find(b"PK\x01\x02")
    data[central + offset : central + offset + width] = value.to_bytes(width, "little")
    path.write_bytes(bytes(data))


def whole_reads(path: Path, limits: ArchiveLimits) -> tuple[bytes, bytes]:
    """An entry read by the whole-entry inflater and through zipfile's stream."""
    with open_package(path, limits) as package, package.open("index.html") as stream:
        return package.inflate_whole("index.html"), stream.read()


@pytest.mark.skipif(
    __import__("certifier.package.inflate", fromlist=["libdeflate"]).libdeflate is None,
    reason="libdeflate (deflate) is not installed: zipfile inflates every entry",
)
def test_the_whole_entry_inflater_reads_what_zipfile_reads_and_refuses_what_it_refuses(tmp_path, limits):
    payload = os.urandom(300_000) + b"lesson text " * 50_000
    path = build_zip(tmp_path / "good.zip", {"index.html": payload})
    fast, slow = whole_reads(path, limits)
    assert fast == slow == payload
    # A directory that declares fewer bytes than the entry holds (a zip bomb's lie), told alike in the
    # local header (where the two differ, the archive is refused at open: test_crafted_archives.py).
    central_field(path, 24, 4, len(payload) - 1)  # uncompressed size
    data = bytearray(path.read_bytes())
    data[22:26] = (len(payload) - 1).to_bytes(4, "little")  # the (first) local header's uncompressed size
    path.write_bytes(bytes(data))
    with pytest.raises(PackageRejected, match="another size"):
        whole_reads(path, limits)
    # A checksum that does not match the bytes.
    path = build_zip(tmp_path / "crc.zip", {"index.html": payload})
    central_field(path, 16, 4, zipfile.ZipFile(path).getinfo("index.html").CRC ^ 1)
    with pytest.raises(PackageRejected, match="CRC"):
        whole_reads(path, limits)
    # A local header that is not one.
    path = build_zip(tmp_path / "header.zip", {"index.html": payload})
    patch_bytes(path, b"PK\x03\x04", b"PK\x03\x05")
    assert rejected(path, limits).reason in ("corrupt-entry", "corrupt-archive")
