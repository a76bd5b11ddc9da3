"""A learner's whole session (real Qt WebEngine, the vendored scorm-again run-time): walked to the
end through its Next buttons, left and resumed, and judged from its calls in call order."""

from __future__ import annotations

import json
import random

import pytest

from certifier.policy.registry import load_profile
from certifier.staging.lms import LmsRecord
from tests.probe_helpers import by_rule, check, last_evidence
from tests.session_courses import lesson_zip

PROBES = ("conformance", "session")


def session_profile(tmp_path, **overrides):
    values = {
        "dwell_s": 0.3,
        "change_wait_s": 1.5,
        "min_session_s": 3,
        "resume_settle_s": 1,
        "init_timeout_s": 8,
        **overrides,
    }
    path = tmp_path / "session.toml"
    path.write_text('extends = "default"\n[session]\n' + "".join(f"{k} = {v}\n" for k, v in values.items()))
    return load_profile(str(path))


def walk(tmp_path, screens=3, profile=None, **behaviour):
    report = check(lesson_zip(tmp_path / "c.zip", screens, **behaviour), PROBES, profile or session_profile(tmp_path))
    findings = by_rule(report)
    if findings["session.walk"]["status"] == "skipped" and "could not start" in findings["session.walk"]["message"]:
        pytest.skip(findings["session.walk"]["message"])
    return findings, last_evidence(report, "session")


@pytest.mark.slow
def test_completion_behind_five_next_clicks_is_reached_and_recorded(tmp_path):
    findings, evidence = walk(tmp_path, screens=6, status="completed")
    lesson = evidence["lessons"][0]
    assert [s["title"] for s in lesson["screens"]] == [f"Screen title {n}" for n in range(1, 7)]
    assert [a["kind"] for a in lesson["actions"]] == ["forward"] * 5
    assert lesson["end"] == "end"
    assert findings["session.walk"]["status"] == "pass"
    assert findings["session.completion"]["status"] == "pass"
    statuses = [
        c["args"] for c in lesson["calls"] if c["fn"] == "LMSSetValue" and c["args"][0] == "cmi.core.lesson_status"
    ]
    assert statuses == [["cmi.core.lesson_status", "completed"]]


@pytest.mark.slow
def test_a_lesson_that_finishes_when_the_lms_window_closes_finishes_at_the_walks_exit(tmp_path):
    findings, evidence = walk(tmp_path, screens=2, status="completed", finish_on_top=True, resume="read")
    lesson = evidence["lessons"][0]
    first = [c["fn"] for c in lesson["calls"] if c.get("api") != "frame"]
    assert first[-1] == "LMSFinish", first  # the learner closing the window reached its handler
    assert findings["session.resume"]["status"] == "pass", findings["session.resume"]


@pytest.mark.slow
def test_a_painted_lesson_behind_a_play_button_is_walked_and_its_last_screen_not_called_the_end(tmp_path):
    """A player that paints its screens (no text, only text alternatives; Captivate) and waits for its
    large play button: the walk presses play, tells screens apart by what they say they show, and at
    a painted screen with no control it recognises claims no end (it may hide a click area)."""
    profile = session_profile(tmp_path, media_wait_s=2)
    findings, evidence = walk(tmp_path, screens=3, profile=profile, start_overlay=True, drawn=True)
    lesson = evidence["lessons"][0]
    assert [a["name"] for a in lesson["actions"]][:3] == ["play", "Next", "Next"], lesson["actions"]
    assert len(lesson["screens"]) == 4  # the play button's screen, then the lesson's three
    assert lesson["end"] == "drawn"
    assert findings["session.completion"]["status"] == "skipped", findings["session.completion"]
    assert "paints the screen and shows no control" in findings["session.walk"]["message"]


@pytest.mark.slow
def test_a_captivate_lesson_is_never_said_to_end_where_the_walk_finds_no_control(tmp_path):
    """Captivate paints its slides and names a custom arrow 'This is a Scalable Vector Graphic': on a
    lesson the tool's player file marks as Captivate's, a screen with text but no control the walk
    recognises is no end either (a Captivate course was called complete-less at its second slide)."""
    captivate = {"assets/js/CPM.js": "/* the player */"}
    findings, evidence = walk(tmp_path, screens=2, profile=session_profile(tmp_path, media_wait_s=1), scripts=captivate)
    assert evidence["lessons"][0]["end"] == "drawn", evidence["lessons"][0]["actions"]
    assert findings["session.completion"]["status"] == "skipped", findings["session.completion"]


