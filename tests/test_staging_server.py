"""The embedded staging server: Range, MIME, path safety, gzip, the LMS log, and WAN emulation."""

from __future__ import annotations

import os
import threading
import time

import pytest
import requests

from certifier.staging.http_files import parse_range
from certifier.staging.network import NetworkProfile
from certifier.staging.server import StagingServer


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    (root / "media").mkdir(parents=True)
    (root / "index.html").write_text("<html>" + "learning " * 2000 + "</html>")
    (root / "media" / "clip.mp4").write_bytes(os.urandom(300_000))
    (root / "captions.vtt").write_text("WEBVTT\n")
    (root / "app.wasm").write_bytes(b"\0asm\x01\0\0\0")
    (tmp_path / "secret.txt").write_text("outside the course")
    return root


def test_range_requests(site):
    with StagingServer(site) as server:
        url = server.url + "media/clip.mp4"
        whole = requests.get(url).content
        part = requests.get(url, headers={"Range": "bytes=1000-1999"})
        assert part.status_code == 206 and part.content == whole[1000:2000]
        assert part.headers["Content-Range"] == "bytes 1000-1999/300000"
        tail = requests.get(url, headers={"Range": "bytes=-500"})
        assert tail.status_code == 206 and tail.content == whole[-500:]
        bad = requests.get(url, headers={"Range": "bytes=400000-"})
        assert bad.status_code == 416 and bad.headers["Content-Range"] == "bytes */300000"


@pytest.mark.parametrize(
    "path, kind",
    [
        ("media/clip.mp4", "video/mp4"),
        ("captions.vtt", "text/vtt; charset=utf-8"),
        ("app.wasm", "application/wasm"),
        ("index.html", "text/html; charset=utf-8"),
    ],
)
def test_media_types(site, path, kind):
    with StagingServer(site) as server:
        assert requests.get(server.url + path).headers["Content-Type"] == kind


@pytest.mark.parametrize(
    "path",
    [
        "../secret.txt",
        "%2e%2e/secret.txt",
        "media/..%2f..%2fsecret.txt",
        "media%5c..%5c..%5csecret.txt",
        "/etc/hostname",
        "%00index.html",
    ],
)
def test_no_path_escapes(site, path):
    with StagingServer(site) as server:
        response = requests.get(server.url + path)
        assert response.status_code == 404 and b"outside the course" not in response.content


def test_gzip_and_cache_validators(site):
    with StagingServer(site) as server:
        response = requests.get(server.url + "index.html")
        assert response.headers["Content-Encoding"] == "gzip"
        assert int(response.headers["Content-Length"]) < len(response.content) / 10
        etag = response.headers["ETag"]
        again = requests.get(server.url + "index.html", headers={"If-None-Match": etag})
        assert again.status_code == 304
    with StagingServer(site, gzip_text=False) as server:
        assert "Content-Encoding" not in requests.get(server.url + "index.html").headers


def test_lms_frame_and_runtime_log(site):
    with StagingServer(site, launch_units=[{"id": "u1", "title": "Lesson", "launch": "index.html"}]) as server:
        frame = requests.get(server.launch_url("index.html", "u1"))
        assert frame.status_code == 200 and 'src="/index.html"' in frame.text
        for script in ("scorm12.min.js", "scorm2004.min.js", "recorder.js"):  # the run-time the frame loads
            assert f'src="/__lms__/runtime/{script}"' in frame.text
            assert requests.get(server.url + "__lms__/runtime/" + script).status_code == 200
        assert "API_1484_11" in requests.get(server.url + "__lms__/runtime/recorder.js").text
        assert requests.get(server.url + "__lms__/runtime/../profiles/default.toml").status_code == 404
        assert requests.get(server.launch_url("../secret.txt")).status_code == 404
        posted = requests.post(server.url + "__lms__/log", json={"api": "2004", "fn": "Initialize", "result": "true"})
        assert posted.status_code == 204
        assert requests.get(server.url + "__lms__/log").json()[0]["fn"] == "Initialize"
        assert requests.post(server.url + "__lms__/log", data=b"x" * 600_000).status_code == 413
        assert "Lesson" in requests.get(server.url + "__lms__/").text


