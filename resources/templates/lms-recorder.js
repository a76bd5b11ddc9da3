/* The LMS side of a lesson's launch: scorm-again's SCORM 1.2 (window.API) and SCORM 2004
   (window.API_1484_11) run-times, configured to the standards, behind a facade that records every
   call with a sequence number and a time, in the order the lesson made it. Records are posted to
   the staging server in batches (/__lms__/log); the server orders them by sequence, whatever order
   the batches arrive in. A resumed launch starts the run-time with the state the lesson stored. */
(function () {
  "use strict";
  var launch = window.__certifierLaunch || {};
  var budget = launch.max_logged || 3000;  // reads, and other calls, recorded in full each
  var chars = launch.value_chars || 300;    // characters of a value kept in a record
  var seq = 0;
  var pending = [];
  var counts = {};
  var compact = window.__certifierCalls = [];  // read by the browser helper, in call order

  // The LMS frame's own clock (ms since it started loading), shared with the walk's timeline.
  function now() { return Math.round(performance.now() * 10) / 10; }

  function post(batch, synchronous) {
    var body = JSON.stringify(batch);
    if (!synchronous && navigator.sendBeacon && body.length < 60000 && navigator.sendBeacon("/__lms__/log", body)) {
      return;
    }
    try {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", "/__lms__/log", !synchronous);
      xhr.setRequestHeader("Content-Type", "application/json");
      xhr.send(body);
    } catch (e) { /* the log is best effort; the lesson must not break because of it */ }
  }

  function flush(synchronous) {
    while (pending.length) {
      var batch = [], size = 0;
      while (pending.length && (batch.length === 0 || size < 40000)) {
        var entry = pending.shift();
        size += JSON.stringify(entry).length;
        batch.push(entry);
      }
      post(batch, synchronous);
    }
  }
  window.__certifierFlush = flush;
  setInterval(function () { flush(false); }, 300);
  window.addEventListener("pagehide", function () { flush(false); });

  // Reads (GetValue and the error calls) and the rest have a budget each, so a lesson that floods
  // reads still has its writes recorded; past a budget calls are only counted.
  var kept = {read: 0, other: 0};
  var READS = {GetValue: 1, LMSGetValue: 1, GetLastError: 1, LMSGetLastError: 1, GetErrorString: 1,
               LMSGetErrorString: 1, GetDiagnostic: 1, LMSGetDiagnostic: 1};
  function record(entry) {
    seq += 1;
    entry.seq = seq;
    entry.t_ms = now();
    entry.sco = launch.id;
    entry.attempt = launch.attempt || 1;
    counts[entry.fn] = (counts[entry.fn] || 0) + 1;
    var kind = READS[entry.fn] ? "read" : "other";
    if (kept[kind] < budget) {
      kept[kind] += 1;
      compact.push({seq: seq, fn: entry.fn, result: entry.result, t_ms: entry.t_ms});
      pending.push(entry);
    } else if (counts[entry.fn] % 1000 === 0) {
      pending.push({seq: seq, t_ms: entry.t_ms, sco: launch.id, attempt: entry.attempt, api: "frame",
                    fn: "calls-counted", args: [], result: JSON.stringify(counts), error: "0"});
    }
  }

  function text(value, limit) {
    var s = String(value);
    return s.length > (limit || chars) ? s.slice(0, limit || chars) : s;
  }
  // Values the LMS keeps for a resumed launch travel whole (the server cuts them in the log).
  var STATE_CHARS = 128000;
  var STATE = {"cmi.suspend_data": 1, "cmi.core.lesson_location": 1, "cmi.location": 1};

  var NAMES = {
    "1.2": {init: "LMSInitialize", finish: "LMSFinish", get: "LMSGetValue", set: "LMSSetValue", commit: "LMSCommit",
            error: "LMSGetLastError", errorString: "LMSGetErrorString", diagnostic: "LMSGetDiagnostic"},
    "2004": {init: "Initialize", finish: "Terminate", get: "GetValue", set: "SetValue", commit: "Commit",
             error: "GetLastError", errorString: "GetErrorString", diagnostic: "GetDiagnostic"}
  };

  function facade(real, version) {
    var names = NAMES[version];
    var api = {};
    Object.keys(names).forEach(function (role) {
      var name = names[role];
      api[name] = function () {
        var args = Array.prototype.slice.call(arguments);
        var result = real[name].apply(real, args);
        var entry = {api: version, fn: name, result: text(result),
                     args: args.map(function (a, i) { return text(a, i === 1 && STATE[args[0]] ? STATE_CHARS : 0); })};
        if (role !== "error" && role !== "errorString" && role !== "diagnostic") {
          entry.error = String(real[names.error]());
          if (entry.error !== "0") { entry.message = text(real[names.errorString](entry.error)); }
        }
        if (role === "set") { entry.length = String(args[1]).length; }
        if (role === "get") { entry.length = String(result).length; }
        record(entry);
        return result;
      };
    });
    return api;
  }

  // The run-time as an LMS configures it: no commit URL (this LMS keeps what it needs from the
  // record), no console noise that would read as the lesson's own errors.
  var quiet = {logLevel: 5, onLogMessage: function () {}, autocommit: false, lmsCommitUrl: false};
  var LEARNER = {
    "1.2": {"cmi.core.student_id": "certifier", "cmi.core.student_name": "Certifier, Test"},
    "2004": {"cmi.learner_id": "certifier", "cmi.learner_name": "Certifier, Test"}
  };
  var ENTRY = {"1.2": "cmi.core.entry", "2004": "cmi.entry"};

  // launch.state: per version, what the lesson stored in its previous session (resumed launches).
  function runtime(Kind, version) {
    var real = new Kind(quiet);
    var initial = {}, stored = (launch.state || {})[version] || {};
    Object.keys(LEARNER[version]).forEach(function (key) { initial[key] = LEARNER[version][key]; });
    Object.keys(stored).forEach(function (key) { initial[key] = stored[key]; });
    initial[ENTRY[version]] = launch.entry || "ab-initio";
    try { real.loadFromFlattenedJSON(initial, ""); } catch (e) { /* keeps the run-time's defaults */ }
    return real;
  }

  if (window.Scorm12API) { window.API = facade(runtime(window.Scorm12API, "1.2"), "1.2"); }
  if (window.Scorm2004API) { window.API_1484_11 = facade(runtime(window.Scorm2004API, "2004"), "2004"); }
  window.addEventListener("load", function () {
    record({api: "frame", fn: "loaded", args: [launch.url], result: "", error: "0"});
  });
}());
