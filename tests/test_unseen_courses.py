"""Verdicts that hold on courses no one here has seen: each class of false or missed finding a
careful reviewer found on real courses, rebuilt as the smallest package that shows it."""

from __future__ import annotations

import base64
import json
import re
import zlib

import pytest

from certifier.policy.registry import load_profile
from tests.factories import build_zip
from tests.probe_helpers import by_rule, check, last_evidence
from tests.test_conformance import MANIFEST_12, course, run

SVG_SCRIPT = """
var SVG = "http://www.w3.org/2000/svg", XLINK = "http://www.w3.org/1999/xlink";
var verb = {id: "http://adlnet.gov/expapi/verbs/completed"};
var type = "http://adlnet.gov/expapi/activities/course";
var session = "https://w3id.org/xapi/cmi5/context/extensions/sessionid";
var soap = "http://schemas.xmlsoap.org/soap/envelope/";
var el = document.createElementNS(SVG, "svg");
fetch("https://cdn.example.com/player/config.json");
"""


def test_namespace_and_vocabulary_iris_in_scripts_are_not_hosts_the_browser_contacts(tmp_path):
    findings = run(tmp_path, course(**{"api.js": SVG_SCRIPT}))
    hosts = findings["conformance.external-hosts"]
    assert hosts["details"]["hosts"] == ["cdn.example.com"], hosts["details"]
    report = check(build_zip(tmp_path / "c2.zip", course(**{"api.js": SVG_SCRIPT})))
    assert last_evidence(report, "conformance")["outputs"]["external_hosts"] == ["cdn.example.com"]


def test_a_link_a_browser_does_not_load_is_not_mixed_content(tmp_path):
    page = (
        '<!DOCTYPE html><html><head><link rel="license" href="http://creativecommons.org/licenses/by/4.0/">'
        '<link rel="author" href="http://example.com/me"><link rel="stylesheet" href="style.css">'
        '<script src="api.js"></script></head><body><img src="img/logo.png" alt=""></body></html>'
    )
    findings = run(tmp_path, course(**{"index.html": page}))
    assert findings["conformance.insecure-url"]["status"] == "pass"
    assert findings["conformance.insecure-media-url"]["status"] == "pass"
    loaded = page.replace('rel="author" href="http://example.com/me"', 'rel="icon" href="http://example.com/f.ico"')
    loaded_findings = run(tmp_path, course(**{"index.html": loaded}), "icon.zip")
    assert loaded_findings["conformance.insecure-media-url"]["status"] == "fail"  # an icon is loaded: passive


@pytest.mark.parametrize(
    "script, popup",
    [
        ('function closeMe() { window.open("", "_self", ""); window.close(); }', False),
        ("function quit() { top.window.open('', '_top').close(); }", False),
        ('function ShowDebugWindow() { win = window.open("blank.html", "Debug", "width=600,height=300"); }', False),
        ('function help() { window.open("help.html", "help", "width=600"); }', True),
        ("function print() { window.open(url); }", True),
    ],
)
def test_a_window_that_closes_itself_or_a_debug_log_is_not_a_pop_up(tmp_path, script, popup):
    report = check(build_zip(tmp_path / "c.zip", course(**{"api.js": script})), ("conformance", "plugins"))
    finding = by_rule(report)["plugins.popups"]
    assert (finding["status"] != "pass") is popup, finding


def test_an_xapi_parameter_name_is_not_a_credential_but_its_value_would_be(tmp_path):
    names = 'var lrs = {endpoint: "https://lrs.example.com/xapi/", "content_token": "abc123def456"};'
    assert run(tmp_path, course(**{"api.js": names}))["conformance.embedded-credentials"]["status"] == "pass"
    secret = 'var lrs = {endpoint: "https://lrs.example.com/xapi/", "token": "abc123def456"};'
    found = run(tmp_path, course(**{"api.js": secret}), "secret.zip")["conformance.embedded-credentials"]
    assert found["status"] == "fail" and "ab***" in str(found["evidence"])


