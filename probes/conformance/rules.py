"""Pure conformance rules: evidence in, findings out. No I/O here.

Each rule returns one finding: ``fail`` with every location when the defect is present, ``pass``
when it is not, so a report shows what was checked as well as what was wrong. Informational rules
(external hosts, unreferenced files, sequencing) use ``warn`` with severity ``info``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certifier.policy.findings import Finding

from .common import FileIndex
from .files import file_name_rules, unreferenced_files, unscanned_files
from .manifest_rules import course_package, manifest_location, xml_rules
from .references import authoring_tool_finding, content_page_rule, credentials_rule, tracking_rule
from .standards import scorm_rules
from .urls import reference_rules
from .xapi_aicc import aicc_rules, cmi5_rules, tincan_rules


def all_rules(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
    files = FileIndex(evidence["files"])
    findings = [course_package(evidence, limits), manifest_location(evidence)]
    findings += xml_rules(evidence)
    if "scorm" in evidence:
        findings += scorm_rules(evidence, files)
    if "cmi5" in evidence:
        findings += cmi5_rules(evidence, files)
    if "tincan" in evidence:
        findings += tincan_rules(evidence, files)
    if "aicc" in evidence:
        findings += aicc_rules(evidence, files)
    findings += reference_rules(evidence, files)
    findings.append(content_page_rule(evidence, files))
    findings += tracking_rule(evidence)
    findings.append(credentials_rule(evidence))
    findings.append(authoring_tool_finding(evidence))
    findings += file_name_rules(evidence, limits)
    findings.append(unreferenced_files(evidence))
    findings += unscanned_files(evidence, limits)
    return findings
