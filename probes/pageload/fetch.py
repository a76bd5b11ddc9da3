"""Fetching a launch page and what it loads, with every request bounded in bytes and time."""

from __future__ import annotations

import contextlib
import hashlib
import socket
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

READ_CHUNK_BYTES = 64 * 1024
RANGE_PROBE = "bytes=0-1023"


@dataclass(frozen=True)
class FetchLimits:
    timeout_s: float  # connect and per-read timeout
    max_response_s: float  # whole response, however slowly it trickles
    max_response_bytes: int  # bytes read before giving up on a response
    max_redirects: int
    ca_bundle: str | None  # a CA file the user trusts; None = the system's store


class ResponseTooLarge(Exception):
    pass


class ResponseTooSlow(Exception):
    pass


_Connection = TypeVar("_Connection", bound=urllib3.connection.HTTPConnection)


class DeadlineAdapter(HTTPAdapter):
    """Keeps the connections it opens, so a watchdog can cut them at a request's deadline: a
    server that trickles its *headers* a byte at a time never trips a per-read timeout."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.live: weakref.WeakSet[Any] = weakref.WeakSet()
        super().__init__(*args, **kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        live = self.live

        def tracked(base: type[_Connection]) -> type[_Connection]:
            def connect(connection: _Connection) -> None:
                base.connect(connection)
                live.add(connection)

            return type(f"Tracked{base.__name__}", (base,), {"connect": connect})

        class HTTPPool(urllib3.HTTPConnectionPool):
            ConnectionCls = tracked(urllib3.connection.HTTPConnection)

        class HTTPSPool(urllib3.HTTPSConnectionPool):
            ConnectionCls = tracked(urllib3.connection.HTTPSConnection)

        self.poolmanager.pool_classes_by_scheme = {"http": HTTPPool, "https": HTTPSPool}

    def cut(self) -> None:
        for connection in list(self.live):
            sock = getattr(connection, "sock", None)
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


class Deadline:
    """Cuts the session's connections when ``seconds`` pass; ``expired`` tells a caller why."""

    def __init__(self, session: requests.Session, seconds: float):
        adapter = session.get_adapter("http://")
        self.expired = False
        self._timer = (
            threading.Timer(seconds, self._cut, args=(adapter,)) if isinstance(adapter, DeadlineAdapter) else None
        )

    def _cut(self, adapter: DeadlineAdapter) -> None:
        self.expired = True
        adapter.cut()

    def __enter__(self) -> Deadline:
        if self._timer:
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._timer:
            self._timer.cancel()


def new_session(limits: FetchLimits, auth: tuple[str, str] | None = None) -> requests.Session:
    session = requests.Session()
    adapter = DeadlineAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.max_redirects = limits.max_redirects
    session.headers["User-Agent"] = "CourseCertifier/1 (page-load probe)"
    session.headers["Accept-Encoding"] = "gzip, deflate"
    session.verify = limits.ca_bundle or True  # verification is never switched off
    session.trust_env = False  # loopback and IT's staging host: no surprise proxies
    if auth:
        session.auth = auth
    return session


def error_kind(exc: Exception) -> str:
    if isinstance(exc, requests.exceptions.SSLError):
        return "tls"
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return "redirects"
    if isinstance(exc, (requests.exceptions.ConnectTimeout, requests.exceptions.ReadTimeout)):
        return "timeout"
    if isinstance(exc, requests.exceptions.ConnectionError):
        text = str(exc)
        if "NameResolution" in text or "Name or service not known" in text or "getaddrinfo" in text:
            return "dns"
        return "connection"
    if isinstance(exc, ResponseTooLarge):
        return "too-large"
    if isinstance(exc, ResponseTooSlow):
        return "too-slow"
    return "other"


