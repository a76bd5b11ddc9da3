"""Lessons run as a learner's browser runs them (real Qt WebEngine, headless): sized visible pages,
real waits for Initialize, and the cause of a lesson that never starts."""

from __future__ import annotations

import itertools

import pytest

from certifier.policy.registry import load_profile
from tests.conftest import REPO_ROOT
from tests.factories import build_zip
from tests.probe_helpers import by_rule, check, last_evidence
from tests.session_courses import lesson_zip

PROBES = ("conformance", "pageload")
AUTHORING_TOOLS = REPO_ROOT.parent / "shared" / "fixtures" / "authoring-tools"

SCO_SCRIPT = """
function findApi(w) { for (var i = 0; w && i < 10; i++) { if (w.API) { return w.API; } if (w.parent === w) { break; } w = w.parent; } return null; }
function startLesson() {
  var api = findApi(window);
  api.LMSInitialize("");
  api.LMSSetValue("cmi.core.lesson_status", "completed");
  api.LMSCommit("");
  window.addEventListener("pagehide", function () { api.LMSFinish(""); });
}
"""


def sco_page(body: str, head: str = "") -> str:
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><script src='sco.js'></script>{head}</head>"
        f"<body>{body}</body></html>"
    )


def manifest(lessons: list[str]) -> str:
    items = "".join(
        f'<item identifier="i{n}" identifierref="r{n}"><title>{name}</title></item>' for n, name in enumerate(lessons)
    )
    resources = "".join(
        f'<resource identifier="r{n}" type="webcontent" adlcp:scormtype="sco" href="{name}">'
        f'<file href="{name}"/></resource>'
        for n, name in enumerate(lessons)
    )
    return (
        '<?xml version="1.0"?><manifest identifier="m" version="1" '
        'xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">'
        "<metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>"
        f'<organizations default="o"><organization identifier="o"><title>T</title>{items}</organization>'
        f"</organizations><resources>{resources}</resources></manifest>"
    )


def runtime_profile(tmp_path, init_timeout_s: float = 4):
    path = tmp_path / "runtime.toml"
    path.write_text(
        'extends = "default"\n[pageload]\nbrowser_timing = true\nbrowser_timeout_s = 90\n'
        f"runtime_init_timeout_s = {init_timeout_s}\nruntime_settle_s = 0.5\n"
    )
    return load_profile(str(path))


def run_lessons(tmp_path, lessons: dict[str, str], init_timeout_s: float = 4) -> tuple[dict, dict]:
    files = {"imsmanifest.xml": manifest(list(lessons)), "sco.js": SCO_SCRIPT, **lessons}
    report = check(build_zip(tmp_path / "c.zip", files), PROBES, runtime_profile(tmp_path, init_timeout_s))
    findings = by_rule(report)
    if findings["pageload.browser-load"]["status"] == "skipped":
        pytest.skip(findings["pageload.browser-load"]["message"])
    return findings, last_evidence(report, "pageload")


def notes(finding: dict) -> str:
    return " ".join(e.get("note", "") for e in finding["evidence"])


