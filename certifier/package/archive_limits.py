"""The limits that protect the machine reading a package, and the entries a package is made of."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ArchiveLimits:
    """The profile's [archive] limits that protect the machine reading the package."""

    max_uncompressed_mb: float
    max_compression_ratio: float
    min_size_for_ratio_check_mb: float
    max_entry_count: int
    # The whole archive's expansion (a bomb split into many small entries); from this expanded size.
    max_total_compression_ratio: float = 100.0
    min_size_for_total_ratio_check_mb: float = 64.0


@dataclass(frozen=True)
class Entry:
    """A file in the package; ``path`` is relative, '/'-separated, as written in the package."""

    path: str
    size: int
    compressed_size: int
