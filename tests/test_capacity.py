"""Capacity and rollout planning: hand-computed cases, edge cases, the seed scenario, the probe."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from certifier.errors import CertifierError
from certifier.planning.capacity import Site, plan_rollout, plan_site, working_day_after, working_days_between
from certifier.planning.sites import load_sites, resolve_sites_file
from tests.conftest import run_cli
from tests.probe_helpers import by_rule, check, last_evidence

MONDAY = dt.date(2027, 1, 4)
FAR = dt.date(2027, 12, 31)


def site(learners=500, link=10, share=0.2, hours=8, minutes=45, deadline=FAR, name="Branch"):
    return Site(name, learners, link, share, hours, minutes, deadline)


def test_hand_computed_site():
    # 10 Mbps × 20 % = 2,000 kbps → 2 learners at 1,000 kbps. 5 % online at once → waves of 40.
    # 500 learners → 13 waves. A learner gets 5 % × 8 h = 24 min a day → 45 min take 2 days per wave.
    plan = plan_site(site(), 1000, 0.05, MONDAY)
    assert (plan.max_concurrent, plan.peak_concurrent_needed, plan.wave_size, plan.waves, plan.wave_days) == (
        2,
        25,
        40,
        13,
        2,
    )
    assert plan.working_days == 26 and plan.completion == "2027-02-08"  # 26th working day from Mon 4 Jan
    assert plan.meets_deadline and plan.fix == {}


def test_fix_when_the_deadline_is_too_close():
    # 10 working days → 5 waves of 2 days → waves of 100 → 5 at once needed →
    # cap at 2,000 kbps / 5 = 400 kbps, or raise the share to 5 × 1,000 / 10,000 = 50 %.
    plan = plan_site(site(deadline=dt.date(2027, 1, 15)), 1000, 0.05, MONDAY)
    assert not plan.meets_deadline
    assert plan.fix == {"extend_to_working_days": 26, "cap_demand_kbps": 400, "raise_share_to": 0.5}


def test_zero_share_cannot_carry_anyone():
    plan = plan_site(site(share=0), 1000, 0.05, MONDAY)
    assert plan.max_concurrent == 0 and plan.waves == 0 and plan.completion is None and not plan.meets_deadline
    assert plan.fix["extend_to_working_days"] is None  # more time does not help a site with no bandwidth


def test_site_smaller_than_a_wave():
    plan = plan_site(site(learners=10), 1000, 0.05, MONDAY)
    assert (plan.waves, plan.wave_size, plan.working_days) == (1, 10, 2)


def test_deadline_already_past():
    plan = plan_site(site(deadline=dt.date(2026, 12, 1)), 1000, 0.05, MONDAY)
    assert not plan.meets_deadline and plan.fix["reason"] == "the deadline has passed"


def test_one_hundred_thousand_learners():
    plan = plan_site(site(learners=100_000, link=1000), 2000, 0.05, MONDAY)
    # 1,000 Mbps × 20 % / 2,000 kbps = 100 at once → waves of 2,000 → 50 waves × 2 days.
    assert (plan.max_concurrent, plan.waves, plan.working_days) == (100, 50, 100)


def test_working_days():
    assert working_day_after(MONDAY, 5) == dt.date(2027, 1, 8)
    assert working_day_after(MONDAY, 6) == dt.date(2027, 1, 11)
    assert working_days_between(MONDAY, dt.date(2027, 1, 17)) == 10
    assert working_days_between(MONDAY, dt.date(2027, 1, 3)) == 0


def test_seed_scenario_3mbps_video_then_capped_at_800kbps():
    """20,000 managers in 60 sites: a 3 Mbps video blocks the rollout; capped at 800 kbps it fits."""
    sites = load_sites(resolve_sites_file("example-60-sites.csv"))
    assert sum(s.learners for s in sites) == 20_000 and len(sites) == 60
    heavy = plan_rollout(sites, 3000, 0.05, MONDAY)
    starved = [p for p in heavy.sites if p.max_concurrent == 0]
    assert len(starved) == 20  # 6 Mbps offices: 1.2 Mbps for training, less than one learner
    assert all(p.fix["cap_demand_kbps"] == 1200 for p in starved)
    assert max(p.waves for p in heavy.sites) == 13 and heavy.earliest_completion is None
    light = plan_rollout(sites, 800, 0.05, MONDAY)
    assert all(p.meets_deadline for p in light.sites) and max(p.waves for p in light.sites) == 7
    assert light.earliest_completion == "2027-01-21"
    assert light.waves[0]["learners"] == sum(min(p.wave_size, p.learners) for p in light.sites)


def test_sites_file_errors_name_the_line(tmp_path):
    bad = tmp_path / "sites.csv"
    bad.write_text(
        "name,learners,link_mbps,training_share,hours_per_day,learning_minutes,deadline\n"
        "A,10,5,20%,8,45,2027-02-01\nB,ten,5,20%,8,45,2027-02-01\n"
    )
    with pytest.raises(CertifierError, match="line 3"):
        load_sites(bad)
    toml = tmp_path / "sites.toml"
    toml.write_text(
        '[[site]]\nname = "A"\nlearners = 10\nlink_mbps = 5\ntraining_share = 0.2\n'
        "hours_per_day = 8\nlearning_minutes = 45\ndeadline = 2027-02-01\n"
    )
    assert load_sites(toml)[0].deadline == dt.date(2027, 2, 1)


HEADER = "name,learners,link_mbps,training_share,hours_per_day,learning_minutes,deadline\n"


@pytest.mark.parametrize(
    "row, expected",
    [
        ("B,10,nan,20%,8,45,2027-02-01", "link_mbps must be a number from 0 to 1,000,000, found 'nan'"),
        ("B,10,inf,20%,8,45,2027-02-01", "link_mbps must be a number from 0 to 1,000,000, found 'inf'"),
        ("B,10,5,20%,8,inf,2027-02-01", "learning_minutes must be a number from 0.1 to 100,000, found 'inf'"),
        ("B,1000000000000000000,5,20%,8,45,2027-02-01", "learners must be a whole number from 0 to 10,000,000"),
        ("B,10,5,20%,nan,45,2027-02-01", "hours_per_day must be a number from 0 to 24, found 'nan'"),
        ("B,10,5,20%,inf,45,2027-02-01", "hours_per_day must be a number from 0 to 24, found 'inf'"),
        ("B,10,5,nan%,8,45,2027-02-01", "training_share must be a percentage from 0 to 100 %, found 'nan%'"),
        ("B,12.5,5,20%,8,45,2027-02-01", "learners must be a whole number"),
        ("B,10,5,20%,8,45,someday", "deadline must be a date as YYYY-MM-DD, found 'someday'"),
    ],
    ids=[
        "link-nan",
        "link-inf",
        "minutes-inf",
        "learners-1e18",
        "hours-nan",
        "hours-inf",
        "share-nan",
        "learners-half",
        "deadline-text",
    ],
)
def test_non_finite_and_absurd_site_figures_are_refused_with_the_line_and_range(tmp_path, row, expected):
    sites = tmp_path / "sites.csv"
    sites.write_text(HEADER + "A,10,5,20%,8,45,2027-02-01\n" + row + "\n")
    with pytest.raises(CertifierError) as caught:
        load_sites(sites)
    assert f"{sites} line 3: {expected}" in str(caught.value)
    result = run_cli("capacity", "--sites", str(sites), "--demand-kbps", "300", "--start", "2027-01-04")
    assert result.returncode == 2 and expected in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_plan_that_ends_past_the_calendar_says_never():
    # The largest site the ranges allow, one learner at a time, a day's learning of six minutes: past year 9999.
    slow = Site("Remote", 10_000_000, 0.001, 1, 0.1, 100_000, dt.date(9999, 12, 31))
    plan = plan_site(slow, 1, 1.0, MONDAY)
    assert plan.completion is None and not plan.meets_deadline and plan.waves > 0
    rollout = plan_rollout([slow, site()], 1, 1.0, MONDAY)
    assert rollout.earliest_completion is None and "some sites cannot be served" in rollout.summary


def test_capacity_probe_on_the_sample_course(sample_course, tmp_path):
    profile = tmp_path / "p.toml"
    profile.write_text(
        'extends = "default"\n[capacity]\nsites_file = "example-60-sites.csv"\nrollout_start = "2027-01-04"\n'
        "[pageload]\nbrowser_timing = false\n"
    )
    from certifier.policy.registry import load_profile

    report = check(sample_course, ("conformance", "media", "pageload", "capacity"), load_profile(str(profile)))
    findings = by_rule(report)
    plan = findings["capacity.plan"]
    demand = findings["capacity.demand"]
    # No session ran: the figure is an estimate, says so, and the sample's clip drives it.
    assert (
        demand["details"]["basis"] == "estimate" and "estimated (no learner's session was walked" in demand["message"]
    )
    assert demand["details"]["driver"]["kind"] == "clip" and plan["details"]["demand_kbps"] == demand["measured"] > 300
    assert findings["capacity.deadlines"]["status"] == "pass" and findings["capacity.no-bandwidth"]["status"] == "pass"
    assert len(report["outputs"]["capacity"]["sites"]) == 60


def test_capacity_cli(tmp_path):
    out = tmp_path / "plan.json"
    result = run_cli(
        "capacity",
        "--sites",
        "example-60-sites.csv",
        "--demand-kbps",
        "3000",
        "--start",
        "2027-01-04",
        "--json",
        str(out),
    )
    assert (
        result.returncode == 4
        and "bring one learner's demand down to 1,200 kbps or raise the training share to 50%" in result.stdout
    )
    assert len(json.loads(out.read_text())["sites"]) == 60


def test_working_day_arithmetic_matches_a_calendar_walk():
    import random

    def walk(start, days):
        day, counted = start, 0
        while True:
            if day.weekday() < 5:
                counted += 1
                if counted >= days:
                    return day
            day += dt.timedelta(days=1)

    rng = random.Random(7)
    for _ in range(2000):
        start = dt.date(2027, 1, 1) + dt.timedelta(days=rng.randint(0, 400))
        days = rng.randint(1, 300)
        assert working_day_after(start, days) == walk(start, days)


def test_check_takes_the_sites_file_the_capacity_probe_offers(tmp_path):
    """`check --sites` is the capacity probe's own option (Probe.check_options), not the CLI's."""
    from certifier.host.resources_path import resource_path

    out = tmp_path / "r.json"
    sites = resource_path("sites", "example-60-sites.csv")
    result = run_cli(
        "check",
        "--demo",
        "--no-history",
        "--probe",
        "conformance",
        "--probe",
        "media",
        "--probe",
        "capacity",
        "--sites",
        str(sites),
        "--json",
        str(out),
    )
    assert result.returncode in (0, 3, 4), result.stderr
    report = json.loads(out.read_text())
    assert report["profile"]["values"]["capacity"]["sites_file"] == str(sites.resolve())
    assert len(report["outputs"]["capacity"]["sites"]) == 60
    missing = run_cli("check", "--demo", "--no-history", "--sites", str(tmp_path / "none.csv"))
    assert missing.returncode == 2 and "--sites" in missing.stderr and "no such file" in missing.stderr
    assert "(bundled: example-60-sites.csv)" in missing.stderr


@pytest.mark.parametrize("name", ["example-60-sites", "example-60-sites.csv"])
def test_a_bundled_sites_file_is_taken_by_name_as_the_help_says(name, tmp_path):
    assert resolve_sites_file(name).name == "example-60-sites.csv" and resolve_sites_file(name).is_file()
    out = tmp_path / "r.json"
    result = run_cli(
        "check",
        "--demo",
        "--no-history",
        "--probe",
        "media",
        "--probe",
        "capacity",
        "--sites",
        name,
        "--json",
        str(out),
    )
    assert result.returncode in (0, 3, 4), result.stderr
    assert len(json.loads(out.read_text())["outputs"]["capacity"]["sites"]) == 60
    # A file of the user's own with the bundled name wins over the bundled one.
    own = tmp_path / "example-60-sites.csv"
    own.write_text(
        "name,learners,link_mbps,training_share,hours_per_day,learning_minutes,deadline\n"
        "Only,10,5,20%,8,45,2027-02-01\n"
    )
    assert resolve_sites_file(str(own)) == own


def test_a_link_narrower_than_the_demand_carries_one_learner_when_the_media_fit_and_the_first_load_arrives():
    """Storyline's busiest 30 s: a 791 kbps clip playing while a 3.75 MB first load arrives, 1,793 kbps
    in all. A 1,200 kbps training share carries no two learners at once, but one: the clip plays at its
    rate and the first load arrives in 25 s alone. Below the clip's rate, nothing fits."""
    from certifier.planning.demand import Demand, Driver
    from probes.capacity.rules import slow_start_finding

    demand = Demand(1793, "measured", 30, 791, Driver("clip", "story_content/video.mp4"), "")
    start = dt.date(2027, 1, 4)
    one = plan_site(site(link=6, share=0.2), demand.kbps, 0.05, start, demand, max_alone_wait_s=60)
    assert one.max_concurrent == 1 and one.alone_wait_s == pytest.approx((1793 - 791) * 30 / 1200, abs=0.1)
    assert one.waves > 0 and one.completion is not None
    too_slow = plan_site(site(link=6, share=0.2), demand.kbps, 0.05, start, demand, max_alone_wait_s=20)
    below_media = plan_site(site(link=3.5, share=0.2), demand.kbps, 0.05, start, demand, max_alone_wait_s=600)
    assert too_slow.max_concurrent == 0 and below_media.max_concurrent == 0 and below_media.alone_wait_s is None
    shared = plan_site(site(link=20, share=0.2), demand.kbps, 0.05, start, demand, max_alone_wait_s=60)
    assert shared.max_concurrent == 2 and shared.alone_wait_s is None
    finding = slow_start_finding([one], 60)
    assert finding.status.value == "fail" and finding.severity.value == "minor" and finding.measured == one.alone_wait_s
    assert "Branch (25 s)" in finding.message


