"""Pure rules on the manifest file itself: where it is, and whether its XML is safe, well-formed and correctly encoded."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from certifier.package.standards import AICC, CMI5, HTML
from certifier.policy.findings import Finding, Severity, Status
from certifier.policy.rules import Rule

from .common import CMI5_ROOT_SPEC, Problem, outcome

# --- manifest and XML -------------------------------------------------------------------------

MANIFEST_LOCATION = Rule(
    "conformance.manifest-location",
    "Manifest at the package root",
    "Manifest not at the package root",
    Severity.BLOCKER,
    it_risk="Support: the LMS rejects the import, and the course bounces between teams.",
)


def manifest_location(evidence: Mapping[str, Any]) -> Finding:
    standard = evidence["standard"]
    spec = CMI5_ROOT_SPEC if standard == CMI5 else None
    problems = []
    nested = evidence.get("nested_in")
    manifest = evidence.get("manifest")
    if nested:
        problems.append(
            Problem(
                f"The manifest is inside the folder '{nested}/', not at the root: the package was made by "
                "zipping the course folder instead of its contents",
                manifest,
            )
        )
    elif manifest is None and standard not in (AICC, HTML):
        problems.append(Problem("No imsmanifest.xml, cmi5.xml or tincan.xml at the package root"))
    return outcome(
        MANIFEST_LOCATION,
        problems,
        f"{manifest or 'Course descriptor'} is at the package root."
        if manifest or standard == AICC
        else "Plain HTML package: no manifest expected.",
        remediation=(
            f"Open the '{nested}' folder, select everything inside it, and zip that selection "
            "so imsmanifest.xml/cmi5.xml sits at the top of the zip."
        )
        if nested
        else "Export the course again from the authoring tool as a SCORM, cmi5 or xAPI package.",
        spec_ref=spec,
    )


PLAIN_WEB_CONTENT = Rule(
    "conformance.course-package",
    "A course package an LMS imports and tracks",
    "Plain web content: no LMS will track it",
    Severity.MAJOR,
    remediation="Publish the course as SCORM, cmi5 or xAPI and give that whole output: a tool's content folder "
    "(Rise's scormcontent/, Storyline's story_content/) is not a package by itself.",
    it_risk="Compliance: no learner's completion is recorded; the course was likely picked from inside its package.",
)


def course_package(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> Finding:
    """A folder of web pages with no manifest and no tracking is not a course package, unless the
    profile accepts plain HTML (then at most CONDITIONAL: it still records nothing)."""
    standard = evidence["standard"]
    if standard != HTML:
        return PLAIN_WEB_CONTENT.finding(Status.PASS, f"{standard} package: the LMS imports it and tracks learners.")
    accepted = bool(limits.get("accept_plain_html"))
    return PLAIN_WEB_CONTENT.finding(
        Status.FAIL,
        "No imsmanifest.xml, cmi5.xml, tincan.xml or AICC descriptor: plain web pages, which no LMS will track"
        + (" (this profile accepts plain HTML)." if accepted else "."),
        severity=Severity.MINOR if accepted else None,
    )


XML_SAFETY = Rule(
    "conformance.xml-safety",
    "Manifest free of entities, DTDs and external references",
    "Manifest declares entities, a DTD or external references",
    Severity.BLOCKER,
    remediation="Remove the DOCTYPE and ENTITY declarations from the manifest; authoring tools never need them.",
    it_risk="Security: entity expansion and external entities (XXE) can exhaust or read files on the LMS server that "
    "imports the package.",
)
XML_WELL_FORMED = Rule(
    "conformance.xml-well-formed",
    "Manifest is well-formed XML",
    "Manifest is not well-formed XML",
    Severity.BLOCKER,
    remediation="Fix the XML at the line shown; write '&' in titles and URLs as '&amp;'.",
    it_risk='Support: the LMS import fails with a parser error such as "cannot find the declaration of element '
    "'manifest'\".",
)
XML_ENCODING = Rule(
    "conformance.xml-encoding",
    "Manifest encoding declaration matches its bytes",
    "Manifest encoding declaration does not match its bytes",
    Severity.MAJOR,
    remediation='Declare encoding="UTF-8" in the XML declaration (the file is UTF-8).',
    it_risk="Support: titles with accents appear garbled in the LMS catalogue.",
)
MANIFEST_BOM = Rule(
    "conformance.manifest-bom",
    "Manifest without a byte-order mark",
    "Manifest starts with a byte-order mark",
    Severity.MINOR,
    remediation="Save the manifest as UTF-8 without BOM.",
    it_risk='Support: some LMS parsers fail on a BOM with "content is not allowed in prolog".',
)


def xml_rules(evidence: Mapping[str, Any]) -> list[Finding]:
    manifest = evidence.get("manifest")
    if manifest is None:
        return []
    problems = evidence.get("xml_problems", [])

    def of(*kinds: str) -> list[Problem]:
        return [Problem(p["message"], manifest, p.get("line")) for p in problems if p["kind"] in kinds]

    return [
        outcome(
            XML_SAFETY,
            of("entities", "dtd", "external-reference"),
            "The manifest declares no entities, DTD or external reference.",
        ),
        outcome(XML_WELL_FORMED, of("malformed", "unescaped-ampersand"), "The manifest is well-formed XML."),
        outcome(XML_ENCODING, of("encoding"), "The encoding declaration matches the content."),
        outcome(MANIFEST_BOM, of("bom"), "The manifest has no byte-order mark."),
    ]
