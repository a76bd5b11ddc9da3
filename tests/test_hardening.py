"""Inputs that used to crash, hang or certify the wrong thing: each refused or reported clearly."""

from __future__ import annotations

import json
import os
import sys
import time
import zipfile

import pytest

from certifier.errors import PackageRejected
from certifier.package.archive import open_package
from certifier.package.archive_limits import ArchiveLimits
from tests.conftest import run_cli


def test_a_bomb_split_into_many_small_entries_is_refused_before_extraction(tmp_path):
    # 100 entries of 1 MiB of zeros: each is under the per-entry ratio floor, the whole is ~1,000×.
    bomb = tmp_path / "split.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.html", "<html></html>")
        for n in range(100):
            archive.writestr(f"parts/{n:04}.bin", bytes(1024 * 1024))
    limits = ArchiveLimits(
        max_uncompressed_mb=4096, max_compression_ratio=200, min_size_for_ratio_check_mb=2, max_entry_count=10_000
    )
    with pytest.raises(PackageRejected) as caught:
        open_package(bomb, limits)
    assert caught.value.reason == "zip-bomb" and "as a whole" in str(caught.value)
    # A real course of the same size that compresses like media is accepted.
    media = tmp_path / "media.zip"
    with zipfile.ZipFile(media, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.html", "<html></html>")
        for n in range(70):
            archive.writestr(f"media/{n:03}.bin", os.urandom(1024 * 1024))
    with open_package(media, limits) as package:
        assert len(package.entries) == 71


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are a POSIX feature")
def test_a_pipe_inside_a_folder_package_is_refused_at_once(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    (course / "index.html").write_text("<html></html>")
    os.mkfifo(course / "video.mp4")
    started = time.monotonic()
    result = run_cli("check", str(course), "--json", str(tmp_path / "r.json"), "--no-history", timeout=60)
    assert time.monotonic() - started < 30
    assert result.returncode == 4, result.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    rejected = next(f for f in report["findings"] if f["rule_id"] == "package.archive-rejected")
    assert rejected["measured"] == "not-a-regular-file" and "video.mp4" in rejected["message"]


@pytest.mark.skipif(
    sys.platform == "win32" or sys.platform == "darwin", reason="needs a file system that stores names as raw bytes"
)
def test_a_file_name_that_is_not_utf8_is_reported_escaped(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    (course / "index.html").write_text("<html></html>")
    with open(os.path.join(os.fsencode(course), b"caf\xe9.html"), "wb") as handle:
        handle.write(b"<html></html>")
    result = run_cli(
        "check",
        str(course),
        "--json",
        str(tmp_path / "r.json"),
        "--junit",
        str(tmp_path / "r.xml"),
        "--no-history",
        timeout=60,
    )
    assert result.returncode == 4 and "Traceback" not in result.stderr, result.stderr
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    rejected = next(f for f in report["findings"] if f["rule_id"] == "package.archive-rejected")
    assert "caf\\xe9.html" in rejected["message"]
    from xml.etree import ElementTree

    ElementTree.parse(tmp_path / "r.xml")  # well-formed


@pytest.mark.parametrize(
    "body, key",
    [
        ("[archive]\nmax_uncompressed_mb = nan\n", "archive.max_uncompressed_mb"),
        ("[archive]\nmax_compression_ratio = inf\n", "archive.max_compression_ratio"),
        ("[media]\nmax_video_kbps = -inf\n", "media.max_video_kbps"),
    ],
)
def test_limits_that_are_not_finite_numbers_are_refused(tmp_path, body, key):
    profile = tmp_path / "odd.toml"
    profile.write_text('extends = "default"\n' + body)
    result = run_cli("check", "--demo", "--profile", str(profile), "--no-history", timeout=60)
    assert result.returncode == 2
    assert str(profile) in result.stderr and key in result.stderr and "finite" in result.stderr


def test_an_unknown_required_probe_is_refused_with_the_installed_ones(tmp_path):
    profile = tmp_path / "typo.toml"
    profile.write_text('extends = "default"\n[certification]\nrequired_probes = ["packge"]\n')
    result = run_cli("check", "--demo", "--profile", str(profile), "--no-history", timeout=60)
    assert result.returncode == 2
    assert "'packge'" in result.stderr and "not an installed probe" in result.stderr and "package" in result.stderr


def test_credentials_in_the_staging_url_are_used_and_redacted_everywhere(tmp_path, sample_course):
    import base64

    from tests.fault_servers import serve, static_handler

    seen = []

    class NeedsLogin(static_handler(sample_course)):
        def do_GET(self):
            seen.append(self.headers.get("Authorization"))
            if self.headers.get("Authorization") != "Basic " + base64.b64encode(b"reviewer:s3cret-pw").decode():
                self.reply(401, b"login", {"WWW-Authenticate": 'Basic realm="staging"'})
                return
            super().do_GET()

    outputs = {kind: tmp_path / f"r.{kind}" for kind in ("json", "html", "junit", "evidence")}
    with serve(NeedsLogin) as url:
        staging = url.replace("http://", "http://reviewer:s3cret-pw@")
        result = run_cli(
            "check",
            str(sample_course),
            "--staging",
            staging,
            "--probe",
            "conformance",
            "--probe",
            "pageload",
            "--json",
            str(outputs["json"]),
            "--html",
            str(outputs["html"]),
            "--junit",
            str(outputs["junit"]),
            "--evidence",
            str(outputs["evidence"]),
            "--no-history",
            timeout=120,
        )
    assert "Basic " + base64.b64encode(b"reviewer:s3cret-pw").decode() in seen  # the userinfo was used
    for path in outputs.values():
        assert "s3cret-pw" not in path.read_text(encoding="utf-8"), path.name
    assert "s3cret-pw" not in result.stdout + result.stderr
    report = json.loads(outputs["json"].read_text())
    assert report["run"]["staging_url"].startswith("http://reviewer:***@127.0.0.1:")
    assert next(f for f in report["findings"] if f["rule_id"] == "pageload.reachable")["status"] == "pass"


def test_control_characters_in_file_names_reach_no_terminal_and_break_no_xml(tmp_path):
    from xml.etree import ElementTree

    from tests.factories import build_zip

    escape = "\x1b[31mred\x1b[0m"
    course = build_zip(
        tmp_path / "c.zip",
        {"index.html": f'<html><img src="{escape}.png"></html>', f"notes/{escape}.txt": "x", "Icon\r": b""},
    )
    result = run_cli(
        "check",
        str(course),
        "--probe",
        "package",
        "--probe",
        "conformance",
        "--json",
        str(tmp_path / "r.json"),
        "--junit",
        str(tmp_path / "r.xml"),
        "--no-history",
        timeout=60,
    )
    assert result.returncode in (0, 3, 4), result.stderr
    assert "\x1b" not in result.stdout and "\r" not in result.stdout.replace("\r\n", "\n")
    ElementTree.parse(tmp_path / "r.xml")  # well-formed although the names hold ESC and CR
    assert "\\x1b" in (tmp_path / "r.xml").read_text(encoding="utf-8")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("command, signal_name", [("check", "SIGINT"), ("check", "SIGTERM"), ("serve", "SIGTERM")])
def test_an_interrupted_run_exits_130_writes_what_ran_and_cleans_its_temp(tmp_path, command, signal_name):
    import signal
    import subprocess

    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp), "QT_QPA_PLATFORM": "offscreen"}
    report = tmp_path / "r.json"
    args = (
        ["check", "--demo", "--json", str(report), "--no-history"]
        if command == "check"
        else ["serve", str(REPO_SAMPLE)]
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "certifier.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(temp.iterdir()):  # the run's work folder exists
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(process.pid, getattr(signal, signal_name))
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 130, err[-2000:]
    assert "Traceback" not in err, err[-2000:]
    assert [p.name for p in temp.iterdir() if p.name.startswith("certifier-")] == []
    if command == "check":
        data = json.loads(report.read_text())
        assert data["run"]["status"] == "cancelled"


REPO_SAMPLE = __import__("pathlib").Path(__file__).resolve().parents[1] / "resources" / "sample-course"


def test_profile_errors_name_the_file(tmp_path):
    deep = tmp_path / "deep.toml"
    deep.write_text('extends = "default"\n[archive]\nmax_entry_count = ' + "[" * 50_000 + "]" * 50_000 + "\n")
    result = run_cli("check", "--demo", "--profile", str(deep), "--no-history", timeout=60)
    assert result.returncode == 2 and str(deep) in result.stderr and "nested too deeply" in result.stderr
    orphan = tmp_path / "orphan.toml"
    orphan.write_text('extends = "no-such-profile"\n')
    result = run_cli("check", "--demo", "--profile", str(orphan), "--no-history", timeout=60)
    assert result.returncode == 2 and str(orphan) in result.stderr and "no-such-profile" in result.stderr


def test_an_output_path_that_is_a_folder_is_refused_before_the_run(tmp_path):
    result = run_cli("check", "--demo", "--json", str(tmp_path), "--no-history", timeout=60)
    assert result.returncode == 2 and "is a folder" in result.stderr and "Traceback" not in result.stderr


def test_the_lms_log_answers_a_bad_content_length_with_400(tmp_path, sample_course):
    import http.client

    from certifier.staging.server import StagingServer

    with StagingServer(sample_course) as server:
        host, port = server.url.split("//")[1].rstrip("/").split(":")
        for path in ("/__lms__/log", "/__lrs__/statements"):
            connection = http.client.HTTPConnection(host, int(port), timeout=5)
            connection.putrequest("POST", path)
            connection.putheader("Content-Length", "abc")
            connection.endheaders()
            assert connection.getresponse().status == 400
            connection.close()


@pytest.mark.parametrize("length", ["abc", "99999999"], ids=["not-a-number", "too-large"])
def test_a_refused_body_is_never_read_as_a_second_request(sample_course, length):
    import socket

    from certifier.staging.server import StagingServer

    smuggled = json.dumps({"event": "smuggled", "lesson": "x"}).encode()
    second = (
        b"POST /__lms__/log HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(smuggled)).encode() + b"\r\n\r\n" + smuggled
    )
    with StagingServer(sample_course) as server:
        host, port = server.url.split("//")[1].rstrip("/").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as client:
            client.sendall(
                b"POST /__lms__/log HTTP/1.1\r\nHost: x\r\nContent-Length: " + length.encode() + b"\r\n\r\n" + second
            )
            answers = b""
            while chunk := client.recv(65536):  # the server closes the connection: recv returns b""
                answers += chunk
        assert answers.count(b"HTTP/1.") == 1 and answers.split(b" ")[1] in (b"400", b"413")
        assert b"Connection: close" in answers
        assert "smuggled" not in json.dumps(server.log_snapshot())


@pytest.mark.skipif(sys.platform == "win32", reason="file-size limits (RLIMIT_FSIZE) are a POSIX feature")
def test_a_machine_that_cannot_write_its_work_folder_is_a_run_error_not_a_verdict(tmp_path):
    # The temporary folder's disk "fills" after 64 KB: the sample's clip cannot be unpacked for staging.
    import resource
    import signal
    import subprocess

    def small_disk():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    env = dict(os.environ, CERTIFIER_DATA_DIR=str(tmp_path / "data"))
    result = subprocess.run(
        [sys.executable, "-m", "certifier.cli", "check", "--demo", "--json", str(tmp_path / "r.json")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        preexec_fn=small_disk,
        check=False,
    )
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert (
        "This machine could not write the course's file" in result.stderr
        and "The course was not judged" in result.stderr
    )
    assert "Traceback" not in result.stderr and "NOT CERTIFIED" not in result.stdout
    assert not (tmp_path / "r.json").exists()
    history = run_cli("history", env=env)
    assert "No recorded runs" in history.stdout


@pytest.fixture(scope="module")
def saved_evidence(tmp_path_factory):
    folder = tmp_path_factory.mktemp("evidence")
    result = run_cli(
        "check",
        "--demo",
        "--probe",
        "package",
        "--probe",
        "media",
        "--evidence",
        str(folder / "ev.json"),
        "--no-history",
        timeout=120,
    )
    assert result.returncode in (0, 3), result.stderr
    return json.loads((folder / "ev.json").read_text())


def _package_bytes_as_text(data):
    for run in data["probe_runs"]:
        if run["probe_id"] == "package":
            run["evidence"]["package_bytes"] = "lots"
    return data


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda d: [], "the file must be an object, found a list"),
        (lambda d: None, "the file must be an object, found null"),
        (lambda d: {**d, "probe_runs": None}, "probe_runs must be a list, found null"),
        (lambda d: {**d, "probe_runs": d["probe_runs"] + ["oops"]}, "must be an object, found text"),
        (lambda d: {**d, "cancelled": "no"}, "cancelled must be true/false, found text"),
        (lambda d: {**d, "inventory": "x"}, "inventory must be an object, found text"),
        (_package_bytes_as_text, "probe 'package' does not have the shape its rules read"),
    ],
    ids=["list", "null", "no-runs", "run-not-object", "flag-as-text", "inventory-text", "number-as-text"],
)
def test_evaluate_refuses_evidence_of_the_wrong_shape(tmp_path, saved_evidence, mutate, expected):
    import copy

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(mutate(copy.deepcopy(saved_evidence))))
    result = run_cli("evaluate", str(bad), "--profile", "default", timeout=60)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr
    good = tmp_path / "good.json"
    good.write_text(json.dumps(saved_evidence))
    assert run_cli("evaluate", str(good), "--profile", "branch-office", timeout=60).returncode in (0, 3, 4)


