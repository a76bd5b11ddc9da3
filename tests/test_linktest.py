"""The capacity model checked by measurement: the shared player, the search, the rules, and a real
trial of streaming learners over an emulated link on loopback."""

from __future__ import annotations

import datetime as dt
import math
import threading

import pytest

from certifier.planning.capacity import Site, site_links
from certifier.planning.player import play_clip
from certifier.policy.findings import Severity
from certifier.staging.network import NetworkProfile
from certifier.staging.server import StagingServer
from probes.linktest import LinkTestProbe, choose_links, disagreement
from probes.linktest.replay import ReplayTrial, scaled_requests
from probes.linktest.trials import Trial, clip_ranges, continuous, highest_sustained, search, sustained, time_scaled
from tests.factories import encode_video

BUDGET = 0.01


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


def test_the_player_paces_chunks_a_buffer_ahead_and_watches_to_the_end():
    clock, asked = FakeClock(), []

    def fetch(path, first, last, deadline):
        asked.append((round(clock.now, 3), first, last, round(deadline, 3)))
        clock.now += 0.5  # each chunk takes half a second to arrive
        return last + 1 - first

    clip = {"path": "v.mp4", "bytes": 1_000_000, "kbps": 800, "duration_s": 10.0}  # 100,000 bytes a second
    played = play_clip(clip, 4, 2, fetch, clock=clock, sleep=clock.sleep)
    assert not played["stalled"] and played["received"] == 1_000_000 and played["chunks"] == 3
    # Start-up: asked at once, due as fast as it plays plus a second; then each chunk 2 s before its play time.
    assert asked[0] == (0.0, 0, 399_999, 5.0)
    assert asked[1] == (2.5, 400_000, 799_999, 4.5)  # playing since 0.5 s; plays at 4 s → asked at 2.5 s
    assert asked[2] == (6.5, 800_000, 999_999, 8.5)
    assert played["seconds"] == pytest.approx(10.5)  # watched to the end


def test_a_late_chunk_is_a_stall_and_the_learner_gives_up_on_the_clip():
    clock = FakeClock()
    answers = iter([400_000, None])
    played = play_clip(
        {"path": "v.mp4", "bytes": 1_000_000, "kbps": 800, "duration_s": 10.0},
        4,
        2,
        lambda *_: next(answers),
        clock=clock,
        sleep=clock.sleep,
    )
    assert played["stalled"] and played["chunks"] == 2 and played["received"] == 400_000


def trial(learners: int, stalls: int, chunks: int = 100) -> dict:
    return {"learners": learners, "stalls": stalls, "chunks": chunks, "errors": 0, "requests": 0}


def test_highest_sustained_ignores_a_lucky_pass_above_a_failure():
    trials = [trial(10, 0), trial(12, 5), trial(13, 0)]
    assert [sustained(t, BUDGET) for t in trials] == [True, False, True]
    assert highest_sustained(trials, BUDGET) == 10
    assert highest_sustained([trial(3, 9)], BUDGET) == 0


@pytest.mark.parametrize("model, carries", [(12, 14), (12, 12), (20, 13), (5, 1), (30, 45)])
def test_the_search_finds_what_the_link_carries_within_a_step(model, carries):
    tried = []

    def run(learners):
        tried.append(learners)
        return trial(learners, 0 if learners <= carries else 3)

    trials, stopped = search(model, 60, BUDGET, run, lambda: 1000, 1)
    found = highest_sustained(trials, BUDGET)
    step = max(1, round(model * 0.1))
    ceiling = max(model + 2 * step, round(model * 1.5))
    if carries >= ceiling:
        assert found == ceiling and "still streamed without stalls" in stopped
    else:
        assert carries - step < found <= carries
    assert tried[0] == model and len(tried) <= 8


def test_the_search_stops_at_its_time_bound():
    left = iter([100, 100, 0.5])
    trials, stopped = search(10, 60, BUDGET, lambda n: trial(n, 0), lambda: next(left), 1)
    assert len(trials) == 2 and stopped == "the time bound was reached"


