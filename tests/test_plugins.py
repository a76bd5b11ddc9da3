"""Plugin and browser-feature signals, each with its exact evidence line, and no false blockers."""

from __future__ import annotations

import pytest

from certifier.probes.plugins import PluginScanner
from tests.factories import build_zip, make_png
from tests.probe_helpers import by_rule, check, evidence_at, line_of

PROBES = ("conformance", "media", "plugins")


def page(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html>\n<html>\n<head>\n<title>t</title>\n{head}\n</head>\n<body>\n{body}\n</body>\n</html>\n"


# Mentions: words of a technology in a file. Old plug-ins are listed as fallback / detection only;
# modern features count in files a launch page reaches (here: loaded by index.html).
CASES = [
    (
        "flash",
        "index.html",
        page(
            '<object classid="clsid:D27CDB6E-AE6D-11cf-96B8-444553540000">\n<param name="movie" value="intro.swf"></object>'
        ),
        "clsid:D27CDB6E",
    ),
    ("flash", "player.js", "var x = 1;\nswfobject.embedSWF('intro.swf', 'stage', 800, 600, '9');\n", "swfobject"),
    ("shockwave", "index.html", page('<embed src="game.dcr" type="application/x-director">'), "game.dcr"),
    (
        "java-applet",
        "index.html",
        page('<applet code="Sim.class" archive="sim.jar" width="400" height="300"></applet>'),
        "<applet",
    ),
    ("java-applet", "launch.js", "// start\ndeployJava.runApplet({code: 'Lab.class'});\n", "deployJava"),
    (
        "activex",
        "legacy.js",
        "function f() {\n  var xml = new ActiveXObject('Microsoft.XMLHTTP');\n}\n",
        "new ActiveXObject",
    ),
    (
        "quicktime",
        "index.html",
        page(
            '<object classid="clsid:02BF25D5-8C17-4B23-BC80-D3488ABDDC6B" data="clip.mov" codebase="http://www.apple.com/qtactivex/qtplugin.cab"></object>'
        ),
        "02BF25D5",
    ),
    ("windows-media", "index.html", page('<embed src="talk.wmv" type="application/x-mplayer2">'), "x-mplayer2"),
    ("realplayer", "index.html", page('<embed src="talk.rm" type="audio/x-pn-realaudio-plugin">'), "x-pn-realaudio"),
    (
        "unity-web-player",
        "index.html",
        page('<script>\nunityObject.embedUnity("player", "lab.unity3d", 600, 450);\n</script>'),
        "unityObject",
    ),
    (
        "ie-only",
        "index.html",
        page('<!--[if lt IE 9]><script src="html5shiv.js"></script><![endif]-->'),
        "<!--[if lt IE 9]",
    ),
    ("ie-only", "nav.js", "if (document.all) {\n  go();\n}\n", "document.all"),
    (
        "webgl",
        "scene.js",
        "var c = document.createElement('canvas');\nvar gl = c.getContext('webgl2');\n",
        "getContext('webgl2')",
    ),
    (
        "webassembly",
        "sim.js",
        "\nWebAssembly.instantiateStreaming(fetch('sim.wasm'));\n",
        "WebAssembly.instantiateStreaming",
    ),
    ("camera-microphone", "record.js", "\n\nnavigator.mediaDevices.getUserMedia({audio: true});\n", "getUserMedia"),
    ("popups", "menu.js", "function help() {\n  window.open('help.html', 'help');\n}\n", "window.open"),
    (
        "cross-origin-frames",
        "index.html",
        page('<iframe src="https://videos.example.com/embed/42" width="640" height="360"></iframe>'),
        "<iframe",
    ),
    ("autoplay-with-sound", "index.html", page('<video src="intro.mp4" autoplay controls></video>'), "<video"),
    (
        "service-worker",
        "app.js",
        "if ('serviceWorker' in navigator) {\n  navigator.serviceWorker.register('/sw.js');\n}\n",
        "navigator.serviceWorker.register",
    ),
    ("fullscreen", "player.js", "\nstage.requestFullscreen();\n", "requestFullscreen"),
    ("downloads", "index.html", page('<a href="handout.pdf" download>Handout</a>'), "<a href"),
    ("mixed-content", "index.html", page('<img src="http://cdn.example.com/logo.png">'), "http://cdn"),
]
END_OF_LIFE = {
    "flash",
    "shockwave",
    "java-applet",
    "silverlight",
    "activex",
    "quicktime",
    "windows-media",
    "realplayer",
    "unity-web-player",
    "ie-only",
}


@pytest.mark.parametrize("technology, name, content, marker", CASES, ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_each_mention_with_its_evidence_line(tmp_path, technology, name, content, marker):
    files = {"index.html": page("<p>Course</p>", f'<script src="{name}"></script>'), name: content}
    findings = by_rule(check(build_zip(tmp_path / "c.zip", files), PROBES))
    finding = findings[f"plugins.{technology}"]
    bill = findings["plugins.requirements"]["details"]
    if technology in END_OF_LIFE:
        # Named, but nothing a page runs: the referenced plug-in files are not in the package.
        assert finding["status"] == "pass", finding
        fallback = findings["plugins.fallback-only"]
        assert fallback["status"] == "warn" and fallback["severity"] == "info"
        assert (name, line_of(content, marker)) in evidence_at(fallback), evidence_at(fallback)
        assert technology in bill["fallback_only"] and technology not in bill["plugins"]
    else:
        assert finding["measured"] >= 1 and (name, line_of(content, marker)) in evidence_at(finding)
        assert technology in bill["browser_features"]


REQUIRED = [
    (
        "flash",
        {
            "index.html": page('<embed src="intro.swf" type="application/x-shockwave-flash">'),
            "intro.swf": b"FWS\x0a" + bytes(60),
        },
        "<embed",
    ),
    (
        "flash",
        {
            "index.html": page('<object type="application/x-shockwave-flash" data="m/intro.swf"></object>'),
            "m/intro.swf": b"FWS\x0a" + bytes(60),
        },
        "<object",
    ),
    (
        "flash",
        {
            "index.html": page(
                '<div id="stage"></div>\n<script>\nswfobject.embedSWF("intro.swf", "stage", 800, 600, "9");\n</script>'
            ),
            "intro.swf": b"FWS\x0a" + bytes(60),
        },
        "swfobject.embedSWF",
    ),
    (  # the old way of hiding a script from script-less browsers: the browser still runs it
        "flash",
        {
            "index.html": page(
                '<div id="stage"></div>\n<script><!--\nswfobject.embedSWF("intro.swf", "stage", 800, 600, "9");\n'
                "// --></script>"
            ),
            "intro.swf": b"FWS\x0a" + bytes(60),
        },
        "swfobject.embedSWF",
    ),
    (
        "flash",
        {"index.html": page('<iframe src="movie.swf"></iframe>'), "movie.swf": b"FWS\x0a" + bytes(60)},
        "<iframe",
    ),
    (
        "activex",
        {"index.html": page('<object classid="clsid:ABCDEF01-1111-2222-3333-444455556666"></object>')},
        "<object",
    ),
    (
        "java-applet",
        {"index.html": page('<applet code="Sim.class" archive="sim.jar"></applet>'), "Sim.class": b"\xca\xfe"},
        "<applet",
    ),
    (
        "silverlight",
        {
            "index.html": page(
                '<object data="data:application/x-silverlight-2," type="application/x-silverlight-2">\n<param name="source" value="app.xap"/></object>'
            ),
            "app.xap": b"PK",
        },
        "<object",
    ),
    (
        "ie-only",
        {"index.html": page('<script language="VBScript">\nMsgBox "hi"\n</script>')},
        '<script language="VBScript"',
    ),
]


@pytest.mark.parametrize("technology, files, marker", REQUIRED, ids=[f"{r[0]}-{i}" for i, r in enumerate(REQUIRED)])
def test_a_page_that_runs_a_plugin_requires_it(tmp_path, technology, files, marker):
    report = check(build_zip(tmp_path / "c.zip", files), PROBES)
    finding = by_rule(report)[f"plugins.{technology}"]
    assert finding["status"] == "fail" and finding["severity"] == "blocker", finding
    assert ("index.html", line_of(files["index.html"], marker)) in evidence_at(finding)
    assert technology in by_rule(report)["plugins.requirements"]["details"]["plugins"]
    assert report["verdict"] == "NOT CERTIFIED"


NOT_REQUIRED = [
    # An old-browser XHR fallback, Flash detection and IE conditional comments: player libraries.
    {
        "index.html": page(
            '<script src="lib.js"></script>\n<!--[if lte IE 9]><object classid="clsid:ABCDEF01-1111-2222-3333-444455556666"></object><![endif]-->'
        ),
        "lib.js": 'var x = window.XMLHttpRequest ? new XMLHttpRequest() : new ActiveXObject("Microsoft.XMLHTTP");\n'
        'function hasFlash(){ try { return !!new ActiveXObject("ShockwaveFlash.ShockwaveFlash"); } catch(e) {} '
        'return navigator.plugins["Shockwave Flash"] != null && /msie/i.test(navigator.userAgent); }\n',
    },
    # Storyline-style: an <object> naming a .swf the package does not have (the HTML5 runtime runs).
    {"index.html": page('<object type="application/x-shockwave-flash" data="story_content/data.swf"></object>')},
    # An embed with an HTML5 fallback inside it.
    {
        "index.html": page(
            '<object type="application/x-shockwave-flash" data="intro.swf">\n<img src="intro.png" alt="intro"></object>'
        ),
        "intro.swf": b"FWS\x0a" + bytes(60),
        "intro.png": make_png(8, 8),
    },
    # A page no launch file reaches (a left-over of an earlier publish).
    {
        "index.html": page("<p>HTML5 lesson</p>"),
        "old/flash.html": page('<embed src="old.swf" type="application/x-shockwave-flash">'),
        "old/old.swf": b"FWS\x0a" + bytes(60),
    },
    # Camtasia's Smart Player: the video plays with HTML5 where the browser can; the controller .swf
    # it is configured with is the Flash fallback (a real Camtasia 8.5 SCORM publish).
    {
        "index.html": page(
            "<script src='scripts/techsmith-smart-player.min.js'></script><script>"
            'TSC.playerConfiguration.setFlashPlayerSwf("Quiz1_controller.swf");\n'
            'TSC.playerConfiguration.addMediaSrc("Quiz1.mp4");</script>'
        ),
        "scripts/techsmith-smart-player.min.js": "var TSC = {};",
        "Quiz1_controller.swf": b"FWS\x0a" + bytes(60),
        "Quiz1_config.xml": '<x:xmpmeta><rdf:Description dc:source="Camtasia Studio,8.5.1,enu"/></x:xmpmeta>',
    },
    # VBScript beside JavaScript: Internet Explorer's path (Rustici's AICCComm.html does this).
    {
        "index.html": page(
            '<script>var x = 1;</script>\n<script language="VBScript">\nSet o = CreateObject("MSXML2.XMLHTTP")\n</script>'
        )
    },
]


@pytest.mark.parametrize(
    "files",
    NOT_REQUIRED,
    ids=[
        "library-fallbacks",
        "missing-swf",
        "html5-fallback",
        "unreachable-page",
        "camtasia-smart-player",
        "vbscript-beside-javascript",
    ],
)
def test_fallbacks_and_detection_are_information_never_blockers(tmp_path, files):
    report = check(build_zip(tmp_path / "c.zip", files), PROBES)
    findings = by_rule(report)
    for technology in END_OF_LIFE:
        assert findings[f"plugins.{technology}"]["status"] == "pass", findings[f"plugins.{technology}"]
    assert findings["plugins.requirements"]["details"]["plugins"] == []
    fallback = findings["plugins.fallback-only"]
    assert fallback["status"] == "warn" and fallback["severity"] == "info" and fallback["evidence"]
    assert all(e.get("note") for e in fallback["evidence"])
    blocking = [
        f["rule_id"]
        for f in report["findings"]
        if f["rule_id"].startswith("plugins.") and f["status"] == "fail" and f["severity"] in ("blocker", "major")
    ]
    assert blocking == []


def test_no_match_inside_base64_data(tmp_path):
    import base64

    blob = base64.b64encode(bytes(range(256)) * 8).decode()
    blob = blob[:300] + "+mSIE/" + blob[300:]  # the bytes that once read as an IE user-agent test
    files = {
        "index.html": page(f'<img src="data:image/png;base64,{blob}">', '<script src="a.js"></script>'),
        "a.js": f'var icon = "{blob}";\n',
    }
    findings = by_rule(check(build_zip(tmp_path / "c.zip", files), PROBES))
    assert findings["plugins.ie-only"]["status"] == "pass"
    assert "ie-only" not in findings["plugins.fallback-only"].get("details", {}).get("counts", {})


def test_end_of_life_plugins_are_blockers_with_the_replacement(tmp_path):
    files = {
        "index.html": page('<embed src="intro.swf" type="application/x-shockwave-flash">'),
        "intro.swf": b"FWS\x0a" + bytes(60),
    }
    report = check(build_zip(tmp_path / "c.zip", files), PROBES)
    flash = by_rule(report)["plugins.flash"]
    assert flash["status"] == "fail" and flash["severity"] == "blocker"
    assert "HTML5" in flash["remediation"] and flash["measured"] == 1  # the one page that embeds it
    assert report["verdict"] == "NOT CERTIFIED"


def test_needs_approval_features_make_the_verdict_conditional(tmp_path):
    files = {"index.html": page("<script>\nwindow.open('x.html');\n</script>"), "x.html": page("")}
    report = check(build_zip(tmp_path / "c.zip", files), PROBES)
    popups = by_rule(report)["plugins.popups"]
    assert popups["status"] == "warn" and popups["severity"] == "minor"


def test_a_clean_html5_course_raises_no_end_of_life_signal(tmp_path, sample_course):
    prose = page(
        "<p>Use the flash card technique. Applets, Shockwave and Silverlight are history; "
        "this lesson plays a QuickTime-era clip as plain H.264 video.</p>\n"
        '<video controls src="clip.mov" type="video/mp4"></video>\n<p>Press the ActiveX button? No.</p>'
    )
    from tests.factories import encode_video

    clip = encode_video(
        tmp_path / "clip.mov", seconds=1, bitrate_kbps=200, audio_kbps=None, codec_options={"preset": "ultrafast"}
    )
    files = {"index.html": prose, "clip.mov": clip.read_bytes(), "logo.png": make_png(8, 8)}
    findings = by_rule(check(build_zip(tmp_path / "c.zip", files), PROBES))
    assert {t: findings[f"plugins.{t}"]["status"] for t in END_OF_LIFE} == dict.fromkeys(END_OF_LIFE, "pass")
    sample = by_rule(check(sample_course, PROBES))
    assert all(f["status"] == "pass" for r, f in sample.items() if r.startswith("plugins."))


def test_signals_across_chunk_boundaries_and_long_lines():
    found: dict = {}
    stages: list = []
    scanner = PluginScanner(found, stages)
    text = b"a" * 1000 + b"\n" + b"x = 1;" * 100 + b"new ActiveXObject('y');" + b"\n" + b"z" * 10
    chunks = [text[i : i + 37] for i in range(0, len(text), 37)]  # the signal is split across chunks
    scanner.scan_file("f.js", iter(chunks))
    assert found["activex"][0]["line"] == 2
    minified = b"var a=1;" * 100_000 + b"swfobject.embedSWF('x.swf');" + b"var b=2;" * 100_000  # one 1.6 MB line
    found.clear()
    scanner.scan_file("m.js", iter(minified[i : i + 65536] for i in range(0, len(minified), 65536)))
    assert [h["line"] for h in found["flash"]] == [1]


def test_minimum_screen_from_a_fixed_stage(tmp_path):
    files = {
        "index.html": page('<iframe src="stage.html" width="1280" height="800"></iframe>'),
        "stage.html": page('<canvas width="1024" height="768"></canvas>'),
    }
    findings = by_rule(check(build_zip(tmp_path / "c.zip", files), PROBES))
    assert findings["plugins.requirements"]["details"]["min_screen"] == {"width": 1280, "height": 800}
    assert evidence_at(findings["plugins.requirements"]) == [("index.html", 8)]


def test_the_html5_path_is_found_by_its_tags_or_a_quoted_page_name_in_any_length_of_text():
    from probes.plugins.embeds import has_html5_path

    words = "<p>" + " ".join(["learner network policy"] * 20_000) + "</p>"  # a long page: 460 KB of words
    assert not has_html5_path(f'<img alt="Figure" src="a.png">{words}<a title="x">next</a>')
    assert has_html5_path(f"{words}<VIDEO src='a.mp4'></VIDEO>")
    assert has_html5_path(f'{words}<script>location = "index_html5.html?lang=en";</script>')
    assert has_html5_path("var page = 'multiscreen.htm';")
    assert not has_html5_path('<p title="a">text about .html files</p><b title="b">')  # no quoted name


def test_a_page_is_parsed_for_embeds_only_when_it_names_one_in_any_case():
    from probes.plugins.embeds import embeds_in_page

    files = {"movie.swf": 100, "index.html": 50}
    assert embeds_in_page("index.html", "<p>Lesson text</p><video src='a.mp4'></video>", files, False) == []
    upper = "<p>Intro</p>\n<OBJECT TYPE='application/x-shockwave-flash' DATA='movie.swf'></OBJECT>"
    [found] = embeds_in_page("index.html", upper, files, False)
    assert (found["technology"], found["required"], found["line"]) == ("flash", True, 2)
    script = "<script>\nshowFlash('MOVIE.SWF'.toLowerCase());\nswfobject.embedSWF('movie.swf', 'x');</script>"
    assert [e["technology"] for e in embeds_in_page("index.html", script, files, False)] == ["flash"]
    vb = '<SCRIPT LANGUAGE="VBScript">MsgBox "hi"</SCRIPT>'
    assert [e["reason"] for e in embeds_in_page("index.html", vb, files, False)] == [
        "the page's only scripts are VBScript, which only Internet Explorer runs"
    ]