@pytest.mark.parametrize(
    "depth, expected", [(200_000, "nest deeper than any saved run"), (500, "nest more than 64 deep")]
)
def test_evaluate_refuses_evidence_nested_absurdly_deep_in_one_line(tmp_path, saved_evidence, depth, expected):
    text = json.dumps(saved_evidence)
    runs = text.index('"probe_runs": [') + len('"probe_runs": [')
    deep = (
        '{"probe_id": "x", "title": "x", "status": "completed", "evidence": {"a": ' + "[" * depth + "]" * depth + "}}, "
    )
    bad = tmp_path / "deep.json"
    bad.write_text(text[:runs] + deep + text[runs:])
    result = run_cli("evaluate", str(bad), "--profile", "default", timeout=60)
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def _media_findings(tmp_path, name: str, data: bytes) -> dict:
    from tests.factories import build_zip
    from tests.probe_helpers import by_rule, check

    page = (
        f'<html><video src="{name}"></video></html>'
        if name.endswith(".mp4")
        else f'<html><audio src="{name}"></audio></html>'
    )
    return by_rule(
        check(build_zip(tmp_path / f"{name}.zip", {"index.html": page, name: data}), ("conformance", "media"))
    )


@pytest.mark.parametrize("kind, cut", [("mp4-faststart", 0.5), ("mp4-faststart", 2000), ("mp3", 700), ("mp3", 0.5)])
def test_truncated_media_is_a_media_failure(tmp_path, kind, cut):
    from tests.factories import encode_audio, encode_video

    if kind == "mp3":
        clip = encode_audio(tmp_path / "a.mp3", seconds=4)
    else:
        clip = encode_video(
            tmp_path / "a.mp4", seconds=4, bitrate_kbps=600, container_options={"movflags": "faststart"}
        )
    data = clip.read_bytes()
    data = data[: int(len(data) * cut) if cut < 1 else cut]
    findings = _media_findings(tmp_path, clip.name, data)
    unreadable = findings["media.unreadable"]
    assert unreadable["status"] == "fail" and unreadable["severity"] == "major", unreadable["message"]
    assert "truncated" in unreadable["message"]
    (tmp_path / "whole").mkdir()
    whole = _media_findings(tmp_path / "whole", clip.name, clip.read_bytes())
    assert whole["media.unreadable"]["status"] == "pass"


