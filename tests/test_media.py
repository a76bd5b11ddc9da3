"""The media probe on real clips encoded by the tests with PyAV."""

from __future__ import annotations

import shutil

import pytest

from certifier.probes.media.inspection import inspect_media, peak_window
from tests.factories import build_zip, encode_audio, encode_video
from tests.probe_helpers import by_rule, check, evidence_at, last_evidence

PROBES = ("conformance", "media")


def page_playing(*clips: str) -> str:
    """A page that plays the clips: media nothing names is not judged against the streaming limits."""
    return "<html><body>" + "".join(f"<video src='{clip}'></video>" for clip in clips) + "</body></html>"


CBR = {"preset": "ultrafast"}


def cbr(kbps: int, buffer_s: float = 1.0) -> dict:
    bufsize = int(kbps * buffer_s)
    return {"preset": "ultrafast", "x264-params": f"nal-hrd=cbr:vbv-maxrate={kbps}:vbv-bufsize={bufsize}"}


def stream(facts: dict, kind: str) -> dict:
    return next(s for s in facts["streams"] if s["type"] == kind)


def test_peak_window_by_hand():
    samples = [(0.0, 100), (0.5, 50), (1.0, 500), (1.2, 500), (1.9, 100), (3.0, 50)]
    # [1.0, 2.0) holds 500 + 500 + 100 = 1100 bytes; no other 1 s window holds more.
    assert peak_window(samples, 1.0) == (1100.0, 1.0)
    assert peak_window(samples, 10.0) == (1300.0, 0.0)
    assert peak_window([(0.0, 10)], 1.0) == (10.0, 0.0)


@pytest.mark.parametrize("kbps", [400, 1500])
def test_cbr_video_bitrate_matches_the_bytes_in_the_file(tmp_path, kbps):
    clip = encode_video(
        tmp_path / "cbr.mp4",
        seconds=4,
        bitrate_kbps=kbps,
        audio_kbps=None,
        noise=0.4,
        codec_options=cbr(kbps, buffer_s=0.25),
        container_options={"movflags": "faststart"},
        gop=25,
    )
    facts = inspect_media(clip, window_s=1.0, budget_s=10)
    video = stream(facts, "video")
    truth_kbps = clip.stat().st_size * 8 / 4 / 1000  # the whole file over its 4 s
    assert video["avg_kbps"] == pytest.approx(truth_kbps, rel=0.05)
    assert video["avg_kbps"] == pytest.approx(kbps, rel=0.15)  # x264 overshoots short clips a little
    # The encoder's HRD model bounds any 1 s window: maxrate × 1 s + buffer (0.25 s of maxrate).
    assert video["avg_kbps"] <= video["peak_kbps"] <= 1.25 * kbps * 1.05
    assert (video["codec"], video["width"], video["height"], video["frame_rate"]) == ("h264", 320, 180, 25)
    assert video["keyframe_interval_s"] == pytest.approx(1.0, abs=0.05)
    assert facts["fast_start"] is True and facts["duration_s"] == pytest.approx(4.0, abs=0.05)


def test_audio_and_video_streams_are_measured_separately(tmp_path):
    clip = encode_video(
        tmp_path / "av.mp4", seconds=3, bitrate_kbps=600, audio_kbps=96, noise=0.3, codec_options=cbr(600)
    )
    facts = inspect_media(clip, 1.0, 10)
    audio = stream(facts, "audio")
    assert (audio["codec"], audio["sample_rate"], audio["channels"]) == ("aac", 48000, 2)
    assert audio["avg_kbps"] == pytest.approx(96, rel=0.05)
    stream_bytes = sum(s["bytes"] for s in facts["streams"])
    assert 0.95 * clip.stat().st_size <= stream_bytes <= clip.stat().st_size
    assert facts["fast_start"] is False  # no faststart flag: moov written after mdat


def test_bursty_vbr_peak_is_found_where_the_burst_is(tmp_path):
    clip = encode_video(
        tmp_path / "burst.mp4",
        seconds=5,
        bitrate_kbps=3000,
        audio_kbps=None,
        noise=0.0,
        burst=(2.0, 3.0, 1.0),
        codec_options={"preset": "ultrafast", "crf": "18"},
    )
    video = stream(inspect_media(clip, 1.0, 10), "video")
    assert video["peak_kbps"] > 2.5 * video["avg_kbps"]
    assert 1.5 <= video["peak_at_s"] <= 2.5


def test_webm_vp9_opus_and_mp3_are_read(tmp_path):
    webm = inspect_media(encode_video(tmp_path / "a.webm", seconds=1, codec="libvpx-vp9", bitrate_kbps=300), 1.0, 10)
    assert [s["codec"] for s in webm["streams"]] == ["vp9", "opus"] and webm["fast_start"] is None
    mp3 = inspect_media(encode_audio(tmp_path / "a.mp3", seconds=2, bitrate_kbps=128), 1.0, 10)
    assert mp3["streams"][0]["avg_kbps"] == pytest.approx(128, rel=0.05)


