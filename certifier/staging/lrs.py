"""An embedded LRS and cmi5/xAPI launches, as an LMS provides them, for the runtime pass.

Only the resources a course uses at run time: statements (POST, PUT, GET), the state, activity
profile and agent profile documents, ``about``, and cmi5's one-time fetch URL that hands the AU
its credentials, in the usual syntax or xAPI 1.0.3's alternate one (:func:`alternate_request`). Everything lives in memory for one run and is bounded in count and size. A
launch (:meth:`EmbeddedLrs.launch`) does what a cmi5 LMS does before opening an AU: a
registration, a session id, ``LMS.LaunchData`` in the state, the *launched* statement, a one-time
fetch token. xAPI (Tin Can) launches get the endpoint, Basic credentials and actor in the URL.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from typing import Any
from urllib.parse import parse_qs, quote, urlencode

XAPI_VERSION = "1.0.3"
MAX_STATEMENTS = 10_000
MAX_DOCUMENTS = 1_000
MAX_BODY_BYTES = 1024 * 1024
# What the LRS holds for one run, statements and documents together: a real course's session stores
# well under a megabyte; a page that floods it is answered 507 instead of growing the server.
MAX_STORED_BYTES = 32 * 1024 * 1024
CMI5_SESSION = "https://w3id.org/xapi/cmi5/context/extensions/sessionid"
CMI5_CATEGORY = "https://w3id.org/xapi/cmi5/context/categories/cmi5"
VERB_LAUNCHED = "http://adlnet.gov/expapi/verbs/launched"
LEARNER = {
    "objectType": "Agent",
    "name": "Certifier Test Learner",
    "account": {"homePage": "https://course-certifier.invalid", "name": "test-learner"},
}
TINCAN_ACTOR = {"name": ["Certifier Test Learner"], "mbox": ["mailto:test-learner@course-certifier.invalid"]}


@dataclass
class Launch:
    unit_id: str
    kind: str  # "cmi5" or "xapi"
    activity_id: str
    registration: str
    session_id: str
    token: str | None = None
    token_used: bool = False
    move_on: str | None = None
    # Each launch gets its own credentials: another page on the server cannot reuse one launch's.
    credentials: tuple[str, str] = field(default_factory=lambda: ("certifier", secrets.token_urlsafe(12)))

    @property
    def basic_auth(self) -> str:
        return "Basic " + base64.b64encode(":".join(self.credentials).encode()).decode()


@dataclass
class EmbeddedLrs:
    """One run's LRS. Thread-safe: the staging server answers requests on several threads."""

    base_url: str = ""
    statements: list[dict[str, Any]] = field(default_factory=list)
    documents: dict[tuple[str, ...], tuple[bytes, str]] = field(default_factory=dict)
    launches: dict[str, Launch] = field(default_factory=dict)  # by registration
    rejected: list[dict[str, Any]] = field(default_factory=list)
    stored_bytes: int = 0  # statements and documents held, against MAX_STORED_BYTES
    refused_full: int = 0  # writes answered 507 because the store was full
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def endpoint(self) -> str:
        return self.base_url.rstrip("/") + "/__lrs__/"

    # --- launching -------------------------------------------------------------------------

    def launch(
        self, unit_id: str, kind: str, activity_id: str, move_on: str | None = None, launch_method: str = "AnyWindow"
    ) -> dict[str, str]:
        """The query parameters of a launch URL; for cmi5, the LMS's side of the launch too."""
        launch = Launch(unit_id, kind, activity_id, str(uuid.uuid4()), str(uuid.uuid4()), move_on=move_on)
        with self.lock:
            self.launches[launch.registration] = launch
        if kind == "xapi":
            return {
                "endpoint": self.endpoint,
                "auth": launch.basic_auth,
                "actor": _compact(TINCAN_ACTOR),
                "registration": launch.registration,
                "activity_id": activity_id,
            }
        launch.token = secrets.token_urlsafe(16)
        launch_data = {
            "contextTemplate": {
                "contextActivities": {"grouping": [{"id": activity_id}]},
                "extensions": {CMI5_SESSION: launch.session_id},
            },
            "launchMode": "Normal",
            "launchMethod": launch_method,
            "moveOn": move_on or "NotApplicable",
        }
        state_key = ("state", activity_id, _agent_key(LEARNER), launch.registration, "LMS.LaunchData")
        with self.lock:
            content = json.dumps(launch_data).encode()
            self.documents[state_key] = (content, "application/json")
            self.stored_bytes += len(content)
        self._store(
            {
                "id": str(uuid.uuid4()),
                "actor": LEARNER,
                "verb": {"id": VERB_LAUNCHED, "display": {"en-US": "launched"}},
                "object": {"id": activity_id, "objectType": "Activity"},
                "context": {
                    "registration": launch.registration,
                    "contextActivities": {"category": [{"id": CMI5_CATEGORY}]},
                    "extensions": {CMI5_SESSION: launch.session_id},
                },
                "timestamp": _now(),
            },
            by="lms",
        )
        return {
            "endpoint": self.endpoint,
            "fetch": f"{self.endpoint}cmi5/fetch?token={launch.token}",
            "registration": launch.registration,
            "activityId": activity_id,
            "actor": _compact(LEARNER),
        }

    # --- requests --------------------------------------------------------------------------

    def handle(
        self, method: str, route: str, query: dict[str, list[str]], headers: Any, body: bytes
    ) -> tuple[int, str, bytes]:
        """(status, content type, body) for a request under ``/__lrs__/``."""
        if len(body) > MAX_BODY_BYTES:
            return 413, "text/plain", b"too large"
        if method == "POST" and "method" in query:
            alternate = alternate_request(query, headers, body)
            if alternate is None:
                return 400, "text/plain", b"not a valid alternate request"
            method, query, headers, body = alternate
        if route == "cmi5/fetch":
            return self._fetch(method, query)
        if route == "about":
            return 200, "application/json", json.dumps({"version": [XAPI_VERSION]}).encode()
        if not self._authorised(headers.get("Authorization")):
            return 401, "text/plain", b"unauthorised"
        if route == "statements":
            return self._statements(method, query, body)
        if route in ("activities/state", "activities/profile", "agents/profile"):
            return self._document(method, route, query, headers, body)
        return 404, "text/plain", b"not found"

    def _fetch(self, method: str, query: dict[str, list[str]]) -> tuple[int, str, bytes]:
        token = query.get("token", [""])[0]
        with self.lock:
            launch = next((lu for lu in self.launches.values() if lu.token and lu.token == token), None)
            if method != "POST" or launch is None:
                return 200, "application/json", json.dumps({"error-code": "3", "error-text": "unknown token"}).encode()
            if launch.token_used:  # cmi5: the fetch URL answers once
                return 200, "application/json", json.dumps({"error-code": "1", "error-text": "already used"}).encode()
            launch.token_used = True
        auth = base64.b64encode(":".join(launch.credentials).encode()).decode()
        return 200, "application/json", json.dumps({"auth-token": auth}).encode()

    def _authorised(self, header: str | None) -> bool:
        with self.lock:
            return header is not None and any(
                secrets.compare_digest(header, lu.basic_auth) for lu in self.launches.values()
            )

    def _room_for(self, size: int, replaced: int = 0) -> bool:
        """Whether ``size`` more bytes fit the store (``replaced``: the bytes they replace); counts a refusal.
        The caller holds the lock."""
        if self.stored_bytes - replaced + size <= MAX_STORED_BYTES:
            self.stored_bytes += size - replaced
            return True
        self.refused_full += 1
        return False

    def _statements(self, method: str, query: dict[str, list[str]], body: bytes) -> tuple[int, str, bytes]:
        if method == "GET":
            with self.lock:
                wanted = query.get("statementId", [None])[0]
                found = [s["statement"] for s in self.statements if not wanted or s["statement"].get("id") == wanted]
            return 200, "application/json", json.dumps({"statements": found[-100:], "more": ""}).encode()
        try:
            data = json.loads(body or b"null")
        except ValueError:
            return 400, "text/plain", b"not JSON"
        items = data if isinstance(data, list) else [data]
        if not items or not all(isinstance(s, dict) for s in items):
            return 400, "text/plain", b"a statement is an object"
        with self.lock:
            if not self._room_for(len(body)):
                return 507, "text/plain", b"statement store full"
        ids = []
        for statement in items:
            if method == "PUT":
                statement.setdefault("id", query.get("statementId", [None])[0])
            statement.setdefault("id", str(uuid.uuid4()))
            ids.append(statement["id"])
            self._store(statement, by="course")
        if method == "PUT":
            return 204, "text/plain", b""
        return 200, "application/json", json.dumps(ids).encode()

    def _document(
        self, method: str, route: str, query: dict[str, list[str]], headers: Any, body: bytes
    ) -> tuple[int, str, bytes]:
        first = {k: v[0] for k, v in query.items() if v}
        doc_id = first.get("stateId") or first.get("profileId") or ""
        subject = first.get("activityId", "") if route != "agents/profile" else ""
        agent = _agent_key(_json_or_none(first.get("agent")))
        key = (route.split("/")[1], subject, agent, first.get("registration", ""), doc_id)
        with self.lock:
            if method == "GET":
                if key not in self.documents:
                    return 404, "text/plain", b"not found"
                content, kind = self.documents[key]
                return 200, kind, content
            if method == "DELETE":
                removed = self.documents.pop(key, None)
                self.stored_bytes -= len(removed[0]) if removed else 0
                return 204, "text/plain", b""
            if len(self.documents) >= MAX_DOCUMENTS and key not in self.documents:
                return 507, "text/plain", b"document store full"
            if not self._room_for(len(body), len(self.documents.get(key, (b"", ""))[0])):
                return 507, "text/plain", b"document store full"
            self.documents[key] = (body, headers.get("Content-Type") or "application/octet-stream")
        return 204, "text/plain", b""

    def _store(self, statement: dict[str, Any], by: str) -> None:
        registration = ((statement.get("context") or {}).get("registration")) if isinstance(statement, dict) else None
        with self.lock:
            launch = self.launches.get(registration or "")
            if len(self.statements) < MAX_STATEMENTS:
                self.statements.append(
                    {"statement": statement, "by": by, "unit": launch.unit_id if launch else None, "stored": _now()}
                )

    def snapshot(self) -> dict[str, Any]:
        """What the run's rules read: every statement, and each launch's registration and session."""
        with self.lock:
            return {
                "statements": [dict(s) for s in self.statements],
                "launches": [
                    {
                        "unit": lu.unit_id,
                        "kind": lu.kind,
                        "activity_id": lu.activity_id,
                        "registration": lu.registration,
                        "session_id": lu.session_id,
                        "token_used": lu.token_used,
                        "move_on": lu.move_on,
                    }
                    for lu in self.launches.values()
                ],
                "stored_bytes": self.stored_bytes,
                "refused_full": self.refused_full,
            }


