"""Real authoring-tool output (../shared/fixtures/authoring-tools) judged as its hand review does.

For each package: the review's true defects are reported at their severity, none of its false
findings fails at blocker or major, and the tool and runtime are recognised.
"""

from __future__ import annotations

import functools

import pytest

from tests.conftest import REPO_ROOT
from tests.probe_helpers import by_rule, check

AUTHORING_TOOLS = REPO_ROOT.parent / "shared" / "fixtures" / "authoring-tools"
PROBES = ("package", "conformance", "plugins", "media")

# package → (tool name starts with, {rule id: severity} of the true defects that must fail)
EXPECTED = {
    "storyline/pso-scorm": ("Articulate Storyline", {"media.fast-start-small": "minor"}),
    "storyline/test-xapi-1": ("Articulate Storyline", {}),
    "rise/rise-test1-2004": ("Articulate Rise", {"conformance.missing-reference": "major"}),
    "captivate/ayubkidvento": ("Adobe Captivate", {}),
    "captivate/mconnely-ppe-2004": (
        "Adobe Captivate",
        {"conformance.missing-reference": "major", "conformance.os-junk": "minor"},
    ),
    "ispring/gilboa": ("iSpring", {}),
    "lectora/testing-yet": ("Lectora", {}),
    "adapt/kevapps-testscorm": (
        "Adapt",
        {"conformance.tracking-disabled": "major", "conformance.missing-style-asset": "minor"},
    ),
    "adapt/bruce175-scormtest": ("Evolve (Adapt)", {"conformance.course-data-missing": "blocker"}),
}


@functools.cache
def report_of(package: str) -> dict:
    return check(AUTHORING_TOOLS / package, PROBES)


@pytest.fixture
def authoring_tools():
    if not AUTHORING_TOOLS.is_dir():
        pytest.skip(
            "../shared/fixtures/authoring-tools is absent: real authoring-tool output is only tested where it exists"
        )
    return AUTHORING_TOOLS


@pytest.mark.parametrize("package", sorted(EXPECTED))
def test_true_defects_fail_and_nothing_else_blocks(authoring_tools, package, report_validator):
    tool, expected = EXPECTED[package]
    report = report_validator(report_of(package))
    findings = by_rule(report)
    for rule, severity in expected.items():
        assert findings[rule]["status"] == "fail" and findings[rule]["severity"] == severity, findings[rule]
    serious = {
        f["rule_id"]
        for f in report["findings"]
        if f["status"] in ("fail", "warn") and f["severity"] in ("blocker", "major")
    }
    assert serious == {r for r, s in expected.items() if s in ("blocker", "major")}, [
        (f["rule_id"], f["message"]) for f in report["findings"] if f["rule_id"] in serious
    ]
    assert findings["conformance.authoring-tool"]["message"].startswith(f"Published with {tool}")


@pytest.mark.parametrize("package", sorted(EXPECTED))
def test_player_libraries_need_no_plugin(authoring_tools, package):
    findings = by_rule(report_of(package))
    assert all(
        f["status"] == "pass"
        for r, f in findings.items()
        if r.startswith("plugins.") and r not in ("plugins.fallback-only", "plugins.popups")
    ), [f["message"] for r, f in findings.items() if r.startswith("plugins.") and f["status"] != "pass"]
    bill = findings["plugins.requirements"]["details"]
    assert bill["plugins"] == [] and bill["runtime"] in ([], ["html5"])
    fallback = findings["plugins.fallback-only"]
    assert fallback["severity"] == "info" and fallback["evidence"], "the mentions are listed, with evidence"
    assert all("fallback / detection only" in e["note"] or "not required" in e["note"] for e in fallback["evidence"])


@pytest.mark.parametrize("package", ["captivate/ayubkidvento", "captivate/mconnely-ppe-2004"])
def test_a_feature_only_the_tools_stock_player_has_is_information(authoring_tools, package):
    """Captivate's player (assets/js/CPM.js) can open pop-up windows in every course it publishes;
    neither course asks it to, so the policy question is information, as for the other tools."""
    popups = by_rule(report_of(package))["plugins.popups"]
    assert popups["severity"] == "info" and popups["details"]["player_only"], popups
    assert "Only Adobe Captivate" in popups["message"] and "assets/js/CPM.js" in popups["message"]