@pytest.mark.slow
def test_a_box_named_by_its_title_that_shows_a_pointer_is_pressed_when_its_name_says_next(tmp_path):
    """Lectora Online's arrow: a div out of the tab order, titled with the object's name
    ('arrow2_next'), with a pointer cursor. A titled box without the pointer (a text block whose
    name starts with 'Next') is never pressed."""
    findings, evidence = walk(tmp_path, screens=3, status="completed", titled_arrow=True)
    lesson = evidence["lessons"][0]
    assert [(a["name"], a["effect"]) for a in lesson["actions"]] == [("arrow2_next", "moved")] * 2, lesson["actions"]
    assert lesson["end"] == "end" and findings["session.completion"]["status"] == "pass"


@pytest.mark.slow
def test_a_last_screen_that_never_reports_completion_is_reported(tmp_path):
    findings, _ = walk(tmp_path, screens=3)
    completion = findings["session.completion"]
    assert completion["status"] == "fail" and completion["severity"] == "major"
    assert "lesson.html reached its last screen (screen 3 'Screen title 3')" in completion["message"]
    assert "never set a completion or success status" in completion["message"]


@pytest.mark.slow
def test_a_status_the_standard_does_not_define_fails_naming_the_call(tmp_path):
    findings, _ = walk(tmp_path, screens=2, version="2004", status="done")
    completion = findings["session.completion"]
    assert completion["status"] == "fail" and completion["severity"] == "major"
    assert 'SetValue("cmi.completion_status", "done")' in completion["message"]
    assert "error 406" in completion["message"]
    # One defect, one finding: the refused call is named there, not counted again.
    assert findings["session.rejected-calls"]["status"] == "pass"


@pytest.mark.slow
def test_suspend_data_beyond_the_scorm_12_limit_fails_naming_4096(tmp_path):
    findings, _ = walk(tmp_path, screens=4, status="completed", suspend_chars=5000)
    limits = findings["session.data-limits"]
    assert limits["status"] == "fail" and limits["severity"] == "major"
    assert "cmi.suspend_data reached 5,000 characters" in limits["message"]
    assert "limit an LMS must keep is 4,096" in limits["message"]
    assert "growing about 1,250 characters a screen" in limits["message"]
    assert limits["measured"] == 5000


@pytest.mark.slow
def test_a_player_hidden_from_screen_readers_with_a_drawn_quiz_is_walked_to_its_end(tmp_path):
    # iSpring's player: its whole view is aria-hidden (a reader gets another view), its choices are
    # rows over invisible inputs, and a search box sits beside the question.
    findings, evidence = walk(tmp_path, screens=3, version="2004", status="completed", aria_hidden=True, quiz=True)
    lesson = evidence["lessons"][0]
    assert [s["title"] for s in lesson["screens"]] == ["Screen title 1", "Screen title 2", "Screen title 3"]
    answers = [a for a in lesson["actions"] if a["kind"] == "answer"]
    assert [(a["screen"], a["name"]) for a in answers] == [(2, "1 question(s)")]  # the search box is no question
    assert lesson["end"] == "end"
    assert findings["session.completion"]["status"] == "pass"


@pytest.mark.slow
@pytest.mark.parametrize("label", ["Próximo", "Suivant", "Weiter", "Далее"])
def test_a_lesson_in_its_learners_language_is_walked_to_its_end(tmp_path, label):
    findings, evidence = walk(tmp_path, screens=3, status="completed", next_label=label)
    assert [a["name"] for a in evidence["lessons"][0]["actions"]] == [label, label]
    assert findings["session.completion"]["status"] == "pass"


@pytest.mark.slow
def test_a_notice_over_the_lesson_is_acknowledged_before_going_on(tmp_path):
    """Lectora Online's trial notice covers the first page with an OK: a learner presses it first."""
    findings, evidence = walk(tmp_path, screens=3, status="completed", notice=True)
    assert [a["name"] for a in evidence["lessons"][0]["actions"]] == ["OK", "Next", "Next"]
    assert findings["session.completion"]["status"] == "pass"


