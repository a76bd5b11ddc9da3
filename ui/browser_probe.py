"""Helper process: load lessons in Qt WebEngine and report real-browser timings as JSON.

``python -m certifier.ui.browser_probe [--timeout S] URL...`` — each URL is an LMS launch-frame
page of the embedded staging server. After the lesson loads, its frame is emptied so the SCO's
unload handlers run (Terminate/LMSFinish) while the LMS frame is still there to log them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

SETTLE_MS = 700     # after load: scripts that initialise on load have run
UNLOAD_MS = 700     # after emptying the lesson frame: unload handlers have posted their calls
LOAD_TIMEOUT_MS = 20_000

TIMING_JS = """
(function () {
  var frame = document.getElementById('sco');
  var win = frame && frame.contentWindow;
  if (!win) { return JSON.stringify({error: 'no lesson frame'}); }
  var nav = win.performance.getEntriesByType('navigation')[0] || {};
  var res = win.performance.getEntriesByType('resource').map(function (r) {
    return {name: r.name, start_ms: r.startTime, duration_ms: r.duration, transfer_bytes: r.transferSize || 0};
  });
  return JSON.stringify({load_ms: nav.loadEventEnd || null, dom_content_loaded_ms: nav.domContentLoadedEventEnd || null,
                         response_end_ms: nav.responseEnd || null, resources: res});
}())
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="certifier.ui.browser_probe")
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("urls", nargs="+")
    args = parser.parse_args(argv)

    from PySide6.QtCore import QCoreApplication, QEventLoop, Qt, QTimer, QUrl, qVersion
    from PySide6.QtWidgets import QApplication

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication([sys.argv[0]])
    from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile

    profile = QWebEngineProfile()  # off the record: no cache or cookies on disk
    page = QWebEnginePage(profile)
    deadline = time.monotonic() + args.timeout

    def wait(ms: int, signal=None):
        loop = QEventLoop()
        result = {}
        if signal is not None:
            def done(*values):
                result["values"] = values
                loop.quit()
            signal.connect(done)
        QTimer.singleShot(max(1, min(ms, int((deadline - time.monotonic()) * 1000))), loop.quit)
        loop.exec()
        if signal is not None:
            signal.disconnect(done)
        return result.get("values")

    def evaluate(script: str):
        loop = QEventLoop()
        holder = {}

        def done(value):
            holder["value"] = value
            loop.quit()
        page.runJavaScript(script, 0, done)
        QTimer.singleShot(5000, loop.quit)
        loop.exec()
        return holder.get("value")

    pages = []
    for url in args.urls:
        if time.monotonic() > deadline:
            pages.append({"url": url, "error": "not loaded: the time budget ran out"})
            continue
        started = time.monotonic()
        page.load(QUrl(url))
        loaded = wait(LOAD_TIMEOUT_MS, page.loadFinished)
        if not loaded or not loaded[0]:
            pages.append({"url": url, "error": "the page did not finish loading"})
            continue
        wait(SETTLE_MS)
        raw = evaluate(TIMING_JS)
        timing = json.loads(raw) if isinstance(raw, str) else {"error": "timing not readable"}
        evaluate("document.getElementById('sco').src = 'about:blank'; true")
        wait(UNLOAD_MS)
        pages.append({"url": url, "wall_ms": round((time.monotonic() - started) * 1000, 1),
                      **{k: v for k, v in timing.items() if k != "error"},
                      **({"error": timing["error"]} if "error" in timing else {})})
    page.deleteLater()
    app.processEvents()
    print(json.dumps({"engine": f"Qt WebEngine (Qt {qVersion()})", "pages": pages}))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
