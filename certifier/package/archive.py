"""Reading a course package (a .zip or a folder) without extracting it, refusing hostile input.

Every entry name is checked before anything is read: a package that could write outside a
folder when someone unzips it, that hides content behind encryption, that expands far beyond its
size, or whose archive is damaged is rejected with :class:`PackageRejected`, whose message says
exactly which entry and why. Callers never see a half-validated package.
"""

from __future__ import annotations

import os
import stat
import threading
import zipfile
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, BinaryIO, cast

from certifier.errors import CertifierError, PackageRejected
from certifier.package.archive_limits import ArchiveLimits, Entry
from certifier.package.entry_names import (
    entry_name,
    parent_folders,
    printable_name,
    refuse_file_and_folder,
    unsafe_path_reason,
)
from certifier.package.inflate import can_inflate, inflate_entry
from certifier.package.local_headers import check_local_headers

MIB = 1024 * 1024
READ_CHUNK_BYTES = MIB
# zipfile (and zlib underneath) signal damaged data with these.
# A damaged central directory can also send zipfile seeking before the start of the file (OSError)
# or decoding garbage (ValueError): all of it means the entry cannot be read.
_CORRUPTION_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError, ValueError)


def open_package(path: str | os.PathLike[str], limits: ArchiveLimits) -> CoursePackage:
    """Open a course package for reading; raise PackageRejected for hostile or broken input."""
    source = Path(path)
    if source.is_dir():
        return FolderPackage(source, limits)
    if not source.exists():
        raise CertifierError(f"No course package at {source}: the file or folder does not exist.")
    if not zipfile.is_zipfile(source):
        raise PackageRejected(
            "not-a-zip",
            f"{source.name} is not a zip archive (or its central directory is missing, "
            "as in a truncated download). Course packages are .zip files or folders.",
        )
    return ZipPackage(source, limits)


