/* Finds the LMS's SCORM 2004 API (API_1484_11) in a parent or opener window and records
   the learner's progress: Initialize on load, completion on demand, Commit and Terminate. */
(function (global) {
  "use strict";
  var api = null;
  var finished = false;

  function findApi(win) {
    var hops = 0;
    while (win && hops < 10) {
      if (win.API_1484_11) { return win.API_1484_11; }
      if (win.parent === win) { break; }
      win = win.parent;
      hops += 1;
    }
    return null;
  }

  function locate() {
    return findApi(global) || (global.opener ? findApi(global.opener) : null);
  }

  var course = {
    start: function () {
      api = locate();
      if (!api) { return false; }
      api.Initialize("");
      if (api.GetValue("cmi.completion_status") !== "completed") {
        api.SetValue("cmi.completion_status", "incomplete");
      }
      return true;
    },
    complete: function (scaled) {
      if (!api) { return; }
      api.SetValue("cmi.completion_status", "completed");
      if (typeof scaled === "number") {
        api.SetValue("cmi.score.scaled", String(scaled));
        api.SetValue("cmi.success_status", scaled >= 0.8 ? "passed" : "failed");
      }
      api.Commit("");
    },
    finish: function () {
      if (!api || finished) { return; }
      finished = true;
      api.Commit("");
      api.Terminate("");
    }
  };
  global.addEventListener("load", course.start);
  global.addEventListener("pagehide", course.finish);
  global.addEventListener("beforeunload", course.finish);
  global.SampleCourse = course;
}(window));
