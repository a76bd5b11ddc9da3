"""Each rule is declared once (id, titles, severity, remediation, IT risk) and every finding a run
emits is one of the declared rules, headlined by its failure title when it fails."""

from __future__ import annotations

import pytest

from certifier.policy.findings import Severity
from certifier.policy.registry import discover_probes
from certifier.policy.rules import Rule, is_declared
from tests.conftest import REPO_ROOT
from tests.factories import build_zip, make_png
from tests.probe_helpers import check

INSTALLED = discover_probes()[0]
CATALOGUES = {probe_id: cls.rules for probe_id, cls in INSTALLED.items()}


def test_every_probe_declares_its_rules():
    assert set(CATALOGUES) >= {"package", "conformance", "media", "pageload", "plugins", "capacity", "load", "machine"}
    for probe_id, catalogue in CATALOGUES.items():
        assert catalogue, probe_id
        for rule_id, rule in catalogue.items():
            assert isinstance(rule, Rule) and rule.id == rule_id and rule_id.startswith(probe_id + ".")
            assert rule.title and rule.failure_title and isinstance(rule.severity, Severity)


def _hostile_course(tmp_path):
    page = (
        '<html><head><link rel="stylesheet" href="s.css"><script src="/abs.js"></script>'
        '<script src="http://cdn.example.com/x.js"></script></head>'
        '<body><img src="missing.png"><embed src="m.swf" type="application/x-shockwave-flash">'
        '<img src="file:///C:/x.png"><a href="page 2.html">n</a></body></html>'
    )
    return build_zip(
        tmp_path / "bad.zip",
        {
            "index.html": page,
            "s.css": ".a{background:url(gone.png)}",
            "m.swf": b"FWS" + bytes(20),
            "page 2.html": "<p>x</p>",
            ".DS_Store": b"x",
            "run.php": "<?php ?>",
            "big.png": make_png(4, 4),
            "old/left.html": '<script src="gone.js"></script>',
        },
    )


PACKAGES = {
    "sample": lambda tmp_path: REPO_ROOT / "resources" / "sample-course",
    "hostile": _hostile_course,
    "empty": lambda tmp_path: build_zip(tmp_path / "empty.zip", {"readme.txt": "nothing"}),
}


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_every_emitted_finding_is_declared_and_headlined(tmp_path, name):
    probes = ("package", "conformance", "media", "plugins", "capacity")
    if name == "sample":  # page load on the embedded server, and this machine
        probes += ("pageload", "machine")
    report = check(PACKAGES[name](tmp_path), probes)
    assert report["findings"]
    for finding in report["findings"]:
        assert is_declared(finding["rule_id"], CATALOGUES), f"undeclared rule {finding['rule_id']}"
        rule = CATALOGUES[finding["rule_id"].split(".")[0]].get(finding["rule_id"])
        if rule is None:
            continue  # a runner outcome
        expected = rule.failure_title if finding["status"] in ("fail", "warn") else rule.title
        assert finding["title"] == expected, (finding["rule_id"], finding["title"])
    if name == "hostile":
        failing = {f["rule_id"] for f in report["findings"] if f["status"] == "fail"}
        assert {"plugins.flash", "conformance.missing-reference", "conformance.server-side-files"} <= failing
        flash = next(f for f in report["findings"] if f["rule_id"] == "plugins.flash")
        assert flash["title"] == "Adobe Flash content required"


def test_authoring_tool_output_emits_only_declared_rules():
    folder = REPO_ROOT.parent / "shared" / "fixtures" / "authoring-tools"
    if not folder.is_dir():
        pytest.skip("../shared/fixtures/authoring-tools is absent")
    from tests.test_authoring_tools import report_of

    for package in ("adapt/kevapps-testscorm", "captivate/mconnely-ppe-2004", "storyline/pso-scorm"):
        for finding in report_of(package)["findings"]:
            assert is_declared(finding["rule_id"], CATALOGUES), finding["rule_id"]