class CoursePackage(ABC):
    """Read-only view of a course package with validated entry names."""

    def __init__(self, source: Path, limits: ArchiveLimits):
        self.source = source
        self.limits = limits
        self.name = source.name
        self.entries: list[Entry] = []
        self._by_path: dict[str, Entry] = {}
        self._by_folded_path: dict[str, list[str]] = {}
        self._kept: dict[str, bytes] = {}

    @property
    def is_zip(self) -> bool:
        return False

    def _index(self, entries: list[Entry]) -> None:
        self.entries = sorted(entries, key=lambda e: e.path)
        self._by_path = {e.path: e for e in self.entries}
        for entry in self.entries:
            self._by_folded_path.setdefault(entry.path.casefold(), []).append(entry.path)
        total = sum(e.size for e in self.entries)
        if total > self.limits.max_uncompressed_mb * MIB:
            raise PackageRejected(
                "zip-bomb",
                f"{self.name} expands to {total / MIB:,.0f} MB, over the profile's "
                f"max_uncompressed_mb of {self.limits.max_uncompressed_mb:,.0f} MB.",
            )
        packed = self._packed_size()
        ratio = total / max(packed, 1)
        if (
            self.is_zip
            and total > self.limits.min_size_for_total_ratio_check_mb * MIB
            and ratio > self.limits.max_total_compression_ratio
        ):
            raise PackageRejected(
                "zip-bomb",
                f"{self.name} expands {ratio:,.0f}× as a whole ({packed / MIB:,.1f} MB to {total / MIB:,.0f} MB), "
                f"over the profile's max_total_compression_ratio of {self.limits.max_total_compression_ratio:,.0f}: "
                "a zip bomb split into many entries. Nothing was extracted.",
            )

    def _packed_size(self) -> int:
        return sum(e.compressed_size for e in self.entries)

    @property
    def total_size(self) -> int:
        return sum(e.size for e in self.entries)

    @property
    def total_compressed_size(self) -> int:
        return sum(e.compressed_size for e in self.entries)

    def has(self, path: str) -> bool:
        return path in self._by_path

    def entry(self, path: str) -> Entry | None:
        return self._by_path.get(path)

    def case_variants(self, path: str) -> list[str]:
        """Real paths that match ``path`` when case is ignored (as a Windows server would)."""
        return self._by_folded_path.get(path.casefold(), [])

    def paths(self) -> list[str]:
        return [e.path for e in self.entries]

    def keep(self, path: str, content: bytes) -> None:
        """Keep an entry's content read by the inventory pass, so later readers do not inflate it again."""
        self._kept[path] = content

    def is_kept(self, path: str) -> bool:
        """True when the inventory pass kept this entry's content: reading it inflates nothing."""
        return path in self._kept

    def read_bytes(self, path: str, max_bytes: int | None = None) -> bytes:
        """Whole content of an entry, or its first ``max_bytes`` bytes."""
        kept = self._kept.get(path)
        if kept is not None:
            return kept if max_bytes is None else kept[:max_bytes]
        if max_bytes is None:
            return self._read_whole(path)
        with self.open(path) as stream:
            return self._guarded(path, lambda: stream.read(max_bytes))

    def _read_whole(self, path: str) -> bytes:
        # Never more than the entry declares: an entry that inflates past its size is not held in
        # memory (zipfile then finds its checksum wrong).
        declared = self._by_path[path].size if path in self._by_path else -1
        with self.open(path) as stream:
            return self._guarded(path, lambda: stream.read(declared))

    def iter_chunks(self, path: str, chunk_bytes: int = READ_CHUNK_BYTES) -> Iterator[bytes]:
        kept = self._kept.get(path)
        if kept is not None:  # already read by the inventory pass: no second inflate
            for start in range(0, len(kept), chunk_bytes):
                yield kept[start : start + chunk_bytes]
            return
        with self.open(path) as stream:
            while chunk := self._guarded(path, lambda: stream.read(chunk_bytes)):
                yield chunk

    def _guarded(self, path: str, read: Callable[[], bytes]) -> bytes:
        try:
            return read()
        except _CORRUPTION_ERRORS as exc:
            raise PackageRejected(
                "corrupt-entry", f"{path} in {self.name} is damaged and cannot be read ({exc}).", path
            ) from exc

    @abstractmethod
    def open(self, path: str) -> BinaryIO:
        """A binary stream of the entry's content."""

    def close(self) -> None:  # noqa: B027 - a package over a folder holds no file to release
        """Release the underlying file, if any."""

    def __enter__(self) -> CoursePackage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ZipPackage(CoursePackage):
    def __init__(self, source: Path, limits: ArchiveLimits):
        super().__init__(source, limits)
        self._local = threading.local()
        self._handles: dict[threading.Thread, zipfile.ZipFile] = {}  # each reading thread's own
        self._handles_lock = threading.Lock()
        try:
            self._size = source.stat().st_size
            self._zip = zipfile.ZipFile(source)
        except _CORRUPTION_ERRORS as exc:  # NotImplementedError: a zip version or feature zipfile lacks
            raise PackageRejected("corrupt-archive", f"{source.name} is not a readable zip archive ({exc}).") from exc
        try:
            self._names: dict[str, zipfile.ZipInfo] = {}
            entries = self._validate(self._zip.infolist())
            fp = self._zip.fp
            if fp is not None:  # open until close(): the local headers are read before any entry is
                check_local_headers(fp, self._zip.infolist(), self.name, self._zip.start_dir)
            self._index(entries)
        except BaseException:
            self._zip.close()
            raise

    @property
    def is_zip(self) -> bool:
        return True

    def _packed_size(self) -> int:
        # The archive's real size, not the sum the directory declares: records that share one
        # compressed block would otherwise hide how far the archive expands.
        return self._size

    def _validate(self, infos: list[zipfile.ZipInfo]) -> list[Entry]:
        if len(infos) > self.limits.max_entry_count:
            raise PackageRejected(
                "too-many-entries",
                f"{self.name} holds {len(infos):,} entries, over the profile's "
                f"max_entry_count of {self.limits.max_entry_count:,}.",
            )
        entries = []
        folders: set[str] = set()
        ratio_floor = self.limits.min_size_for_ratio_check_mb * MIB
        for info in infos:
            name = entry_name(info)
            reason = unsafe_path_reason(name)
            if reason:
                raise PackageRejected(
                    "path-traversal",
                    f"Entry '{name}' {reason}: unzipping this package could write outside its folder.",
                    name,
                )
            if info.flag_bits & 0x1:
                raise PackageRejected(
                    "encrypted-entry",
                    f"Entry '{name}' is encrypted: a course package must be readable by the LMS without a password.",
                    name,
                )
            if info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16):
                raise PackageRejected(
                    "symlink-entry",
                    f"Entry '{name}' is a symbolic link, which could point anywhere on the server that unpacks it.",
                    name,
                )
            if info.compress_type not in (
                zipfile.ZIP_STORED,
                zipfile.ZIP_DEFLATED,
                zipfile.ZIP_BZIP2,
                zipfile.ZIP_LZMA,
            ):
                raise PackageRejected(
                    "unsupported-compression",
                    f"Entry '{name}' uses compression method {info.compress_type}, which LMSs and "
                    "this tool cannot read. Re-zip with standard (deflate) compression.",
                    name,
                )
            if not 0 <= info.header_offset < self._size:
                raise PackageRejected(
                    "corrupt-archive",
                    f"Entry '{name}' claims to start at byte {info.header_offset:,} of a {self._size:,}-byte file: "
                    "the archive's directory is damaged.",
                    name,
                )
            normalised = "/".join(p for p in name.split("/") if p not in ("", "."))
            if info.is_dir():
                folders.add(normalised)
                continue
            folders.update(parent_folders(normalised))
            if normalised in self._names:
                raise PackageRejected(
                    "duplicate-entry",
                    f"Entry '{normalised}' appears twice in the archive: which copy an LMS keeps is undefined.",
                    normalised,
                )
            if info.file_size > ratio_floor and info.file_size > self.limits.max_compression_ratio * max(
                info.compress_size, 1
            ):
                raise PackageRejected(
                    "zip-bomb",
                    f"Entry '{normalised}' expands {info.file_size / max(info.compress_size, 1):,.0f}× "
                    f"({info.file_size / MIB:,.0f} MB), over the profile's max_compression_ratio "
                    f"of {self.limits.max_compression_ratio:,.0f}.",
                    normalised,
                )
            self._names[normalised] = info
            entries.append(Entry(normalised, info.file_size, info.compress_size))
        refuse_file_and_folder(self._names, folders)
        return entries

    def _read_whole(self, path: str) -> bytes:
        info = self._names.get(path)
        return self.inflate_whole(path) if info is not None and can_inflate(info) else super()._read_whole(path)

    def inflate_whole(self, path: str) -> bytes:
        """A deflated entry read whole with the faster inflater (every other read goes through ``open``)."""
        info = self._names[path]
        return self._guarded(path, lambda: inflate_entry(self._archive_file(), info))

    def _archive_file(self) -> IO[bytes]:
        source = self._handle().fp
        if source is None:  # only once the archive is closed, which no reader does while it reads
            raise ValueError(f"{self.name} is closed")
        return source

    def open(self, path: str) -> BinaryIO:
        info = self._names.get(path)
        if info is None:
            raise KeyError(path)
        try:
            return cast(BinaryIO, self._handle().open(info))
        except _CORRUPTION_ERRORS as exc:
            raise PackageRejected(
                "corrupt-entry", f"{path} in {self.name} is damaged and cannot be read ({exc}).", path
            ) from exc

    def _handle(self) -> zipfile.ZipFile:
        """This thread's own handle on the archive: readers on several threads never share a file
        position (zipfile would serialise them on one lock and seek for every read)."""
        if threading.current_thread() is threading.main_thread():
            return self._zip
        handle = getattr(self._local, "zip", None)
        if handle is None:
            with self._handles_lock:
                # A thread that has ended leaves its handle to the next (the staging server answers
                # each request on a new thread): as many handles as threads reading at once, and the
                # directory parsed once per handle, not per request (2.6 MB and 15 ms each at 5,000 entries).
                ended = next((thread for thread in self._handles if not thread.is_alive()), None)
                handle = self._handles.pop(ended) if ended is not None else zipfile.ZipFile(self.source)
                self._handles[threading.current_thread()] = handle
            self._local.zip = handle
        return handle

    def close(self) -> None:
        with self._handles_lock:
            for handle in self._handles.values():
                handle.close()
            self._handles.clear()
        self._zip.close()