def test_scorm_12_namespaces_without_schemaversion_are_minor_not_a_version_conflict(tmp_path):
    manifest = MANIFEST_12.replace("<schemaversion>1.2</schemaversion>", "")
    findings = run(tmp_path, course(manifest, **{"index.html": "<html><body>Lesson</body></html>"}))
    version = findings["conformance.scorm-version"]
    assert version["status"] == "fail" and version["severity"] == "minor"
    assert "the namespaces say SCORM 1.2" in version["message"]
    mixed = manifest.replace(
        'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2"', 'xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"'
    )
    conflict = run(tmp_path, course(mixed, **{"index.html": "<html><body>Lesson</body></html>"}), "mixed.zip")
    assert conflict["conformance.scorm-version"]["severity"] == "major"


def test_a_bare_web_folder_is_not_a_course_package_unless_the_profile_accepts_plain_html(tmp_path):
    folder = {
        "index.html": '<!DOCTYPE html><html><head><script src="lib/main.js"></script></head><body>Hi</body></html>',
        "lib/main.js": "console.log('course');",
    }
    report = check(build_zip(tmp_path / "web.zip", folder))
    package = by_rule(report)["conformance.course-package"]
    assert package["status"] == "fail" and package["severity"] == "major" and "no LMS will track" in package["message"]
    assert report["verdict"] == "NOT CERTIFIED"
    profile = tmp_path / "plain.toml"
    profile.write_text('extends = "default"\n[conformance]\naccept_plain_html = true\n')
    accepted = check(build_zip(tmp_path / "web2.zip", folder), ("conformance",), load_profile(str(profile)))
    assert by_rule(accepted)["conformance.course-package"]["severity"] == "minor"
    assert accepted["verdict"] == "CONDITIONAL"
    scorm = by_rule(check(build_zip(tmp_path / "scorm.zip", course())))["conformance.course-package"]
    assert scorm["status"] == "pass"


def no_browser_profile(tmp_path):
    path = tmp_path / "no-browser.toml"
    path.write_text('extends = "default"\n[pageload]\nbrowser_timing = false\n')
    return load_profile(str(path))


def test_a_launch_file_the_package_lacks_is_one_finding_and_staging_is_not_blamed(tmp_path):
    files = course()
    del files["index.html"]
    report = check(build_zip(tmp_path / "c.zip", files), ("conformance", "pageload"), no_browser_profile(tmp_path))
    findings = by_rule(report)
    assert findings["conformance.launch-file"]["status"] == "fail"
    assert findings["pageload.reachable"]["status"] == "pass", findings["pageload.reachable"]
    assert findings["pageload.deployed-bytes"]["status"] == "pass", findings["pageload.deployed-bytes"]


def test_an_image_the_package_lacks_is_a_missing_reference_not_an_http_error(tmp_path):
    page = (
        '<!DOCTYPE html><html><head><link rel="stylesheet" href="style.css"><script src="api.js"></script>'
        '</head><body><img src="img/logo.png" alt=""><img src="img/gone.png" alt=""></body></html>'
    )
    report = check(
        build_zip(tmp_path / "c.zip", course(**{"index.html": page})),
        ("conformance", "pageload"),
        no_browser_profile(tmp_path),
    )
    findings = by_rule(report)
    assert findings["conformance.missing-reference"]["status"] == "fail"
    assert findings["pageload.http-errors"]["status"] == "pass", findings["pageload.http-errors"]


def test_the_runtime_rules_leave_a_named_missing_file_to_conformance_but_keep_one_no_page_names():
    from probes.pageload.runtime import request_findings

    page = {"launch": "index.html", "url": "http://127.0.0.1:1/__lms__/launch?id=u1"}
    run = {
        "failed_requests": [
            {"url": "http://127.0.0.1:1/img/gone.png", "type": "img", "status": 404},
            {"url": "http://127.0.0.1:1/data/built-at-run-time.json", "type": "xmlhttprequest", "status": 404},
        ]
    }
    findings = {f.rule_id: f for f in request_findings([(page, run)], {"img/gone.png"})}
    assert findings["pageload.runtime-style-requests"].status.value == "pass"
    # A pass says which requests it left to conformance rather than that every one was there.
    assert findings["pageload.runtime-style-requests"].message == (
        "Every image and font the running lessons asked for was there, but for 1 file the package lacks, "
        "answered 404 (img/gone.png): conformance.missing-reference reports it."
    )
    assert findings["pageload.runtime-requests"].status.value == "fail"
    assert "built-at-run-time.json" in findings["pageload.runtime-requests"].message


