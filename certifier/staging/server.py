"""The embedded staging server: a course folder on 127.0.0.1, as a web server would serve it.

Right MIME types, HTTP Range (206) for media, optional gzip for text, cache validators, no path
outside the course folder, and WAN emulation: a bandwidth cap shared by every connection plus a
round trip of latency per request. It also serves the LMS launch frame (``/__lms__/launch``)
whose SCORM run-time (scorm-again) posts every call to ``/__lms__/log``: the runtime log, kept by
:mod:`certifier.staging.lms` with the state a resumed launch gets back.
"""

from __future__ import annotations

import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from certifier.package.workdir import CourseFolder
from certifier.staging.handler import StagingHandler
from certifier.staging.lms import LmsRecord
from certifier.staging.lrs import EmbeddedLrs
from certifier.staging.network import NetworkProfile, SharedLink, chunk_size_for


class StagingServer:
    """Serve ``root`` on 127.0.0.1; use as a context manager (``with StagingServer(...) as s:``).

    ``root`` is a folder, or a package's :class:`CourseFolder` whose files are written as they are
    first asked for; a file the machine could not write is raised when the server stops."""

    def __init__(
        self,
        root: str | os.PathLike[str] | CourseFolder,
        network: NetworkProfile | None = None,
        gzip_text: bool = True,
        launch_units: list[dict[str, Any]] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        self.folder = root if isinstance(root, CourseFolder) else None
        self.root = Path(root.root if isinstance(root, CourseFolder) else root).resolve()
        self.network = network
        self.gzip_text = gzip_text
        self.launch_units = launch_units or []
        self.lms = LmsRecord()
        self.stopping = threading.Event()
        self.link = (
            SharedLink(network.down_bytes_per_s, chunk_size_for(network.down_bytes_per_s))
            if network and network.down_kbps
            else None
        )
        self._httpd = _QuietServer((host, port), _handler_for(self))
        self._httpd.daemon_threads = True
        self.lrs = EmbeddedLrs(base_url=self.url)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host.decode() if isinstance(host, bytes) else host}:{port}/"

    def launch_url(self, launch_path: str, unit_id: str = "", kind: str = "scorm", resume: bool = False) -> str:
        """The LMS frame for a lesson; for cmi5 and xAPI the frame launches it as an LMS does
        (registration, credentials, actor: see :mod:`certifier.staging.lrs`). ``resume``: launched
        again with what the lesson committed last time and ``entry = resume``."""
        url = f"{self.url}__lms__/launch?sco={quote(launch_path)}&id={quote(unit_id or launch_path, safe='')}"
        return url + (f"&launch={kind}" if kind != "scorm" else "") + ("&entry=resume" if resume else "")

    def progress(self, unit_id: str, attempt: int | None = None) -> list[dict[str, Any]]:
        """What a lesson has done so far (in its launch number ``attempt``, else in all): its SCORM
        calls in call order and the statements it sent."""
        events = [
            {"fn": e.get("fn"), "result": e.get("result")}
            for e in self.log_snapshot()
            if e.get("sco") == unit_id and (attempt is None or e.get("attempt", 1) == attempt)
        ]
        for stored in self.lrs.snapshot()["statements"]:
            if stored["unit"] == unit_id and stored["by"] == "course":
                verb = ((stored["statement"].get("verb") or {}).get("id") or "").rsplit("/", 1)[-1]
                events.append({"fn": verb, "result": "true", "statement": True})
        return events

    def start(self) -> StagingServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="staging-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread:
            self._thread.join(5)
        if self.folder is not None:
            self.folder.check()

    def __enter__(self) -> StagingServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def record(self, entry: dict[str, Any]) -> None:
        self.lms.record(entry)

    def log_snapshot(self) -> list[dict[str, Any]]:
        return self.lms.snapshot()

    def resolve(self, url_path: str) -> Path | None:
        """The file a URL path names inside the course folder, or None (never outside it)."""
        relative = unquote(url_path)
        if "\x00" in relative or "\\" in relative:
            return None
        parts = [p for p in relative.split("/") if p not in ("", ".")]
        if ".." in parts:
            return None
        if self.folder is not None:
            self.folder.provide("/".join(parts))
        target = (self.root / Path(*parts)) if parts else self.root
        try:
            target = target.resolve()
        except OSError:
            return None
        if os.path.commonpath([self.root, target]) != str(self.root):
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser that closes or resets a connection is normal; anything else is still shown.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def _handler_for(server: StagingServer) -> type[BaseHTTPRequestHandler]:
    class Handler(StagingHandler):
        staging = server

    return Handler