@pytest.mark.slow
def test_late_starts_cdn_failures_and_missing_data_each_get_their_cause(tmp_path):
    lessons = {
        # Starts 2.5 s after load: a hidden page with a 700 ms wait used to fail it.
        "late.html": sco_page("<p>Late lesson</p><script>setTimeout(startLesson, 2500);</script>"),
        # Needs jQuery from a CDN the test machine cannot reach (the runtime pass blocks it).
        "cdn.html": sco_page(
            "<p>CDN lesson</p><script>$(function () { startLesson(); });</script>",
            "<script src='https://ajax.googleapis.com/ajax/libs/jquery/3.6.0/jquery.min.js'></script>",
        ),
        # Builds itself from a data file that is not in the package: renders nothing.
        "data.html": sco_page(
            "<div id='app'></div><script>var x = new XMLHttpRequest();"
            "x.open('GET', 'data/' + 'course.json'); x.onload = function () {"
            " if (x.status === 200) { document.getElementById('app').textContent = 'ready'; startLesson(); } };"
            " x.send();</script>"
        ),
    }
    findings, evidence = run_lessons(tmp_path, lessons)
    runs = {r["url"].split("sco=")[1].split("&")[0]: r for r in evidence["browser"]["pages"]}
    assert set(runs) == {"late.html", "cdn.html", "data.html"}
    assert all(r["viewport"] == [1280, 800] and r["visibility"] == "visible" for r in runs.values())
    assert evidence["browser"]["parallel"] == 3  # the profile's pool of 4, for three lessons
    assert runs["late.html"]["initialized"] and runs["late.html"]["init_ms"] >= 2500

    initialize = findings["pageload.runtime-initialize"]
    assert initialize["status"] == "fail" and initialize["severity"] == "major"
    text = notes(initialize)
    assert "late.html" not in text
    assert (
        "cdn.html never called Initialize: the page threw `ReferenceError: $ is not defined` (cdn.html:1) after "
        "ajax.googleapis.com could not be reached: the course needs that host at run time" in text
    )
    assert "data.html never called Initialize: requests failed: data/course.json (404)" in text
    assert "ajax.googleapis.com" in initialize["remediation"] and "Add the files" in initialize["remediation"]

    requests = findings["pageload.runtime-requests"]
    assert requests["severity"] == "major" and "data/course.json answered 404" in requests["message"]
    render = findings["pageload.runtime-render"]
    assert (
        render["status"] == "fail" and render["severity"] == "blocker" and "data.html renders nothing" in notes(render)
    )
    hosts = findings["pageload.runtime-hosts"]
    assert hosts["severity"] == "info" and hosts["details"]["hosts"] == ["ajax.googleapis.com"]
    # The one lesson that initialised was judged on its session; the others do not count as passes.
    assert findings["pageload.runtime-terminate"]["message"].startswith("All 1 SCOs")


# Finishes on the pagehide of the topmost window it can reach, as Lectora's pages do (myTop): on an
# LMS whose player page shares the course's origin that is the LMS's window, which a learner closes.
TOP_FINISH = """<script>(function () {
  var api = findApi(window), top = window;
  api.LMSInitialize(""); api.LMSSetValue("cmi.core.lesson_status", "incomplete"); api.LMSCommit("");
  while (top.parent !== top) { try { if (top.parent.document) { top = top.parent; continue; } } catch (e) {} break; }
  top.addEventListener("pagehide", function () { api.LMSFinish(""); });
})();</script>"""


@pytest.mark.slow
def test_a_lesson_that_finishes_when_the_lms_window_closes_is_seen_to_finish(tmp_path):
    lessons = {"top.html": sco_page("<p>Finishes with the window</p>" + TOP_FINISH)}
    findings, evidence = run_lessons(tmp_path, lessons)
    assert evidence["browser"]["pages"][0]["initialized"]
    terminate = findings["pageload.runtime-terminate"]
    assert terminate["status"] == "pass", terminate


@pytest.mark.slow
def test_a_lesson_waiting_behind_a_large_play_button_shows_something(tmp_path):
    """Captivate shows only its play overlay (a 135 px role=button, no text) until the learner
    presses it: that is not a blank lesson. A lesson showing nothing at all still is."""
    start = (
        "<div role='button' aria-label='play' style='width:135px;height:135px;background:#999'></div>"
        "<script>startLesson();</script>"
    )
    findings, _ = run_lessons(tmp_path, {"start.html": sco_page(start)})
    assert findings["pageload.runtime-render"]["status"] == "pass", findings["pageload.runtime-render"]
    (tmp_path / "blank").mkdir()
    blank, _ = run_lessons(tmp_path / "blank", {"blank.html": sco_page("<div></div><script>startLesson();</script>")})
    assert blank["pageload.runtime-render"]["status"] == "warn", blank["pageload.runtime-render"]