def test_an_xapi_outcome_in_a_statements_result_is_a_report():
    """xAPI reports an outcome in a result too ('scored' with success false), not only by verb."""
    from certifier.policy.findings import Status
    from probes.session import reports_outcome
    from probes.session.rules import completion_finding

    assert reports_outcome({"verb": {"id": "x/scored"}, "result": {"success": False}})
    assert not reports_outcome({"verb": {"id": "x/scored"}, "result": {"score": {"scaled": 0.2}}})
    lesson = {"launch": "a.html", "end": "end", "calls": [], "screens": [{"n": 1}]}
    scored = {**lesson, "statements": {"count": 1, "verbs": ["scored"], "outcomes": 1}}
    silent = {**lesson, "statements": {"count": 1, "verbs": ["scored"], "outcomes": 0}}
    assert completion_finding([scored], set()).status == Status.PASS
    assert completion_finding([silent], set()).status == Status.FAIL


@pytest.mark.slow
def test_an_outline_entry_is_never_pressed_to_go_on(tmp_path):
    """Rise's outline names a lesson 'Get Started with …': a jump, not the lesson's own Next (on a
    real Rise course the walk pressed it and called the lesson stuck)."""
    findings, evidence = walk(tmp_path, screens=3, status="completed", outline=True)
    assert [a["name"] for a in evidence["lessons"][0]["actions"]] == ["Next", "Next"]
    assert findings["session.completion"]["status"] == "pass"


@pytest.mark.slow
def test_a_wrong_answer_that_offers_a_retry_is_a_question_not_the_lessons_end(tmp_path):
    findings, evidence = walk(tmp_path, screens=3, version="2004", status="completed", quiz=True, graded=True)
    lesson = evidence["lessons"][0]
    assert [a["kind"] for a in lesson["actions"]] == ["forward", "answer", "submit"], lesson["actions"]
    assert lesson["end"] == "question"
    assert findings["session.completion"]["status"] == "skipped"
    assert "a question the walk could not answer" in findings["session.walk"]["message"]


@pytest.mark.slow
def test_a_knowledge_check_drawn_as_aria_choices_is_answered_not_taken_for_the_end(tmp_path):
    # Rise's knowledge checks: div role=radio choices, no input; the way on shows once one is chosen.
    findings, evidence = walk(tmp_path, screens=3, version="2004", status="completed", aria_quiz=True)
    lesson = evidence["lessons"][0]
    answers = [a for a in lesson["actions"] if a["kind"] == "answer"]
    assert [(a["screen"], a["name"]) for a in answers] == [(2, "1 question(s)")], lesson["actions"]
    assert [s["title"] for s in lesson["screens"]][-1] == "Screen title 3" and lesson["end"] == "end"
    assert findings["session.completion"]["status"] == "pass", findings["session.completion"]["message"]


@pytest.mark.slow
def test_a_lesson_with_more_lessons_after_it_in_the_outline_is_not_the_courses_end(tmp_path):
    # Rise locks its Continue until every callout of an interactive graphic is opened: no control
    # goes on, yet the outline shows lessons after this one. That is no last screen to judge.
    findings, evidence = walk(tmp_path, screens=2, outline_more=True)
    assert evidence["lessons"][0]["end"] == "more lessons"
    assert "outline lists more lessons after this one" in findings["session.walk"]["message"]
    assert findings["session.completion"]["status"] == "skipped", findings["session.completion"]["message"]


@pytest.mark.slow
def test_a_reported_text_beyond_its_limit_is_minor_and_one_finding(tmp_path):
    findings, _ = walk(tmp_path, screens=2, version="2004", status="completed", description_chars=300)
    limits = findings["session.data-limits"]
    assert limits["status"] == "fail" and limits["severity"] == "minor", limits
    assert "cmi.interactions.0.description reached 300 characters" in limits["message"]
    assert "limit an LMS must keep is 250" in limits["message"]
    assert "question's wording" in limits["remediation"]
    # The run-time refused the value for its length: named there, not again as a refused call.
    assert findings["session.rejected-calls"]["status"] == "pass", findings["session.rejected-calls"]


@pytest.mark.slow
def test_a_lesson_that_reads_its_state_back_on_resume_passes(tmp_path):
    findings, evidence = walk(tmp_path, screens=3, bookmark=True, resume="read", status="completed")
    resume = findings["session.resume"]
    assert resume["status"] == "pass", resume["message"]
    assert "1 lesson read back the state it stored" in resume["message"]
    resumed = evidence["lessons"][0]["resume_calls"]
    entry = next(c for c in resumed if c["fn"] == "LMSGetValue" and c["args"] == ["cmi.core.entry"])
    assert entry["result"] == "resume"
    suspend = next(c for c in resumed if c["fn"] == "LMSGetValue" and c["args"] == ["cmi.suspend_data"])
    assert suspend["result"] == "screen=2"  # what the first session committed on its last screen
    assert evidence["lessons"][0]["resume"]["screen"]["title"] == "Screen title 3"


