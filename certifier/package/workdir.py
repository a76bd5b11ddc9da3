"""The run's private temporary folder: the only place a probe may write package files."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from certifier.errors import Cancelled, MachineError, PackageRejected
from certifier.package.archive import CoursePackage
from certifier.package.entry_names import unsafe_path_reason


def machine_error(doing: str, exc: OSError) -> MachineError:
    """What this machine lacks, in the user's words: the run stops, the course is not judged."""
    return MachineError(
        f"This machine could not {doing} in its temporary folder ({tempfile.gettempdir()}): "
        f"{exc.strerror or exc}. The course was not judged; free space there, or point TMPDIR (TEMP on "
        "Windows) at a disk with room and permission to write, then run the check again."
    )


# When the run ends, files still being written (a request the staging server is answering, a
# cancelled probe's extraction) get this long to finish before the folder is removed.
WRITES_DRAIN_S = 5.0


class WorkDir:
    """A temporary folder removed when the run ends; extraction re-checks every path. Once removal
    has begun nothing more is written: a late write would leave the folder behind."""

    def __init__(self, prefix: str = "certifier-run-"):
        try:
            self.path = Path(tempfile.mkdtemp(prefix=prefix)).resolve()
        except OSError as exc:
            raise machine_error("create its work folder", exc) from exc
        self._writers: dict[str, threading.Lock] = {}
        self._writers_guard = threading.Lock()
        self._writes = threading.Condition()  # guards the two below
        self._writing_now = 0
        self._closed = False

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
        with self._writes:
            if self._closed:
                raise Cancelled(f"The run has ended: {member} is not written.")
            self._writing_now += 1
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(partial, "wb") as out:
                yield out
            os.replace(partial, target)
        except OSError as exc:  # reading the package never raises OSError here (it becomes PackageRejected)
            raise machine_error(f"write the course's file {member}", exc) from exc
        finally:
            with contextlib.suppress(OSError):  # nothing to remove, or a folder that could not be made
                partial.unlink(missing_ok=True)
            with self._writes:
                self._writing_now -= 1
                self._writes.notify_all()

    def extract(self, package: CoursePackage, member: str) -> Path:
        """``member`` written under the work folder once; a caller on another thread asking for the
        same file meanwhile waits for that write rather than starting its own."""
        target = self.target_for(member)
        with self._writers_guard:
            writer = self._writers.setdefault(member, threading.Lock())
        with writer:
            if not target.exists():
                with self.writing(member) as out:
                    for chunk in package.iter_chunks(member):
                        if self._closed:  # the run is ending: a large file is not finished for nothing
                            raise Cancelled(f"The run has ended: {member} is not written.")
                        out.write(chunk)
        return target

    def course_folder(self, package: CoursePackage) -> CourseFolder:
        return CourseFolder(self, package)

    def cleanup(self) -> None:
        with self._writes:
            self._closed = True
            self._writes.wait_for(lambda: self._writing_now == 0, timeout=WRITES_DRAIN_S)
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self) -> WorkDir:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


class CourseFolder:
    """The package as a folder in the work folder, each file written the first time it is asked for.

    A check serves a few lessons of a course that may hold thousands of files and gigabytes of
    video: writing every file first took 2 s of the bench course's 16 s check (bench/full.py) and as
    much temporary disk as the course. A file this machine cannot write is left absent while serving
    and raised by :meth:`check` when serving ends: the machine's failure, never the course's.
    """

    def __init__(self, workdir: WorkDir, package: CoursePackage):
        self.workdir, self.package = workdir, package
        self.root = workdir.path / "package"
        try:
            self.root.mkdir(exist_ok=True)
        except OSError as exc:
            raise machine_error("create the course's folder", exc) from exc
        self.failure: MachineError | None = None

    def provide(self, relative: str) -> None:
        """Write the package's file at ``relative`` (a clean '/'-separated path, '' for the top), or
        the index.html of the folder it names, unless it is already written or the package lacks it."""
        for member in (relative, f"{relative}/index.html" if relative else "index.html"):
            if self.package.has(member):
                try:
                    self.workdir.extract(self.package, member)
                except MachineError as exc:
                    self.failure = self.failure or exc
                except (PackageRejected, Cancelled):  # damaged (the read pass has said so), or the run ended
                    pass
                return

    def check(self) -> None:
        if self.failure is not None:
            raise self.failure