def assert_link_time(elapsed: float, expected: float) -> None:
    """The emulated link is never faster than its rate (the bucket banks at most one ~20 ms chunk);
    a busy two-core CI machine may only make it slower, so the upper margin is wider."""
    assert expected * 0.9 <= elapsed <= expected * 1.3, f"{elapsed:.3f} s for a link that needs {expected:.3f} s"


@pytest.mark.parametrize("kbps, rtt_ms, size", [(1600, 150, 200_000), (5000, 28, 600_000)])
def test_transfer_time_matches_the_emulated_link(site, kbps, rtt_ms, size):
    (site / "payload.bin").write_bytes(os.urandom(size))
    with StagingServer(site, NetworkProfile("test", kbps, kbps, rtt_ms)) as server:
        session = requests.Session()
        start = time.monotonic()
        assert len(session.get(server.url + "payload.bin").content) == size
        elapsed = time.monotonic() - start
    expected = size * 8 / (kbps * 1000) + rtt_ms / 1000
    assert_link_time(elapsed, expected)


def test_bandwidth_is_shared_by_all_connections(site):
    (site / "a.bin").write_bytes(os.urandom(150_000))
    (site / "b.bin").write_bytes(os.urandom(150_000))
    with StagingServer(site, NetworkProfile("shared", 2000, 2000, 0)) as server:
        start = time.monotonic()
        threads = [threading.Thread(target=requests.get, args=(server.url + name,)) for name in ("a.bin", "b.bin")]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        elapsed = time.monotonic() - start
    assert_link_time(elapsed, 300_000 * 8 / 2_000_000)  # both through one 2 Mbps link


def test_stop_ends_a_throttled_transfer_quickly(site):
    (site / "big.bin").write_bytes(os.urandom(2_000_000))
    server = StagingServer(site, NetworkProfile("slow", 100, 100, 0)).start()
    errors = []

    def download():
        try:
            requests.get(server.url + "big.bin", timeout=5)
        except requests.RequestException as exc:
            errors.append(exc)

    worker = threading.Thread(target=download)
    worker.start()
    time.sleep(0.3)
    start = time.monotonic()
    server.stop()
    worker.join(5)
    assert time.monotonic() - start < 2 and not worker.is_alive()


def test_parse_range_edge_cases():
    assert parse_range("bytes=0-0", 10) == (0, 0)
    assert parse_range("bytes=5-", 10) == (5, 9)
    assert parse_range("bytes=5-100", 10) == (5, 9)
    assert parse_range("bytes=-0", 10) is None
    assert parse_range("bytes=1-2,4-5", 10) is None
    assert parse_range("items=1-2", 10) is None


def test_the_servers_own_address_answers_with_the_lms_frame_when_the_course_has_no_root_page(site, sample_course):
    # `certifier serve` prints the server's address first: it must not answer 404.
    with StagingServer(sample_course) as server:
        assert not (sample_course / "index.html").exists()
        root = requests.get(server.url, allow_redirects=False, timeout=5)
        assert root.status_code == 302 and root.headers["Location"] == "/__lms__/"
        assert "lesson" in requests.get(server.url, timeout=5).text.lower()
    # A course with a page at its root is served as it is.
    with StagingServer(site) as server:
        assert requests.get(server.url, timeout=5).text.startswith("<html>learning")


