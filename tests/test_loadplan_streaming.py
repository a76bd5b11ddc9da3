"""Load plans whose learners stream like players, with the profile's budget as Locust's exit code:
run for real with Locust against the embedded staging server on loopback, over emulated links."""

from __future__ import annotations

import contextlib
import csv
import importlib.util
import subprocess
import sys

import pytest

from certifier.host.resources_path import sample_course_path
from tests.conftest import run_cli

pytestmark = pytest.mark.slow
# Never import locust into the test process: it monkey-patches the interpreter with gevent, which
# breaks subprocesses and threads of every later test. It runs only as its own process here.
if importlib.util.find_spec("locust") is None:
    pytest.skip("the 'load' extra (Locust) is not installed", allow_module_level=True)


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    out = tmp_path_factory.mktemp("plan") / "locustfile.py"
    result = run_cli("loadplan", str(sample_course_path()), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "2 clips streamed at their bitrate" in result.stdout
    return out


@contextlib.contextmanager
def certifier_serve(network: str, seconds: int):
    """`certifier serve --network NAME` as IT would start it, on loopback; its first line gives the URL."""
    server = subprocess.Popen(
        [sys.executable, "-m", "certifier.cli", "serve", "--network", network, "--seconds", str(seconds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = server.stdout.readline()
        assert first.startswith("Serving ") and " at http://127.0.0.1:" in first, first + server.stderr.read()
        yield first.split(" at ")[1].split()[0]
    finally:
        server.terminate()
        server.wait(timeout=20)
        server.stdout.close()
        server.stderr.close()


def run_locust(plan, network: str, users: int, seconds: int, tmp_path):
    with certifier_serve(network, seconds + 90) as url:
        prefix = tmp_path / network
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(plan),
                "--headless",
                "-u",
                str(users),
                "-r",
                str(users),
                "-t",
                f"{seconds}s",
                "--host",
                url,
                "--csv",
                str(prefix),
                "--stop-timeout",
                "1",
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
    with open(f"{prefix}_stats.csv", newline="") as stats:
        rows = {(r["Type"], r["Name"]): r for r in csv.DictReader(stats)}
    return done, rows


def test_one_learner_on_a_lan_streams_the_whole_clip_within_budget(plan, tmp_path):
    done, rows = run_locust(plan, "lan", 1, 14, tmp_path)
    assert done.returncode == 0, done.stdout[-1500:] + done.stderr[-1500:]
    assert "BUDGET MET" in done.stdout + done.stderr
    clip = sample_course_path() / "media" / "welcome.mp4"
    streamed = rows[("STREAM", "media/welcome.mp4")]
    assert int(streamed["Request Count"]) >= 1 and int(streamed["Failure Count"]) == 0
    assert float(streamed["Average Content Size"]) == clip.stat().st_size  # the whole clip, chunk by chunk
    # Paced as a player plays it, watched to its end: a 6 s clip takes about 6 s, not 20 ms.
    assert float(streamed["Min Response Time"]) >= 5500
    assert ("STALL", "media/welcome.mp4") not in rows


def test_thirty_learners_on_3g_stall_and_fail_the_budget(plan, tmp_path):
    done, rows = run_locust(plan, "3g", 30, 20, tmp_path)
    assert done.returncode != 0
    assert "BUDGET FAILED" in done.stdout + done.stderr
    stalls = sum(int(r["Failure Count"]) for (kind, _), r in rows.items() if kind == "STALL")
    assert stalls > 0


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_plan_runs_unchanged_as_a_master_and_a_worker(plan, tmp_path):
    """Locust's distributed mode on loopback: the worker's learners and stalls reach the master, whose
    budget decides the exit code."""
    port = free_port()
    with certifier_serve("lan", 180) as url:
        master = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(plan),
                "--master",
                "--headless",
                "-u",
                "2",
                "-r",
                "2",
                "-t",
                "16s",
                "--expect-workers",
                "1",
                "--expect-workers-max-wait",
                "30",
                "--master-bind-host",
                "127.0.0.1",
                "--master-bind-port",
                str(port),
                "--host",
                url,
                "--csv",
                str(tmp_path / "dist"),
                "--stop-timeout",
                "1",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(plan),
                "--worker",
                "--master-host",
                "127.0.0.1",
                "--master-port",
                str(port),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            master_out, _ = master.communicate(timeout=90)
            worker.communicate(timeout=30)
        finally:
            for process in (master, worker):
                if process.poll() is None:
                    process.kill()
                    process.wait()
    assert master.returncode == 0, master_out[-2000:]
    assert "BUDGET MET" in master_out
    with open(tmp_path / "dist_stats.csv", newline="") as stats:
        rows = {(r["Type"], r["Name"]): r for r in csv.DictReader(stats)}
    # Counted by the master from its worker: both learners' pages, and a clip played whole.
    assert int(rows[("GET", "pages/intro.html")]["Request Count"]) >= 2
    assert int(rows[("STREAM", "media/welcome.mp4")]["Request Count"]) >= 1
