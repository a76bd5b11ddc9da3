"""Probes are discovered through entry points, third-party ones exactly like the built-ins."""

from __future__ import annotations

import importlib
import sys

from certifier.policy.registry import discover_probes, installed_schema, load_profile


def test_builtin_probes_register_through_entry_points():
    probes, broken = discover_probes()
    assert "package" in probes and probes["package"].id == "package"
    assert not broken


def test_third_party_probe_and_broken_ones_are_discovered(tmp_path, monkeypatch):
    (tmp_path / "acme_probes.py").write_text(
        "from certifier.policy.probe_api import Probe\n"
        "from certifier.policy.profiles import LimitSpec\n"
        "class AcmeProbe(Probe):\n"
        "    id = 'acme'\n    title = 'ACME house rules'\n"
        "    limits = {'max_widgets': LimitSpec('integer', 'widgets', default=3)}\n"
        "class Misnamed(Probe):\n    id = 'other'\n"
    )
    dist = tmp_path / "acme_probes-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-probes\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[certifier.probes]\nacme = acme_probes:AcmeProbe\nmisnamed = acme_probes:Misnamed\n"
        "missing = acme_nowhere:Probe\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    probes, broken = discover_probes()
    assert probes["acme"].title == "ACME house rules"
    reasons = {b.name: b.reason for b in broken}
    assert "declares id 'other'" in reasons["misnamed"]
    assert "cannot be loaded" in reasons["missing"]
    assert installed_schema().sections["acme"]["max_widgets"].kind == "integer"
    # Bundled profiles still load, with the third-party probe's declared default.
    assert load_profile("default").section("acme") == {"max_widgets": 3}
    sys.modules.pop("acme_probes", None)
