"""Real SCORM lessons built for the learner-session tests: a lesson of several screens with a Next
button, whose tracking behaves as each test asks (completion at the end or never, a growing
suspend_data, a bookmark read back or overwritten on resume, a timer that commits)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.factories import build_zip

LESSON = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Lesson</title></head>
<body>
<div id="notice" style="display:none;position:fixed;inset:0;z-index:9;background:rgba(0,0,0,.6)">
<p>This title was created with a trial version.</p><input type="button" id="ok" value="OK"></div>
<nav id="outline" style="display:none"><ol><li><a href="#">Get started with safety</a></li></ol></nav>
<div id="start" role="button" aria-label="play" tabindex="0"
  style="display:none;position:fixed;left:40%;top:30%;width:150px;height:150px;background:#888;z-index:8"></div>
<div id="splash" onclick="start(); return false;" style="display:none;cursor:pointer;width:150px;height:35px;background:#0080c0"></div>
<main><h1 id="title"></h1><p id="text"></p>
<canvas id="painted" role="img" width="300" height="120"></canvas>
<div id="titled" style="display:none"><div tabindex="-1" title="Next steps text block" style="width:200px;height:20px"></div>
<div tabindex="-1" id="tobj6742" title="arrow2_next" style="cursor:pointer;width:40px;height:40px;background:#333">
<svg viewBox="0 0 40 40" aria-hidden="true" width="40" height="40"><path d="M5 20 L35 20" stroke="#fff"/></svg></div></div>
<div id="quiz" style="display:none">
<input type="text" class="search-field" placeholder="Search">
<div class="choice" id="choice-a"><input type="radio" name="q" style="opacity:0;width:1px;height:1px">
<span>First answer</span></div>
<div class="choice" id="choice-b"><input type="radio" name="q" style="opacity:0;width:1px;height:1px">
<span>Second answer</span></div></div>
<div id="aria-quiz" role="radiogroup" style="display:none">
<div role="radio" aria-checked="false" class="aria-choice" tabindex="0">First answer</div>
<div role="radio" aria-checked="false" class="aria-choice" tabindex="0">Second answer</div></div>
<div id="graded" style="display:none"><button type="button" id="submit">Submit</button></div>
<div id="wrong" style="display:none"><p>Incorrect.</p><button type="button" id="again">Try again</button></div>
<p id="clock"></p>
<div id="cl-next" title="Следующий слайд" style="display:none;cursor:pointer;width:68px;height:28px;background:#333"></div>
<button type="button" id="next">Next</button></main>
<script>
var SCREENS = __SCREENS__, B = __BEHAVIOUR__;
var V = B.version, api = null, screen = 0, finished = false, ariaChosen = false, begun = false;
var E = V === "1.2" ? {init: "LMSInitialize", get: "LMSGetValue", set: "LMSSetValue", commit: "LMSCommit",
                       finish: "LMSFinish", status: "cmi.core.lesson_status", location: "cmi.core.lesson_location",
                       entry: "cmi.core.entry", exit: "cmi.core.exit"}
                    : {init: "Initialize", get: "GetValue", set: "SetValue", commit: "Commit", finish: "Terminate",
                       status: "cmi.completion_status", location: "cmi.location", entry: "cmi.entry", exit: "cmi.exit"};
function findApi(w) {
  for (var i = 0; w && i < 10; i++) {
    if (V === "1.2" && w.API) { return w.API; }
    if (V !== "1.2" && w.API_1484_11) { return w.API_1484_11; }
    if (w.parent === w) { break; }
    w = w.parent;
  }
  return null;
}
function show() {
  document.getElementById("title").textContent = SCREENS[screen];
  document.getElementById("text").textContent = "Screen " + (screen + 1) + " of " + SCREENS.length + ".";
  if (B.titled_arrow) {  // Lectora Online's way on: a box out of the tab order named by its title
    document.getElementById("titled").style.display = screen < SCREENS.length - 1 ? "" : "none";
  }
  if (B.drawn) {  // a player that paints its screens: no text at all, only text alternatives
    document.getElementById("title").textContent = "";
    document.getElementById("text").textContent = "";
    document.getElementById("painted").setAttribute("aria-label", SCREENS[screen]);
    document.getElementById("next").textContent = "";
    document.getElementById("next").setAttribute("aria-label", "Next");
  }
  document.getElementById("next").style.display = screen < SCREENS.length - 1 && !B.titled_arrow && !B.courselab ? "" : "none";
  // CourseLab's way on: a box named by its title, with a pointer and a script's handler, no tab stop.
  document.getElementById("cl-next").style.display = screen < SCREENS.length - 1 && B.courselab ? "" : "none";
  // A player's own quiz on the second screen: choices drawn over invisible inputs, taken by a
  // pointer press on the row (as a learner clicks), and Next does nothing until one is chosen.
  document.getElementById("quiz").style.display = B.quiz && screen === 1 ? "" : "none";
  // Graded: the quiz is submitted, and only the second choice is right; a wrong one offers a retry.
  document.getElementById("graded").style.display = B.graded && screen === 1 ? "" : "none";
  if (B.graded && screen === 1) { document.getElementById("next").style.display = "none"; }
  // A knowledge check drawn as ARIA widgets (role radio in a radiogroup, as Rise draws its own):
  // the way on appears only once a choice is made.
  var ariaQuiz = B.aria_quiz && screen === 1;
  document.getElementById("aria-quiz").style.display = ariaQuiz ? "" : "none";
  if (ariaQuiz && !ariaChosen) { document.getElementById("next").style.display = "none"; }
  if (B.suspend_chars) {
    var size = Math.round(B.suspend_chars * (screen + 1) / SCREENS.length);
    api[E.set]("cmi.suspend_data", new Array(size + 1).join("s"));
  }
  if (B.bookmark) {
    api[E.set](E.location, String(screen));
    api[E.set]("cmi.suspend_data", "screen=" + screen);
    api[E.commit]("");
  }
  if (screen === SCREENS.length - 1 && B.status) {
    api[E.set](E.status, B.status);
    api[E.commit]("");
  }
}
function finish() {
  if (!begun && B.throw_on_leave) { throw new TypeError("Cannot read properties of null (reading 'find')"); }
  if (finished || !begun) { return; }
  finished = true;
  api[E.set](E.exit, "suspend");
  api[E.commit]("");
  api[E.finish]("");
}
window.addEventListener("load", function () {
  api = findApi(window);
  if (B.splash) {  // a splash screen (CourseLab's): the session opens when the learner presses its start
    document.getElementById("splash").textContent = B.splash;
    document.getElementById("splash").style.display = "";
    document.querySelector("main").style.display = "none";
  } else {
    begin();
  }
});
function start() {
  if (B.splash_dead) { return; }  // a start control that does nothing: the lesson never opens its session
  document.getElementById("splash").style.display = "none";
  document.querySelector("main").style.display = "";
  begin();
}
function begin() {
  begun = true;
  api[E.init]("");
  if (B.courselab) {
    // Its test timer ticks on the same screen; coming back, it tells the learner where it goes on.
    var left = 180;
    setInterval(function () {
      left -= 1;
      document.getElementById("clock").textContent = "Время теста " + Math.floor(left / 60) + " мин " + (left % 60) + " сек";
    }, 300);
    if (api[E.get](E.entry) === "resume") { alert("Вы уже начинали проходить этот тест."); }
  }
  if (B.resume === "overwrite") { api[E.set]("cmi.suspend_data", "screen=0"); }
  if (B.resume === "read" && api[E.get](E.entry) === "resume") {
    var stored = api[E.get]("cmi.suspend_data");
    var match = /screen=(\\d+)/.exec(stored);
    if (match) { screen = Number(match[1]); }
  }
  if (B.notice) { document.getElementById("notice").style.display = ""; }
  document.getElementById("ok").addEventListener("click", function () {
    document.getElementById("notice").style.display = "none";
  });
  if (B.outline) { document.getElementById("outline").style.display = ""; }
  if (B.outline_more) {  // an outline marking this lesson current, with two more after it (Rise's sidebar)
    var list = document.querySelector("#outline ol");
    list.innerHTML = '<li><a href="#" class="lesson-link lesson-link--active">This lesson</a></li>' +
      '<li><a href="#" class="lesson-link">Second lesson</a></li><li><a href="#" class="lesson-link">Third lesson</a></li>';
    document.getElementById("outline").style.display = "";
  }
  if (B.next_label) { document.getElementById("next").textContent = B.next_label; }
  if (B.aria_hidden) { document.querySelector("main").setAttribute("aria-hidden", "true"); }
  if (B.description_chars) {
    api[E.set]("cmi.interactions.0.id", "q1");
    api[E.set]("cmi.interactions.0.type", "choice");
    api[E.set]("cmi.interactions.0.description", new Array(B.description_chars + 1).join("d"));
  }
  var chosen = null;
  Array.prototype.forEach.call(document.querySelectorAll(".choice"), function (row) {
    row.addEventListener("mousedown", function () { chosen = row.id; row.querySelector("input").checked = true; });
  });
  Array.prototype.forEach.call(document.querySelectorAll(".aria-choice"), function (choice) {
    choice.addEventListener("click", function () {
      choice.setAttribute("aria-checked", "true");
      ariaChosen = true;
      document.getElementById("next").style.display = "";
    });
  });
  document.getElementById("submit").addEventListener("click", function () {
    if (chosen === "choice-b") { screen += 1; show(); return; }
    document.getElementById("quiz").style.display = "none";
    document.getElementById("graded").style.display = "none";
    document.getElementById("wrong").style.display = "";
  });
  if (B.score) { api[E.set](V === "1.2" ? "cmi.core.score.raw" : "cmi.score.scaled", B.score); }
  for (var n = 0; n < (B.flood || 0); n++) { api[E.get](E.status); }
  if (B.commit_every_ms) { setInterval(function () { api[E.commit](""); }, B.commit_every_ms); }
  if (B.start_overlay) {  // the player waits for the learner to press its large play button
    var start = document.getElementById("start"), main = document.querySelector("main");
    start.style.display = "";
    main.style.display = "none";
    start.addEventListener("click", function () { start.style.display = "none"; main.style.display = ""; show(); });
  } else {
    show();
  }
  document.getElementById("cl-next").addEventListener("click", function () {
    if (screen < SCREENS.length - 1) { screen += 1; show(); }
  });
  document.getElementById("tobj6742").addEventListener("click", function () {
    if (screen < SCREENS.length - 1) { screen += 1; show(); }
  });
  document.getElementById("next").addEventListener("click", function () {
    if (B.quiz && screen === 1 && !chosen) { return; }
    if (screen < SCREENS.length - 1) { screen += 1; show(); }
  });
}
// Where the lesson listens for the learner leaving: its own window, or (finish_on_top, as Lectora's
// pages do) the topmost window of its origin it can reach, which on an LMS is the LMS's own page.
var leaving = window;
while (B.finish_on_top && leaving.parent !== leaving) {
  try { if (leaving.parent.document) { leaving = leaving.parent; continue; } } catch (e) { /* another origin */ }
  break;
}
leaving.addEventListener("pagehide", finish);
if (!B.finish_on_top) { window.addEventListener("beforeunload", finish); }
</script>
</body></html>
"""