@pytest.mark.slow
def test_nothing_observed_is_skipped_not_passed(tmp_path):
    files = {"index.html": "<!DOCTYPE html><html><body><p>Plain page, no SCORM</p></body></html>"}
    report = check(build_zip(tmp_path / "c.zip", files), PROBES, runtime_profile(tmp_path))
    findings = by_rule(report)
    if findings["pageload.browser-load"]["status"] == "skipped":
        pytest.skip(findings["pageload.browser-load"]["message"])
    for rule in ("pageload.runtime-initialize", "pageload.runtime-terminate"):
        assert findings[rule]["status"] == "skipped", findings[rule]
    assert "no SCORM lesson" in findings["pageload.runtime-initialize"]["message"]


AUTHORING = {
    "storyline/pso-scorm": True,
    "captivate/ayubkidvento": True,
    "captivate/mconnely-ppe-2004": True,
    "ispring/gilboa": True,
    "adapt/kevapps-testscorm": False,
    "adapt/bruce175-scormtest": False,
}


@pytest.mark.slow
@pytest.mark.parametrize("package", sorted(AUTHORING))
def test_real_authoring_tool_lessons_run_as_the_review_found(tmp_path, package):
    if not AUTHORING_TOOLS.is_dir():
        pytest.skip("../shared/fixtures/authoring-tools is absent")
    report = check(AUTHORING_TOOLS / package, PROBES, runtime_profile(tmp_path, init_timeout_s=8))
    findings = by_rule(report)
    if findings["pageload.browser-load"]["status"] == "skipped":
        pytest.skip(findings["pageload.browser-load"]["message"])
    initialize = findings["pageload.runtime-initialize"]
    assert (initialize["status"] == "pass") is AUTHORING[package], initialize["message"]
    if package == "adapt/kevapps-testscorm":  # Spoor is off: the cause and the fix say so
        assert "tracking is off in course/config.json (_spoor._isEnabled)" in initialize["message"]
        assert "Spoor" in initialize["remediation"] and "Call Initialize" not in initialize["remediation"]
        assert findings["pageload.runtime-render"]["status"] == "pass"
    if package == "adapt/bruce175-scormtest":  # no course/en: the course never renders
        render = findings["pageload.runtime-render"]
        assert (
            render["status"] == "fail"
            and render["severity"] == "blocker"
            and "course/en/course.json" in render["message"]
        )


SHARED = REPO_ROOT.parent / "shared" / "fixtures"


@pytest.mark.slow
def test_adl_cmi5_course_records_its_cmi5_statements(tmp_path):
    course = SHARED / "third-party" / "catapult" / "course_examples" / "single_au_basic_framed.zip"
    if not course.is_file():
        pytest.skip("../shared/fixtures is absent")
    report = check(course, PROBES, runtime_profile(tmp_path, init_timeout_s=8))
    findings = by_rule(report)
    if findings["pageload.browser-load"]["status"] == "skipped":
        pytest.skip(findings["pageload.browser-load"]["message"])
    sequence = findings["pageload.cmi5-sequence"]
    assert sequence["status"] == "pass", sequence["message"]
    assert "launched → initialized" in sequence["message"] and sequence["message"].rstrip(").").endswith("terminated")
    lrs = last_evidence(report, "pageload")["lrs"]
    launch = lrs["launches"][0]
    assert launch["kind"] == "cmi5" and launch["token_used"] and launch["move_on"] == "CompletedOrPassed"
    course_statements = [s["statement"] for s in lrs["statements"] if s["by"] == "course"]
    assert all(s["context"]["registration"] == launch["registration"] for s in course_statements)
    assert findings["pageload.xapi-statements"]["status"] == "pass"
    # Not SCORM: the SCORM session rules say why they did not apply instead of passing.
    assert findings["pageload.runtime-initialize"]["status"] == "skipped"
    assert "cmi5" in findings["pageload.runtime-initialize"]["message"]


