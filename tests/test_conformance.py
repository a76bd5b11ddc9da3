"""Conformance rules on packages built to show each defect, and on a clean package."""

from __future__ import annotations

import time

import pytest

from tests.factories import build_zip
from tests.probe_helpers import by_rule, check, evidence_at, line_of

PAGE = """<!DOCTYPE html>
<html><head><link rel="stylesheet" href="style.css">
<script src="api.js"></script></head>
<body><img src="img/logo.png" alt=""></body></html>
"""

MANIFEST_2004 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="m1" version="1"
  xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3"
  xmlns:imsss="http://www.imsglobal.org/xsd/imsss">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="org1">
    <organization identifier="org1">
      <title>Course</title>
      <item identifier="item1" identifierref="res1"><title>Lesson 1</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="res1" type="webcontent" adlcp:scormType="sco" href="index.html">
      <file href="index.html"/>
      <file href="style.css"/>
      <dependency identifierref="common"/>
    </resource>
    <resource identifier="common" type="webcontent" adlcp:scormType="asset">
      <file href="api.js"/>
      <file href="img/logo.png"/>
    </resource>
  </resources>
</manifest>
"""

MANIFEST_12 = """<?xml version="1.0"?>
<manifest identifier="m12" version="1.0" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
  xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o1">
    <organization identifier="o1"><title>T</title>
      <item identifier="i1" identifierref="r1"><title>L</title><adlcp:masteryscore>80</adlcp:masteryscore></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/>
    </resource>
  </resources>