def test_time_scaling_keeps_every_byte_and_the_demand_to_link_ratio():
    clips = [{"path": "v.mp4", "bytes": 240_000, "kbps": 320.0, "duration_s": 6.0}]
    load = {"stream_chunk_s": 4, "stream_startup_s": 2, "think_time_s": 0.2}
    faster, player = time_scaled(clips, load, 8)
    assert faster[0]["bytes"] == 240_000 and faster[0]["kbps"] == 2560 and faster[0]["duration_s"] == 0.75
    # A chunk holds the same bytes at either speed.
    assert faster[0]["kbps"] * player["chunk_s"] == clips[0]["kbps"] * load["stream_chunk_s"]
    assert player == {"chunk_s": 0.5, "startup_s": 0.25, "think_s": 0.025, "grace_s": 0.125}


def test_site_links_group_sites_by_training_bandwidth_narrowest_first():
    def site(name, mbps, share):
        return Site(name, 100, mbps, share, 8, 45, dt.date(2027, 1, 1))

    links = site_links([site("A", 20, 0.2), site("B", 6, 0.2), site("C", 20, 0.2), site("D", 10, 0.4)], 323)
    assert [(link["training_kbps"], link["sites"], link["model_learners"]) for link in links] == [
        (1200, ["B"], 3),
        (4000, ["A", "C", "D"], 12),
    ]


def test_links_too_small_or_too_large_to_measure_are_named():
    links = [{"training_kbps": k, "model_learners": m} for k, m in ((1200, 3), (4000, 12), (20000, 61))]
    limits = {"min_model_learners": 5, "max_learners": 60, "max_site_links": 2}
    chosen, left = choose_links(links, limits)
    assert [link["model_learners"] for link in chosen] == [12]
    assert left.startswith("2 site links not measured")


@pytest.mark.parametrize(
    "measured, model, verdict",
    [(14, 12, ""), (15, 12, "conservative"), (9, 12, "optimistic"), (4, 3, ""), (2, 3, ""), (1, 3, "optimistic")],
)
def test_disagreement_beyond_the_tolerance_and_one_learner(measured, model, verdict):
    assert disagreement(measured, model, 0.2) == verdict


def evidence(trials: list[dict], model: int) -> dict:
    link = {
        "training_kbps": 4000.0,
        "link_mbps": 20.0,
        "training_share": 0.2,
        "model_learners": model,
        "sites": ["Branch 01", "Branch 02"],
        "trials": trials,
        "stopped": "",
        "time_scale": 8,
    }
    return {"links": [link], "passed_over": "", "stall_budget": BUDGET, "clips": ["media/welcome.mp4"]}


LIMITS = {"model_tolerance": 0.2}


def test_an_optimistic_model_is_a_major_finding_that_names_the_link():
    findings = {
        f.rule_id: f for f in LinkTestProbe().evaluate(evidence([trial(20, 9), trial(14, 0), trial(16, 4)], 20), LIMITS)
    }
    optimistic = findings["linktest.model-optimistic"]
    assert optimistic.status.value == "fail" and optimistic.severity == Severity.MAJOR
    assert "model 20, measured 14 learners at once (×0.70)" in optimistic.message
    assert findings["linktest.model-conservative"].status.value == "pass"


def test_a_cautious_model_is_information_only():
    findings = {
        f.rule_id: f for f in LinkTestProbe().evaluate(evidence([trial(10, 0), trial(15, 0), trial(16, 3)], 10), LIMITS)
    }
    cautious = findings["linktest.model-conservative"]
    assert cautious.status.value == "fail" and cautious.severity == Severity.INFO
    assert findings["linktest.model-optimistic"].status.value == "pass"
    assert findings["linktest.measured"].measured == 15


@pytest.fixture(scope="module")
def clip_site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clip")
    encode_video(folder / "v.mp4", seconds=4, width=320, height=180, bitrate_kbps=400, audio_kbps=0)
    return folder


