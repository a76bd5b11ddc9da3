"""One learner's demand: measured from a session's timeline (pages, progressive video, HLS), estimated
where no session ran, with missing media counted at the profile's cap, and fixes that fit the cause."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from certifier.planning.capacity import Site, describe_fix, plan_rollout
from certifier.planning.demand import (
    Demand,
    Driver,
    busiest_window,
    estimated_demand,
    explain,
    measured_demand,
    with_excluded,
)
from certifier.planning.lms_peak import lms_peak
from probes.capacity.demand_inputs import excluded_media
from tests.factories import build_zip
from tests.probe_helpers import by_rule, check, last_evidence
from tests.session_courses import MANIFEST_12

WINDOW = 10


def lesson(rows, screens=(), end_ms=None, launch="lesson.html"):
    return {
        "launch": launch,
        "timeline": [list(r) for r in rows],
        "screens_at_ms": list(screens),
        "walk_end_ms": end_ms,
    }


def test_a_first_load_drives_a_page_course_and_counts_over_the_window():
    # 1.5 MB in the first 2 s, then a few small requests: 1,200 kbps over 10 s, the busiest second far higher.
    rows = [
        (0, 2000, 1_000_000, "player/app.js", "script"),
        (100, 1500, 500_000, "player/fonts.woff", "font"),
        (20_000, 20_100, 4_000, "data/screen2.json", "xhr"),
    ]
    demand = measured_demand([lesson(rows, end_ms=30_000)], [], WINDOW)
    assert demand.basis == "measured" and demand.kbps == pytest.approx(1_200, abs=1)
    assert demand.driver.kind == "first-load" and demand.driver.files[:2] == ("player/app.js", "player/fonts.woff")
    assert demand.busiest_1s_kbps > 5 * demand.kbps and demand.media_kbps == 0


def test_the_replayed_window_is_the_one_the_figure_came_from():
    # A light first screen, then at 30 s a heavy screen: the busiest 10 s starts there, and the
    # replay asks for its requests at their times within that window, skipping what moved no byte.
    rows = [
        (0, 300, 20_000, "index.html", "document"),
        (30_000, 31_000, 800_000, "screens/2.png", "img"),
        (31_500, 32_000, 0, "screens/cached.css", "link"),
        (33_000, 33_400, 200_000, "screens/2.json", "xhr"),
        (50_000, 50_100, 4_000, "screens/3.json", "xhr"),
    ]
    timeline = lesson(rows, end_ms=60_000)
    demand = measured_demand([timeline], [], WINDOW)
    window = busiest_window(timeline, [], WINDOW)
    assert window == [(0.0, 800_000, "screens/2.png"), (3.0, 200_000, "screens/2.json")]
    assert sum(size for _, size, _ in window) * 8 / 1000 / WINDOW == pytest.approx(demand.kbps, rel=0.01)


def test_a_progressive_clip_counts_at_its_own_rate_while_it_plays():
    media = [{"path": "video/intro.mp4", "peak_kbps": 900.0, "buffered_peak_kbps": 800.0, "duration_s": 60}]
    # The browser fetched the whole clip in one second on loopback; a player on a shared link needs 800 kbps.
    rows = [(0, 300, 50_000, "index.html", "document"), (1000, 2000, 6_000_000, "video/intro.mp4", "media")]
    demand = measured_demand([lesson(rows, end_ms=70_000)], media, WINDOW)
    assert demand.driver == Driver("clip", "video/intro.mp4", ("video/intro.mp4",), 800.0)
    assert demand.media_kbps == 800 and demand.kbps == pytest.approx(800 + 50_000 * 8 / 1000 / WINDOW, abs=1)


def test_clips_of_successive_screens_never_play_together():
    # Two 2-minute narrated videos on screens one and two: the walk moved on after 5 s. At a learner's
    # pace (30 s a screen) the first plays until the second screen shows, then the second alone.
    media = [
        {"path": "story/v1.mp4", "peak_kbps": 800.0, "duration_s": 120},
        {"path": "story/v2.mp4", "peak_kbps": 780.0, "duration_s": 120},
    ]
    rows = [(100, 900, 3_000_000, "story/v1.mp4", "media"), (5_100, 6_000, 3_000_000, "story/v2.mp4", "media")]
    demand = measured_demand([lesson(rows, [0, 5_000], end_ms=10_000)], media, WINDOW, screen_s=30)
    assert demand.media_kbps == 800 and demand.driver.name == "story/v1.mp4"


def test_the_walk_is_retimed_to_a_learners_pace():
    # The walk pressed Next every second; each screen loads 500 KB. At 30 s a screen only one load falls
    # in any 10 s window.
    rows = [(n * 1000, n * 1000 + 200, 500_000, f"screens/{n}.png", "img") for n in range(5)]
    hurried = measured_demand([lesson(rows, end_ms=5_000)], [], WINDOW)
    paced = measured_demand([lesson(rows, [n * 1000 for n in range(5)], end_ms=5_000)], [], WINDOW, screen_s=30)
    assert hurried.kbps == pytest.approx(2_000) and paced.kbps == pytest.approx(400)
    assert paced.seconds > 120  # five screens at 30 s


def test_missing_media_is_named_and_planned_at_the_profiles_cap():
    references = [
        {"source": "index.html", "resolved": "assets/yoga.mp4"},
        {"source": "index.html", "resolved": "index.css"},
    ]
    excluded = excluded_media(
        [], references, {"index.html", "index.css"}, {"max_video_kbps": 2500, "max_audio_kbps": 192}
    )
    assert [e["path"] for e in excluded] == ["assets/yoga.mp4"] and excluded[0]["assumed_kbps"] == 2500
    # A library's sample name in a script, or a name a script resolves against another folder, is no defect.
    scripts = [
        {"source": "lib/mediaelement.js", "resolved": "lib/file.mp4"},
        {"source": "data/course.json", "resolved": "data/intro.mp4"},
    ]
    assert excluded_media([], scripts, {"index.html", "media/intro.mp4"}, {"max_video_kbps": 2500}) == []
    page_only = measured_demand([lesson([(0, 500, 100_000, "index.html", "document")], end_ms=20_000)], [], WINDOW)
    demand = with_excluded(page_only, excluded)
    assert demand.kbps == pytest.approx(page_only.kbps + 2500) and demand.driver.name == "assets/yoga.mp4"
    assert "excludes assets/yoga.mp4, which is missing from the package (named by index.html)" in explain(demand)
    assert "[media] max_video_kbps" in explain(demand)


def test_without_a_session_the_figure_is_an_estimate_from_what_the_browser_loaded():
    pages = [
        {
            "launch": "index.html",
            # The shape the page-load probe gives: the document, then each file by the load event.
            "browser_load": {"doc_bytes": 20_000, "resources": [60_000, 40_000], "player_resources": [40_000]},
            "requests": [{"bytes": 3_877_000, "kind": "font"}],
        }
    ]  # a stylesheet names far more than loads
    demand = estimated_demand({"kbps": 80.0, "files": ["video/a.mp4"]}, pages, WINDOW, "no session ran")
    assert demand.basis == "estimate" and demand.kbps == pytest.approx(80 + 96)
    assert "estimated (no session ran)" in explain(demand)


def fixes_for(demand: Demand) -> str:
    thin = Site("Branch", 400, 2.0, 0.5, 8, 60, dt.date(2027, 1, 29))  # 1,000 kbps for training, four weeks
    plan = plan_rollout([thin], demand.kbps, 0.05, dt.date(2027, 1, 4), demand)
    return describe_fix(plan.sites[0].fix)


def test_fixes_fit_the_cause():
    clip = Demand(
        kbps=820,
        basis="measured",
        window_s=WINDOW,
        media_kbps=800,
        driver=Driver("clip", "video/intro.mp4", ("video/intro.mp4",), 800),
        explained="",
    )
    text = fixes_for(clip)
    kbps = int(text.split("re-encode video/intro.mp4 at ")[1].split(" kbps")[0].replace(",", ""))
    assert 1 <= kbps < 800 and "(it plays at 800)" in text
    load = Demand(
        kbps=1200,
        basis="measured",
        window_s=WINDOW,
        media_kbps=0,
        driver=Driver("first-load", "index.html", ("player/app.js",)),
        explained="",
    )
    text = fixes_for(load)
    assert "cache or trim the player's first load of index.html (player/app.js) to" in text and "video" not in text
    # A clip that is not what crowds the link is never capped: the page around it is.
    small_clip = Demand(
        kbps=5000,
        basis="measured",
        window_s=WINDOW,
        media_kbps=80,
        driver=Driver("clip", "video/low.mp4", ("video/low.mp4",), 80),
        explained="",
    )
    assert "re-encode" not in fixes_for(small_clip) and "bigger link" in fixes_for(small_clip)


def test_the_lms_peak_adds_the_sites_first_waves():
    sites = [Site(f"S{n}", 1000, 100, 0.5, 8, 60, dt.date(2027, 6, 1)) for n in range(3)]
    plan = plan_rollout(sites, 500, 0.05, dt.date(2027, 1, 4))
    peak = lms_peak(plan.sites, 0.05, {"writes_per_min": 6, "bytes_per_min": 3000})
    assert [s["at_once"] for s in peak["sites"]] == [50, 50, 50]
    assert peak["peak_writes_per_s"] == pytest.approx(15) and peak["peak_bytes_per_s"] == 7500


HLS_PAGE = "<!doctype html><html><body><video src='video/master.m3u8' controls></video></body></html>"


def hls_course(path, top_kbps=12_900, low_kbps=800, segments=3, seconds=4.0, missing_top=False):
    files = {
        "imsmanifest.xml": MANIFEST_12,
        "lesson.html": HLS_PAGE,
        "video/master.m3u8": "#EXTM3U\n"
        f'#EXT-X-STREAM-INF:BANDWIDTH={top_kbps * 1000},RESOLUTION=1920x1080,CODECS="avc1.640028,mp4a.40.2"\n'
        "hi/index.m3u8\n"
        f"#EXT-X-STREAM-INF:BANDWIDTH={low_kbps * 1000},RESOLUTION=640x360\nlo/index.m3u8\n",
    }
    for name, kbps in (("hi", top_kbps), ("lo", low_kbps)):
        lines = ["#EXTM3U", "#EXT-X-TARGETDURATION:4"]
        for n in range(segments):
            lines += [f"#EXTINF:{seconds:.1f},", f"seg{n}.ts"]
            if not (missing_top and name == "hi"):
                files[f"video/{name}/seg{n}.ts"] = os.urandom(int(kbps * 125 * seconds))
        files[f"video/{name}/index.m3u8"] = "\n".join([*lines, "#EXT-X-ENDLIST"]) + "\n"
    return build_zip(path, files)


def test_an_hls_courses_top_variant_fails_the_caps_and_drives_the_plan(tmp_path):
    report = check(hls_course(tmp_path / "hls.zip"), ("conformance", "media", "capacity"))
    findings = by_rule(report)
    bitrate = findings["media.video-bitrate"]
    assert bitrate["status"] == "fail" and "video/hi/index.m3u8 averages 12,900 kbps" in bitrate["message"]
    assert "video/lo/index.m3u8" not in bitrate["message"]  # the caps apply to each variant
    assert findings["media.codec"]["status"] == "pass"  # a stream is played by the page's player, not the container
    demand = findings["capacity.demand"]
    assert demand["measured"] == pytest.approx(12_900, rel=0.01)
    assert demand["details"]["driver"]["name"] == "video/master.m3u8"


def test_a_variant_without_its_segments_is_reported_and_planned_at_the_cap(tmp_path):
    report = check(hls_course(tmp_path / "hls.zip", missing_top=True), ("conformance", "media", "capacity"))
    findings = by_rule(report)
    assert "none of its segments is in the package" in findings["media.unreadable"]["message"]
    # The plan does not take the low variant for the stream: it counts the profile's video cap in its place.
    demand = findings["capacity.demand"]
    assert demand["measured"] >= 2500 and "video/hi/index.m3u8" in demand["details"]["excluded"]


def test_real_mpeg_ts_segments_are_recognised_by_their_sync_bytes_and_measured_as_the_stream(tmp_path):
    from certifier.package.media_types import guess_media_type
    from tests.factories import encode_video

    segment = encode_video(tmp_path / "seg.ts", seconds=1.0, bitrate_kbps=400, audio_kbps=None)
    data = segment.read_bytes()
    assert guess_media_type("video/seg0.ts", data[:400]) == "video/mp2t"
    assert guess_media_type("src/app.ts", b"export const x = 1;\n" * 30) != "video/mp2t"  # TypeScript is not video
    playlist = (
        "#EXTM3U\n#EXT-X-TARGETDURATION:1\n"
        + "".join(f"#EXTINF:1.0,\nseg{n}.ts\n" for n in range(3))
        + "#EXT-X-ENDLIST\n"
    )
    files = {
        "imsmanifest.xml": MANIFEST_12,
        "lesson.html": HLS_PAGE.replace("master.m3u8", "index.m3u8"),
        "video/index.m3u8": playlist,
        **{f"video/seg{n}.ts": data for n in range(3)},
        "extra/loose.ts": data,
    }  # a clip no playlist names: measured as a clip of its own
    report = check(build_zip(tmp_path / "ts.zip", files), ("conformance", "media", "capacity"))
    media = {f["path"]: f for f in last_evidence(report, "media")["files"]}
    assert "video/seg0.ts" not in media  # measured as the stream's segments, not three more clips
    assert media["video/index.m3u8"]["avg_kbps"] == pytest.approx(len(data) * 8 / 1000, rel=0.01)
    assert media["extra/loose.ts"]["media_type"] == "video/mp2t" and media["extra/loose.ts"]["container"] == "mpegts"
    assert media["extra/loose.ts"]["streams"][0]["codec"] == "h264"
    assert by_rule(report)["capacity.demand"]["measured"] >= len(data) * 8 / 1000 * 0.9