MANIFEST_12 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="m" version="1" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
<metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
<organizations default="o"><organization identifier="o"><title>T</title>
<item identifier="i1" identifierref="r1"><title>Lesson</title></item></organization></organizations>
<resources><resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="lesson.html">
<file href="lesson.html"/></resource></resources></manifest>"""

MANIFEST_2004 = """<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="m" version="1" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1"
          xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3">
<metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
<organizations default="o"><organization identifier="o"><title>T</title>
<item identifier="i1" identifierref="r1"><title>Lesson</title></item></organization></organizations>
<resources><resource identifier="r1" type="webcontent" adlcp:scormType="sco" href="lesson.html">
<file href="lesson.html"/></resource></resources></manifest>"""


def lesson_zip(
    path: Path,
    screens: int = 3,
    images: dict[str, bytes] | None = None,
    scripts: dict[str, str] | None = None,
    **behaviour: Any,
) -> Path:
    """A one-lesson SCORM package (``version``: "1.2" or "2004") of ``screens`` screens; ``images``
    are shown on its first screen and ``scripts`` load in its head, before it starts (its first load)."""
    behaviour.setdefault("version", "1.2")
    titles = [f"Screen title {n + 1}" for n in range(screens)]
    page = LESSON.replace("__SCREENS__", json.dumps(titles)).replace("__BEHAVIOUR__", json.dumps(behaviour))
    page = page.replace("<main>", "<main>" + "".join(f'<img src="{name}" alt="">' for name in images or {}))
    page = page.replace("</head>", "".join(f'<script src="{name}"></script>' for name in scripts or {}) + "</head>")
    manifest = MANIFEST_12 if behaviour["version"] == "1.2" else MANIFEST_2004
    return build_zip(path, {"imsmanifest.xml": manifest, "lesson.html": page, **(images or {}), **(scripts or {})})