def test_sample_course_media_pass_default(sample_course):
    findings = by_rule(check(sample_course, PROBES))
    media = {k: v for k, v in findings.items() if k.startswith("media.")}
    assert {k: v["status"] for k, v in media.items() if v["status"] != "pass"} == {}
    assert media["media.learner-demand"]["measured"] > 0


@pytest.fixture(scope="module")
def hd_course(tmp_path_factory, sample_course):
    """The sample course plus a 6 Mbps 1080p clip on the lesson page."""
    folder = tmp_path_factory.mktemp("hd") / "course"
    shutil.copytree(sample_course, folder)
    encode_video(
        folder / "media" / "keynote.mp4",
        seconds=2,
        width=1920,
        height=1080,
        bitrate_kbps=6000,
        audio_kbps=128,
        noise=0.15,
        codec_options=cbr(6000, buffer_s=0.25),
        container_options={"movflags": "faststart"},
    )
    lesson = folder / "pages" / "lesson.html"
    lesson.write_text(
        lesson.read_text().replace("</video>", '</video>\n    <video controls src="../media/keynote.mp4"></video>')
    )
    return folder


def test_6mbps_1080p_clip_fails_branch_office_with_remediation_numbers(hd_course):
    report = check(hd_course, PROBES, profile="branch-office")
    findings = by_rule(report)
    bitrate = findings["media.video-bitrate"]
    assert bitrate["status"] == "fail" and bitrate["severity"] == "major" and bitrate["limit"] == 1200
    assert ("media/keynote.mp4", None) in evidence_at(bitrate)
    clip = next(f for f in report_files(report) if f["path"] == "media/keynote.mp4")
    video, audio = stream(clip, "video")["avg_kbps"], stream(clip, "audio")["avg_kbps"]
    assert video == pytest.approx(6000, rel=0.05)
    saving = 1 - (1200 + audio) / (video + audio)
    factor = (video + audio) / (1200 + audio)
    assert (
        f"re-encode media/keynote.mp4 at 1,200 kbps: −{saving:.0%} bytes, {factor:.1f}× more learners"
        in bitrate["remediation"]
    )
    assert findings["media.resolution"]["status"] == "fail"
    assert findings["media.resolution"]["measured"] == "1920x1080"
    assert findings["media.video-peak-bitrate"]["status"] == "fail"
    demand = findings["media.learner-demand"]
    assert demand["evidence"][0]["path"] == "pages/lesson.html"  # both videos on one page add up
    # Both clips' peaks over what the player fetches at once ([load] stream_chunk_s = 4 s, or the whole of a
    # shorter clip) add up; a buffered peak lies between the clip's average and its one-second peak.
    played_together = report["outputs"]["media"]["learner_demand"]["files"]
    assert {"media/welcome.mp4", "media/keynote.mp4"} <= set(played_together)
    on_page = [f for f in report_files(report) if f["path"] in played_together]
    for f in on_page:
        assert f["avg_kbps"] * 0.99 <= f["buffered_peak_kbps"] <= f["peak_kbps"] * 1.01
    keynote = next(f for f in on_page if f["path"] == "media/keynote.mp4")
    assert keynote["buffered_peak_kbps"] == pytest.approx(keynote["avg_kbps"], rel=0.02)  # 2 s clip: one window
    assert demand["measured"] == pytest.approx(sum(f["buffered_peak_kbps"] for f in on_page), rel=0.01)
    assert report["verdict"] == "NOT CERTIFIED"


def report_files(report: dict) -> list[dict]:
    # The per-file facts travel in the probe's evidence; the report keeps its outputs.
    from tests.probe_helpers import last_evidence

    return last_evidence(report, "media")["files"]