TINCAN = """<?xml version="1.0" encoding="utf-8"?>
<tincan xmlns="http://projecttincan.com/tincan.xsd"><activities>
<activity id="http://example.com/course" type="http://adlnet.gov/expapi/activities/course">
<name>Course</name><launch lang="und">{launch}</launch></activity></activities></tincan>"""


def test_a_package_with_scorm_and_tin_can_descriptors_is_judged_as_both(tmp_path):
    good = run(tmp_path, course(**{"tincan.xml": TINCAN.format(launch="index.html")}), "good.zip")
    assert good["conformance.tincan-launch"]["status"] == "pass"
    assert good["conformance.launch-file"]["status"] == "pass"
    broken = run(tmp_path, course(**{"tincan.xml": TINCAN.format(launch="story_html5.html")}), "broken.zip")
    launch = broken["conformance.tincan-launch"]
    assert launch["status"] == "fail" and launch["evidence"][0]["path"] == "tincan.xml", launch
    assert "conformance.tincan-launch" not in run(tmp_path, course(), "scorm-only.zip")


CMI5 = """<?xml version="1.0" encoding="utf-8"?>
<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd" xmlns:x="urn:decoy">
<course id="https://example.com/course"><title><langstring lang="en">C</langstring></title></course>
<au id="https://example.com/au1" moveOn="Completed"><title><langstring lang="en">AU</langstring></title>
<url>index.html</url></au>
<x:au id="https://example.com/decoy" x:moveOn="Passed"><x:url>missing.html</x:url></x:au>
</courseStructure>"""


def test_cmi5_and_tin_can_are_read_in_their_own_namespace_only():
    from xml.etree.ElementTree import fromstring

    from probes.conformance.parse import parse_cmi5, parse_tincan

    structure = parse_cmi5(fromstring(CMI5))
    assert [au["url"] for au in structure["aus"]] == ["index.html"] and structure["aus"][0]["move_on"] == "Completed"
    decoy = TINCAN.format(launch="index.html").replace(
        "</activities>",
        '<x:activity xmlns:x="urn:decoy" id="d"><x:launch>gone.html</x:launch></x:activity></activities>',
    )
    assert [a["launch"] for a in parse_tincan(fromstring(decoy))["activities"]] == ["index.html"]


def rise_files(base: str = "scormcontent/", locales: bool = True, storyline_block: bool = False) -> dict:
    """A Rise 2024 export: the player's bundle, the course data base64-encoded in locales/und.js
    (or inline in index.html), a narration MP3 present and one the data names but the export lacks."""
    import base64
    import json

    lesson = {
        "items": [
            {"media": {"audio": {"src": "narration-1.mp3"}}},
            {"media": {"audio": {"src": "narration-2.mp3"}}},
            {"padding": "x" * 2500},
        ]
    }
    encoded = base64.b64encode(json.dumps({"course": {"lessons": [lesson]}}).encode()).decode()
    index = '<!DOCTYPE html><html><head><script src="lib/main.bundle.js"></script></head><body>'
    index += "</body></html>" if locales else f'<script>deserialize("{encoded}")</script></body></html>'
    files = {
        f"{base}index.html": index,
        f"{base}lib/main.bundle.js": "/* Rise player */",
        f"{base}assets/narration-1.mp3": b"ID3" + bytes(64),
    }
    if locales:
        files[f"{base}locales/und.js"] = f'window.__resolveJsonp("course:und", "{encoded}")'
    if storyline_block:
        files[f"{base}assets/storyline/story.html"] = "<html><body>Created using Storyline 360</body></html>"
        files[f"{base}assets/storyline/story_content/user.js"] = "function ExecuteScript() {}"
        files[f"{base}assets/storyline/meta.xml"] = '<meta><application name="Storyline 360" version="3.8"/></meta>'
    return files


@pytest.mark.parametrize("locales", [True, False], ids=["locales-und-js", "inline-deserialize"])
def test_rise_course_data_is_read_wherever_the_export_keeps_it(tmp_path, locales):
    driver = '<html><body><iframe src="scormcontent/index.html"></iframe></body></html>'  # as the SCORM driver does
    files = {**course(**{"index.html": driver}), **rise_files(locales=locales)}
    report = check(build_zip(tmp_path / "rise.zip", files))
    evidence = last_evidence(report, "conformance")
    assert evidence["authoring_tool"]["name"] == "Articulate Rise 360"
    named = {r["resolved"]: r["source"] for r in evidence["tool_references"]}
    data_file = "scormcontent/locales/und.js" if locales else "scormcontent/index.html"
    assert named == {"scormcontent/assets/narration-1.mp3": data_file, "scormcontent/assets/narration-2.mp3": data_file}
    missing = by_rule(report)["conformance.missing-reference"]
    assert missing["status"] == "fail" and "narration-2.mp3" in missing["message"]
    assert "narration-1.mp3" not in str(by_rule(report)["conformance.unreferenced-files"]["evidence"])