def test_a_real_trial_over_an_emulated_link_stalls_only_past_its_capacity(clip_site):
    """The physics the probe relies on: learners whose media takes 70 % of the link stream without
    stalls, and never pause (a chunk every chunk_s of media); learners who need 140 % of it stall."""
    from probes.media.inspection import inspect_media

    facts = inspect_media(clip_site / "v.mp4", 1.0, 30, buffer_s=4)
    clip = {
        "path": "v.mp4",
        "bytes": (clip_site / "v.mp4").stat().st_size,
        "kbps": facts["avg_kbps"],
        "duration_s": facts["duration_s"],
    }
    load = {"stream_chunk_s": 4, "stream_startup_s": 2, "think_time_s": 0.2}
    faster, player = time_scaled([clip], load, 8)
    link_kbps, seconds = 3000, 5
    fit, over = int(0.7 * link_kbps // facts["avg_kbps"]), math.ceil(1.4 * link_kbps / facts["avg_kbps"])
    assert 4 <= fit < over
    with StagingServer(clip_site, NetworkProfile("site", link_kbps * 8, link_kbps * 8, 5)) as server:
        fits = Trial(server.url, faster, player, seconds, threading.Event()).run(fit)
        overloaded = Trial(server.url, faster, player, seconds, threading.Event()).run(over)
    assert sustained(fits, BUDGET), fits
    # The counted three quarters of the trial are 30 s of media: 7 or 8 chunks of 4 s per learner,
    # although the clip lasts 4 s (a learner replaying it would re-buffer and pause between plays).
    counted_media_s = seconds * 0.75 * 8
    assert fits["chunks"] >= fit * (counted_media_s / load["stream_chunk_s"] - 1), fits
    assert not sustained(overloaded, BUDGET) and overloaded["stalls"] > 0, overloaded


def test_a_replayed_window_is_carried_within_the_model_and_late_beyond_it(tmp_path):
    """Where pages drive the demand, learners replay the session's busiest window: 300 KB a learner
    in a 2 s window (1,229 kbps) on an 8 Mbps link is 6 learners by the model. At 70 % of that every
    request arrives within its window; at 150 % requests are late."""
    import os

    for name in ("a.png", "b.png", "c.png"):
        (tmp_path / name).write_bytes(os.urandom(100 * 1024))
    window = [(0.0, 100 * 1024, "a.png"), (0.1, 100 * 1024, "b.png"), (0.2, 100 * 1024, "c.png")]  # a first load
    window_s, link_kbps = 2.0, 8000
    demand_kbps = 300 * 1024 * 8 / 1000 / window_s
    model = int(link_kbps // demand_kbps)
    assert model == 6
    with StagingServer(tmp_path, NetworkProfile("site", link_kbps, link_kbps, 5)) as server:
        fits = ReplayTrial(server.url, window, window_s, threading.Event()).run(4)
        overloaded = ReplayTrial(server.url, window, window_s, threading.Event()).run(9)
    assert fits["requests"] == 12 and fits["bytes"] == 12 * 100 * 1024 and sustained(fits, BUDGET), fits
    assert overloaded["requests"] == 27 and overloaded["stalls"] > 0 and not sustained(overloaded, BUDGET), overloaded


def test_a_replay_runs_faster_with_every_byte_kept():
    window = [(0.0, 1000, "a.png"), (8.0, 2000, "b.js")]
    assert scaled_requests(window, 8) == [(0.0, 1000, "a.png"), (1.0, 2000, "b.js")]


def test_the_continuous_stream_reads_the_clip_again_from_its_start():
    looped = continuous({"path": "v.mp4", "bytes": 1000, "kbps": 80, "duration_s": 0.1}, 0.25)
    assert (looped["bytes"], looped["clip_bytes"]) == (4000, 1000) and looped["duration_s"] == pytest.approx(0.4)
    assert clip_ranges(0, 499, 1000) == [(0, 499)]
    assert clip_ranges(900, 1199, 1000) == [(900, 999), (0, 199)]
    assert clip_ranges(1500, 3600, 1000) == [(500, 999), (0, 999), (0, 600)]


def test_linktest_runs_when_asked_or_in_the_demo_not_by_default():
    import argparse

    from certifier.cli.commands import chosen_probes
    from certifier.policy.registry import discover_probes

    probes = discover_probes()[0]

    def chosen(**given):
        args = argparse.Namespace(**{"probe": None, "also": None, "machine": False, "demo": False, **given})
        return chosen_probes(args, probes)

    assert chosen() is None  # the runner's defaults, which leave linktest out
    assert not probes["linktest"].default_enabled
    assert "linktest" in chosen(demo=True) and "capacity" in chosen(demo=True) and "load" not in chosen(demo=True)
    also = chosen(also=["linktest"])
    assert "linktest" in also and "pageload" in also
    assert chosen(probe=["capacity"], demo=True) == ["capacity"]


def test_a_search_stopped_while_still_passing_reports_a_lower_bound():
    open_ended = LinkTestProbe().evaluate(evidence([trial(12, 0), trial(13, 0), trial(15, 0)], 12), LIMITS)
    assert "measured at least 15 learners at once" in open_ended[0].message
    closed = LinkTestProbe().evaluate(evidence([trial(12, 0), trial(13, 0), trial(14, 4)], 12), LIMITS)
    assert "measured 13 learners at once" in closed[0].message


@pytest.mark.slow
def test_a_page_driven_course_is_measured_by_replaying_its_walked_session(tmp_path):
    """A lesson whose first load is 600 KB of scripts (in its head: the lesson starts only once they
    are in, so the walk records them whole however busy the machine): the walked session's busiest
    window is replayed over the site's link, and the model's learners at once hold within the tolerance."""
    import base64
    import os

    from tests.probe_helpers import by_rule, check, last_evidence
    from tests.session_courses import lesson_zip
    from tests.test_session import session_profile

    scripts = {f"player-{n}.js": "/*" + base64.b64encode(os.urandom(112 * 1024)).decode() + "*/" for n in range(4)}
    course = lesson_zip(tmp_path / "c.zip", 2, scripts=scripts, status="completed")
    sites = tmp_path / "sites.csv"
    sites.write_text(
        "name,learners,link_mbps,training_share,hours_per_day,learning_minutes,deadline\n"
        "Branch,40,2,0.8,6,30,2027-06-30\n"
    )
    base = session_profile(tmp_path)
    profile = tmp_path / "replay.toml"
    profile.write_text(
        f'extends = "{base.source}"\n[capacity]\nsites_file = "{sites}"\n'
        "[linktest]\nmax_seconds = 40\nmin_model_learners = 3\n"
    )
    report = check(course, ("conformance", "media", "session", "capacity", "linktest"), str(profile))
    findings = by_rule(report)
    if findings["session.walk"]["status"] == "skipped":
        pytest.skip(findings["session.walk"]["message"])
    evidence = last_evidence(report, "linktest")
    probe = next(p for p in report["probes"] if p["id"] == "linktest")
    assert evidence.get("mode") == "replay", (probe, evidence.get("skipped"), findings.get("linktest.probe-error"))
    assert evidence["replayed"]["lesson"] == "lesson.html" and evidence["replayed"]["requests"] >= 5
    assert evidence["replayed"]["kilobytes"] >= 400  # what the browser moved for them (gzip: base64 shrinks)
    trials = evidence["links"][0]["trials"]
    assert all(t["requests"] == t["learners"] * evidence["replayed"]["requests"] for t in trials), trials
    assert "replayed the walked session's busiest 30 s of lesson.html" in findings["linktest.measured"]["message"]
    assert findings["linktest.model-optimistic"]["status"] == "pass", findings["linktest.measured"]["message"]
    assert findings["linktest.model-conservative"]["status"] == "pass", findings["linktest.measured"]["message"]


def test_a_cautious_model_says_why_for_the_workload_the_trials_ran():
    from probes.linktest.outcomes import why_cautious

    clip = {"path": "story/v.mp4", "kbps": 791.0}
    mixed = why_cautious({"mode": "stream", "clips": [clip], "demand_kbps": 1096.0})
    assert "1,096 kbps a learner: the clip's 791 plus 305 of first load or pages" in mixed
    assert why_cautious({"mode": "stream", "clips": [clip], "demand_kbps": 800.0}) == ""
    assert "spread over it" in why_cautious({"mode": "replay"})
    report = LinkTestProbe().evaluate(
        {**evidence([trial(16, 0), trial(18, 0), trial(24, 0)], 12), "outputs": {"cautious_because": mixed}},
        {"model_tolerance": 0.2},
    )
    conservative = next(f for f in report if f.rule_id == "linktest.model-conservative")
    assert conservative.status.value == "fail" and "because the model counts 1,096 kbps" in conservative.message
