"""The run's private temporary folder: the only place a probe may write package files."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from certifier.errors import MachineError, PackageRejected
from certifier.package.archive import CoursePackage
from certifier.package.entry_names import unsafe_path_reason


def machine_error(doing: str, exc: OSError) -> MachineError:
    """What this machine lacks, in the user's words: the run stops, the course is not judged."""
    return MachineError(
        f"This machine could not {doing} in its temporary folder ({tempfile.gettempdir()}): "
        f"{exc.strerror or exc}. The course was not judged; free space there, or point TMPDIR (TEMP on "
        "Windows) at a disk with room and permission to write, then run the check again."
    )


class WorkDir:
    """A temporary folder removed when the run ends; extraction re-checks every path."""

    def __init__(self, prefix: str = "certifier-run-"):
        try:
            self.path = Path(tempfile.mkdtemp(prefix=prefix)).resolve()
        except OSError as exc:
            raise machine_error("create its work folder", exc) from exc

    def target_for(self, member: str) -> Path:
        reason = unsafe_path_reason(member)
        target = (self.path / "package" / member).resolve()
        root = self.path / "package"
        if reason or os.path.commonpath([root, target]) != str(root):
            raise PackageRejected(
                "path-traversal", f"Refusing to extract '{member}': it would land outside the work folder.", member
            )
        return target

    @contextlib.contextmanager
    def writing(self, member: str) -> Iterator[BinaryIO]:
        """A file to write ``member`` into; it appears under its name only once written whole."""
        target = self.target_for(member)
        partial = target.with_name(target.name + ".partial")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(partial, "wb") as out:
                yield out
            os.replace(partial, target)
        except OSError as exc:  # reading the package never raises OSError here (it becomes PackageRejected)
            raise machine_error(f"write the course's file {member}", exc) from exc
        finally:
            partial.unlink(missing_ok=True)

    def extract(self, package: CoursePackage, member: str) -> Path:
        target = self.target_for(member)
        if target.exists():
            return target
        with self.writing(member) as out:
            for chunk in package.iter_chunks(member):
                out.write(chunk)
        return target

    def extract_all(self, package: CoursePackage) -> Path:
        for path in package.paths():
            self.extract(package, path)
        return self.path / "package"

    def cleanup(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> WorkDir:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()