def test_a_rise_course_at_the_root_or_with_a_storyline_block_is_still_rise(tmp_path):
    at_root = check(build_zip(tmp_path / "root.zip", {**course(), **rise_files(base="")}))
    assert last_evidence(at_root, "conformance")["authoring_tool"]["name"] == "Articulate Rise 360"
    block = check(build_zip(tmp_path / "block.zip", {**course(), **rise_files(storyline_block=True)}))
    assert last_evidence(block, "conformance")["authoring_tool"]["name"] == "Articulate Rise 360"
    bundle_only = {**course(), "index.html": "<html></html>", "lib/main.bundle.js": "webpack"}
    other = check(build_zip(tmp_path / "webpack.zip", bundle_only))
    assert last_evidence(other, "conformance")["authoring_tool"] is None


def test_a_tools_stock_player_is_information_not_the_courses_page_weight(tmp_path):
    """Storyline's player (html5/lib/, the same ~3 MB in every course it publishes) made every recent
    Storyline course fail the page budget: the budget judges what the course adds."""
    import os

    story = (
        "<!DOCTYPE html><html><head><script src='html5/lib/scripts/app.min.js'></script>"
        "<script src='html5/data/js/data.js'></script></head><body>Created using Storyline 360</body></html>"
    )
    files = {
        **course(),
        "imsmanifest.xml": MANIFEST_12.replace('href="index.html"', 'href="story.html"'),
        "story.html": story,
        "meta.xml": '<meta><application name="Storyline 360" version="3.90"/></meta>',
        "story_content/user.js": "function ExecuteScript() {}",
        "html5/lib/scripts/app.min.js": os.urandom(3 * 1024 * 1024),
        "html5/data/js/data.js": "window.globalProvideData('data', '{}');",
    }
    report = check(build_zip(tmp_path / "story.zip", files), ("conformance", "pageload"), no_browser_profile(tmp_path))
    assert last_evidence(report, "conformance")["authoring_tool"]["player"] == ["html5/lib/", "mobile/", "lms/"]
    findings = by_rule(report)
    weight = findings["pageload.page-weight"]
    assert weight["status"] == "pass" and weight["measured"] < 100, weight
    assert re.search(r"The Storyline 360 player's 3,07\d KB is not counted", weight["message"]), weight["message"]
    load = findings["pageload.load-time"]
    assert load["status"] == "pass" and "player adds" in load["message"] and "first launch" in load["message"]


def test_a_page_the_lms_driver_opens_by_script_must_be_in_the_package(tmp_path):
    """A Rise upload without scormcontent/: the SCORM driver the LMS launches opens
    '../scormcontent/index.html' by script, which is gone (seen on a real course)."""
    driver = (
        '<!DOCTYPE html><html><head><script src="api.js"></script></head><body><frameset></frameset><script>'
        'var strContentLocation = "content/index.html#/preview"; window.frames[0].location = strContentLocation;'
        "</script></body></html>"
    )
    library = 'function help() { return "docs/missing-help.html"; }'  # a string in a library is only a candidate
    broken = run(tmp_path, course(**{"index.html": driver, "api.js": library}), "broken.zip")
    missing = broken["conformance.content-page-missing"]
    assert missing["status"] == "fail" and missing["severity"] == "blocker"
    assert "index.html opens 'content/index.html' (resolves to 'content/index.html')" in missing["message"]
    assert "missing-help.html" not in missing["message"]
    whole = run(tmp_path, course(**{"index.html": driver, "content/index.html": "<p>Course</p>"}), "whole.zip")
    assert whole["conformance.content-page-missing"]["status"] == "pass"


PRESENTER = """<!DOCTYPE html><html><head><script src="loadflash.js"></script></head><body><script>
if (hasFlash(8)) { showFlash("viewer.swf", "100%", "100%", false); } else { document.write("Get Flash Player"); }
</script></body></html>"""