XAPI_PAGE = """<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><p>xAPI lesson</p><script>
var q = {}; location.search.slice(1).split('&').forEach(function (p) { var kv = p.split('='); q[kv[0]] = decodeURIComponent(kv[1] || ''); });
var actor = JSON.parse(q.actor);
function send(verb, broken) {
  var x = new XMLHttpRequest();
  x.open('POST', q.endpoint + 'statements'); x.setRequestHeader('Authorization', q.auth);
  x.setRequestHeader('Content-Type', 'application/json'); x.setRequestHeader('X-Experience-API-Version', '1.0.3');
  x.send(JSON.stringify({actor: broken ? {name: 'nobody'} : {mbox: actor.mbox[0], name: actor.name[0]},
                         verb: {id: 'http://adlnet.gov/expapi/verbs/' + verb}, object: {id: q.activity_id},
                         context: {registration: q.registration}}));
}
send('attempted'); send('experienced', true);
</script></body></html>"""
TINCAN = """<?xml version="1.0" encoding="utf-8"?><tincan xmlns="http://projecttincan.com/tincan.xsd"><activities>
<activity id="https://example.com/xapi/lesson" type="http://adlnet.gov/expapi/activities/course"><name>L</name>
<launch lang="en-US">index.html</launch></activity></activities></tincan>"""


@pytest.mark.slow
def test_xapi_course_is_launched_with_credentials_and_its_statements_checked(tmp_path):
    files = {"tincan.xml": TINCAN, "index.html": XAPI_PAGE}
    report = check(build_zip(tmp_path / "x.zip", files), PROBES, runtime_profile(tmp_path))
    findings = by_rule(report)
    if findings["pageload.browser-load"]["status"] == "skipped":
        pytest.skip(findings["pageload.browser-load"]["message"])
    assert findings["pageload.xapi-activity"]["status"] == "pass"
    malformed = findings["pageload.xapi-statements"]
    assert malformed["status"] == "fail" and malformed["severity"] == "major"
    assert "'experienced' statement: its actor has no identifier" in malformed["message"]
    run = last_evidence(report, "pageload")["browser"]["pages"][0]
    assert run["init_ms"] < 5000  # the first statement ended the wait for a start
    # The same course with no tracking code sends nothing: a major finding with its cause, not a pass.
    silent = check(
        build_zip(tmp_path / "s.zip", {"tincan.xml": TINCAN, "index.html": "<p>no tracking</p>"}),
        PROBES,
        runtime_profile(tmp_path, init_timeout_s=2),
    )
    activity = by_rule(silent)["pageload.xapi-activity"]
    assert activity["status"] == "fail" and "index.html sent no statement: no error was seen" in activity["message"]


@pytest.mark.slow
def test_weight_is_what_the_browser_loaded_and_a_lesson_cap_is_said(tmp_path):
    import os

    from tests.factories import make_png

    lessons = {
        "one.html": sco_page("<p>One</p><script>startLesson();</script>", "<link rel='stylesheet' href='s.css'>"),
        "two.html": sco_page("<p>Two</p><script>startLesson();</script>"),
    }
    files = {
        "imsmanifest.xml": manifest(list(lessons)),
        "sco.js": SCO_SCRIPT,
        **lessons,
        # A stylesheet names a 1.5 MB image for a widget the page never shows: not loaded.
        "s.css": "p { color: #222 }\n.unused-widget { background: url(big.png) }",
        "big.png": make_png(4, 4) + os.urandom(1_500_000),
    }
    path = tmp_path / "cap.toml"
    path.write_text(
        'extends = "default"\n[pageload]\nbrowser_timing = true\nmax_pages = 1\nruntime_init_timeout_s = 4\n'
        "runtime_settle_s = 0.3\n"
    )
    report = check(build_zip(tmp_path / "c.zip", files), PROBES, load_profile(str(path)))
    findings = by_rule(report)
    assert "pageload.browser-load" in findings, [f["message"] for f in report["findings"] if f["status"] == "error"]
    if findings["pageload.browser-load"]["status"] == "skipped":
        pytest.skip(findings["pageload.browser-load"]["message"])
    assert "the first 1 of 2 lessons: pageload.max_pages is 1" in findings["pageload.browser-load"]["message"]
    weight = findings["pageload.page-weight"]
    assert weight["measured"] < 100 and weight["details"]["measured_by"] == "what the browser loaded by the load event"
    assert weight["details"]["static_kb"]["one.html"] > 1400


