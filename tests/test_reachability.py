"""What a learner's browser loads decides how a missing file is graded; tool data, credentials,
mixed content and junk files, on packages built to show each case."""

from __future__ import annotations

import json

from tests.factories import build_zip, make_png
from tests.probe_helpers import by_rule, check, line_of
from tests.test_conformance import MANIFEST_12

PROBES = ("conformance", "plugins")


def page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html>\n<html>\n<head>\n{head}\n</head>\n<body>\n{body}\n</body>\n</html>\n"


def findings_of(tmp_path, files: dict, name: str = "c.zip") -> dict:
    return by_rule(check(build_zip(tmp_path / name, files), PROBES))


def notes(finding: dict) -> list[str]:
    return [e.get("note", "") for e in finding["evidence"]]


def test_missing_files_graded_by_kind(tmp_path):
    css = (
        ".a{background:url(img/gone.png)}\n"  # a stylesheet image: minor
        ".b{background:url(img/old.png);background:rgba(0,0,0,.5)}\n"  # overridden in the same rule: info
        ".c{background-image:url(img/first.png)}\n.c{background-image:url(img/logo.png)}\n"  # overridden later
        "@font-face{font-family:x;src:url(fonts/x.woff2)}\n"
    )  # a font: minor
    index = page(
        '<img src="img/logo.png" alt="">\n<script src="js/missing.js"></script>',
        '<link rel="stylesheet" href="style.css">',
    )
    files = {
        "index.html": index,
        "style.css": css,
        "img/logo.png": make_png(4, 4),
        # A left-over page nothing loads, with a broken reference of its own.
        "old/page.html": page('<script src="gone.js"></script>'),
    }
    findings = findings_of(tmp_path, files)
    major = findings["conformance.missing-reference"]
    assert major["severity"] == "major" and [(e["path"], e["line"]) for e in major["evidence"]] == [
        ("index.html", line_of(index, "js/missing.js"))
    ]
    minor = findings["conformance.missing-style-asset"]
    assert minor["severity"] == "minor" and sorted(n.split("'")[1] for n in notes(minor)) == [
        "fonts/x.woff2",
        "img/gone.png",
    ]
    info = findings["conformance.unused-broken-reference"]
    assert info["severity"] == "info" and info["status"] == "warn"
    assert sorted(n.split("'")[1] for n in notes(info)) == ["gone.js", "img/first.png", "img/old.png"]
    assert any("no launch page loads" in n for n in notes(info))


def test_root_absolute_reference_fails_even_when_the_file_exists(tmp_path):
    index = page('<script src="/js/app.js"></script>')
    finding = findings_of(tmp_path, {"index.html": index, "js/app.js": "var a;"})["conformance.missing-reference"]
    assert finding["status"] == "fail" and finding["severity"] == "major"
    evidence = finding["evidence"][0]
    assert (evidence["path"], evidence["line"], evidence["column"]) == (
        "index.html",
        line_of(index, "/js/app.js"),
        index.splitlines()[6].index("/js/app.js") + 1,
    )
    assert "'/js/app.js' is root-absolute" in evidence["note"]


def test_every_problem_is_kept_with_its_column(tmp_path):
    images = "".join(f'<img src="img/{i}.png" alt="">' for i in range(120))  # one long line, as minified output is
    finding = findings_of(tmp_path, {"index.html": page(images)})["conformance.missing-reference"]
    assert finding["measured"] == 120 and len(finding["evidence"]) == 120
    columns = [e["column"] for e in finding["evidence"]]
    assert len(set(columns)) == 120 and all(e["note"] for e in finding["evidence"])
    assert "(and 117 more)" in finding["message"]  # the text view abbreviates; the evidence does not


def test_files_a_script_names_are_loaded(tmp_path):
    # A player's runtime order and its data file: named in script strings, loaded at run time.
    index = page(
        '<script src="js/player.js"></script>\n'
        "<script>var order = [{type: 'html5', url: 'lesson_html5.html'}];</script>"
    )
    files = {
        "index.html": index,
        "js/player.js": "load('data/slides.json'); play('media/intro.mp3');",
        "lesson_html5.html": page("<p>lesson</p>"),
        "data/slides.json": "{}",
        "media/intro.mp3": b"ID3",
    }
    findings = findings_of(tmp_path, files)
    report_files = findings["conformance.unreferenced-files"]
    assert report_files["status"] == "pass", report_files["message"]


def test_mixed_content_graded_active_and_passive(tmp_path):
    index = page(
        '<img src="http://cdn.example.com/badge.svg" alt="">\n<script src="http://cdn.example.com/lib.js"></script>'
    )
    findings = findings_of(tmp_path, {"index.html": index})
    assert findings["conformance.insecure-url"]["severity"] == "major"
    assert "lib.js" in findings["conformance.insecure-url"]["message"]
    passive = findings["conformance.insecure-media-url"]
    assert passive["status"] == "fail" and passive["severity"] == "minor" and "badge.svg" in passive["message"]


ADAPT_INDEX = page('<div id="wrapper"></div>', '<script src="adapt/js/adapt.min.js"></script>')


def adapt_course(config: dict, content: bool = True) -> dict:
    files = {
        "imsmanifest.xml": MANIFEST_12,
        "index.html": ADAPT_INDEX,
        "adapt/js/adapt.min.js": "var Adapt = {};",
        "course/config.json": json.dumps(config, indent=2),
    }
    if content:
        for name in ("course", "contentObjects", "articles", "blocks", "components"):
            files[f"course/en/{name}.json"] = (
                "[]" if name != "course" else json.dumps({"_graphic": {"src": "course/en/images/hero.png"}})
            )
        files["course/en/images/hero.png"] = make_png(4, 4)
    return files