def test_flash_as_the_only_player_is_required_whatever_the_loader_is_called(tmp_path):
    """Adobe Presenter (a real course fetched for review): index.htm plays viewer.swf through its
    own showFlash(); there is no HTML5 output at all."""
    files = {
        **course(**{"index.html": PRESENTER}),
        "loadflash.js": "function showFlash(swf, w, h, loop) { document.write('<embed src=' + swf + '>'); }",
        "viewer.swf": b"FWS" + bytes(64),
    }
    only_flash = check(build_zip(tmp_path / "presenter.zip", files), ("conformance", "plugins"))
    flash = by_rule(only_flash)["plugins.flash"]
    assert flash["status"] == "fail" and "index.html" in flash["message"], flash
    assert "HTML5 path; nothing to install" not in by_rule(only_flash)["plugins.fallback-only"]["message"]
    with_html5 = {
        **files,
        "index.html": PRESENTER.replace('document.write("Get Flash Player")', 'location = "index_html5.html"'),
    }
    fallback = check(build_zip(tmp_path / "both.zip", with_html5), ("conformance", "plugins"))
    assert by_rule(fallback)["plugins.flash"]["status"] == "pass"


def test_adobe_presenter_is_recognised(tmp_path):
    files = {**course(), "breeze-manifest.xml": "<manifest/>", "viewer.swf": b"FWS", "data/vconfig.xml": "<config/>"}
    tool = last_evidence(check(build_zip(tmp_path / "p.zip", files)), "conformance")["authoring_tool"]
    assert tool["name"] == "Adobe Presenter" and tool["runtime"] == ["flash"]


def test_courselab_is_recognised_with_its_build_and_its_player_folder(tmp_path):
    """CourseLab (a real course fetched for review): courseimages/ holds its player for every
    module; the manifest's comment names the build that published it."""
    manifest = MANIFEST_12.replace("<manifest ", "<!-- created by iliab using CourseLab 170305 -->\n<manifest ", 1)
    files = {**course(manifest), "courseimages/cl.js": "var CL = {};", "courseimages/lms.js": "var CLLMS = {};"}
    tool = last_evidence(check(build_zip(tmp_path / "cl.zip", files)), "conformance")["authoring_tool"]
    assert (tool["label"], tool["evidence"], tool["line"]) == ("CourseLab 170305", "imsmanifest.xml", 2)
    assert tool["player"] == ["courseimages/"] and tool["runtime"] == ["html5"]


def test_rise_2024_without_a_bundle_and_with_assets_in_sub_folders(tmp_path):
    """Rise 2024 (a real course fetched for review): lib/rise/ instead of lib/main.bundle.js, and
    course data naming assets by their sub-folder ("Q0IYog/mountains.jpg")."""
    import base64
    import json

    data = {
        "course": {
            "items": [{"media": {"image": {"key": "assets/rise/x/mountains.jpg", "src": "Q0IYog/mountains.jpg"}}}],
            "pad": "x" * 2500,
        }
    }
    encoded = base64.b64encode(json.dumps(data).encode()).decode()
    files = {
        **course(**{"index.html": '<html><body><iframe src="scormcontent/index.html"></iframe></body></html>'}),
        "scormcontent/index.html": "<html><head><script src='lib/rise/player.js'></script></head></html>",
        "scormcontent/lib/rise/player.js": "/* Rise */",
        "scormcontent/locales/und.js": f'__resolveJsonp("course:und", "{encoded}")',
        "scormcontent/assets/Q0IYog/mountains.jpg": b"\xff\xd8\xff" + bytes(32),
    }
    report = check(build_zip(tmp_path / "rise2024.zip", files))
    assert last_evidence(report, "conformance")["authoring_tool"]["name"] == "Articulate Rise 360"
    assert by_rule(report)["conformance.missing-reference"]["status"] == "pass"
    assert "mountains.jpg" not in str(by_rule(report)["conformance.unreferenced-files"]["evidence"])