@pytest.mark.slow
def test_a_lesson_that_overwrites_its_state_on_resume_fails(tmp_path):
    findings, _ = walk(tmp_path, screens=3, bookmark=True, resume="overwrite", status="completed")
    resume = findings["session.resume"]
    assert resume["status"] == "fail" and resume["severity"] == "major"
    assert "it set cmi.suspend_data to 'screen=0' before reading what it had stored" in resume["message"]


@pytest.mark.slow
def test_a_lesson_that_commits_every_second_has_its_write_rate_stated(tmp_path):
    findings, _ = walk(
        tmp_path,
        screens=1,
        status="completed",
        commit_every_ms=1000,
        profile=session_profile(tmp_path, min_session_s=8),
    )
    load = findings["session.lms-load"]
    timed = load["details"]["per_learner"]["timed_writes_per_min"]
    assert 48 <= timed <= 72, load["message"]
    assert "on the lesson's own timers" in load["message"]
    assert load["measured"] >= timed


def test_calls_are_kept_in_call_order_whatever_order_they_arrive_in():
    record = LmsRecord()
    calls = [
        {"sco": "a", "attempt": 1, "seq": n, "api": "2004", "fn": fn, "args": [], "result": "true", "error": "0"}
        for n, fn in enumerate(["Initialize", "SetValue", "GetValue", "Commit", "Terminate"], start=1)
    ]
    shuffled = calls[:]
    random.Random(7).shuffle(shuffled)
    for call in shuffled:
        record.record(dict(call))
    assert [c["fn"] for c in record.snapshot()] == ["Initialize", "SetValue", "GetValue", "Commit", "Terminate"]


def test_only_committed_state_is_given_to_a_resumed_launch():
    record = LmsRecord()
    record.start_attempt("a", resume=False)

    def call(seq, fn, *args):
        record.record(
            {
                "sco": "a",
                "attempt": 1,
                "seq": seq,
                "api": "1.2",
                "fn": fn,
                "args": list(args),
                "result": "true",
                "error": "0",
            }
        )

    call(1, "LMSInitialize", "")
    call(2, "LMSSetValue", "cmi.suspend_data", "x" * 5000)
    call(3, "LMSCommit", "")
    call(4, "LMSSetValue", "cmi.core.lesson_location", "never committed")
    number, state = record.start_attempt("a", resume=True)
    assert number == 2
    assert state == {"1.2": {"cmi.suspend_data": "x" * 5000}}  # whole, though the log keeps 300 characters
    assert len(record.snapshot()[1]["args"][1]) == 300
    assert record.start_attempt("a", resume=False) == (3, {})


@pytest.mark.slow
def test_the_sample_courses_call_log_is_in_call_order_in_every_run(tmp_path):
    from certifier.host.resources_path import sample_course_path

    profile = tmp_path / "p.toml"
    profile.write_text('extends = "default"\n[pageload]\nbrowser_timing = true\nruntime_settle_s = 0.5\n')
    for _ in range(2):
        report = check(sample_course_path(), ("conformance", "pageload"), load_profile(str(profile)))
        log = last_evidence(report, "pageload")["runtime_log"]
        if not log:
            pytest.skip(by_rule(report)["pageload.browser-load"]["message"])
        for sco in {e["sco"] for e in log}:
            calls = [e for e in log if e["sco"] == sco and e.get("api") != "frame"]
            assert [e["seq"] for e in calls] == sorted(e["seq"] for e in calls)
            names = [e["fn"] for e in calls]
            assert names[0] == "Initialize" and names[-1] == "Terminate", names
            assert names.index("Commit") < names.index("Terminate")


def test_the_vendored_runtime_is_the_pinned_release():
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT

    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "refresh_scorm_again.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    pinned = (REPO_ROOT / "resources" / "vendor" / "scorm-again" / "PINNED.json").read_text()
    assert '"version": "3.4.3"' in pinned and '"licence": "MIT"' in pinned