def test_a_representative_sample_is_chosen_by_an_explicit_rule():
    from certifier.staging.browser import representative

    units = [{"id": f"u{n}"} for n in range(200)]
    picked = [u["id"] for u in representative(units, 12)]
    assert len(picked) == 12 and picked[0] == "u0" and picked[-1] == "u199"
    gaps = [int(b[1:]) - int(a[1:]) for a, b in itertools.pairwise(picked)]
    assert max(gaps) - min(gaps) <= 1  # evenly spread
    assert representative(units, 0) == units and representative(units[:5], 12) == units[:5]


@pytest.mark.slow
def test_the_browser_runs_the_sample_and_says_so(tmp_path):
    lessons = {f"l{n}.html": sco_page(f"<p>Lesson {n}</p><script>startLesson();</script>") for n in range(5)}
    files = {"imsmanifest.xml": manifest(list(lessons)), "sco.js": SCO_SCRIPT, **lessons}
    path = tmp_path / "sample.toml"
    path.write_text(
        'extends = "default"\n[pageload]\nbrowser_timing = true\nbrowser_lessons = 3\n'
        "runtime_init_timeout_s = 4\nruntime_settle_s = 0.3\n"
    )
    report = check(build_zip(tmp_path / "c.zip", files), PROBES, load_profile(str(path)))
    findings = by_rule(report)
    if findings["pageload.browser-load"]["status"] == "skipped":
        pytest.skip(findings["pageload.browser-load"]["message"])
    load = findings["pageload.browser-load"]
    assert "3 lessons (a representative sample of the 5 checked" in load["message"]
    assert [lesson["launch"] for lesson in load["details"]["lessons"]] == ["l0.html", "l2.html", "l4.html"]
    # The runtime rules judge the lessons that ran, not the two that were not sampled.
    assert findings["pageload.runtime-initialize"]["status"] == "pass"
    assert "3 of 3" in findings["pageload.runtime-initialize"]["message"]
    assert len(last_evidence(report, "pageload")["pages"]) == 5  # every launch page still fetched


@pytest.mark.slow
def test_a_frame_that_shows_the_servers_404_page_is_not_content(tmp_path):
    """A SCORM driver whose content frame is gone (a Rise course without scormcontent/): the frame
    shows the server's 404 page, whose text must not pass as the course rendering."""
    lessons = {
        "driver.html": sco_page("<iframe src='content/index.html'></iframe><script>startLesson();</script>"),
        "help.html": sco_page(
            "<p>The lesson itself</p><iframe src='help/gone.html'></iframe><script>startLesson();</script>"
        ),
    }
    findings, evidence = run_lessons(tmp_path, lessons)
    runs = {r["url"].split("sco=")[1].split("&")[0]: r for r in evidence["browser"]["pages"]}
    assert [f["status"] for f in runs["driver.html"]["rendered"]["error_frames"]] == [404]
    render = findings["pageload.runtime-render"]
    assert render["status"] == "fail" and render["severity"] == "blocker"
    assert "driver.html renders nothing: content/index.html (404)" in notes(render)
    assert "help.html: a frame shows an error page, not content: help/gone.html (404)" in notes(render)