LECTORA_PAGE = """<!DOCTYPE html><html><head><script src="api.js"></script>
<script>
<!--
var VarPage = new Variable('VarPage', null, 0, 0, null, null, 'lesson_location.html');
video1 = new ObjMedia('video1', 'Talk 1', 160, 125, 689, 413, 1, 17, 'media/talk_1.mp4', 0, 1);
video2 = new ObjMedia('video2', 'Talk 2', 160, 125, 689, 413, 1, 18, 'media/talk_2.mp4', 0, 1);
clip = 'audio/elsewhere.mp3';
function trivNextPage() { trivExitPage('second.html', true) }
// -->
</script></head><body><p>First page</p></body></html>"""


def test_a_script_hidden_in_an_html_comment_still_runs_and_its_media_must_be_there(tmp_path):
    """Lectora (and many older pages) hide inline scripts in <!-- … //-->: the browser runs them. The
    pages they navigate to are part of the course, and a video they play that the package lacks is
    missing; a name that is a variable's value, or in a folder the package has not, is left alone."""
    files = course(
        MANIFEST_12,
        **{
            "index.html": LECTORA_PAGE,
            "second.html": "<!DOCTYPE html><html><body><video src='media/talk_2.mp4'></video></body></html>",
            "media/talk_2.mp4": b"\x00\x00\x00\x18ftypmp42" + bytes(40),
        },
    )
    report = check(build_zip(tmp_path / "c.zip", files))
    findings = by_rule(report)
    reachable = last_evidence(report, "conformance")["outputs"]["reachable"]
    assert "second.html" in reachable and "media/talk_2.mp4" in reachable
    missing = findings["conformance.missing-reference"]
    assert missing["status"] == "fail" and missing["severity"] == "major"
    notes = [e["note"] for e in missing["evidence"]]
    assert notes == ["video 'media/talk_1.mp4', named by a script in the page, is not in the package"], notes
    unused = findings["conformance.unreferenced-files"]
    assert "second.html" not in unused["message"] and "talk_2.mp4" not in unused["message"]


def test_files_the_tools_player_loads_by_itself_are_not_unused_but_a_left_over_is(tmp_path):
    """A Storyline web publish: no markup names the player's slide scripts or the data beside data.js
    (the player loads them by its own logic), and 'remove them' would break the course. A README left
    in the package, or an image in a data sub-folder nothing names, is still unused."""
    story = (
        "<!DOCTYPE html><html><head><script src='html5/lib/scripts/bootstrapper.min.js'></script>"
        "<script src='html5/data/js/data.js'></script></head><body>Created using Storyline 360</body></html>"
    )
    files = {
        **course(),
        "imsmanifest.xml": MANIFEST_12.replace('href="index.html"', 'href="story.html"'),
        "story.html": story,
        "meta.xml": '<meta><application name="Articulate Storyline" version="3.92.33225.0" xmlversion="4.0" /></meta>',
        "story_content/user.js": "function ExecuteScript() {}",
        "html5/lib/scripts/bootstrapper.min.js": "var boot = 1;",
        "html5/lib/scripts/slides.min.js": "var slides = 1;",
        "html5/data/js/data.js": "window.globalProvideData('data', '{}');",
        "html5/data/js/paths.js": "window.globalProvideData('paths', '{}');",
        "html5/data/js/extra/old.png": b"\x89PNG\r\n\x1a\n" + bytes(40),
        "README.md": "notes",
    }
    findings = run(tmp_path, files)
    unused = [e["path"] for e in findings["conformance.unreferenced-files"]["evidence"]]
    assert "README.md" in unused and "html5/data/js/extra/old.png" in unused
    assert "html5/lib/scripts/slides.min.js" not in unused and "html5/data/js/paths.js" not in unused


@pytest.mark.parametrize(
    ("own_script", "severity"),
    [("function ExecuteScript() {}", "info"), ("window.open('cert.html', '_blank', 'width=800');", "minor")],
    ids=["player-only", "the-course-itself"],
)
def test_a_feature_only_the_tools_player_has_is_information_and_the_courses_own_use_is_graded(
    tmp_path, own_script, severity
):
    """Every Storyline course's player can open a window: that says nothing of this course. The
    course's own script opening its certificate in a pop-up is what IT's policy judges."""
    story = (
        "<!DOCTYPE html><html><head><script src='html5/lib/scripts/bootstrapper.min.js'></script>"
        "<script src='story_content/user.js'></script></head><body>Created using Storyline 360</body></html>"
    )
    files = {
        **course(),
        "imsmanifest.xml": MANIFEST_12.replace('href="index.html"', 'href="story.html"'),
        "story.html": story,
        "meta.xml": '<meta><application name="Articulate Storyline" version="3.92.33225.0" xmlversion="4.0" /></meta>',
        "story_content/user.js": own_script,
        "html5/lib/scripts/bootstrapper.min.js": "function openUrl(u){window.open(u,'_blank')}",
    }
    report = check(build_zip(tmp_path / "story.zip", files), ("conformance", "plugins"))
    popups = by_rule(report)["plugins.popups"]
    assert popups["status"] == "warn" and popups["severity"] == severity, popups
    bill = last_evidence(report, "plugins")["outputs"]["requirements"]
    if severity == "info":
        assert "stock player can use pop-up windows" in popups["message"] and bill["player_features"] == ["popups"]
        assert "popups" not in bill["browser_features"]
    else:
        assert "popups" in bill["browser_features"] and "story_content/user.js:1" in popups["message"]


