"""The probes on real packages written by other people (../shared/fixtures)."""

from __future__ import annotations

import pytest

from tests.probe_helpers import by_rule, check

PROBES = ("package", "conformance", "media")


def failed(report: dict) -> set[str]:
    return {f["rule_id"] for f in report["findings"] if f["status"] == "fail"}


@pytest.mark.parametrize(
    "folder, standard",
    [
        ("elearning-module-parser/scorm12/ContentPackagingSingleSCO_SCORM12", "SCORM 1.2"),
        ("elearning-module-parser/scorm12/RuntimeBasicCalls_SCORM12", "SCORM 1.2"),
        (
            "elearning-module-parser/scorm2004/ContentPackagingOneFilePerSCO_SCORM20043rdEdition",
            "SCORM 2004 3rd Edition",
        ),
        ("elearning-module-parser/scorm2004/RuntimeBasicCalls_SCORM20043rdEdition", "SCORM 2004 3rd Edition"),
        ("elearning-module-parser/scorm2004/SequencingForcedSequential_SCORM20043rdEdition", "SCORM 2004 3rd Edition"),
        ("elearning-module-parser/aicc/package", "AICC"),
        ("elearning-module-parser/xapi/basic_course", "xAPI (Tin Can)"),
        ("catapult/course_examples/single_au_basic_framed.zip", "cmi5"),
    ],
)
def test_valid_samples_import_cleanly(shared_fixtures, folder, standard, report_validator):
    report = report_validator(check(shared_fixtures / folder, PROBES))
    assert report["package"]["standard"] == standard
    import_defects = {r for r in failed(report) if not r.startswith("media.")}
    assert import_defects == set(), [f["message"] for f in report["findings"] if f["status"] == "fail"]
    assert report["outputs"]["conformance"]["launch_map"], "a launch map for every valid package"


def test_catapult_video_is_measured_as_ffprobe_measures_it(shared_fixtures):
    """Reference figures from ffprobe 5.1 on the same file (stream bit_rate, and the largest sum of
    packet sizes over 1 s computed by brute force from -show_packets): 2,633.52 and 4,433.30 kbps."""
    report = check(shared_fixtures / "catapult/course_examples/single_au_basic_framed.zip", PROBES)
    clip = report["outputs"]["media"]["bitrates"][0]
    assert clip["path"] == "video/mountains_31175.mp4"
    assert clip["avg_kbps"] == pytest.approx(2633.52, rel=0.001)
    assert clip["peak_kbps"] == pytest.approx(4433.30, rel=0.001)
    # Over the default profile's 2,500 kbps average: a policy finding, not an import defect.
    assert failed(report) == {"media.video-bitrate"}


@pytest.mark.parametrize(
    "folder, rules",
    [
        (
            "elearning-module-parser/scorm12/InvalidFileReferences_SCORM12",
            {"conformance.launch-file", "conformance.file-reference"},
        ),
        ("elearning-module-parser/scorm12/MalformedXml_SCORM12", {"conformance.xml-well-formed"}),
        (
            "elearning-module-parser/scorm12/MissingLaunchUrl_SCORM12",
            {"conformance.launch-href", "conformance.file-reference"},
        ),
        (
            "elearning-module-parser/scorm2004/InvalidMissingOrgIdentifier_SCORM20043rdEdition",
            {
                "conformance.default-organization",
                "conformance.launch-file",
                "conformance.scorm-type",
                "conformance.schema-files",
            },
        ),
        ("catapult/lts/001-essentials", {"conformance.cmi5-au-url"}),
        ("catapult/lts/002-allowed", {"conformance.cmi5-au-url"}),
        ("catapult/lts/003-launchMethod-OwnWindow", {"conformance.cmi5-au-url"}),
    ],
)
def test_invalid_samples_fail_for_their_defect(shared_fixtures, folder, rules):
    report = check(shared_fixtures / folder, PROBES)
    assert failed(report) == rules
    assert report["verdict"] == "NOT CERTIFIED"


def test_catapult_cdata_url_with_query_resolves_to_index(shared_fixtures):
    report = check(shared_fixtures / "catapult/lts/001-essentials", PROBES)
    finding = by_rule(report)["conformance.cmi5-au-url"]
    assert "'index.html' is not in the package" in finding["message"]