def test_a_site_that_carries_no_one_says_whether_the_media_or_the_first_load_is_why():
    from certifier.planning.demand import Demand, Driver
    from probes.capacity.rules import starved_because

    start = dt.date(2027, 1, 4)
    first_load = Demand(3688, "measured", 30, 0, Driver("first-load", "res/index.html"), "")
    office = plan_site(site(link=6, share=0.2, name="Office 01"), first_load.kbps, 0.05, start, first_load, 60)
    assert office.max_concurrent == 0
    assert starved_because([office], first_load.to_dict(), 60) == (
        " (Office 01: a learner alone would wait 92 s for the first load, over capacity.max_alone_wait_s, 60 s)"
    )
    video = Demand(1600, "measured", 30, 1500, Driver("clip", "v.mp4"), "")
    below = plan_site(site(link=6, share=0.2, name="Office 02"), video.kbps, 0.05, start, video, 60)
    assert "below the 1,500 kbps of media that play at once" in starved_because([below], video.to_dict(), 60)


def test_no_plan_is_promised_for_a_course_nothing_could_be_measured_of(tmp_path):
    """A SCORM package whose launch page is absent: no page loads, no media, no session. A plan at
    0 kbps would say every site meets its deadline; the probe says there is no plan, and why."""
    from certifier.policy.registry import load_profile
    from probes.capacity import NOT_PLANNED
    from tests.factories import build_zip

    manifest = (
        '<?xml version="1.0"?><manifest identifier="m" version="1" '
        'xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">'
        "<metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>"
        '<organizations default="o"><organization identifier="o"><title>T</title>'
        '<item identifier="i" identifierref="r"><title>L</title></item></organization></organizations>'
        '<resources><resource identifier="r" type="webcontent" adlcp:scormtype="sco" href="index.html">'
        '<file href="index.html"/></resource></resources></manifest>'
    )
    course = build_zip(tmp_path / "empty.zip", {"imsmanifest.xml": manifest, "readme.txt": "published without content"})
    profile = tmp_path / "p.toml"
    profile.write_text('extends = "default"\n[capacity]\nsites_file = "example-60-sites.csv"\n')
    report = check(course, ("conformance", "media", "pageload", "capacity"), load_profile(str(profile)))
    findings = by_rule(report)
    assert findings["capacity.demand"]["measured"] == 0, findings["capacity.demand"]
    assert findings["capacity.plan"]["status"] == "skipped" and findings["capacity.plan"]["message"] == NOT_PLANNED
    assert "capacity.deadlines" not in findings and "sites" not in report["outputs"]["capacity"]
    assert report["outputs"]["capacity"]["not_planned"] == NOT_PLANNED


def test_without_a_session_the_estimate_counts_what_the_real_browser_loaded(sample_course, tmp_path):
    """The page-load probe's real browser_load shape feeds the estimate (a course whose session is
    not walked, e.g. a plain web publish): the first load is not counted as zero."""
    from certifier.policy.registry import load_profile

    profile = tmp_path / "p.toml"
    profile.write_text('extends = "default"\n[capacity]\nsites_file = "example-60-sites.csv"\n')
    report = check(sample_course, ("conformance", "pageload", "capacity"), load_profile(str(profile)))
    findings = by_rule(report)
    if findings["pageload.browser-load"]["status"] == "skipped":
        pytest.skip(findings["pageload.browser-load"]["message"])
    pages = last_evidence(report, "pageload")["pages"]
    loaded = sum(
        p["browser_load"]["doc_bytes"] + sum(p["browser_load"]["resources"]) for p in pages if "browser_load" in p
    )
    demand = findings["capacity.demand"]
    assert loaded > 0 and demand["details"]["basis"] == "estimate"
    assert demand["details"]["driver"]["kind"] == "first-load" and demand["measured"] > 0
    assert findings["capacity.plan"]["status"] == "pass"