def test_corrupt_truncated_empty_and_mislabelled_media(tmp_path):
    good = encode_video(tmp_path / "good.mp4", seconds=2, codec_options=CBR)
    data = good.read_bytes()
    files = {
        "index.html": "<html></html>",
        "media/truncated.mp4": data[: len(data) // 2],
        "media/empty.mp4": b"",
        "media/error-page.mp4": "<!DOCTYPE html><html><body>404 Not Found</body></html>",
        "media/noise.mp4": bytes(range(256)) * 64,
    }
    findings = by_rule(check(build_zip(tmp_path / "c.zip", files), PROBES))
    unreadable = findings["media.unreadable"]
    assert unreadable["status"] == "fail" and unreadable["severity"] == "major"
    assert {p for p, _ in evidence_at(unreadable)} == {
        "media/truncated.mp4",
        "media/empty.mp4",
        "media/error-page.mp4",
        "media/noise.mp4",
    }
    assert "text/html" in unreadable["message"] or "text/html" in str(unreadable)


def test_legacy_flv_is_blocker(tmp_path):
    flv = encode_video(tmp_path / "old.flv", seconds=1, codec="flv", bitrate_kbps=300, audio_kbps=None)
    files = {"index.html": '<html><embed src="old.flv"></html>', "old.flv": flv.read_bytes()}
    finding = by_rule(check(build_zip(tmp_path / "c.zip", files), PROBES))["media.legacy-format"]
    assert finding["status"] == "fail" and finding["severity"] == "blocker"
    assert "H.264" in finding["remediation"] and ("old.flv", None) in evidence_at(finding)


def test_codec_not_allowed_and_fast_start_missing(tmp_path):
    mkv = encode_video(tmp_path / "a.mkv", seconds=1, bitrate_kbps=300, audio_kbps=None, codec_options=CBR)
    slow = encode_video(tmp_path / "slow.mp4", seconds=1, bitrate_kbps=300, audio_kbps=None, codec_options=CBR)
    files = {"index.html": page_playing("a.mkv", "slow.mp4"), "a.mkv": mkv.read_bytes(), "slow.mp4": slow.read_bytes()}
    findings = by_rule(check(build_zip(tmp_path / "c.zip", files), PROBES))
    assert findings["media.codec"]["status"] == "fail" and ("a.mkv", None) in evidence_at(findings["media.codec"])
    # A clip under fast_start_major_mb arrives in seconds: minor. The same clip is major once the
    # profile's threshold is below its size.
    small = findings["media.fast-start-small"]
    assert small["status"] == "fail" and small["severity"] == "minor" and evidence_at(small) == [("slow.mp4", None)]
    assert "+faststart" in small["remediation"] and findings["media.fast-start"]["status"] == "pass"


def test_fast_start_is_major_from_the_profile_size(tmp_path, default_profile):
    from certifier.policy.profiles import Profile

    slow = encode_video(tmp_path / "slow.mp4", seconds=1, bitrate_kbps=300, audio_kbps=None, codec_options=CBR)
    values = {k: dict(v) for k, v in default_profile.values.items()}
    values["media"]["fast_start_major_mb"] = 0.001
    report = check(
        build_zip(tmp_path / "c.zip", {"index.html": page_playing("slow.mp4"), "slow.mp4": slow.read_bytes()}),
        PROBES,
        profile=Profile("strict", "", "test", values),
    )
    fast = by_rule(report)["media.fast-start"]
    assert fast["status"] == "fail" and fast["severity"] == "major" and evidence_at(fast) == [("slow.mp4", None)]
    assert by_rule(report)["media.fast-start-small"]["status"] == "pass"


def test_file_over_time_budget_is_abandoned(tmp_path, default_profile):
    from certifier.policy.profiles import Profile

    clip = encode_video(tmp_path / "a.mp4", seconds=1, codec_options=CBR)
    values = {k: dict(v) for k, v in default_profile.values.items()}
    values["media"]["max_seconds_per_file"] = 0
    values["conformance"]["accept_plain_html"] = True  # a bare page and a clip: plain HTML, minor at most
    profile = Profile("zero-budget", "", "test", values)
    report = check(
        build_zip(tmp_path / "c.zip", {"index.html": "<html></html>", "a.mp4": clip.read_bytes()}),
        PROBES,
        profile=profile,
    )
    finding = by_rule(report)["media.timeout"]
    assert finding["status"] == "warn" and finding["severity"] == "major"
    assert report["verdict"] == "CONDITIONAL"


def test_a_clip_nothing_in_the_course_names_is_stored_not_streamed(tmp_path):
    """A publish that carries clips from an earlier version (no page, script or player data names
    them): their bitrate is no learner's demand. They are listed for removal at info, not judged
    against the streaming limits; the clip a page plays still is."""
    played = tmp_path / "played.mp4"
    leftover = tmp_path / "leftover.mp4"
    encode_video(played, seconds=1, width=320, height=180, bitrate_kbps=400)
    encode_video(leftover, seconds=1, width=1920, height=1080, bitrate_kbps=9000, noise=0.3)
    page = "<!DOCTYPE html><html><body><video controls src='media/played.mp4'></video></body></html>"
    files = {"index.html": page, "media/played.mp4": played.read_bytes(), "vr/Vi46.mp4": leftover.read_bytes()}
    report = check(build_zip(tmp_path / "c.zip", files), ("conformance", "media"))
    findings = by_rule(report)
    unnamed = findings["media.unnamed"]
    assert unnamed["status"] == "warn" and unnamed["severity"] == "info"
    assert [e["path"] for e in unnamed["evidence"]] == ["vr/Vi46.mp4"] and "peaks at" in unnamed["message"]
    assert findings["media.video-peak-bitrate"]["status"] == "pass", findings["media.video-peak-bitrate"]
    assert findings["media.resolution"]["status"] == "pass"
    demand = last_evidence(report, "media")["outputs"]["learner_demand"]
    assert demand["files"] == ["media/played.mp4"]
    # Without the course's references (the media probe alone), every clip is judged as before.
    alone = by_rule(check(build_zip(tmp_path / "c2.zip", files), ("media",)))
    assert alone["media.unnamed"]["status"] == "pass" and alone["media.video-peak-bitrate"]["status"] == "fail"
