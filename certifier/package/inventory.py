"""Streamed inventory of a package: every file's size, SHA-256 and media type in one pass."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from certifier.package.archive import READ_CHUNK_BYTES, CoursePackage
from certifier.package.archive_limits import Entry
from certifier.package.media_types import SNIFF_BYTES, guess_media_type
from certifier.package.workdir import WorkDir

# Text the probes parse (pages, scripts, styles, manifests, configuration) is kept from the read
# pass: up to this much per file, and this much in all, so memory stays bounded on any package.
# Past the budget a later reader inflates the text again: on a course with 147 MB of pages, a
# 192 MB budget peaked at 276 MB RSS and 32 MB at 175 MB, in the same time (bench/full.py --text-heavy).
TEXT_SUFFIXES = (".html", ".htm", ".xhtml", ".js", ".mjs", ".css", ".json", ".xml", ".txt", ".svg")
KEEP_TEXT_MAX_BYTES = 4 * 1024 * 1024
KEEP_TEXT_BUDGET_BYTES = 32 * 1024 * 1024
# Entries up to this size are inflated in one call rather than in chunks joined afterwards: a third
# less processor time for the pass (no copy, no call per chunk), at the cost of holding one such
# entry per read thread in memory.
WHOLE_READ_MAX_BYTES = 16 * 1024 * 1024
# Entries are inflated and hashed on this many threads: zlib and hashlib release the GIL, so two
# entries (and the archive's own hash) proceed on two cores at once.
READ_THREADS = 2

ProgressCallback = Callable[[float, str], None]


@dataclass(frozen=True)
class FileRecord:
    path: str
    size: int
    compressed_size: int
    sha256: str
    media_type: str

    def to_dict(self) -> dict[str, Any]:
        # Explicit rather than dataclasses.asdict, whose deep copy took 0.12 s of a 5,000-file report.
        return {
            "path": self.path,
            "size": self.size,
            "compressed_size": self.compressed_size,
            "sha256": self.sha256,
            "media_type": self.media_type,
        }


@dataclass
class Inventory:
    files: list[FileRecord]
    package_sha256: str
    total_size: int
    total_compressed_size: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "package_sha256": self.package_sha256,
            "total_size": self.total_size,
            "total_compressed_size": self.total_compressed_size,
            "files": [f.to_dict() for f in self.files],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Inventory:
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
    unpack_to: WorkDir | None = None,
    tap: Callable[[str, str, int], Callable[[bytes], None] | None] | None = None,
    unpack_if: Callable[[str, str, int], bool] | None = None,
) -> Inventory:
    """Hash every entry in one read that also feeds everything else needing its bytes: text files
    are kept for the probes that parse them (within a memory budget), ``tap`` takes the bytes of
    the entries a probe examines beside the pass (it returns a sink for an entry it wants, given
    path, type and size), and the entries ``unpack_if`` names (a probe reads them from disk later)
    are written to ``unpack_to``. For a zip the archive's own hash runs in parallel. Other files are
    written only when a probe asks for them (:class:`CourseFolder`).

    hashlib and zlib release the GIL on large buffers, so the archive's hash and two entries'
    inflating and hashing share the cores instead of queueing on one.
    """
    archive_digest: list[str | BaseException] = []
    archive_thread = None

    def hash_archive() -> None:
        try:
            archive_digest.append(sha256_of_file(package.source))
        except OSError as exc:
            archive_digest.append(exc)

    if package.is_zip:
        archive_thread = threading.Thread(target=hash_archive, name="archive-sha256", daemon=True)
        archive_thread.start()

    # Which texts to keep is decided in entry order, so the memory budget is spent the same way
    # however the threads interleave.
    plans = []
    text_budget = KEEP_TEXT_BUDGET_BYTES
    for entry in package.entries:
        keep_text = entry.size <= min(KEEP_TEXT_MAX_BYTES, text_budget) and entry.path.lower().endswith(TEXT_SUFFIXES)
        text_budget -= entry.size if keep_text else 0
        plans.append((entry, keep_text))

    def read(plan: tuple[Entry, bool]) -> tuple[str, str]:
        return _read_entry(package, plan[0], plan[1], unpack_to, tap, unpack_if)

    order = reading_order(plans)
    records: list[FileRecord | None] = [None] * len(plans)
    total_bytes = max(package.total_size, 1)
    done_bytes = 0
    pool = ThreadPoolExecutor(max_workers=READ_THREADS, thread_name_prefix="read-entry")
    try:
        for index, (digest, media_type) in zip(order, pool.map(read, [plans[index] for index in order]), strict=False):
            if checkpoint:
                checkpoint()
            entry = plans[index][0]
            records[index] = FileRecord(entry.path, entry.size, entry.compressed_size, digest, media_type)
            done_bytes += entry.size
            if progress:
                progress(done_bytes / total_bytes, entry.path)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # a cancelled or failed pass leaves no reader behind
    files = [record for record in records if record is not None]  # all of them, in the package's order

    if archive_thread is not None:
        archive_thread.join()
        if isinstance(archive_digest[0], BaseException):
            raise archive_digest[0]
        package_sha = archive_digest[0]
    else:
        package_sha = tree_sha256(files)
    return Inventory(files, package_sha, package.total_size, package.total_compressed_size)


def reading_order(plans: list[tuple[Entry, bool]]) -> list[int]:
    """The kept texts spread evenly through the other entries' bytes: the probes that parse texts
    (on their examiner threads, holding the interpreter) then work while large entries inflate
    (which does not hold it), instead of after the pass or beside the many small reads."""
    texts = [index for index, (_, keep) in enumerate(plans) if keep]
    others = [index for index, (_, keep) in enumerate(plans) if not keep]
    total = sum(plans[index][0].size for index in others) or 1
    position: dict[int, float] = {}
    done = 0
    for index in others:
        position[index] = done / total
        done += plans[index][0].size
    for rank, index in enumerate(texts):
        position[index] = rank / max(len(texts), 1)
    return sorted(range(len(plans)), key=lambda index: (position[index], index))


def _read_entry(
    package: CoursePackage,
    entry: Entry,
    keep_text: bool,
    unpack_to: WorkDir | None,
    tap: Callable[[str, str, int], Callable[[bytes], None] | None] | None,
    unpack_if: Callable[[str, str, int], bool] | None,
) -> tuple[str, str]:
    """One read of an entry feeds its hash, its media type, the kept text, the probes that examine
    it and the unpacked copy."""
    path = entry.path
    digest = hashlib.sha256()
    kept: list[bytes] = []
    with contextlib.ExitStack() as stack:
        # A whole entry is one chunk: joining a single chunk below returns it without a copy.
        chunks = iter((package.read_bytes(path),)) if entry.size <= WHOLE_READ_MAX_BYTES else package.iter_chunks(path)
        first = next(chunks, b"")
        media_type = guess_media_type(path, first[:SNIFF_BYTES])
        sink = tap(path, media_type, entry.size) if tap else None
        keep = keep_text or sink is not None
        out = None
        if unpack_to is not None and unpack_if and sink is None and unpack_if(path, media_type, entry.size):
            out = stack.enter_context(unpack_to.writing(path))
        for chunk in itertools.chain((first,) if first else (), chunks):
            digest.update(chunk)
            if out is not None:
                out.write(chunk)
            if keep:
                kept.append(chunk)
    content = b"".join(kept) if keep else b""
    if keep_text:
        package.keep(path, content)
    if sink is not None:
        sink(content)
    return digest.hexdigest(), media_type


def tree_sha256(records: list[FileRecord]) -> str:
    """A folder's identity: the hash of its sorted (path, content hash) list."""
    digest = hashlib.sha256()
    for record in sorted(records, key=lambda r: r.path):
        digest.update(f"{record.path}\0{record.sha256}\n".encode())
    return digest.hexdigest()