def test_an_edited_timescale_does_not_hide_a_heavy_clip(tmp_path):
    import struct

    from tests.factories import encode_video

    clip = encode_video(
        tmp_path / "hd.mp4", seconds=4, bitrate_kbps=3900, audio_kbps=None, codec_options={"preset": "ultrafast"}
    )
    data = bytearray(clip.read_bytes())
    at = data.find(b"mdhd") + 4 + 12  # version 0 mdhd: flags, created, modified, then the timescale
    timescale = struct.unpack(">I", data[at : at + 4])[0]
    data[at : at + 4] = struct.pack(">I", int(timescale * 0.15))  # every timestamp now 6.7× too long
    findings = _media_findings(tmp_path, "hd.mp4", bytes(data))
    assert findings["media.video-bitrate"]["measured"] > 3000, findings["media.video-bitrate"]["message"]
    assert findings["media.video-bitrate"]["status"] == "fail"  # over the default 2,500 kbps cap, as it really is
    timeline = findings["media.timeline"]
    assert timeline["status"] == "fail" and "frames at 25 fps last 4 s" in timeline["message"]


def test_a_server_trickling_its_headers_is_cut_at_max_response_s(tmp_path, sample_course):
    from certifier.policy.registry import load_profile
    from tests.fault_servers import TrickleHeaders, serve
    from tests.probe_helpers import by_rule, check

    profile = tmp_path / "p.toml"
    profile.write_text(
        'extends = "default"\n[pageload]\nbrowser_timing = false\nrequest_timeout_s = 1\nmax_response_s = 2\n'
    )
    with serve(TrickleHeaders) as url:
        started = time.monotonic()
        findings = by_rule(
            check(sample_course, ("conformance", "pageload"), load_profile(str(profile)), staging_url=url)
        )
        elapsed = time.monotonic() - started
    assert elapsed < 20, f"the run was held {elapsed:.0f} s"
    reachable = findings["pageload.reachable"]
    assert reachable["status"] == "fail" and "too-slow" in reachable["message"], reachable["message"]


