"""How the embedded staging server answers one request: course files (types, ranges, gzip, validators, the emulated link), the LMS launch frame and its runtime log, and the embedded LRS."""

from __future__ import annotations

import contextlib
import email.utils
import gzip
import html
import json
import posixpath
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, quote, urlsplit

from certifier.host.resources_path import resource_path
from certifier.staging.http_files import TEXT_TYPES, content_type, parse_range
from certifier.staging.lms import RUNTIME_FILES, LmsRecord, launch_frame_html
from certifier.staging.lrs import MAX_BODY_BYTES, EmbeddedLrs, launch_query
from certifier.staging.network import NetworkProfile, SharedLink


class ServedCourse(Protocol):
    """What a request handler needs of the staging server (certifier.staging.server implements it);
    the handler depends on this, not on the server, which creates the handlers."""

    root: Path
    network: NetworkProfile | None
    link: SharedLink | None
    gzip_text: bool
    launch_units: list[dict[str, Any]]
    lms: LmsRecord
    lrs: EmbeddedLrs
    stopping: threading.Event

    def launch_url(self, launch_path: str, unit_id: str = "", kind: str = "scorm", resume: bool = False) -> str: ...
    def progress(self, unit_id: str, attempt: int | None = None) -> list[dict[str, Any]]: ...
    def record(self, entry: dict[str, Any]) -> None: ...
    def log_snapshot(self) -> list[dict[str, Any]]: ...
    def resolve(self, url_path: str) -> Path | None: ...


LMS_PREFIX = "/__lms__/"
LRS_PREFIX = "/__lrs__/"
LAUNCH_KINDS = ("scorm", "cmi5", "xapi")
LOG_BATCH_MAX_BYTES = 512 * 1024  # one post of calls: a batch, or one call with a whole suspend_data
GZIP_MAX_BYTES = 32 * 1024 * 1024
UNTHROTTLED_CHUNK_BYTES = 256 * 1024
CACHE_CONTROL = "public, max-age=3600"
SOCKET_TIMEOUT_S = 30  # a client that stops reading cannot hold a thread forever


class StagingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "CourseCertifierStaging/1"
    timeout = SOCKET_TIMEOUT_S
    staging: ServedCourse

    def setup(self) -> None:
        super().setup()
        # Headers and body are separate writes; without this, Nagle's algorithm and delayed ACKs
        # add ~40 ms to every small response, which no production web server shows.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # requests are recorded by the probes that make them; stderr stays quiet

    # --- dispatch ---

    def do_GET(self) -> None:
        self._dispatch(head=False)

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def do_PUT(self) -> None:
        self._lrs("PUT")

    def do_DELETE(self) -> None:
        self._lrs("DELETE")

    def do_POST(self) -> None:
        if urlsplit(self.path).path.startswith(LRS_PREFIX):
            self._lrs("POST")
            return
        if urlsplit(self.path).path != LMS_PREFIX + "log":
            self._send_simple(HTTPStatus.NOT_FOUND, b"not found")
            return
        body = self._read_body(LOG_BATCH_MAX_BYTES)
        if body is None:
            return
        try:
            posted = json.loads(body or b"{}")
        except ValueError:
            self._send_simple(HTTPStatus.BAD_REQUEST, b"not json")
            return
        for entry in posted if isinstance(posted, list) else [posted]:
            if isinstance(entry, dict):
                self.staging.record(entry)
        self._send_simple(HTTPStatus.NO_CONTENT, b"")

    def _dispatch(self, head: bool) -> None:
        self._emulate_latency()
        if self.staging.stopping.is_set():
            self._send_simple(HTTPStatus.SERVICE_UNAVAILABLE, b"stopping")
            return
        parts = urlsplit(self.path)
        if parts.path.startswith(LRS_PREFIX):
            self._lrs("HEAD" if head else "GET")
            return
        if parts.path.startswith(LMS_PREFIX):
            self._lms(parts.path[len(LMS_PREFIX) :], parse_qs(parts.query), head)
            return
        target = self.staging.resolve(parts.path)
        if target is None and parts.path == "/":
            # A course whose pages are not at its root (most are): the server's own address shows the
            # LMS frame that lists its lessons, rather than a 404.
            self.send_response(HTTPStatus.FOUND)
            self.send_header("Location", LMS_PREFIX)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if target is None:
            self._send_simple(HTTPStatus.NOT_FOUND, b"not found", head)
            return
        self._send_file(target, head)

    def _emulate_latency(self) -> None:
        network = self.staging.network
        if network and network.rtt_ms:
            self.staging.stopping.wait(network.rtt_ms / 1000)

    # --- responses ---

    def _send_simple(
        self,
        status: HTTPStatus,
        body: bytes,
        head: bool = False,
        kind: str = "text/plain; charset=utf-8",
        close: bool = False,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if close:  # http.server then ends the connection after this response
            self.send_header("Connection", "close")
        self.end_headers()
        if not head and body:
            self._write(body)

    def _send_file(self, target: Path, head: bool) -> None:
        relative = target.relative_to(self.staging.root).as_posix()
        stat = target.stat()
        kind = content_type(relative)
        etag = f'"{stat.st_size:x}-{int(stat.st_mtime):x}"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        size = stat.st_size
        wanted = self.headers.get("Range")
        span: tuple[int, int] | None = (0, size - 1)
        status = HTTPStatus.OK
        if wanted:
            span = parse_range(wanted, size)
            if span is None:
                self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status = HTTPStatus.PARTIAL_CONTENT
        compress = (
            self.staging.gzip_text
            and not wanted
            and kind.startswith(TEXT_TYPES)
            and size <= GZIP_MAX_BYTES
            and "gzip" in self.headers.get("Accept-Encoding", "")
        )
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", email.utils.formatdate(stat.st_mtime, usegmt=True))
        self.send_header("Cache-Control", CACHE_CONTROL)
        if compress:
            body = gzip.compress(target.read_bytes(), compresslevel=6)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if not head:
                self._write(body)
            return
        first, last = span or (0, size - 1)
        if status == HTTPStatus.PARTIAL_CONTENT:
            self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        self.send_header("Content-Length", str(last - first + 1 if size else 0))
        self.end_headers()
        if head or not size:
            return
        with open(target, "rb") as source:
            source.seek(first)
            remaining = last - first + 1
            chunk = int(self.staging.link.capacity) if self.staging.link else UNTHROTTLED_CHUNK_BYTES
            while remaining > 0:
                data = source.read(min(chunk, remaining))
                if not data or not self._write(data):
                    self._abort()
                    return
                remaining -= len(data)

    def _abort(self) -> None:
        """End a transfer cut short: the client must see the connection close, not wait for bytes."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _write(self, data: bytes) -> bool:
        """Send bytes at the emulated link's pace; False when the client left or the server stops."""
        link = self.staging.link
        step = int(link.capacity) if link else len(data)
        try:
            for start in range(0, len(data), step):
                piece = data[start : start + step]
                if link and not link.take(len(piece), self.staging.stopping):
                    return False
                self.wfile.write(piece)
            return True
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            return False

    # --- the LMS side ---

    def _read_body(self, limit: int) -> bytes | None:
        """The request body, or None once a 400/413 has been sent (no number, negative, too large).

        A refused body is never read, so the connection closes after the answer: otherwise its bytes
        would be read as the next request on the kept-alive connection (request smuggling)."""
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self._send_simple(HTTPStatus.BAD_REQUEST, b"Content-Length is not a number", close=True)
            return None
        if length < 0 or length > limit:
            self._send_simple(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, b"too large", close=True)
            return None
        return self.rfile.read(length) if length else b""

    def _lrs(self, method: str) -> None:
        """The embedded LRS (xAPI resources and cmi5's fetch URL)."""
        parts = urlsplit(self.path)
        body = self._read_body(MAX_BODY_BYTES)
        if body is None:
            return
        status, kind, content = self.staging.lrs.handle(
            method if method != "HEAD" else "GET",
            parts.path[len(LRS_PREFIX) :].strip("/"),
            parse_qs(parts.query),
            self.headers,
            body,
        )
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(content)))
        self.send_header("X-Experience-API-Version", "1.0.3")
        self.end_headers()
        if method != "HEAD" and content:
            self._write(content)

    def _lms(self, route: str, query: dict[str, list[str]], head: bool) -> None:
        if route == "log":
            body = json.dumps(self.staging.log_snapshot()).encode()
            self._send_simple(HTTPStatus.OK, body, head, "application/json")
        elif route == "progress":
            number = query.get("attempt", [""])[0]
            body = json.dumps(
                self.staging.progress(query.get("id", [""])[0], int(number) if number.isdigit() else None)
            ).encode()
            self._send_simple(HTTPStatus.OK, body, head, "application/json")
        elif route.startswith("runtime/") and route[len("runtime/") :] in RUNTIME_FILES:
            target = resource_path(*RUNTIME_FILES[route[len("runtime/") :]])
            self._send_simple(HTTPStatus.OK, target.read_bytes(), head, "text/javascript; charset=utf-8")
        elif route == "launch":
            sco = posixpath.normpath(query.get("sco", [""])[0]).lstrip("/")
            unit_id = query.get("id", [sco])[0]
            if not sco or sco.startswith("..") or self.staging.resolve("/" + sco.split("?")[0]) is None:
                self._send_simple(HTTPStatus.NOT_FOUND, b"no such launch page", head)
                return
            kind = query.get("launch", ["scorm"])[0]
            sco_url = "/" + quote(sco, safe="/?=&")
            if kind in ("cmi5", "xapi"):
                unit = next((u for u in self.staging.launch_units if u.get("id") == unit_id), {})
                params = self.staging.lrs.launch(unit_id, kind, unit_id, unit.get("move_on"))
                sco_url += ("&" if "?" in sco_url else "?") + launch_query(params)
            resume = query.get("entry", [""])[0] == "resume"
            attempt, state = self.staging.lms.start_attempt(unit_id, resume)
            page = launch_frame_html(
                {
                    "id": unit_id,
                    "url": sco_url,
                    "attempt": attempt,
                    "state": state,
                    "entry": "resume" if resume else "ab-initio",
                },
                sco_url,
            )
            self._send_simple(HTTPStatus.OK, page.encode(), head, "text/html; charset=utf-8")
        elif route == "":
            self._send_simple(HTTPStatus.OK, index_html(self.staging).encode(), head, "text/html; charset=utf-8")
        else:
            self._send_simple(HTTPStatus.NOT_FOUND, b"not found", head)


def index_html(server: ServedCourse) -> str:
    items = "".join(
        f"<li><a href='{html.escape(server.launch_url(u['launch'], u['id']))}'>{html.escape(u['title'] or u['id'])}</a>"
        f" — <code>{html.escape(u['launch'])}</code></li>"
        for u in server.launch_units
    )
    network = server.network
    link = (
        f"{network.name}: {network.down_kbps:,.0f} kbps down, {network.rtt_ms:,.0f} ms round trip"
        if network
        else "no emulation (loopback speed)"
    )
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Course Certifier staging</title></head>"
        f"<body><h1>Course Certifier staging server</h1><p>Network: {html.escape(link)}</p>"
        f"<p>Launch each lesson in the LMS frame; every SCORM call is logged at "
        f"<a href='/__lms__/log'>/__lms__/log</a>.</p><ul>{items or '<li>No launch pages known.</li>'}</ul>"
        f"</body></html>"
    )