def test_the_embedded_lrs_holds_a_bounded_number_of_bytes_and_each_launch_has_its_own_key(site):
    # Any page on the server could read a launch URL's credentials and post 1 MiB statements.
    import gc
    import json as json_module

    import psutil

    from certifier.staging.lrs import MAX_BODY_BYTES, MAX_STORED_BYTES

    with StagingServer(site) as server:
        first = server.lrs.launch("lesson-1", "xapi", "https://example.invalid/a")
        second = server.lrs.launch("lesson-2", "xapi", "https://example.invalid/b")
        assert first["auth"] != second["auth"]
        url = server.url + "__lrs__/statements"
        headers = {
            "Authorization": first["auth"],
            "Content-Type": "application/json",
            "X-Experience-API-Version": "1.0.3",
        }
        assert (
            requests.post(url, data=b"{}", headers={**headers, "Authorization": "Basic eDp5"}, timeout=5).status_code
            == 401
        )
        filler = "x" * (MAX_BODY_BYTES - 200)
        gc.collect()
        before = psutil.Process().memory_info().rss
        statuses = []
        for n in range(40):
            body = json_module.dumps(
                {
                    "actor": {"mbox": "mailto:a@b.invalid"},
                    "verb": {"id": "urn:v"},
                    "object": {"id": f"urn:o{n}"},
                    "result": {"response": filler},
                }
            )
            statuses.append(requests.post(url, data=body, headers=headers, timeout=10).status_code)
        grown_mb = (psutil.Process().memory_info().rss - before) / 2**20
        assert statuses.count(200) == MAX_STORED_BYTES // MAX_BODY_BYTES and statuses[-1] == 507
        assert server.lrs.stored_bytes <= MAX_STORED_BYTES and server.lrs.refused_full == 40 - statuses.count(200)
        assert grown_mb < 3 * MAX_STORED_BYTES / 2**20, f"the server grew by {grown_mb:.0f} MB"
        # The other launch's key still reads; documents share the same budget.
        state = (
            server.url + "__lrs__/activities/state?activityId=urn:a&stateId=s&agent=" + '{"mbox":"mailto:a@b.invalid"}'
        )
        left = MAX_STORED_BYTES - server.lrs.stored_bytes
        put = lambda size: requests.put(state, data=b"x" * size, headers={"Authorization": second["auth"]}, timeout=5)  # noqa: E731
        assert put(left + 1).status_code == 507 and put(left).status_code == 204


def test_the_embedded_lrs_takes_xapis_alternate_request_syntax(site):
    # TinCanJS (SCORM Driver's cmi5 output: Rise, Storyline) sends the terminated statement at the
    # learner's exit as a keepalive POST with ?method=PUT and its headers and body as form fields.
    import json as json_module

    with StagingServer(site) as server:
        launch = server.lrs.launch("lesson-1", "xapi", "https://example.invalid/au")
        statement = {
            "actor": {"mbox": "mailto:a@b.invalid"},
            "verb": {"id": "http://adlnet.gov/expapi/verbs/terminated"},
            "object": {"id": "https://example.invalid/au"},
        }
        form = {
            "Authorization": launch["auth"],
            "X-Experience-API-Version": "1.0.3",
            "Content-Type": "application/json",
            "statementId": "6fa459ea-ee8a-3ca4-894e-db77e160355e",
            "content": json_module.dumps(statement),
        }
        lrs = server.url + "__lrs__/"
        assert requests.post(lrs + "statements?method=PUT", data=form, timeout=5).status_code == 204
        stored = [s["statement"] for s in server.lrs.snapshot()["statements"] if s["by"] == "course"]
        assert stored == [{**statement, "id": "6fa459ea-ee8a-3ca4-894e-db77e160355e"}]
        # A state document the same way, read back in the usual syntax with its own content type.
        where = {"activityId": "https://example.invalid/au", "agent": '{"mbox":"mailto:a@b.invalid"}', "stateId": "t"}
        state = {**where, "Authorization": launch["auth"], "Content-Type": "text/plain", "content": "PT42S"}
        assert requests.post(lrs + "activities/state?method=PUT", data=state, timeout=5).status_code == 204
        back = requests.get(
            lrs + "activities/state", params=where, headers={"Authorization": launch["auth"]}, timeout=5
        )
        assert (back.status_code, back.text, back.headers["Content-Type"]) == (200, "PT42S", "text/plain")
        # Still the launch's own key, and the method the only query parameter.
        assert (
            requests.post(
                lrs + "statements?method=PUT", data={**form, "Authorization": "Basic eDp5"}, timeout=5
            ).status_code
            == 401
        )
        assert requests.post(lrs + "statements?method=PUT&x=1", data=form, timeout=5).status_code == 400
        assert requests.post(lrs + "statements?method=PATCH", data=form, timeout=5).status_code == 400


