"""The probes on real packages written by other people (../shared/fixtures)."""

from __future__ import annotations

import pytest

from tests.probe_helpers import by_rule, check

PROBES = ("package", "conformance")


def failed(report: dict) -> set[str]:
    return {f["rule_id"] for f in report["findings"] if f["status"] == "fail"}


@pytest.mark.parametrize("folder, standard", [
    ("elearning-module-parser/scorm12/ContentPackagingSingleSCO_SCORM12", "SCORM 1.2"),
    ("elearning-module-parser/scorm12/RuntimeBasicCalls_SCORM12", "SCORM 1.2"),
    ("elearning-module-parser/scorm2004/ContentPackagingOneFilePerSCO_SCORM20043rdEdition", "SCORM 2004 3rd Edition"),
    ("elearning-module-parser/scorm2004/RuntimeBasicCalls_SCORM20043rdEdition", "SCORM 2004 3rd Edition"),
    ("elearning-module-parser/scorm2004/SequencingForcedSequential_SCORM20043rdEdition", "SCORM 2004 3rd Edition"),
    ("elearning-module-parser/aicc/package", "AICC"),
    ("elearning-module-parser/xapi/basic_course", "xAPI (Tin Can)"),
    ("catapult/course_examples/single_au_basic_framed.zip", "cmi5"),
])
def test_valid_samples_import_cleanly(shared_fixtures, folder, standard, report_validator):
    report = report_validator(check(shared_fixtures / folder, PROBES))
    assert report["package"]["standard"] == standard
    assert failed(report) == set(), [f["message"] for f in report["findings"] if f["status"] == "fail"]
    assert report["verdict"] == "CERTIFIED"
    assert report["outputs"]["conformance"]["launch_map"], "a launch map for every valid package"


@pytest.mark.parametrize("folder, rules", [
    ("elearning-module-parser/scorm12/InvalidFileReferences_SCORM12", {"conformance.launch-file", "conformance.file-reference"}),
    ("elearning-module-parser/scorm12/MalformedXml_SCORM12", {"conformance.xml-well-formed"}),
    ("elearning-module-parser/scorm12/MissingLaunchUrl_SCORM12", {"conformance.launch-href", "conformance.file-reference"}),
    ("elearning-module-parser/scorm2004/InvalidMissingOrgIdentifier_SCORM20043rdEdition",
     {"conformance.default-organization", "conformance.launch-file", "conformance.scorm-type", "conformance.schema-files"}),
    ("catapult/lts/001-essentials", {"conformance.cmi5-au-url"}),
    ("catapult/lts/002-allowed", {"conformance.cmi5-au-url"}),
    ("catapult/lts/003-launchMethod-OwnWindow", {"conformance.cmi5-au-url"}),
])
def test_invalid_samples_fail_for_their_defect(shared_fixtures, folder, rules):
    report = check(shared_fixtures / folder, PROBES)
    assert failed(report) == rules
    assert report["verdict"] == "NOT CERTIFIED"


def test_catapult_cdata_url_with_query_resolves_to_index(shared_fixtures):
    report = check(shared_fixtures / "catapult/lts/001-essentials", PROBES)
    finding = by_rule(report)["conformance.cmi5-au-url"]
    assert "'index.html' is not in the package" in finding["message"]
