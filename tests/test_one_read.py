"""One read of each entry feeds everything that needs its bytes: the hash, the kept text, the media
demux beside the pass; a served package writes only the files asked for, once each."""

from __future__ import annotations

import base64
import hashlib
import os
import zipfile

import pytest

from certifier.package.archive import open_package
from certifier.package.inventory import KEEP_TEXT_MAX_BYTES, build_inventory
from certifier.package.workdir import WorkDir
from certifier.policy.registry import discover_probes, load_profile
from certifier.run.examine import EntryExaminers
from certifier.run.runner import Runner, archive_limits
from tests.factories import encode_video


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    folder = tmp_path_factory.mktemp("one-read")
    clip = encode_video(folder / "clip.mp4", seconds=2, container_options={"movflags": "faststart"})
    path = folder / "course.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.html", "<html><body><video src='media/clip.mp4'></video></body></html>")
        # Random letters: compressible enough to be text, not enough to look like a zip bomb.
        archive.writestr("big.js", base64.b64encode(os.urandom(KEEP_TEXT_MAX_BYTES))[: KEEP_TEXT_MAX_BYTES + 1])
        archive.write(clip, "media/clip.mp4")
    return path


class CountingPackage:
    """Counts how often each entry is inflated (every read goes through ``open`` or ``inflate_whole``)."""

    def __init__(self, package):
        self.package, self.reads = package, {}
        for name in ("open", "inflate_whole"):
            setattr(package, name, self.counted(getattr(package, name)))

    def counted(self, read):
        def counted_read(path):
            self.reads[path] = self.reads.get(path, 0) + 1
            return read(path)

        return counted_read


def test_text_is_kept_within_its_limit_and_media_reaches_the_examiner_without_disk(course):
    profile = load_profile("default")
    probes = discover_probes()[0]
    results = {}
    examiners = EntryExaminers([probes["media"], probes["conformance"], probes["package"]], profile, results)
    assert [cls.id for cls in examiners.probes] == ["media", "conformance"]  # only probes that override examines
    with open_package(course, archive_limits(profile)) as package, WorkDir() as workdir:
        reads = CountingPackage(package)
        inventory = build_inventory(package, unpack_to=workdir, tap=examiners.tap)
        assert {r.path: r.sha256 for r in inventory.files}["index.html"] == hashlib.sha256(
            zipfile.ZipFile(course).read("index.html")
        ).hexdigest()
        assert package.read_bytes("index.html").startswith(b"<html>")
        assert reads.reads["index.html"] == 1  # kept from the pass: read once
        package.read_bytes("big.js")
        assert reads.reads["big.js"] == 2  # over the per-file limit: read again when needed
        facts = results[("media", "media/clip.mp4")].result(timeout=30)
        assert facts["duration_s"] == pytest.approx(2, abs=0.1) and facts["avg_kbps"] > 0
        assert not (workdir.path / "package" / "media" / "clip.mp4").exists()  # demuxed from memory
        assert reads.reads["media/clip.mp4"] == 1
        # The page's references were parsed beside the pass, from the same read.
        page = results[("conformance", "index.html")].result(timeout=30)
        assert any(ref["resolved"] == "media/clip.mp4" for ref in page["references"]), page
        examiners.close()


def test_a_served_package_writes_only_the_files_asked_for_each_once(course):
    import requests

    from certifier.staging.server import StagingServer

    profile = load_profile("default")
    with open_package(course, archive_limits(profile)) as package, WorkDir() as workdir:
        reads = CountingPackage(package)
        build_inventory(package, unpack_to=workdir)  # no probe reads from disk: nothing is written up front
        clip = workdir.path / "package" / "media" / "clip.mp4"
        assert not list((workdir.path / "package").rglob("*"))
        folder = workdir.course_folder(package)
        with StagingServer(folder) as server:
            assert requests.get(server.url, timeout=10).text.startswith("<html>")  # the top's index.html
            assert requests.get(server.url + "index.html", timeout=10).status_code == 200
            assert requests.get(server.url + "media/clip.mp4", timeout=10).content == zipfile.ZipFile(course).read(
                "media/clip.mp4"
            )
            assert clip.exists()  # written when first asked for
            assert requests.get(server.url + "missing.js", timeout=10).status_code == 404
            assert requests.get(server.url + "../course.zip", timeout=10).status_code == 404
        # The page is written from the text the pass kept; the clip, which no probe took, is inflated again.
        assert reads.reads == {"index.html": 1, "big.js": 1, "media/clip.mp4": 2}
        assert not (workdir.path / "package" / "big.js").exists()  # never asked for, never written
        assert not list(workdir.path.rglob("*.partial"))


def test_the_pass_writes_up_front_only_what_a_probe_reads_from_disk_later(course, monkeypatch):
    """A clip too large to hand the media probe in memory is written while the pass has its bytes;
    without that probe, or for a folder package, nothing is written (0.9 GB of clips once were)."""
    import certifier.run.examine as examine

    profile = load_profile("default")
    probes = discover_probes()[0]
    monkeypatch.setattr(examine, "EXAMINE_IN_MEMORY_MAX_BYTES", 1024)  # the clip is "too large"
    for selected, written in ((["media", "conformance"], True), (["conformance", "package"], False)):
        examiners = EntryExaminers([probes[p] for p in selected], profile, {})
        with open_package(course, archive_limits(profile)) as package, WorkDir() as workdir:
            build_inventory(package, unpack_to=workdir, tap=examiners.tap, unpack_if=examiners.reads_from_disk)
            on_disk = sorted(p.relative_to(workdir.path).as_posix() for p in workdir.path.rglob("*") if p.is_file())
            assert on_disk == (["package/media/clip.mp4"] if written else []), selected
        examiners.close()


