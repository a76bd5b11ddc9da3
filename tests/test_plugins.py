"""Plugin and browser-feature signals, each with its exact evidence line, and no false blockers."""

from __future__ import annotations

import pytest

from certifier.probes.plugins import PluginScanner
from tests.factories import build_zip, make_png
from tests.probe_helpers import by_rule, check, evidence_at, line_of

PROBES = ("conformance", "media", "plugins")


def page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html>\n<html>\n<head>\n<title>t</title>\n{head}\n</head>\n<body>\n{body}\n</body>\n</html>\n"


CASES = [
    ("flash", "index.html", page('<object classid="clsid:D27CDB6E-AE6D-11cf-96B8-444553540000">\n<param name="movie" value="intro.swf"></object>'), "clsid:D27CDB6E"),
    ("flash", "player.js", "var x = 1;\nswfobject.embedSWF('intro.swf', 'stage', 800, 600, '9');\n", "swfobject"),
    ("shockwave", "index.html", page('<embed src="game.dcr" type="application/x-director">'), "game.dcr"),
    ("java-applet", "index.html", page('<applet code="Sim.class" archive="sim.jar" width="400" height="300"></applet>'), "<applet"),
    ("java-applet", "launch.js", "// start\ndeployJava.runApplet({code: 'Lab.class'});\n", "deployJava"),
    ("silverlight", "index.html", page('<object data="data:application/x-silverlight-2," type="application/x-silverlight-2">\n<param name="source" value="app.xap"/></object>'), "application/x-silverlight"),
    ("activex", "legacy.js", "function f() {\n  var xml = new ActiveXObject('Microsoft.XMLHTTP');\n}\n", "new ActiveXObject"),
    ("activex", "index.html", page('<object classid="clsid:ABCDEF01-1111-2222-3333-444455556666"></object>'), "clsid:ABCDEF01"),
    ("quicktime", "index.html", page('<object classid="clsid:02BF25D5-8C17-4B23-BC80-D3488ABDDC6B" codebase="http://www.apple.com/qtactivex/qtplugin.cab"></object>'), "02BF25D5"),
    ("windows-media", "index.html", page('<embed src="talk.wmv" type="application/x-mplayer2">'), "x-mplayer2"),
    ("realplayer", "index.html", page('<embed src="talk.rm" type="audio/x-pn-realaudio-plugin">'), "x-pn-realaudio"),
    ("unity-web-player", "index.html", page('<script>\nunityObject.embedUnity("player", "lab.unity3d", 600, 450);\n</script>'), "unityObject"),
    ("ie-only", "index.html", page('<!--[if lt IE 9]><script src="html5shiv.js"></script><![endif]-->'), "<!--[if lt IE 9]"),
    ("ie-only", "nav.js", "if (document.all) {\n  go();\n}\n", "document.all"),
    ("webgl", "scene.js", "var c = document.createElement('canvas');\nvar gl = c.getContext('webgl2');\n", "getContext('webgl2')"),
    ("webassembly", "sim.js", "\nWebAssembly.instantiateStreaming(fetch('sim.wasm'));\n", "WebAssembly.instantiateStreaming"),
    ("camera-microphone", "record.js", "\n\nnavigator.mediaDevices.getUserMedia({audio: true});\n", "getUserMedia"),
    ("popups", "menu.js", "function help() {\n  window.open('help.html', 'help');\n}\n", "window.open"),
    ("cross-origin-frames", "index.html", page('<iframe src="https://videos.example.com/embed/42" width="640" height="360"></iframe>'), "<iframe"),
    ("autoplay-with-sound", "index.html", page('<video src="intro.mp4" autoplay controls></video>'), "<video"),
    ("service-worker", "app.js", "if ('serviceWorker' in navigator) {\n  navigator.serviceWorker.register('/sw.js');\n}\n", "navigator.serviceWorker.register"),
    ("fullscreen", "player.js", "\nstage.requestFullscreen();\n", "requestFullscreen"),
    ("downloads", "index.html", page('<a href="handout.pdf" download>Handout</a>'), "<a href"),
    ("mixed-content", "index.html", page('<img src="http://cdn.example.com/logo.png">'), "http://cdn"),
]