def test_adapt_content_missing_is_a_blocker_and_spoor_off_is_major(tmp_path):
    config = {"_defaultLanguage": "en", "_spoor": {"_isEnabled": False, "_tracking": {}}}
    findings = findings_of(tmp_path, adapt_course(config, content=False))
    data = findings["conformance.course-data-missing"]
    assert data["status"] == "fail" and data["severity"] == "blocker" and data["measured"] == 5
    tracking = findings["conformance.tracking-disabled"]
    text = json.dumps(config, indent=2)
    assert tracking["severity"] == "major" and tracking["evidence"][0]["line"] == line_of(text, '"_isEnabled"')
    assert "Adapt" in tracking["remediation"] and "_spoor" in tracking["remediation"]
    assert "Adapt" in findings["conformance.authoring-tool"]["message"]


def test_adapt_course_with_content_and_tracking_passes(tmp_path):
    config = {"_defaultLanguage": "en", "_spoor": {"_isEnabled": True}}
    findings = findings_of(tmp_path, adapt_course(config))
    assert findings["conformance.course-data-missing"]["status"] == "pass"
    assert findings["conformance.tracking-disabled"]["status"] == "pass"
    assert findings["conformance.unreferenced-files"]["status"] == "pass", findings["conformance.unreferenced-files"]
    # An asset the content names, then deleted: a media/data reference of a reachable page → major.
    files = adapt_course(config)
    del files["course/en/images/hero.png"]
    missing = findings_of(tmp_path, files, "b.zip")["conformance.missing-reference"]
    assert missing["severity"] == "major" and missing["evidence"][0]["path"] == "course/en/course.json"


def test_lrs_credentials_are_major_and_redacted(tmp_path):
    config = {
        "_defaultLanguage": "en",
        "_spoor": {"_isEnabled": True},
        "_xapi": {
            "_isEnabled": True,
            "_endpoint": "https://lrs.example.com/xAPI",
            "_user": "53ad75b3008049a9",
            "_password": "048a8d334e01353a8c9d",
        },
    }
    files = adapt_course(config)
    files["js/report.js"] = 'var lrs = {endpoint: "https://lrs.example.com/", auth: "Basic dXNlcjpzM2NyZXQ="};'
    files["index.html"] = ADAPT_INDEX.replace("</head>", '<script src="js/report.js"></script>\n</head>')
    report = check(build_zip(tmp_path / "c.zip", files), PROBES)
    finding = by_rule(report)["conformance.embedded-credentials"]
    assert finding["status"] == "fail" and finding["severity"] == "major"
    assert sorted(e["path"] for e in finding["evidence"]) == ["course/config.json", "js/report.js"]
    assert "048a8d334e01353a8c9d" not in json.dumps(report) and "dXNlcjpzM2NyZXQ=" not in json.dumps(report)


def test_no_credentials_in_empty_settings_or_prose(tmp_path):
    config = {
        "_defaultLanguage": "en",
        "_spoor": {"_isEnabled": True},
        "_xapi": {"_isEnabled": False, "_endpoint": "", "_user": "", "_password": ""},
    }
    files = adapt_course(config)
    files["js/lib.js"] = "// Browsers that have trouble with Basic Authentication on HTTPS sites\nvar xapi = 1;"
    findings = findings_of(tmp_path, files)
    assert findings["conformance.embedded-credentials"]["status"] == "pass"


def test_control_characters_in_names_are_junk_shown_escaped(tmp_path):
    manifest = MANIFEST_12.replace(
        '<file href="index.html"/>', '<file href="index.html"/>\n      <file href="img/Icon&#13;"/>'
    )
    files = {"imsmanifest.xml": manifest, "index.html": page("<p>x</p>"), "img/Icon\r": b"", ".DS_Store": b"x"}
    findings = findings_of(tmp_path, files)
    junk = findings["conformance.os-junk"]
    assert junk["severity"] == "minor" and sorted(e["path"] for e in junk["evidence"]) == [".DS_Store", "img/Icon\\r"]
    assert findings["conformance.file-reference"]["status"] == "pass"


def test_percent_encoded_manifest_href_names_the_file(tmp_path):
    manifest = MANIFEST_12.replace(
        '<file href="index.html"/>', '<file href="index.html"/>\n      <file href="docs/Hand%20out.pdf"/>'
    )
    findings = findings_of(
        tmp_path,
        {
            "imsmanifest.xml": manifest,
            "index.html": page('<a href="docs/Hand out.pdf">h</a>'),
            "docs/Hand out.pdf": b"%PDF-1.4",
        },
    )
    assert findings["conformance.file-reference"]["status"] == "pass"


def test_storyline_slide_assets_are_media_references(tmp_path):
    data = (
        'window.globalProvideData("data", \'{"assetLib":[{"kind":"video","url":"story_content/video_1.mp4"},'
        '{"kind":"image","url":"mobile/poster_1.jpg"}]}\');'
    )
    index = page(
        '<script src="html5/data/js/data.js"></script>',
        "<!-- Created using Storyline 360 - https://www.articulate.com -->",
    )
    files = {
        "story.html": index,
        "story_content/user.js": "",
        "html5/data/js/data.js": data,
        "mobile/poster_1.jpg": make_png(4, 4),
    }
    findings = findings_of(tmp_path, files)
    missing = findings["conformance.missing-reference"]
    assert missing["severity"] == "major" and [e["path"] for e in missing["evidence"]] == ["html5/data/js/data.js"]
    assert "story_content/video_1.mp4" in missing["message"]
    assert "Storyline" in findings["conformance.authoring-tool"]["message"]