@pytest.mark.slow
def test_a_lesson_the_walk_cannot_move_on_is_not_judged_complete_or_not(tmp_path):
    findings, evidence = walk(tmp_path, screens=1)  # one screen, no control, no status
    assert evidence["lessons"][0]["end"] == "no control"
    assert findings["session.completion"]["status"] == "skipped"
    walked = findings["session.walk"]
    assert walked["status"] == "warn" and walked["severity"] == "info"
    assert "found no control it could press" in walked["message"]


@pytest.mark.slow
def test_a_value_that_carries_nothing_is_a_minor_refusal_counted_once(tmp_path):
    findings, _ = walk(tmp_path, screens=2, status="completed", score="NaN", bookmark=True, resume="read")
    refused = findings["session.rejected-calls"]
    assert refused["status"] == "fail" and refused["severity"] == "minor", refused
    assert refused["message"].startswith("1 problem:")
    assert 'LMSSetValue("cmi.core.score.raw", "NaN") → error 405' in refused["message"]
    assert "(1 of them again in the resumed launch)" in refused["message"]


@pytest.mark.slow
def test_a_lesson_that_floods_the_api_is_bounded(tmp_path):
    findings, evidence = walk(tmp_path, screens=2, status="completed", flood=30000)
    calls = evidence["lessons"][0]["calls"]
    assert len(calls) <= 2000  # kept in the evidence per launch
    # The writes after the flood are still recorded, so completion is seen...
    assert findings["session.completion"]["status"] == "pass"
    # ...and the reads past the budget are counted, not kept.
    counted = [json.loads(c["result"]) for c in calls if c["fn"] == "calls-counted"]
    assert counted and counted[-1]["LMSGetValue"] >= 30000
    assert sum(1 for c in calls if c["fn"] == "LMSGetValue") < 2000


def call(seq, fn, *args, error="0"):
    return {"api": "1.2", "seq": seq, "fn": fn, "args": list(args), "error": error, "result": ""}


def test_a_read_refused_before_initialize_loses_nothing_and_a_refused_write_does():
    """Lectora asks whether the session has started by reading cmi.core.student_name (error 301
    means not yet) before it calls LMSInitialize on a resumed launch: minor, and said of that launch.
    A write refused the same way loses what it carried: major."""
    from probes.session.rules import rejected_finding

    first = [call(1, "LMSInitialize", ""), call(2, "LMSSetValue", "cmi.core.lesson_location", "p2")]
    probe = [call(1, "LMSGetValue", "cmi.core.student_name", error="301"), call(2, "LMSInitialize", "")]
    lesson = {"launch": "index.html", "calls": first, "resume_calls": probe}
    read = rejected_finding([lesson], set(), "1.2").to_dict()
    assert read["status"] == "fail" and read["severity"] == "minor", read
    assert 'index.html (resumed): call 1 LMSGetValue("cmi.core.student_name") → error 301' in read["message"]
    early_write = [call(1, "LMSSetValue", "cmi.core.lesson_location", "p2", error="301"), call(2, "LMSInitialize", "")]
    written = rejected_finding([{**lesson, "calls": early_write, "resume_calls": []}], set(), "1.2").to_dict()
    assert written["severity"] == "major" and "(resumed)" not in written["message"], written


@pytest.mark.slow
def test_a_lesson_behind_a_splash_screen_is_started_by_its_start_control_and_walked(tmp_path):
    """CourseLab shows a splash screen and opens the LMS session only when the learner presses its
    start control (НАЧАТЬ, a box with an onclick): the walk presses it as the learner does."""
    findings, evidence = walk(tmp_path, screens=3, status="completed", splash="НАЧАТЬ", courselab=True, resume="read")
    lesson = evidence["lessons"][0]
    assert lesson["started_by"] == {"name": "НАЧАТЬ", "tier": "forward"}
    # Its way on is a box named by its title; its ticking test timer makes no new screen.
    assert [a["name"] for a in lesson["actions"]] == ["Следующий слайд", "Следующий слайд"]
    assert len(lesson["screens"]) == 3 and lesson["end"] == "end"
    assert findings["session.completion"]["status"] == "pass"
    assert "from its start control 'НАЧАТЬ'" in findings["session.walk"]["message"]
    # Coming back, it says so in an alert: answered OK as a learner does, the lesson goes on.
    assert lesson["resume"]["dialogs"] == [{"kind": "alert", "message": "Вы уже начинали проходить этот тест."}]
    resume = findings["session.resume"]
    assert resume["status"] == "pass", resume
    assert "the learner was told (and pressed OK): lesson.html: 'Вы уже начинали" in resume["message"]