@pytest.mark.slow
def test_a_lesson_whose_content_is_a_page_on_another_host_is_not_judged_blank(tmp_path):
    """A SCORM driver wrapping a Vimeo page (a real one: iru-ken/scormvideo): this run contacts
    loopback only, so the lesson shows nothing here; that is not 'renders nothing', and the
    certificate covers only the wrapper (CONDITIONAL)."""
    driver = sco_page(
        "<script>startLesson();</script>"
        "<iframe src='https://player.vimeo.invalid/video/1?autoplay=1' width='640' height='360'></iframe>"
    )
    findings, _ = run_lessons(tmp_path, {"driver.html": driver})
    render = findings["pageload.runtime-render"]
    assert render["status"] == "warn" and render["severity"] == "minor", render
    assert "driver.html shows a page from player.vimeo.invalid, which this run does not contact" in notes(render)
    assert "where that host is reachable" in render["remediation"]
    assert "player.vimeo.invalid" in findings["pageload.runtime-hosts"]["message"]


@pytest.mark.slow
def test_one_defect_is_one_finding_with_its_consequences_listed_under_it(tmp_path):
    """The driver opens a content page the package lacks: the lesson renders only a 404 page and
    never calls Initialize. Those are consequences of the missing page, not three defects."""
    driver = sco_page(
        "<script>var strContentLocation = 'content/index.html';"
        'document.write("<iframe src=\'" + strContentLocation + "\'></iframe>");</script>'
    )
    findings, _ = run_lessons(tmp_path, {"driver.html": driver}, init_timeout_s=2)
    root = findings["conformance.content-page-missing"]
    assert root["status"] == "fail" and root["severity"] == "blocker"
    assert set(root["details"]["consequences"]) >= {"pageload.runtime-render", "pageload.runtime-initialize"}
    for rule_id in root["details"]["consequences"]:
        assert findings[rule_id]["details"]["consequence_of"] == "conformance.content-page-missing"


def test_a_finding_is_a_consequence_only_where_the_root_explains_every_place_it_names():
    from certifier.policy.findings import Evidence, Finding, Severity, Status
    from certifier.policy.rules import Rule
    from certifier.run.consequences import group_consequences

    root = Finding("c.root", "Root", Severity.MAJOR, Status.FAIL, evidence=(Evidence(path="course/data.json"),))
    lessons = {
        "conformance": {"launch_map": [{"launch": "a.html", "files": ["course/data.json"]}, {"launch": "b.html"}]}
    }
    rules = {"p.effect": Rule("p.effect", "t", "f", Severity.BLOCKER, consequence_of=("c.root",))}
    one = Finding("p.effect", "Effect", Severity.BLOCKER, Status.FAIL, evidence=(Evidence(path="a.html"),))
    grouped = {f.rule_id: f for f in group_consequences([root, one], rules, lessons)}
    assert grouped["p.effect"].details["consequence_of"] == "c.root"
    assert grouped["c.root"].severity is Severity.BLOCKER and grouped["c.root"].details["consequences"] == ["p.effect"]
    both = Finding(
        "p.effect", "Effect", Severity.BLOCKER, Status.FAIL, evidence=(Evidence(path="a.html"), Evidence(path="b.html"))
    )
    apart = {f.rule_id: f for f in group_consequences([root, both], rules, lessons)}
    assert "consequence_of" not in apart["p.effect"].details and apart["c.root"].severity is Severity.MAJOR


def silent_lessons(count: int) -> dict[str, str]:
    """Lessons that show their text and never look for the LMS: a publish with tracking off."""
    return {f"lesson{n}.html": sco_page(f"<p>Lesson {n}</p>") for n in range(count)}