</manifest>
"""


def course(manifest: str = MANIFEST_2004, **extra) -> dict:
    files = {
        "imsmanifest.xml": manifest,
        "index.html": PAGE,
        "style.css": "body { color: #222; }",
        "api.js": "var api = null;",
        "img/logo.png": b"\x89PNG\r\n\x1a\n" + bytes(40),
    }
    files.update(extra)
    return files


def run(tmp_path, files: dict, name: str = "course.zip") -> dict:
    return by_rule(check(build_zip(tmp_path / name, files)))


def assert_fails(finding: dict, severity: str, path: str | None = None, line: int | None = None, status="fail"):
    assert finding["status"] == status, finding
    assert finding["severity"] == severity
    if path is not None:
        assert (path, line) in evidence_at(finding), evidence_at(finding)


def test_clean_package_passes_every_rule(tmp_path):
    report = check(build_zip(tmp_path / "c.zip", course()))
    not_passed = [(f["rule_id"], f["status"], f["message"]) for f in report["findings"] if f["status"] != "pass"]
    assert not_passed == []
    assert len(report["findings"]) >= 20
    launch_map = report["outputs"]["conformance"]["launch_map"]
    assert launch_map[0]["launch"] == "index.html"
    assert set(launch_map[0]["files"]) == {"index.html", "style.css", "api.js", "img/logo.png"}


def test_clean_scorm12_passes_every_rule(tmp_path):
    report = check(build_zip(tmp_path / "c.zip", course(MANIFEST_12)))
    assert [f["rule_id"] for f in report["findings"] if f["status"] != "pass"] == []
    assert report["package"]["standard"] == "SCORM 1.2"


def test_manifest_nested_in_folder_is_blocker_with_the_fix(tmp_path):
    files = {f"MyCourse/{k}": v for k, v in course().items()}
    finding = run(tmp_path, files)["conformance.manifest-location"]
    assert_fails(finding, "blocker", "MyCourse/imsmanifest.xml", None)
    assert "zipping the course folder" in finding["message"] and "MyCourse" in finding["remediation"]


def test_no_manifest_at_all(tmp_path):
    finding = run(tmp_path, {"notes.txt": "hello"})
    assert finding["conformance.manifest-location"]["status"] == "fail"


@pytest.mark.parametrize(
    "prolog, kind",
    [
        ('<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>', "entity"),
        ('<!DOCTYPE manifest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>', "entity"),
        ('<!DOCTYPE manifest SYSTEM "http://127.0.0.1:9/evil.dtd">', "external DTD"),
    ],
)
def test_hostile_xml_is_blocker_fast_and_resolves_nothing(tmp_path, prolog, kind):
    manifest = MANIFEST_2004.replace("<manifest ", prolog + "\n<manifest ", 1)
    report = check(build_zip(tmp_path / "x.zip", course(manifest)))
    assert report["probes"][0]["duration_s"] < 1.0
    findings = by_rule(report)
    finding = findings["conformance.xml-safety"]
    assert_fails(finding, "blocker")
    assert kind in finding["message"]
    assert "root:" not in str(report)  # /etc/passwd was never read


def test_billion_laughs_is_refused_within_a_second(tmp_path):
    from certifier.package.safe_xml import parse_xml

    laughs = (
        '<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY a{i} "{("&a" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
        + "]>"
    )
    start = time.monotonic()
    root, problems = parse_xml(f"{laughs}<manifest>&a9;</manifest>".encode())
    assert time.monotonic() - start < 1.0
    assert root is None and problems[0].kind == "entities"


def test_unescaped_ampersand_names_the_line(tmp_path):
    manifest = MANIFEST_2004.replace("<title>Lesson 1</title>", "<title>Q&A session</title>")
    finding = run(tmp_path, course(manifest))["conformance.xml-well-formed"]
    assert_fails(finding, "blocker", "imsmanifest.xml", line_of(manifest, "Q&A"))
    assert "&amp;" in finding["message"]


def test_malformed_xml(tmp_path):
    manifest = MANIFEST_2004.replace("</organization>\n", "", 1)
    finding = run(tmp_path, course(manifest))["conformance.xml-well-formed"]
    assert_fails(finding, "blocker")
    assert "mismatched tag" in finding["message"]


def test_bom_and_wrong_encoding_declaration(tmp_path):
    manifest = MANIFEST_2004.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').replace("Lesson 1", "Leçon 1")
    findings = run(tmp_path, course("\ufeff" + manifest))
    assert_fails(findings["conformance.manifest-bom"], "minor", "imsmanifest.xml", 1)
    assert_fails(findings["conformance.xml-encoding"], "major", "imsmanifest.xml", 1)


def test_version_and_namespace_mismatch(tmp_path):
    manifest = MANIFEST_2004.replace("2004 4th Edition", "1.2")
    finding = run(tmp_path, course(manifest))["conformance.scorm-version"]
    assert_fails(finding, "major", "imsmanifest.xml", line_of(manifest, "<schemaversion>"))
    assert "adlcp_v1p3" in finding["message"]


def test_default_organization_missing(tmp_path):
    manifest = MANIFEST_2004.replace('default="org1"', 'default="nope"')
    finding = run(tmp_path, course(manifest))["conformance.default-organization"]
    assert_fails(finding, "major", "imsmanifest.xml", line_of(manifest, "<organizations"))


def test_item_reference_to_missing_resource(tmp_path):
    manifest = MANIFEST_2004.replace('identifierref="res1"', 'identifierref="res9"')
    findings = run(tmp_path, course(manifest))
    assert_fails(findings["conformance.item-reference"], "blocker", "imsmanifest.xml", line_of(manifest, "<item "))


def test_duplicate_identifiers(tmp_path):
    manifest = MANIFEST_2004.replace('identifier="common"', 'identifier="res1"').replace(
        'dependency identifierref="common"', 'dependency identifierref="res1"'
    )
    finding = run(tmp_path, course(manifest))["conformance.unique-identifiers"]
    assert_fails(
        finding,
        "major",
        "imsmanifest.xml",
        line_of(manifest, 'identifier="res1" type="webcontent" adlcp:scormType="asset"'),
    )


def test_sco_without_href(tmp_path):
    manifest = MANIFEST_2004.replace(' href="index.html">', ">", 1)
    finding = run(tmp_path, course(manifest))["conformance.launch-href"]
    assert_fails(finding, "blocker", "imsmanifest.xml", line_of(manifest, '<resource identifier="res1"'))


def test_launch_file_missing_and_not_html(tmp_path):
    files = course()
    del files["index.html"]
    findings = run(tmp_path, files)
    launch = findings["conformance.launch-file"]
    assert_fails(launch, "blocker", "imsmanifest.xml", line_of(MANIFEST_2004, '<resource identifier="res1"'))
    # One defect, one finding: the launch file's own <file href> is not reported missing again.
    assert findings["conformance.file-reference"]["status"] == "pass", findings["conformance.file-reference"]
    manifest = MANIFEST_2004.replace('href="index.html">', 'href="api.js">')
    findings = run(tmp_path, course(manifest), "b.zip")
    assert "not an HTML page" in findings["conformance.launch-file"]["message"]


def test_listed_file_missing_graded_by_whether_a_page_loads_it(tmp_path):
    files = course()
    del files["style.css"]
    findings = run(tmp_path, files)
    # The page loads the stylesheet: major, reported once, at the page's line.
    assert_fails(findings["conformance.missing-reference"], "major", "index.html", line_of(PAGE, "style.css"))
    assert findings["conformance.file-reference"]["status"] == "pass"
    # Listed in the manifest, absent, and nothing loads it: minor.
    manifest = MANIFEST_2004.replace(
        '<file href="style.css"/>', '<file href="style.css"/>\n      <file href="handout.pdf"/>'
    )
    assert manifest != MANIFEST_2004
    findings = run(tmp_path, course(manifest), "b.zip")
    assert_fails(findings["conformance.file-reference"], "minor", "imsmanifest.xml", line_of(manifest, "handout.pdf"))
    assert findings["conformance.missing-reference"]["status"] == "pass"


def test_xml_base_is_applied(tmp_path):
    manifest = MANIFEST_2004.replace('<resource identifier="res1"', '<resource xml:base="lesson/" identifier="res1"')
    files = course(manifest)
    files["lesson/index.html"] = files.pop("index.html")
    files["lesson/style.css"] = files.pop("style.css")
    findings = run(tmp_path, files)
    assert findings["conformance.launch-file"]["status"] == "pass"
    assert findings["conformance.file-reference"]["status"] == "pass"


def test_a_thousand_nested_items_are_parsed_without_a_recursion_limit(tmp_path):
    # Legal SCORM: items nest as deep as the author likes; the deepest one launches the lesson.
    depth = 1000
    items = "".join(f'<item identifier="i{k}"><title>Level {k}</title>' for k in range(depth)) + "</item>" * depth
    items = items.replace(f'<item identifier="i{depth - 1}">', f'<item identifier="i{depth - 1}" identifierref="res1">')
    manifest = MANIFEST_2004.replace(
        '<item identifier="item1" identifierref="res1"><title>Lesson 1</title></item>', items
    )
    findings = run(tmp_path, course(manifest))
    assert "conformance.probe-error" not in findings
    assert all(f["status"] == "pass" for f in findings.values() if f["severity"] in ("blocker", "major")), [
        (f["rule_id"], f["message"]) for f in findings.values() if f["status"] != "pass"
    ]
    assert findings["conformance.item-reference"]["status"] == "pass"


def test_xml_base_on_the_manifest_is_applied_as_the_lms_applies_it(tmp_path):
    # The LMS launches flash/index.html (the Flash copy); certifying the HTML pages at the root would
    # judge a course no learner gets.
    manifest = MANIFEST_2004.replace(
        '<manifest identifier="m1" version="1"', '<manifest xml:base="flash/" identifier="m1" version="1"'
    )
    files = course(manifest)
    files["flash/index.html"] = '<html><body><embed src="course.swf"></body></html>'
    files["flash/course.swf"] = b"FWS" + bytes(20)
    report = check(build_zip(tmp_path / "flash.zip", files))
    findings = by_rule(report)
    launches = [u["launch"] for u in report["outputs"]["conformance"]["launch_map"]]
    assert launches == ["flash/index.html"]
    # style.css, api.js and img/logo.png are listed under the base too: the LMS finds them in flash/.
    assert findings["conformance.file-reference"]["status"] == "fail"
    assert "flash/style.css" in findings["conformance.file-reference"]["message"]


def test_a_decoy_in_a_foreign_namespace_is_not_read_as_the_manifest(tmp_path):
    decoy = """<x:resources xmlns:x="urn:decoy">
    <x:resource identifier="res1" type="webcontent" href="flash/index.html"><x:file href="flash/index.html"/></x:resource>
    <x:resource identifier="common" type="webcontent"/>
  </x:resources>
  <resources>"""
    manifest = MANIFEST_2004.replace("<resources>", decoy, 1)
    manifest = manifest.replace(
        '<resource identifier="res1" type="webcontent" adlcp:scormType="sco" href="index.html">',
        '<resource identifier="res1" type="webcontent" adlcp:scormType="sco" '
        'xmlns:y="urn:decoy" y:base="flash/" href="index.html">',
    )
    report = check(build_zip(tmp_path / "decoy.zip", course(manifest)))
    findings = by_rule(report)
    assert [u["launch"] for u in report["outputs"]["conformance"]["launch_map"]] == ["index.html"]
    assert findings["conformance.launch-file"]["status"] == "pass"
    assert findings["conformance.unique-identifiers"]["status"] == "pass"


def test_dependency_to_missing_resource(tmp_path):
    manifest = MANIFEST_2004.replace('dependency identifierref="common"', 'dependency identifierref="gone"')
    finding = run(tmp_path, course(manifest))["conformance.dependency"]
    assert_fails(finding, "major", "imsmanifest.xml", line_of(manifest, "<dependency"))


def test_mastery_score_out_of_range_in_12(tmp_path):
    manifest = MANIFEST_12.replace("<adlcp:masteryscore>80", "<adlcp:masteryscore>180")
    finding = run(tmp_path, course(manifest))["conformance.mastery-score"]
    assert_fails(finding, "major", "imsmanifest.xml", line_of(manifest, "masteryscore"))


def test_scorm_type_missing_or_invalid(tmp_path):
    manifest = MANIFEST_2004.replace(' adlcp:scormType="asset"', "").replace(
        'adlcp:scormType="sco"', 'adlcp:scormType="lesson"'
    )
    finding = run(tmp_path, course(manifest))["conformance.scorm-type"]
    assert_fails(finding, "major", "imsmanifest.xml", line_of(manifest, 'identifier="common"'))
    assert "'lesson'" in finding["message"]


def test_sequencing_unknown_element_is_info(tmp_path):
    manifest = MANIFEST_2004.replace(
        "</organization>",
        '<imsss:sequencing><imsss:controlMode flow="true"/><imsss:teleport/></imsss:sequencing></organization>',
    )
    finding = run(tmp_path, course(manifest))["conformance.sequencing"]
    assert_fails(finding, "info", "imsmanifest.xml", line_of(manifest, "<imsss:sequencing>"), status="warn")
    assert "teleport" in finding["message"]


def test_schema_file_named_but_missing(tmp_path):
    manifest = MANIFEST_2004.replace(
        'version="1"',
        'version="1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 imscp_v1p1.xsd"',
    )
    finding = run(tmp_path, course(manifest))["conformance.schema-files"]
    assert_fails(finding, "minor", "imsmanifest.xml", 2)
    ok = run(tmp_path, course(manifest, **{"imscp_v1p1.xsd": "<xs:schema/>"}), "b.zip")
    assert ok["conformance.schema-files"]["status"] == "pass"


def test_case_only_mismatch_is_major(tmp_path):
    files = course()
    files["img/Logo.png"] = files.pop("img/logo.png")
    findings = run(tmp_path, files)
    finding = findings["conformance.case-mismatch"]
    assert_fails(finding, "major", "index.html", line_of(PAGE, "img/logo.png"))
    assert "img/Logo.png" in finding["message"]
    assert findings["conformance.missing-reference"]["status"] == "pass"


def test_awkward_characters_junk_and_server_side_files(tmp_path):
    findings = run(
        tmp_path,
        course(
            **{
                "media/My Video%20(1).txt": "x",
                "caf\u00e9.txt": "x",
                "__MACOSX/._index.html": "x",
                ".DS_Store": "x",
                "img/Thumbs.db": "x",
                "upload.php": "<?php ?>",
                "tools/setup.exe": b"MZ",
                ".htaccess": "RewriteEngine On\nRewriteRule ^(.*)$ index.php [L]\n",
            }
        ),
    )
    chars = findings["conformance.path-characters"]
    assert_fails(chars, "minor", "media/My Video%20(1).txt", None)
    assert "media/My-Video-20-1-.txt" in chars["message"]
    assert_fails(findings["conformance.os-junk"], "minor", "__MACOSX/._index.html", None)
    assert findings["conformance.os-junk"]["measured"] == 3
    server = findings["conformance.server-side-files"]
    assert_fails(server, "major", "upload.php", None)
    assert server["measured"] == 3 and "'.htaccess' asks the web server for 'RewriteEngine On'" in server["message"]


def test_an_htaccess_that_only_switches_things_off_is_not_a_server_side_file(tmp_path):
    """What the file asks of the server decides, not its name: denying access, switching scripts
    off and setting types run nothing (a course folder protected this way is common)."""
    restrictive = (
        "# keep scripts from running in the course folder\n"
        "Options -ExecCGI -Indexes\nRemoveHandler .php .phtml\nphp_flag engine off\n"
        '<FilesMatch "\\.(php|cgi)$">\n  Require all denied\n</FilesMatch>\n'
        'AddType video/mp4 .mp4\nHeader set Cache-Control "max-age=3600"\n'
    )
    quiet = run(tmp_path, course(**{".htaccess": restrictive, "media/.htaccess": "Deny from all"}), "quiet.zip")
    assert quiet["conformance.server-side-files"]["status"] == "pass"
    active = run(tmp_path, course(**{".htaccess": restrictive + "AddHandler cgi-script .html\n"}), "active.zip")
    assert_fails(active["conformance.server-side-files"], "major", ".htaccess", None)
    assert "AddHandler cgi-script .html" in active["conformance.server-side-files"]["message"]


def test_names_windows_cannot_create_are_path_character_findings(tmp_path):
    # ("a:b.html" at the top is a drive-relative path: refused with the archive, as unsafe_path_reason says.)
    names = ["CON.html", "media/aux.js", "nul.txt", "lib/LPT1.css", "pages/a:b.html", "q?.html", "notes.", "com3"]
    findings = run(tmp_path, course(**dict.fromkeys(names, "x")))
    chars = findings["conformance.path-characters"]
    assert_fails(chars, "minor")
    assert chars["measured"] == len(names)
    assert "a device name Windows reserves" in chars["message"] and "'CON-file.html'" in chars["message"]
    notes = " ".join(e.get("note") or "" for e in chars["evidence"])
    assert (
        "':', which Windows forbids" in notes and "'?', which Windows forbids" in notes and "ending in a dot" in notes
    )
    # Names that only look alike pass: "console.html", "auxiliary.js", "com10".
    ok = run(tmp_path, course(**{"console.html": "x", "auxiliary.js": "x", "com10": "x"}), "ok.zip")
    assert ok["conformance.path-characters"]["status"] == "pass"


def test_names_that_differ_only_by_case_collide_major_when_a_page_loads_one(tmp_path):
    files = course(**{"img/LOGO.png": b"other", "Img/Logo.PNG": b"third"})
    finding = run(tmp_path, files)["conformance.name-collisions"]
    assert_fails(finding, "major")
    assert "'Img/Logo.PNG' and 'img/LOGO.png' and 'img/logo.png'" in finding["message"]
    # Neither is loaded by any page: still one file on Windows, but minor.
    unused = run(tmp_path, course(**{"docs/Notes.txt": "a", "docs/notes.txt": "b"}), "unused.zip")
    assert_fails(unused["conformance.name-collisions"], "minor", "docs/Notes.txt")


def test_composed_and_decomposed_unicode_twins_collide(tmp_path):
    composed, decomposed = "caf\u00e9.txt", "cafe\u0301.txt"
    finding = run(tmp_path, course(**{composed: "a", decomposed: "b"}))["conformance.name-collisions"]
    assert_fails(finding, "minor")
    assert finding["measured"] == 1
    assert run(tmp_path, course(), "clean.zip")["conformance.name-collisions"]["status"] == "pass"


def test_unreferenced_files_are_info_with_total_size(tmp_path):
    findings = run(tmp_path, course(**{"old/unused-video.bin": bytes(300_000)}))
    finding = findings["conformance.unreferenced-files"]
    assert_fails(finding, "info", "old/unused-video.bin", None, status="warn")
    assert finding["details"]["bytes"] == 300_000


def test_page_references_missing_insecure_local_and_external(tmp_path):
    page = PAGE.replace(
        "</body>",
        """<img src="img/missing.png">