def test_a_server_that_stalled_once_is_not_waited_for_on_every_page(tmp_path, sample_course):
    from certifier.policy.registry import load_profile
    from tests.fault_servers import TrickleHeaders, serve
    from tests.probe_helpers import by_rule, check, last_evidence

    wait_s = 4
    profile = tmp_path / "p.toml"
    profile.write_text(
        f'extends = "default"\n[pageload]\nbrowser_timing = false\nrequest_timeout_s = 1\nmax_response_s = {wait_s}\n'
    )
    with serve(TrickleHeaders) as url:
        started = time.monotonic()
        report = check(sample_course, ("conformance", "pageload"), load_profile(str(profile)), staging_url=url)
        elapsed = time.monotonic() - started
    pages = last_evidence(report, "pageload")["pages"]
    assert len(pages) == 3  # the sample's three lessons: one waited for, two reported with its cause
    assert elapsed < 2 * wait_s, f"{elapsed:.1f} s: the stalling server was waited for more than once"
    assert [bool(p.get("not_waited_for")) for p in pages] == [False, True, True]
    reachable = by_rule(report)["pageload.reachable"]
    assert reachable["status"] == "fail" and len(reachable["evidence"]) == 3
    notes = " ".join(e.get("note") or "" for e in reachable["evidence"])
    assert f"not waited for: the server stalled on {pages[0]['launch']}" in notes