def fetch(
    session: requests.Session,
    url: str,
    limits: FetchLimits,
    kind: str,
    page_start: float,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One request, read to the end (within the limits); a record whatever happens."""
    record: dict[str, Any] = {"url": url, "kind": kind, "start_ms": round((time.monotonic() - page_start) * 1000, 1)}
    started = time.monotonic()
    digest = hashlib.sha256()
    received = 0
    deadline = Deadline(session, limits.max_response_s)
    try:
        with (
            deadline,
            session.get(
                url, timeout=(limits.timeout_s, limits.timeout_s), stream=True, headers=headers or {}
            ) as response,
        ):
            ttfb = time.monotonic() - started
            record.update(
                status=response.status_code,
                redirects=len(response.history),
                final_url=response.url,
                ttfb_ms=round(ttfb * 1000, 1),
                content_type=response.headers.get("Content-Type", ""),
                encoding=response.headers.get("Content-Encoding", ""),
                cache_control=response.headers.get("Cache-Control", ""),
                etag=response.headers.get("ETag", ""),
                last_modified=response.headers.get("Last-Modified", ""),
                declared_length=int(response.headers.get("Content-Length") or -1),
                tls=urlsplit(response.url).scheme == "https",
            )
            body = bytearray()
            # read1 returns as soon as any bytes arrive, so a trickling server cannot keep us in one
            # blocking read past the time limit (iter_content waits to fill its whole chunk).
            while chunk := response.raw.read1(READ_CHUNK_BYTES, decode_content=True):
                received += len(chunk)
                digest.update(chunk)
                if kind == "document" or record["content_type"].startswith("text/css"):
                    body.extend(chunk)
                if received > limits.max_response_bytes:
                    raise ResponseTooLarge(f"more than {limits.max_response_bytes:,} bytes")
                if time.monotonic() - started > limits.max_response_s:
                    raise ResponseTooSlow(f"still arriving after {limits.max_response_s:g} s ({received:,} bytes)")
            if deadline.expired:  # the cut connection ended headers or body early: nothing here is whole
                raise ResponseTooSlow("cut at the deadline")
            # bytes: what crossed the network (compressed); decoded_bytes: the file itself.
            record.update(
                bytes=_wire_bytes(response, received),
                decoded_bytes=received,
                transfer_ms=round((time.monotonic() - started) * 1000, 1),
                sha256=digest.hexdigest(),
                complete=True,
            )
            if body:
                record["_body"] = bytes(body)
    except Exception as exc:  # every network failure is a finding, never a crashed probe
        failure: Exception = exc
        if deadline.expired:
            failure = ResponseTooSlow(
                f"still arriving after {limits.max_response_s:g} s (headers and body together, "
                f"{received:,} bytes of body)"
            )
        record.update(
            bytes=received,
            transfer_ms=round((time.monotonic() - started) * 1000, 1),
            complete=False,
            error={"kind": error_kind(failure), "message": f"{type(failure).__name__}: {failure}"[:500]},
        )
    return record


def _wire_bytes(response: requests.Response, decoded: int) -> int:
    try:
        return int(response.raw.tell())  # urllib3 counts bytes read from the socket, before decoding
    except (AttributeError, TypeError, ValueError):
        return decoded


def range_check(session: requests.Session, url: str, limits: FetchLimits) -> dict[str, Any]:
    """Does the server answer a byte range (206), as media players need for seeking?"""
    try:
        with (
            Deadline(session, limits.max_response_s) as guard,
            session.get(
                url,
                timeout=(limits.timeout_s, limits.timeout_s),
                stream=True,
                headers={"Range": RANGE_PROBE, "Accept-Encoding": "identity"},
            ) as response,
        ):
            if guard.expired:
                raise ResponseTooSlow(f"no whole answer within {limits.max_response_s:g} s")
            return {
                "status": response.status_code,
                "content_type": response.headers.get("Content-Type", ""),
                "content_range": response.headers.get("Content-Range", ""),
            }
    except Exception as exc:
        return {"error": {"kind": error_kind(exc), "message": f"{type(exc).__name__}: {exc}"[:500]}}