def test_a_page_flooding_the_lms_log_is_kept_compact_and_other_lessons_still_recorded(site):
    import gc
    import json as json_module

    import psutil

    from certifier.staging.lms import LOG_MAX_BYTES, VALUE_CHARS

    blob = "y" * 63 * 1024
    with StagingServer(site) as server:
        gc.collect()
        before = psutil.Process().memory_info().rss
        started = time.monotonic()
        url = server.url + "__lms__/log"
        for batch in range(143):  # 1,001 entries of 64 KB, seven to a post (a post is at most 512 KB)
            entries = [
                {
                    "sco": "flood",
                    "api": "2004",
                    "fn": "SetValue",
                    "seq": batch * 7 + n,
                    "attempt": 1,
                    "args": ["cmi.comments_from_learner.0.comment", blob],
                    "result": "true",
                    "error": "0",
                    "junk": {"nested": [blob[:500]]},
                }
                for n in range(7)
            ]
            assert requests.post(url, data=json_module.dumps(entries), timeout=10).status_code == 204
        # The lesson launched next is recorded as usual.
        requests.post(
            url,
            data=json_module.dumps(
                {
                    "sco": "next",
                    "api": "2004",
                    "fn": "Initialize",
                    "seq": 1,
                    "attempt": 1,
                    "args": [""],
                    "result": "true",
                    "error": "0",
                }
            ),
            timeout=5,
        )
        elapsed = time.monotonic() - started
        log = server.log_snapshot()
        grown_mb = (psutil.Process().memory_info().rss - before) / 2**20
    assert [e["fn"] for e in log if e["sco"] == "next"] == ["Initialize"]
    flood = [e for e in log if e["sco"] == "flood"]
    assert flood and all("junk" not in e and len(e["args"][1]) == VALUE_CHARS for e in flood)
    assert server.lms.log_bytes <= LOG_MAX_BYTES and len(json_module.dumps(log)) < LOG_MAX_BYTES * 1.1
    assert grown_mb < 200, f"the server grew by {grown_mb:.0f} MB for a 64 MB flood"
    assert elapsed < 30


def test_a_value_set_again_replaces_the_last_in_the_state_budget():
    # A lesson that sets a 64,000-character suspend_data on every screen must still be resumable
    # after thousands of sets: each set replaces the last, it does not add to the budget.
    from certifier.staging.lms import STATE_MAX_BYTES, LmsRecord

    record = LmsRecord()
    value = "s" * 64_000
    sets = STATE_MAX_BYTES // len(value) + 50
    for n in range(sets):
        record.record(
            {
                "sco": "a",
                "api": "2004",
                "fn": "SetValue",
                "args": ["cmi.suspend_data", f"{n:05}" + value[5:]],
                "result": "true",
                "error": "0",
                "seq": 2 * n,
                "attempt": 1,
            }
        )
        record.record(
            {
                "sco": "a",
                "api": "2004",
                "fn": "Commit",
                "args": [""],
                "result": "true",
                "error": "0",
                "seq": 2 * n + 1,
                "attempt": 1,
            }
        )
    _, state = record.start_attempt("a", resume=True)
    assert state["2004"]["cmi.suspend_data"].startswith(f"{sets - 1:05}")