@pytest.mark.slow
def test_a_broken_publish_is_waited_for_once_and_the_rest_reported_with_the_same_cause(tmp_path):
    lessons = silent_lessons(6)
    files = {"imsmanifest.xml": manifest(list(lessons)), "sco.js": SCO_SCRIPT, **lessons}
    report = check(
        build_zip(tmp_path / "c.zip", files), (*PROBES, "session"), runtime_profile(tmp_path, init_timeout_s=3)
    )
    findings = by_rule(report)
    if findings["pageload.browser-load"]["status"] == "skipped":
        pytest.skip(findings["pageload.browser-load"]["message"])
    runs = last_evidence(report, "pageload")["browser"]["pages"]
    awaited = [r for r in runs if not r.get("not_awaited")]
    assert len(runs) == 6 and len(awaited) == 2  # the profile's runtime_same_failure_lessons
    assert all(not r["initialized"] for r in awaited)
    initialize = findings["pageload.runtime-initialize"]
    assert initialize["status"] == "fail" and len(initialize["evidence"]) == 6
    text = notes(initialize)
    assert text.count("never started tracking (no Initialize call, no statement) within 3 s") == 2
    assert text.count("not awaited: the 2 lessons run before it never started tracking within 3 s") == 4
    assert "Publish from" in initialize["remediation"]  # the awaited lessons' cause gives the fix
    assert "4 more lessons of the sample not awaited" in findings["pageload.browser-load"]["message"]
    assert findings["pageload.browser-load"]["status"] == "pass"  # not awaiting is not a failed load
    # The session pass launches none of them again: each is reported with the cause.
    walked = last_evidence(report, "session")["lessons"]
    assert walked and all(w["end"] == "not started" for w in walked)
    awaited_ids = {r["url"].split("id=")[1].split("&")[0] for r in awaited}
    for lesson in walked:
        expected = "the runtime pass waited 3 s" if lesson["id"] in awaited_ids else "not launched: the 2 lessons"
        assert lesson["error"].startswith(expected), lesson


@pytest.mark.slow
def test_lessons_failing_in_different_ways_are_each_awaited(tmp_path):
    lessons = silent_lessons(4)
    lessons["lesson1.html"] = sco_page("<p>Lesson 1</p><script>undefinedPlayer.start();</script>")
    findings, evidence = run_lessons(tmp_path, lessons, init_timeout_s=3)
    runs = evidence["browser"]["pages"]
    assert len(runs) == 4 and not any(r.get("not_awaited") for r in runs)
    assert "undefinedPlayer is not defined" in notes(findings["pageload.runtime-initialize"])


def test_a_lesson_that_starts_tracking_fills_every_slot_at_once():
    from certifier.qt_adapters.browser_slots import SameFailure

    give_up = SameFailure(2, 20)
    assert give_up.holding([], started=2)  # the first two are awaited: nothing known of the course yet
    assert not give_up.holding([], started=2, tracking=True)  # one of them tracks: the course is not broken so
    assert not give_up.holding([{"initialized": True, "tracked": True}], started=2)
    assert give_up.holding([{"initialized": False, "tracked": True}], started=2)  # one failed, one awaited
    assert not SameFailure(0, 20).holding([], started=2)  # the profile awaits every lesson


@pytest.mark.slow
def test_a_lesson_that_opens_its_session_from_a_splash_screen_is_started_as_a_learner_starts_it(tmp_path):
    """CourseLab's splash screen waits for its start control before Initialize: pressed, the lesson
    starts and passes. A start control that does nothing is named in the cause, and an error the
    lesson throws only while being closed is told as such, not as why it never started."""
    profile = runtime_profile(tmp_path, init_timeout_s=10)
    course = lesson_zip(tmp_path / "splash.zip", 2, status="completed", splash="НАЧАТЬ")
    findings = by_rule(check(course, PROBES, profile))
    if findings["pageload.browser-load"]["status"] == "skipped":
        pytest.skip(findings["pageload.browser-load"]["message"])
    initialize = findings["pageload.runtime-initialize"]
    assert initialize["status"] == "pass", initialize
    assert (
        "1 only once its start control was pressed, as a learner does: lesson.html ('НАЧАТЬ')" in initialize["message"]
    )

    dead = lesson_zip(tmp_path / "dead.zip", 2, splash="НАЧАТЬ", splash_dead=True, throw_on_leave=True)
    initialize = by_rule(check(dead, PROBES, profile))["pageload.runtime-initialize"]
    assert initialize["status"] == "fail"
    text = notes(initialize)
    assert "within 10 s, its start control 'НАЧАТЬ' pressed" in text, text
    assert "(closed, it threw `TypeError: Cannot read properties of null (reading 'find')` (lesson.html:" in text
    assert "the page threw" not in text