<script src="http://cdn.example.com/lib.js"></script>
<img src="file:///C:/Users/author/Desktop/photo.jpg">
<img src="C:\\course\\pic.png">
<a href="https://intranet.example.org/help">help</a>
</body>""",
    )
    css = "body { background: url('img/none.png'); }\n@import 'https://fonts.example.net/a.css';"
    findings = run(tmp_path, course(**{"index.html": page, "style.css": css}))
    assert_fails(findings["conformance.missing-reference"], "major", "index.html", line_of(page, "img/missing.png"))
    # An image in a CSS rule is minor: a background looks wrong, nothing breaks.
    assert_fails(findings["conformance.missing-style-asset"], "minor", "style.css", 1)
    assert_fails(findings["conformance.insecure-url"], "major", "index.html", line_of(page, "http://cdn"))
    assert_fails(findings["conformance.local-file-url"], "blocker", "index.html", line_of(page, "file:///"))
    assert findings["conformance.local-file-url"]["measured"] == 2
    hosts = findings["conformance.external-hosts"]
    assert hosts["status"] == "warn" and hosts["severity"] == "info"
    assert hosts["details"]["hosts"] == ["cdn.example.com", "fonts.example.net", "intranet.example.org"]


def test_a_stylesheet_link_to_a_missing_image_costs_a_request_not_the_pages_style(tmp_path):
    """Lectora links its player's control sprite as a stylesheet on every page: no browser styles a
    page with an image, so its absence is a failed request (minor), not a lost stylesheet (major)."""
    page = PAGE.replace(
        "</head>",
        '<link rel="stylesheet" href="MediaPlayer/control-nemesis.png" type="text/css">\n'
        '<link rel="stylesheet" href="skin.css">\n</head>',
    )
    findings = run(tmp_path, course(**{"index.html": page}))
    assert_fails(findings["conformance.missing-reference"], "major", "index.html", line_of(page, "skin.css"))
    assert findings["conformance.missing-reference"]["measured"] == 1
    sprite = findings["conformance.missing-style-asset"]
    assert_fails(sprite, "minor", "index.html", line_of(page, "control-nemesis.png"))
    assert "a file named as image, which no browser applies" in sprite["message"]


def test_reference_outside_the_package(tmp_path):
    page = PAGE.replace("img/logo.png", "../../outside/logo.png")
    finding = run(tmp_path, course(**{"index.html": page}))["conformance.missing-reference"]
    assert "outside the package" in finding["message"]


def test_markup_inside_scripts_and_comments_is_not_static(tmp_path):
    page = PAGE.replace(
        "</body>",
        "<!-- <img src=\"old.png\"> -->\n<script>document.write('<img src=\"' + x + '/q.png\">');</script></body>",
    )
    assert run(tmp_path, course(**{"index.html": page}))["conformance.missing-reference"]["status"] == "pass"


def test_path_length_limit(tmp_path):
    long_name = "a" * 120 + "/" + "b" * 80 + ".txt"
    finding = run(tmp_path, course(**{long_name: "x"}))["conformance.path-length"]
    assert_fails(finding, "minor", long_name, None)
    assert finding["measured"] == len(long_name) and finding["limit"] == 180


CMI5 = """<?xml version="1.0" encoding="utf-8"?>
<courseStructure xmlns="https://w3id.org/xapi/profiles/cmi5/v1/CourseStructure.xsd">
  <course id="https://example.com/course/1">
    <title><langstring lang="en-US">Course</langstring></title>
    <description><langstring lang="en-US">D</langstring></description>
  </course>
  <au id="https://example.com/course/1/au/1" launchMethod="AnyWindow" moveOn="CompletedOrPassed">
    <title><langstring lang="en-US">AU 1</langstring></title>
    <description><langstring lang="en-US">D</langstring></description>
    <url>index.html?lang=en</url>
  </au>