def test_lectoras_stock_player_is_its_trivantis_files_and_media_player(tmp_path):
    page = (
        '<!DOCTYPE html><html><head><meta name="generator" content="Lectora Inspire 16.2.2">'
        '<script src="trivantis.js"></script><script src="trivantis-media.js"></script></head>'
        "<body><p>Page one</p></body></html>"
    )
    files = {
        **course(MANIFEST_12),
        "index.html": page,
        "trivantis.js": "function ObjLayerActionGoToNewWindow(u, n, p) { return window.open(u, n, p, false) }",
        "trivantis-media.js": "var media = 1;",
        "MediaPlayer/loading.gif": b"GIF89a" + bytes(20),
    }
    report = check(build_zip(tmp_path / "lectora.zip", files), ("conformance", "plugins"))
    assert last_evidence(report, "conformance")["authoring_tool"]["player"] == ["trivantis", "MediaPlayer/"]
    popups = by_rule(report)["plugins.popups"]
    assert popups["severity"] == "info" and "Lectora Inspire 16.2.2's stock player" in popups["message"], popups


@pytest.mark.parametrize("own_embed", [False, True], ids=["player-only", "the-course-embeds"])
def test_ispring_player_is_its_player_and_lms_scripts_and_the_hosts_it_names_are_not_the_courses(tmp_path, own_embed):
    """iSpring's player.js can open windows and names YouTube, Youku and Macromedia for what a
    course may embed: none of that is this course's until its own slides embed from a host."""
    page = (
        "<!DOCTYPE html>\n<!-- Created with iSpring --><!--version 10.3.3.9018 -->"
        '<html><head><script src="lms.js"></script><script src="data/player.js"></script></head>'
        '<body><script src="data/slide1.js"></script></body></html>'
    )
    slide = "var slide = {video: 'https://www.youtube.com/embed/abc'};" if own_embed else "var slide = {text: 'Hi'};"
    files = {
        **course(),
        "imsmanifest.xml": MANIFEST_12.replace('href="index.html"', 'href="res/index.html"'),
        "res/index.html": page,
        "res/lms.js": "var lms = 1;",
        "res/data/player.js": (
            "function openUrl(u){window.open(u,'_blank')}\n"
            "var embeds = ['https://www.youtube.com/embed/', 'https://player.youku.com/embed/'];\n"
            "var flash = 'http://www.macromedia.com/go/getflashplayer';"
        ),
        "res/data/slide1.js": slide,
    }
    report = check(build_zip(tmp_path / "ispring.zip", files), ("conformance", "plugins"))
    tool = last_evidence(report, "conformance")["authoring_tool"]
    assert tool["name"] == "iSpring" and tool["player"] == ["res/data/player.js", "res/lms.js"]
    findings = by_rule(report)
    assert findings["plugins.popups"]["severity"] == "info", findings["plugins.popups"]
    hosts = findings["conformance.external-hosts"]
    proxy = last_evidence(report, "conformance")["outputs"]["external_hosts"]
    if own_embed:
        assert hosts["status"] == "warn" and hosts["details"]["hosts"] == ["www.youtube.com"], hosts
        assert proxy == ["www.youtube.com"]
    else:
        assert hosts["status"] == "pass" and hosts["details"]["hosts"] == [] and proxy == [], hosts
        assert "iSpring player's own code names player.youku.com, www.macromedia.com" in hosts["message"]
    assert "www.macromedia.com" in hosts["details"]["player_only_hosts"]