@pytest.mark.parametrize("technology, name, content, marker", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_each_signal_with_its_evidence_line(tmp_path, technology, name, content, marker):
    files = {"index.html": page("<p>Course</p>"), name: content}
    findings = by_rule(check(build_zip(tmp_path / "c.zip", files), PROBES))
    finding = findings[f"plugins.{technology}"]
    assert finding["status"] in ("fail", "warn", "pass") and finding["measured"] >= 1
    assert (name, line_of(content, marker)) in evidence_at(finding), evidence_at(finding)
    bill = findings["plugins.requirements"]["details"]
    assert technology in bill["plugins"] + bill["browser_features"]


def test_end_of_life_plugins_are_blockers_with_the_replacement(tmp_path):
    files = {"index.html": page('<embed src="intro.swf" type="application/x-shockwave-flash">'),
             "intro.swf": b"FWS\x0a" + bytes(60)}
    report = check(build_zip(tmp_path / "c.zip", files), PROBES)
    flash = by_rule(report)["plugins.flash"]
    assert flash["status"] == "fail" and flash["severity"] == "blocker"
    assert "HTML5" in flash["remediation"] and flash["measured"] == 2  # the embed and the file itself
    assert report["verdict"] == "NOT CERTIFIED"


def test_needs_approval_features_make_the_verdict_conditional(tmp_path):
    files = {"index.html": page("<script>\nwindow.open('x.html');\n</script>"), "x.html": page("")}
    report = check(build_zip(tmp_path / "c.zip", files), PROBES)
    popups = by_rule(report)["plugins.popups"]
    assert popups["status"] == "warn" and popups["severity"] == "minor"


def test_a_clean_html5_course_raises_no_end_of_life_signal(tmp_path, sample_course):
    prose = page("<p>Use the flash card technique. Applets, Shockwave and Silverlight are history; "
                 "this lesson plays a QuickTime-era clip as plain H.264 video.</p>\n"
                 '<video controls src="clip.mov" type="video/mp4"></video>\n<p>Press the ActiveX button? No.</p>')
    from tests.factories import encode_video

    clip = encode_video(tmp_path / "clip.mov", seconds=1, bitrate_kbps=200, audio_kbps=None,
                        codec_options={"preset": "ultrafast"})
    files = {"index.html": prose, "clip.mov": clip.read_bytes(), "logo.png": make_png(8, 8)}
    findings = by_rule(check(build_zip(tmp_path / "c.zip", files), PROBES))
    eol = ["flash", "shockwave", "java-applet", "silverlight", "activex", "quicktime", "windows-media",
           "realplayer", "unity-web-player", "ie-only"]
    assert {t: findings[f"plugins.{t}"]["status"] for t in eol} == {t: "pass" for t in eol}
    sample = by_rule(check(sample_course, PROBES))
    assert all(f["status"] == "pass" for r, f in sample.items() if r.startswith("plugins."))


def test_signals_across_chunk_boundaries_and_long_lines():
    found: dict = {}
    stages: list = []
    scanner = PluginScanner(found, stages)
    text = b"a" * 1000 + b"\n" + b"x = 1;" * 100 + b"new ActiveXObject('y');" + b"\n" + b"z" * 10
    chunks = [text[i:i + 37] for i in range(0, len(text), 37)]  # the signal is split across chunks
    scanner.scan_file("f.js", iter(chunks))
    assert found["activex"][0]["line"] == 2
    minified = b"var a=1;" * 100_000 + b"swfobject.embedSWF('x.swf');" + b"var b=2;" * 100_000  # one 1.6 MB line
    found.clear()
    scanner.scan_file("m.js", iter(minified[i:i + 65536] for i in range(0, len(minified), 65536)))
    assert [h["line"] for h in found["flash"]] == [1]


def test_minimum_screen_from_a_fixed_stage(tmp_path):
    files = {"index.html": page('<iframe src="stage.html" width="1280" height="800"></iframe>'),
             "stage.html": page("<canvas width=\"1024\" height=\"768\"></canvas>")}
    findings = by_rule(check(build_zip(tmp_path / "c.zip", files), PROBES))
    assert findings["plugins.requirements"]["details"]["min_screen"] == {"width": 1280, "height": 800}
    assert evidence_at(findings["plugins.requirements"]) == [("index.html", 8)]