# xAPI 1.0.3 (Part Three, 1.3): a request may come as a POST whose real method is the only query
# parameter and whose headers, parameters and body ("content") are form fields; an LRS must take
# it. TinCanJS (inside SCORM Driver: Rise's and Storyline's cmi5 output) sends this way when a
# request has to outlive the page (a keepalive fetch at unload): the AU's terminated statement at
# the learner's exit, and the state it saves just before, arrive like this.
ALTERNATE_METHODS = ("GET", "PUT", "POST", "DELETE")
ALTERNATE_HEADERS = (
    "Authorization",
    "X-Experience-API-Version",
    "Content-Type",
    "Content-Length",
    "If-Match",
    "If-None-Match",
)


def alternate_request(
    query: dict[str, list[str]], headers: Any, body: bytes
) -> tuple[str, dict[str, list[str]], Message, bytes] | None:
    """(method, query, headers, body) of an alternate-syntax request, or None when it is not one."""
    method = query.get("method", [""])[0].upper()
    if method not in ALTERNATE_METHODS or len(query) != 1:
        return None
    if not (headers.get("Content-Type") or "").lower().startswith("application/x-www-form-urlencoded"):
        return None
    try:
        form = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=100)
    except (UnicodeDecodeError, ValueError):
        return None
    canonical = {name.lower(): name for name in ALTERNATE_HEADERS}
    real_headers = Message()
    params: dict[str, list[str]] = {}
    for name, values in form.items():
        if name.lower() in canonical:
            real_headers[canonical[name.lower()]] = values[0]
        elif name != "content":
            params[name] = values
    content = form.get("content", [""])[0].encode("utf-8")
    return method, params, real_headers, content


def launch_query(params: dict[str, str]) -> str:
    """Percent-encoded (a space as %20, never '+'): courses decode with decodeURIComponent."""
    return urlencode(params, quote_via=quote)


def _compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _json_or_none(text: str | None) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _agent_key(agent: Any) -> str:
    """One key for the same learner however the agent is written (mbox, account…)."""
    if not isinstance(agent, dict):
        return ""
    if isinstance(agent.get("account"), dict):
        account = agent["account"]
        return f"account:{account.get('homePage', '')}|{account.get('name', '')}"
    for name in ("mbox", "mbox_sha1sum", "openid"):
        value = agent.get(name)
        if isinstance(value, list):
            value = value[0] if value else ""
        if value:
            return f"{name}:{value}"
    return ""
