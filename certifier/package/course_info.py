"""A course package's identity for display before any probe runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from certifier.package.archive import open_package
from certifier.package.archive_limits import ArchiveLimits
from certifier.package.inventory import build_inventory
from certifier.package.standards import course_title, detect_standard


def summarise_course(
    path: str | Path, limits: ArchiveLimits, checkpoint: Callable[[], None] | None = None
) -> dict[str, Any]:
    """Name, title, standard, size, file count and SHA-256; raises PackageRejected for bad input."""
    with open_package(path, limits) as package:
        detection = detect_standard(package)
        inventory = build_inventory(package, checkpoint=checkpoint)
        return {
            "path": str(path),
            "name": package.name,
            "title": course_title(package, detection),
            "standard": detection.standard,
            "nested_in": detection.nested_in,
            "size": inventory.total_size,
            "file_count": len(inventory.files),
            "sha256": inventory.package_sha256,
        }