def test_a_file_the_machine_cannot_write_fails_the_serving_probe_not_the_course(course, tmp_path):
    import requests

    from certifier.errors import MachineError
    from certifier.staging.server import StagingServer

    profile = load_profile("default")
    with open_package(course, archive_limits(profile)) as package, WorkDir() as workdir:
        folder = workdir.course_folder(package)
        (folder.root / "media").write_text("x")  # a file where the clip's folder must go: it cannot be written
        server = StagingServer(folder).start()
        try:
            assert requests.get(server.url + "index.html", timeout=10).status_code == 200
            assert requests.get(server.url + "media/clip.mp4", timeout=10).status_code == 404
        finally:
            with pytest.raises(MachineError, match=r"media/clip\.mp4"):
                server.stop()


def test_the_media_probe_reports_the_same_facts_from_memory_as_from_disk(course):
    from probes.media.inspection import inspect_media

    profile = load_profile("default")
    record = Runner(discover_probes()[0]).run(course, profile, ["media"])
    media = next(run for run in record.probe_runs if run.probe_id == "media")
    from_pass = next(f for f in media.evidence["files"] if f["path"] == "media/clip.mp4")
    with open_package(course, archive_limits(profile)) as package, WorkDir() as workdir:
        on_disk = inspect_media(workdir.extract(package, "media/clip.mp4"), 1.0, 30, buffer_s=4)
    for key in ("avg_kbps", "peak_kbps", "buffered_peak_kbps", "duration_s", "fast_start", "streams"):
        assert from_pass[key] == on_disk[key], key


def test_texts_are_read_spread_through_the_large_entries_and_the_inventory_keeps_package_order(course):
    from certifier.package.archive_limits import Entry
    from certifier.package.inventory import reading_order

    plans = [(Entry(f"media/{n}.mp4", 10_000_000, 9_000_000), False) for n in range(4)]
    plans += [(Entry(f"page{n}.html", 5_000, 1_000), True) for n in range(8)]
    order = reading_order(plans)
    assert sorted(order) == list(range(len(plans)))
    kinds = "".join("t" if plans[index][1] else "m" for index in order)
    assert kinds == "mttmttmttmtt"  # two pages parsed while each clip inflates, none left for the end
    profile = load_profile("default")
    with open_package(course, archive_limits(profile)) as package:
        inventory = build_inventory(package)
        assert [r.path for r in inventory.files] == [e.path for e in package.entries]


def test_threads_that_end_hand_their_archive_handle_to_the_next(course, monkeypatch):
    # The staging server answers each request on a new thread: each must not parse the archive's
    # directory again and keep that copy until the run ends.
    import threading

    from certifier.package import archive

    opened = []
    real_zipfile = archive.zipfile.ZipFile

    def counting_zipfile(*args, **kwargs):
        opened.append(args[0])
        return real_zipfile(*args, **kwargs)

    profile = load_profile("default")
    with open_package(course, archive_limits(profile)) as package:
        monkeypatch.setattr(archive.zipfile, "ZipFile", counting_zipfile)
        for _ in range(20):  # one after another, as requests a page makes
            reader = threading.Thread(target=package.read_bytes, args=("media/clip.mp4",))
            reader.start()
            reader.join()
        assert len(opened) == 1
        gate = threading.Barrier(3)
        readers = [threading.Thread(target=lambda: (package.read_bytes("index.html"), gate.wait())) for _ in range(3)]
        for reader in readers:
            reader.start()
        for reader in readers:
            reader.join()
        assert len(opened) == 3  # three at once: three handles, the first one reused


def test_the_read_pass_gives_its_memory_pad_back():
    import platform
    import sys

    from certifier.host.memory import give_freed_memory_back, keep_freed_memory_for_reuse

    glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert keep_freed_memory_for_reuse() is glibc
    assert give_freed_memory_back() is glibc


def test_the_work_folder_waits_for_a_write_in_flight_and_takes_none_after_the_run(course):
    # An interrupted run must leave no folder behind: a request the staging server was answering
    # could otherwise write (and so re-create) the folder after it was removed.
    import threading
    import time

    profile = load_profile("default")
    with open_package(course, archive_limits(profile)) as package:
        workdir = WorkDir()
        folder = workdir.course_folder(package)
        writing, release = threading.Event(), threading.Event()

        def slow_write():
            with workdir.writing("late.txt") as out:
                writing.set()
                release.wait(10)
                out.write(b"x")

        writer = threading.Thread(target=slow_write)
        writer.start()
        assert writing.wait(10)
        cleaner = threading.Thread(target=workdir.cleanup)
        cleaner.start()
        time.sleep(0.3)
        assert cleaner.is_alive()  # the removal waits for the write in flight
        release.set()
        cleaner.join(10)
        writer.join(10)
        assert not workdir.path.exists()
        folder.provide("index.html")  # a request arriving after the end writes nothing
        assert not workdir.path.exists()