class FolderPackage(CoursePackage):
    def __init__(self, source: Path, limits: ArchiveLimits):
        super().__init__(source, limits)
        self._root = source.resolve()
        self._index(list(self._walk()))

    def _walk(self) -> Iterator[Entry]:
        count = 0
        stack = [self._root]
        while stack:
            folder = stack.pop()
            with os.scandir(folder) as items:
                for item in items:
                    rel = Path(item.path).relative_to(self._root).as_posix()
                    if any("\udc80" <= ch <= "\udcff" for ch in rel):
                        shown = printable_name(rel)
                        raise PackageRejected(
                            "non-utf8-name",
                            f"'{shown}' has a file name that is not UTF-8 (shown escaped); "
                            "rename it with UTF-8 letters.",
                            shown,
                        )
                    if item.is_symlink():
                        raise PackageRejected(
                            "symlink-entry",
                            f"'{rel}' is a symbolic link, which could point anywhere on the server.",
                            rel,
                        )
                    if item.is_dir(follow_symlinks=False):
                        stack.append(Path(item.path))
                        continue
                    if not item.is_file(follow_symlinks=False):
                        raise PackageRejected(
                            "not-a-regular-file",
                            f"'{printable_name(rel)}' is not a regular file (a pipe, socket or device): a course "
                            "package holds only files and folders, and reading this one could block forever.",
                            printable_name(rel),
                        )
                    count += 1
                    if count > self.limits.max_entry_count:
                        raise PackageRejected(
                            "too-many-entries",
                            f"{self.name} holds more than the profile's max_entry_count of "
                            f"{self.limits.max_entry_count:,} files.",
                        )
                    size = item.stat().st_size
                    yield Entry(rel, size, size)

    def open(self, path: str) -> BinaryIO:
        if path not in self._by_path:
            raise KeyError(path)
        return open(self._root / path, "rb")
