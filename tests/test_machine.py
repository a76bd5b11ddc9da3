"""The machine probe on this machine and on simulated ready and not-ready images."""

from __future__ import annotations

import os
import stat
from collections import namedtuple

import pytest

from certifier.policy.registry import discover_probes
from certifier.probes import machine as machine_probe
from certifier.run.report import assess
from certifier.run.runner import Runner
from tests.conftest import run_cli
from tests.factories import build_zip
from tests.probe_helpers import by_rule

Memory = namedtuple("Memory", "total")
Disk = namedtuple("Disk", "free")
Interface = namedtuple("Interface", "isup speed")


def fake_browser(folder, command, output):
    script = folder / command
    script.write_text(f"#!/bin/sh\necho '{output}'\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


@pytest.fixture
def image(tmp_path, monkeypatch):
    """A simulated desktop image: psutil values and browsers on a PATH of our own."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))

    def make(ram_gb, cores, free_gb, link_mbps, browsers):
        psutil = machine_probe.psutil
        monkeypatch.setattr(psutil, "virtual_memory", lambda: Memory(int(ram_gb * 1024**3)))
        monkeypatch.setattr(psutil, "cpu_count", lambda logical=True: cores)
        monkeypatch.setattr(psutil, "disk_usage", lambda path: Disk(int(free_gb * 1024**3)))
        monkeypatch.setattr(
            psutil, "net_if_stats", lambda: {"lo": Interface(True, 0), "eth0": Interface(True, link_mbps)}
        )
        for command, output in browsers.items():
            fake_browser(bin_dir, command, output)

    return make


def run_machine(course=None, screen=None, profile=None, probe_ids=("machine",)):
    from certifier.policy.registry import load_profile

    profile = profile or load_profile("default")
    probes = discover_probes()[0]
    record = Runner(probes).run(course, profile, list(probe_ids), machine_facts={"screen": screen} if screen else {})
    return assess(record, profile, probes)


@pytest.mark.skipif(os.name != "posix", reason="fake browsers are shell scripts")
def test_ready_image(image):
    image(
        ram_gb=16,
        cores=8,
        free_gb=120,
        link_mbps=1000,
        browsers={"google-chrome": "Google Chrome 131.0.6778.85", "firefox": "Mozilla Firefox 128.5.0esr"},
    )
    report = run_machine(screen={"width": 1920, "height": 1080})
    findings = by_rule(report)
    assert {r: f["status"] for r, f in findings.items()} == {
        "machine.ram": "pass",
        "machine.cpu": "pass",
        "machine.disk": "pass",
        "machine.link-speed": "pass",
        "machine.browser": "pass",
        "machine.screen": "pass",
        "machine.java": "pass",
        "machine.proxy": "pass",
    }
    assert "chrome 131.0.6778.85" in findings["machine.browser"]["message"]
    assert findings["machine.java"]["message"] == "No Java runtime on this machine."
    assert report["verdict"] == "CERTIFIED"


@pytest.mark.skipif(os.name != "posix", reason="fake browsers are shell scripts")
def test_not_ready_image(image):
    image(ram_gb=2, cores=1, free_gb=0.5, link_mbps=10, browsers={"firefox": "Mozilla Firefox 52.9.0"})
    report = run_machine(screen={"width": 1024, "height": 768})
    findings = by_rule(report)
    for rule, measured in (("machine.ram", 2.0), ("machine.cpu", 1), ("machine.disk", 0.5), ("machine.link-speed", 10)):
        assert findings[rule]["status"] == "fail" and findings[rule]["measured"] == measured
    assert (
        findings["machine.browser"]["status"] == "fail" and "firefox 52.9.0" in findings["machine.browser"]["message"]
    )
    assert findings["machine.screen"]["status"] == "fail" and findings["machine.screen"]["measured"] == "1024x768"
    assert report["verdict"] == "NOT CERTIFIED"


@pytest.mark.skipif(os.name != "posix", reason="fake browsers are shell scripts")
def test_course_needing_flash_on_a_modern_image(image, tmp_path):
    image(ram_gb=16, cores=8, free_gb=120, link_mbps=1000, browsers={"microsoft-edge": "Microsoft Edge 131.0.2903.70"})
    course = build_zip(
        tmp_path / "c.zip",
        {
            "index.html": '<html><body><embed src="intro.swf" width="1600" height="900"></body></html>',
            "intro.swf": b"FWS" + bytes(40),
        },
    )
    report = run_machine(
        course, screen={"width": 1366, "height": 768}, probe_ids=("conformance", "media", "plugins", "machine")
    )
    findings = by_rule(report)
    plugins = findings["machine.course-plugins"]
    assert plugins["status"] == "fail" and plugins["severity"] == "blocker"
    assert "flash" in plugins["message"] and "edge" in plugins["message"]
    fit = findings["machine.course-screen"]
    assert fit["status"] == "fail" and fit["limit"] == "1600x900"


def test_this_machine_and_the_cli_say_screen_not_measured():
    findings = by_rule(run_machine())
    assert findings["machine.ram"]["measured"] > 0 and findings["machine.cpu"]["measured"] >= 1
    assert (
        findings["machine.screen"]["status"] == "skipped"
        and "not measured" in findings["machine.screen"]["message"].lower()
    )
    result = run_cli("machine")
    assert result.returncode in (0, 3, 4) and "Machine:" in result.stdout and "machine check only" in result.stdout


def test_version_comparison():
    assert machine_probe.version_tuple("120.0.6099.71") >= (120,)
    assert machine_probe.version_tuple("115.5.0esr") == (115, 5)
    assert machine_probe.parse_requirement("chrome>=120") == ("chrome", (120,))
