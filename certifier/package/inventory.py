"""Streamed inventory of a package: every file's size, SHA-256 and media type in one pass."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from certifier.package.archive import READ_CHUNK_BYTES, CoursePackage
from certifier.package.media_types import SNIFF_BYTES, guess_media_type

ProgressCallback = Callable[[float, str], None]


@dataclass(frozen=True)
class FileRecord:
    path: str
    size: int
    compressed_size: int
    sha256: str
    media_type: str


@dataclass
class Inventory:
    files: list[FileRecord]
    package_sha256: str
    total_size: int
    total_compressed_size: int

    def to_dict(self) -> dict:
        return {
            "package_sha256": self.package_sha256,
            "total_size": self.total_size,
            "total_compressed_size": self.total_compressed_size,
            "files": [asdict(f) for f in self.files],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Inventory:
        return cls(
            files=[FileRecord(**f) for f in data["files"]],
            package_sha256=data["package_sha256"],
            total_size=data["total_size"],
            total_compressed_size=data["total_compressed_size"],
        )

    def by_path(self) -> dict[str, FileRecord]:
        return {f.path: f for f in self.files}


def sha256_of_file(path: Path, chunk_bytes: int = READ_CHUNK_BYTES) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(chunk_bytes):
            digest.update(chunk)
    return digest.hexdigest()


def build_inventory(
    package: CoursePackage,
    progress: ProgressCallback | None = None,
    checkpoint: Callable[[], None] | None = None,
) -> Inventory:
    """Hash every entry; for a zip the archive's own hash runs in parallel on the other core.

    hashlib and zlib release the GIL on large buffers, so hashing the archive file beside the
    entry pass costs almost no extra wall time.
    """
    archive_digest: list[str | BaseException] = []
    archive_thread = None

    def hash_archive() -> None:
        try:
            archive_digest.append(sha256_of_file(package.source))
        except OSError as exc:
            archive_digest.append(exc)

    if package.is_zip:
        archive_thread = threading.Thread(
            target=hash_archive,
            name="archive-sha256",
            daemon=True,
        )
        archive_thread.start()

    records = []
    total_bytes = max(package.total_size, 1)
    done_bytes = 0
    for entry in package.entries:
        if checkpoint:
            checkpoint()
        digest = hashlib.sha256()
        head = b""
        for chunk in package.iter_chunks(entry.path):
            if not head:
                head = chunk[:SNIFF_BYTES]
            digest.update(chunk)
        records.append(
            FileRecord(entry.path, entry.size, entry.compressed_size, digest.hexdigest(),
                       guess_media_type(entry.path, head))
        )
        done_bytes += entry.size
        if progress:
            progress(done_bytes / total_bytes, entry.path)

    if archive_thread is not None:
        archive_thread.join()
        if isinstance(archive_digest[0], BaseException):
            raise archive_digest[0]
        package_sha = archive_digest[0]
    else:
        package_sha = tree_sha256(records)
    return Inventory(records, package_sha, package.total_size, package.total_compressed_size)


def tree_sha256(records: list[FileRecord]) -> str:
    """A folder's identity: the hash of its sorted (path, content hash) list."""
    digest = hashlib.sha256()
    for record in sorted(records, key=lambda r: r.path):
        digest.update(f"{record.path}\0{record.sha256}\n".encode())
    return digest.hexdigest()