</courseStructure>
"""


def test_cmi5_clean_and_defects(tmp_path):
    clean = run(tmp_path, {"cmi5.xml": CMI5, "index.html": "<html></html>"})
    assert [r for r, f in clean.items() if f["status"] != "pass"] == []
    broken = (
        CMI5.replace("index.html?lang=en", "http://example.com/au.html")
        .replace('launchMethod="AnyWindow"', 'launchMethod="Popup"')
        .replace('moveOn="CompletedOrPassed"', 'moveOn="Done"')
        .replace('id="https://example.com/course/1"', 'id="course-1"')
    )
    findings = run(tmp_path, {"cmi5.xml": broken, "index.html": "<html></html>"}, "b.zip")
    assert_fails(findings["conformance.cmi5-au-url"], "blocker", "cmi5.xml", line_of(broken, "<url>"))
    values = findings["conformance.cmi5-values"]
    assert_fails(values, "major", "cmi5.xml", line_of(broken, "<au "))
    assert "Popup" in values["message"] and "Done" in values["message"]
    assert_fails(findings["conformance.cmi5-ids"], "major", "cmi5.xml", line_of(broken, "<course "))


def test_cmi5_nested_cites_the_test_suite_number(tmp_path):
    findings = run(tmp_path, {"course/cmi5.xml": CMI5, "course/index.html": "<html></html>"})
    assert "14.1.0.0-2" in findings["conformance.manifest-location"]["spec_ref"]


TINCAN = """<?xml version="1.0" encoding="utf-8"?>
<tincan xmlns="http://projecttincan.com/tincan.xsd"><activities>
  <activity id="http://example.com/a" type="http://adlnet.gov/expapi/activities/course">
    <name>Course</name>
    <launch lang="en-us">start.html</launch>
  </activity>