def _signed_report(tmp_path, reviewers=("Ana", "Ben", "Cai")):
    report = tmp_path / "report.json"
    assert run_cli("check", "--demo", "--probe", "package", "--json", str(report), "--no-history").returncode in (0, 3)
    for name in reviewers:
        # One machine's key for three names, and a report that may be CONDITIONAL: both said explicitly.
        result = run_cli(
            "signoff",
            str(report),
            "--reviewer",
            name,
            "--decision",
            "approve",
            "--role",
            "IT",
            "--rename-reviewer",
            "--approve-despite-verdict",
            "--comment",
            "accepted for the pilot",
        )
        assert result.returncode == 0, result.stderr
    return report


@pytest.mark.parametrize(
    "edit, expected",
    [
        (lambda r: r["signatures"][0].update(reviewer="Mallory"), "Edited signature block"),
        (lambda r: r["signatures"][1].update(signed_at="2020-01-01T00:00:00+00:00"), "Edited signature block"),
        (
            lambda r: (r["decisions"].pop(1), r["signatures"].pop(1), r["signatures"][1].update(decision_index=1)),
            "an earlier decision or its signature",
        ),
        (lambda r: (r["decisions"].pop(), r["signatures"].pop()), "Truncated: this machine recorded decision 3"),
        (lambda r: r["signatures"][0].update(decision_index="1"), "is malformed"),
        (lambda r: r["signatures"][0].update(public_key=42), "is malformed"),
        (lambda r: r.update(signatures="none"), "Malformed report"),
    ],
    ids=["forged-reviewer", "forged-time", "middle-removed", "tail-removed", "index-text", "key-number", "not-a-list"],
)
def test_verify_shows_only_signed_fields_and_catches_a_cut_chain(tmp_path, edit, expected):
    report = _signed_report(tmp_path)
    assert run_cli("verify", str(report)).returncode == 0
    data = json.loads(report.read_text())
    edit(data)
    report.write_text(json.dumps(data))
    result = run_cli("verify", str(report))
    assert result.returncode == 5, result.stdout + result.stderr
    assert expected in result.stdout and "NOT VALID" in result.stdout and "Traceback" not in result.stderr
    assert "Mallory (signed)" not in result.stdout


def test_a_structurally_broken_report_is_refused_before_it_is_signed(tmp_path):
    report = tmp_path / "r.json"
    assert run_cli("check", "--demo", "--probe", "package", "--json", str(report), "--no-history").returncode in (0, 3)
    data = json.loads(report.read_text())
    data["outputs"]["plugins"] = {"requirements": "none"}
    report.write_text(json.dumps(data))
    result = run_cli(
        "signoff", str(report), "--reviewer", "Ana", "--decision", "approve", "--html", str(tmp_path / "r.html")
    )
    assert result.returncode == 2 and "not a valid Course Certifier report" in result.stderr
    assert "outputs/plugins/requirements" in result.stderr and "Traceback" not in result.stderr


def test_a_large_helper_result_is_read_while_the_helper_runs():
    from certifier.staging.browser import run_helper

    # More than a pipe holds (64 KB): read only after exit, this would block until the timeout.
    code = "import json; print(json.dumps({'pages': [{'url': 'x' * 1000}] * 2000}))"
    started = time.monotonic()
    result = run_helper([sys.executable, "-c", code], timeout_s=60)
    assert len(result["pages"]) == 2000 and time.monotonic() - started < 30