PNG = b"\x89PNG\r\n\x1a\n" + bytes(40)


def _ispring_info(data: object, compress: bool) -> str:
    raw = json.dumps(data).encode()
    return base64.b64encode(zlib.compress(raw) if compress else raw).decode()


def test_ispring_presentation_and_quiz_data_are_read_so_a_missing_clip_is_found_and_nothing_is_unused(tmp_path):
    """iSpring 9+ names its slides, clips and fonts only inside a compressed presentation in the
    launch page, and a quiz's fonts inside its quiz script (real iSpring 11 web publishes)."""
    presentation = {
        "s": [{"s": "data/slide1.js", "c": "data/slide1.css", "T": {"i": "data/thmb1.png"}}, {"q": "data/quiz1.js"}],
        "V": [{"h": '<video controls poster="data/img6.jpg"><source src="data/video1.mp4" type="video/mp4"/></video>'}],
        "f": [{"n": "Open Sans", "u": ["data/fnt0.woff"]}],
    }
    quiz = {"fs": {"fnt0": ["quiz1/fonts/fnt0.woff"]}, "bg": "quiz1\\images\\quiz_bg_0.png"}
    page = (
        "<!DOCTYPE html>\n<!-- Created with iSpring --><!--version 11.3.2.6010 -->"
        f'<html><head><script src="data/player.js"></script></head><body><script>var presInfo = "'
        f'{_ispring_info(presentation, compress=True)}";</script></body></html>'
    )
    files = {
        "index.html": page,
        "data/player.js": "var player = 1;",
        "data/slide1.js": "loadHandler(0, '<img src=\"data/img0.png\">');",
        "data/slide1.css": "#s{}",
        "data/thmb1.png": PNG,
        "data/img0.png": PNG,
        "data/img6.jpg": PNG,
        "data/fnt0.woff": b"wOFF" + bytes(40),
        "data/quiz1.js": f'var quizInfo = "{_ispring_info(quiz, compress=False)}";',
        "data/quiz1/fonts/fnt0.woff": b"wOFF" + bytes(40),
        "data/quiz1/images/quiz_bg_0.png": PNG,
        "extra/left-over.png": PNG,
    }
    report = check(build_zip(tmp_path / "ispring.zip", files), ("conformance",))
    findings = by_rule(report)
    missing = findings["conformance.missing-reference"]
    assert missing["status"] == "fail" and missing["severity"] == "major", missing
    assert "media file 'data/video1.mp4'" in missing["message"] and missing["measured"] == 1, missing
    unused = [e["path"] for e in findings["conformance.unreferenced-files"]["evidence"]]
    assert unused == ["extra/left-over.png"], unused


def test_an_ispring_presentation_that_inflates_past_its_bound_is_not_read(tmp_path):
    # Read whole, it would name a clip the package lacks; past the bound it is refused unread.
    bomb = base64.b64encode(zlib.compress(b'["data/clip.mp4"' + b" " * (40 * 1024 * 1024) + b"]", 9)).decode()
    page = f'<!-- Created with iSpring --><html><body><script>var presInfo = "{bomb}";</script></body></html>'
    report = check(build_zip(tmp_path / "bomb.zip", {"index.html": page}), ("conformance",))
    assert last_evidence(report, "conformance")["tool_references"] == []
    assert by_rule(report)["conformance.missing-reference"]["status"] == "pass"


def test_a_clip_the_manifest_lists_percent_encoded_and_a_page_loads_is_one_missing_file(tmp_path):
    """Rise lists 'Handle%20Direct%20Calls.mp4' in the manifest and its data loads the file
    'Handle Direct Calls.mp4' (a real Rise course, ethanthefro/LiveVoxTraining): one missing clip,
    a missing reference, not also a manifest file 'no page loads'."""
    manifest = MANIFEST_12.replace(
        '<file href="index.html"/>', '<file href="index.html"/><file href="media/a%20b.mp4"/>'
    )
    page = '<!DOCTYPE html><html><body><video src="media/a%20b.mp4"></video></body></html>'
    findings = run(tmp_path, course(manifest, **{"index.html": page}))
    missing = findings["conformance.missing-reference"]
    assert missing["status"] == "fail" and "media/a%20b.mp4" in missing["message"], missing
    assert findings["conformance.file-reference"]["status"] == "pass", findings["conformance.file-reference"]