def _notes(finding: dict) -> list[str]:
    return [e.get("note", "") for e in finding["evidence"]]


def test_storyline_runtime_and_manifest_only_page(authoring_tools):
    findings = by_rule(report_of("storyline/pso-scorm"))
    tool = findings["conformance.authoring-tool"]
    assert "3.6.18134.0" in tool["message"] and "runtime: html5 (index_lms.html:60)" in tool["message"]
    listed = findings["conformance.file-reference"]
    assert listed["severity"] == "minor" and "story_html5.html" in listed["message"]
    small = findings["media.fast-start-small"]
    assert sorted(e["path"] for e in small["evidence"]) == [
        "story_content/video_5lkAI1wvkF5_26_56_1920x1080.mp4",
        "story_content/video_6FrSYhj8gl8_26_56_1920x1080.mp4",
    ]


def test_rise_media_named_by_its_course_data(authoring_tools):
    missing = by_rule(report_of("rise/rise-test1-2004"))["conformance.missing-reference"]
    assert [(e["path"], e["note"]) for e in missing["evidence"]] == [
        (
            "scormcontent/index.html",
            "media file 'assets/yoga.mp4' (resolves to 'scormcontent/assets/yoga.mp4') is not in the package",
        )
    ]


def test_root_absolute_script_reported_as_written_and_junk_not_missing(authoring_tools):
    findings = by_rule(report_of("captivate/mconnely-ppe-2004"))
    missing = findings["conformance.missing-reference"]
    assert [(e["path"], e["line"]) for e in missing["evidence"]] == [("index_scorm.html", 4)]
    assert "'/js/index.js' is root-absolute" in missing["evidence"][0]["note"]
    junk = findings["conformance.os-junk"]
    assert any("Icon\\r" in note for note in _notes(junk)) and "remove" in junk["remediation"].lower()
    assert findings["conformance.file-reference"]["status"] == "pass"  # the Icon\r files exist: junk, not missing
    assert findings["conformance.missing-style-asset"]["severity"] == "minor"  # the unused .playButton image


def test_adapt_tracking_fonts_and_overridden_sprites(authoring_tools):
    findings = by_rule(report_of("adapt/kevapps-testscorm"))
    tracking = findings["conformance.tracking-disabled"]
    assert [(e["path"], e["line"]) for e in tracking["evidence"]] == [("course/config.json", 88)]
    assert "Spoor" in tracking["remediation"] and "Initialize" not in tracking["remediation"]
    style = " ".join(_notes(findings["conformance.missing-style-asset"]))
    assert "fonts/vanilla.woff2" in style and "assets/668e6da7ae0552c8ab4804a0.jpg" in style
    unused = " ".join(_notes(findings["conformance.unused-broken-reference"]))
    assert "'bigplay.svg'" in unused and "overridden" in unused


def test_evolve_course_without_its_content_cannot_render(authoring_tools):
    findings = by_rule(report_of("adapt/bruce175-scormtest"))
    data = findings["conformance.course-data-missing"]
    resolved = sorted(note.split("'")[1] for note in _notes(data))
    assert resolved == sorted(
        f"course/en/{n}"
        for n in ("articles.json", "blocks.json", "components.json", "contentObjects.json", "course.json")
    )
    assert report_of("adapt/bruce175-scormtest")["verdict"] == "NOT CERTIFIED"
    assert "3.3" in findings["conformance.authoring-tool"]["message"]


def test_lectora_images_named_only_by_unused_code_are_information(authoring_tools):
    unused = by_rule(report_of("lectora/testing-yet"))["conformance.unused-broken-reference"]
    assert unused["severity"] == "info" and any("trivantis-lastLine_n.gif" in n for n in _notes(unused))
