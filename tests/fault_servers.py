"""HTTP servers that misbehave on purpose, on 127.0.0.1, started and stopped by the tests."""

from __future__ import annotations

import contextlib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

STOP = threading.Event()


@contextlib.contextmanager
def serve(handler: type[BaseHTTPRequestHandler], tls_context=None):
    """Run ``handler`` on 127.0.0.1 (any free port) for the ``with`` block; yield the base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    scheme = "http"
    if tls_context is not None:
        httpd.socket = tls_context.wrap_socket(httpd.socket, server_side=True)
        scheme = "https"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"{scheme}://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        STOP.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
        STOP.clear()


class Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status: int, body: bytes = b"", headers: dict | None = None):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class ServerError(Quiet):
    def do_GET(self):
        self.reply(500, b"internal error", {"Content-Type": "text/plain"})


class RedirectLoop(Quiet):
    def do_GET(self):
        target = "/b" if self.path.startswith("/a") else "/a"
        self.reply(302, b"", {"Location": target})


class NeverAnswers(Quiet):
    """Accepts the request, then says nothing until the test ends (a read timeout)."""

    def do_GET(self):
        STOP.wait(30)


class Trickle(Quiet):
    """Announces a page and sends it one byte every 0.1 s."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", "100000")
        self.end_headers()
        for _ in range(100000):
            if STOP.is_set():
                return
            try:
                self.wfile.write(b"x")
                self.wfile.flush()
            except OSError:
                return
            time.sleep(0.1)


class Endless(Quiet):
    """Announces 10 GB and streams zeros as fast as the client reads."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(10 * 1024**3))
        self.end_headers()
        block = b"\0" * 65536
        try:
            while not STOP.is_set():
                self.wfile.write(block)
        except OSError:
            return


def static_handler(
    root: Path,
    *,
    cache: bool = True,
    ranges: bool = True,
    media_type: str | None = None,
    override: dict[str, bytes] | None = None,
) -> type[BaseHTTPRequestHandler]:
    """A plain static server for a folder, with switches for the defects IT cares about."""

    class Static(Quiet):
        def do_GET(self):
            path = self.path.split("?", 1)[0].lstrip("/")
            from urllib.parse import unquote

            path = unquote(path)
            if override and path in override:
                body = override[path]
            else:
                file = root / path
                if ".." in path or not file.is_file():
                    self.reply(404, b"missing")
                    return
                body = file.read_bytes()
            kind = media_type if (media_type and path.endswith((".mp4", ".mp3"))) else _type(path)
            headers = {"Content-Type": kind}
            if cache:
                headers["Cache-Control"] = "max-age=600"
            wanted = self.headers.get("Range")
            if ranges and wanted and wanted.startswith("bytes="):
                first, _, last = wanted[6:].partition("-")
                first, last = int(first), min(int(last or len(body) - 1), len(body) - 1)
                headers["Content-Range"] = f"bytes {first}-{last}/{len(body)}"
                self.reply(206, body[first : last + 1], headers)
                return
            self.reply(200, body, headers)

    return Static


def _type(path: str) -> str:
    from certifier.package.media_types import guess_by_name

    return guess_by_name(path)


class TrickleHeaders(Quiet):
    """Sends its status line and headers one byte every 0.1 s: no single read ever times out."""

    def do_GET(self):
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nX-Padding: " + b"x" * 10_000 + b"\r\n\r\n"
        for byte in head:
            if STOP.is_set():
                return
            try:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
            except OSError:
                return
            time.sleep(0.1)