</activities></tincan>
"""


def test_tincan_launch_resolves(tmp_path):
    assert (
        run(tmp_path, {"tincan.xml": TINCAN, "start.html": "<html></html>"})["conformance.tincan-launch"]["status"]
        == "pass"
    )
    finding = run(tmp_path, {"tincan.xml": TINCAN, "index.html": "<html></html>"}, "b.zip")["conformance.tincan-launch"]
    assert_fails(finding, "blocker", "tincan.xml", line_of(TINCAN, "<launch"))


AICC = {
    "course.crs": "[Course]\nCourse_ID=1\nCourse_Title=T\nTotal_AUs=1\nTotal_Blocks=0\nVersion=3.0\n",
    "course.au": '"system_id","type","file_name"\n"A1","","start.html"\n',
    "course.des": '"system_id","developer_id","title"\n"A1","1","Title"\n',
    "course.cst": '"block","member"\n"ROOT","A1"\n',
    "start.html": "<html></html>",
}


def test_aicc_clean_and_defects(tmp_path):
    assert all(f["status"] == "pass" for f in run(tmp_path, AICC).values())
    broken = dict(AICC)
    del broken["course.cst"]
    broken["course.au"] = '"system_id","type","file_name"\n"A1","","start.html"\n"A2","","missing.html"\n'
    findings = run(tmp_path, broken, "b.zip")
    assert_fails(findings["conformance.aicc-files"], "blocker")
    assert ".cst" in findings["conformance.aicc-files"]["message"]
    assert_fails(findings["conformance.aicc-ids"], "major", "course.au", 3)
    assert_fails(findings["conformance.aicc-file-name"], "blocker", "course.au", 3)


def test_launch_map_follows_pages_and_css(tmp_path):
    files = course(**{"style.css": "body { background: url(img/bg.png) }", "img/bg.png": bytes(1000)})
    report = check(build_zip(tmp_path / "c.zip", files))
    unit = report["outputs"]["conformance"]["launch_map"][0]
    assert "img/bg.png" in unit["files"]
    assert unit["bytes"] == sum(
        len(v) if isinstance(v, bytes) else len(v.encode()) for k, v in files.items() if k in unit["files"]
    )


@pytest.mark.parametrize(
    "path, junk",
    [
        ("__MACOSX/a.png", True),
        ("x/__macosx/b", True),
        ("a__MACOSX/b", False),
        ("__MACOSX", False),
        (".DS_Store", True),
        ("a/.ds_store", True),
        ("a/x.DS_Store", False),
        ("a/.DS_Store/b", False),
        ("a/thumbs.DB", True),
        ("a/b/Desktop.ini", True),
        ("a/._b", True),
        ("a/._", False),
        ("a/b._c", False),
        ("a/icon\r", True),
        ("Icon", False),
        ("tab\tname.html", True),
        ("ok/file.html", False),
    ],
)
def test_os_junk_is_told_by_name(path, junk):
    from probes.conformance.common import is_os_junk

    assert is_os_junk(path) is junk
