"""Fuzzing the readers of hostile input: a mutated manifest, a damaged zip central directory and a
tampered report each end in findings or a clear error, never a traceback."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certifier.errors import PackageRejected
from certifier.package.archive import open_package
from certifier.package.archive_limits import ArchiveLimits
from certifier.run.report import report_problems
from tests.factories import build_zip
from tests.probe_helpers import check
from tests.test_conformance import MANIFEST_2004, PAGE

LIMITS = ArchiveLimits(
    max_uncompressed_mb=50, max_compression_ratio=100, min_size_for_ratio_check_mb=1, max_entry_count=1000
)


def fuzz(examples: int) -> settings:
    """Reproducible runs (derandomised, no example database) within the suite's time."""
    return settings(
        deadline=None,
        max_examples=examples,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def mutate(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """Apply (position, bytes removed, bytes inserted) edits, positions taken modulo the length."""
    out = bytearray(data)
    for position, removed, inserted in edits:
        at = position % (len(out) + 1)
        out[at : at + removed] = inserted
    return bytes(out)


EDITS = st.lists(
    st.tuples(
        st.integers(0, 10_000),
        st.integers(0, 8),
        st.binary(max_size=8)
        | st.sampled_from(
            [b"<", b">", b"&", b'"', b"<!DOCTYPE x [", b"]]>", b"<!ENTITY e 'x'>", b"&e;", b"\xff\xfe", b"\x00"]
        ),
    ),
    min_size=1,
    max_size=6,
)


@fuzz(25)
@given(edits=EDITS)
def test_a_mutated_manifest_gives_findings_not_a_traceback(tmp_path_factory, edits):
    folder = tmp_path_factory.mktemp("manifest")
    manifest = mutate(MANIFEST_2004.encode(), edits)
    package = build_zip(
        folder / "c.zip",
        {"imsmanifest.xml": manifest, "index.html": PAGE, "style.css": "p{}", "api.js": "", "img/logo.png": b"\x89PNG"},
    )
    report = check(package, ("package", "conformance", "plugins"))
    assert report["verdict"] in ("CERTIFIED", "CONDITIONAL", "NOT CERTIFIED")
    errors = [f for f in report["findings"] if f["status"] == "error"]
    assert errors == [], [f["message"] for f in errors]


def _valid_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("imsmanifest.xml", MANIFEST_2004)
        archive.writestr("index.html", PAGE)
        archive.writestr("img/logo.png", b"\x89PNG" + bytes(200))
    return buffer.getvalue()


VALID_ZIP = _valid_zip()
CENTRAL = VALID_ZIP.rfind(b"PK\x01\x02", 0, VALID_ZIP.find(b"PK\x05\x06"))  # a central directory entry


@fuzz(200)
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(VALID_ZIP) - CENTRAL), st.integers(0, 4), st.binary(max_size=6)),
        min_size=1,
        max_size=5,
    )
)
def test_a_damaged_central_directory_is_read_or_refused(tmp_path_factory, edits):
    data = VALID_ZIP[:CENTRAL] + mutate(VALID_ZIP[CENTRAL:], edits)
    path = tmp_path_factory.mktemp("zip") / "c.zip"
    path.write_bytes(data)
    try:
        with open_package(path, LIMITS) as package:
            for entry in package.entries:
                with contextlib.suppress(PackageRejected):
                    package.read_bytes(entry.path)
    except PackageRejected as rejected:
        refused = rejected
    else:
        return
    assert refused.reason and str(refused)


@pytest.fixture(scope="module")
def real_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    return check(
        build_zip(folder / "c.zip", {"imsmanifest.xml": MANIFEST_2004, "index.html": PAGE}),
        ("package", "conformance", "plugins"),
    )


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


@fuzz(120)
@given(path=st.lists(st.integers(0, 50), min_size=1, max_size=4), value=JSON_VALUES)
def test_a_tampered_report_renders_and_verifies_without_a_traceback(real_report, path, value):
    from certifier.exporters.html_report import render_html
    from certifier.exporters.junit import render_junit
    from certifier.records.signoff import verify

    report = copy.deepcopy(real_report)
    # Walk to a field chosen by the indexes and replace it with an arbitrary JSON value.
    node = report
    for step in path[:-1]:
        keys = list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []
        if not keys or not isinstance(node[keys[step % len(keys)]], (dict, list)):
            break
        node = node[keys[step % len(keys)]]
    keys = list(node) if isinstance(node, dict) else list(range(len(node)))
    if keys:
        node[keys[path[-1] % len(keys)]] = value
    json.dumps(report)
    assert verify(report).valid is False  # unsigned, whatever was edited: never a traceback
    if report_problems(report):
        return  # refused on load with the schema's words (certifier.cli.load_report): nothing renders it
    render_html(report)  # a report the schema accepts must render
    render_junit(report)
