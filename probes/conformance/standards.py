"""Pure conformance rules of the manifest and its XML, and of SCORM 1.2 / 2004 packages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from certifier.package.standards import SCORM_12
from certifier.policy.findings import Finding, Severity, Status
from certifier.policy.rules import Rule

from .common import (
    HTML_SUFFIXES,
    SCORM_12_NAMESPACES,
    SCORM_2004_NAMESPACES,
    SCORM_2004_VERSIONS,
    SCORM_TYPES,
    FileIndex,
    Problem,
    _visible_name,
    is_os_junk,
    missing_or_case,
    outcome,
)
from .references import loaded_paths, missing_content_pages

# --- SCORM ------------------------------------------------------------------------------------

DEFAULT_ORGANIZATION = Rule(
    "conformance.default-organization",
    "A valid default organization",
    "No valid default organization",
    Severity.MAJOR,
    remediation='Give <organization> an identifier and set <organizations default="…"> to it.',
    it_risk="Support: LMSs disagree on which structure to show; some refuse the import.",
)
ITEM_REFERENCE = Rule(
    "conformance.item-reference",
    "Every item refers to an existing resource",
    "Items refer to resources that do not exist",
    Severity.BLOCKER,
    remediation="Make each item's identifierref match a <resource identifier>.",
    it_risk="Support: learners get an empty page or an LMS error on that lesson.",
)
UNIQUE_IDENTIFIERS = Rule(
    "conformance.unique-identifiers",
    "Identifiers are unique",
    "Identifiers used more than once",
    Severity.MAJOR,
    remediation="Rename the repeated identifiers so each is used once.",
    it_risk="Support: the LMS may launch or track the wrong lesson.",
)
LAUNCH_HREF = Rule(
    "conformance.launch-href",
    "Every launchable resource has a launch href",
    "Launchable resources without a launch href",
    Severity.BLOCKER,
    remediation='Add href="path/to/index.html" to the resource (the page the LMS opens).',
    it_risk="Support: the lesson cannot be opened; learners call the helpdesk.",
)
LAUNCH_FILE = Rule(
    "conformance.launch-file",
    "Launch files exist and are HTML",
    "Launch files missing or not HTML",
    Severity.BLOCKER,
    remediation="Include the launch page in the package at the path the manifest gives, or correct the href.",
    it_risk="Support: learners get a 404 instead of the lesson.",
)
FILE_REFERENCE = Rule(
    "conformance.file-reference",
    "Files listed in the manifest exist",
    "Files listed in the manifest are missing",
    Severity.MINOR,
    remediation="Remove the <file> entries of files the course does not have (publish again from the authoring "
    "tool), or add the files.",
    it_risk="Support: LMSs that check the file list refuse or warn on import; learners see no difference.",
)
DEPENDENCY = Rule(
    "conformance.dependency",
    "Dependencies refer to existing resources",
    "Dependencies refer to resources that do not exist",
    Severity.MAJOR,
    remediation="Make each dependency's identifierref match a <resource identifier>.",
    it_risk="Support: shared scripts or styles may not be imported with the lesson.",
)
SCORM_TYPE = Rule(
    "conformance.scorm-type",
    "Resources declare scormType sco or asset",
    "Resources without a valid scormType",
    Severity.MAJOR,
    remediation='Add adlcp:scormType="sco" to tracked lessons and "asset" to other resources.',
    it_risk="Support: the LMS may not track completion for lessons it takes for assets.",
)
SCHEMA_FILES = Rule(
    "conformance.schema-files",
    "Schema files named by the manifest are present",
    "Schema files named by the manifest are missing",
    Severity.MINOR,
    remediation="Copy the .xsd files the manifest names into the package root (the authoring tool's SCORM export "
    "includes them).",
    it_risk="Support: LMSs that validate against the schemas reject the import.",
)
MASTERY_SCORE = Rule(
    "conformance.mastery-score",
    "Mastery scores between 0 and 100",
    "Mastery scores outside 0–100",
    Severity.MAJOR,
    remediation="Set adlcp:masteryscore to a number from 0 to 100.",
    it_risk="Support: learners can never pass, or always pass, the lesson.",
)
SEQUENCING = Rule(
    "conformance.sequencing",
    "Sequencing elements are supported",
    "Sequencing elements the specification does not define",
    Severity.INFO,
    remediation="Remove or correct sequencing elements the SCORM 2004 specification does not define.",
    it_risk="Support: LMSs ignore sequencing they do not know, so learners may skip required lessons.",
)


def scorm_rules(evidence: Mapping[str, Any], files: FileIndex) -> list[Finding]:
    scorm = evidence["scorm"]
    manifest = evidence["manifest"]
    is_12 = evidence["standard"] == SCORM_12
    findings = [scorm_version(scorm, manifest, evidence["standard"])]

    orgs = scorm["organizations"]
    org_problems = []
    if not orgs["ids"]:
        org_problems.append(Problem("The manifest has no <organization>", manifest, orgs["line"]))
    elif not orgs["default"]:
        org_problems.append(Problem("<organizations> has no 'default' attribute", manifest, orgs["line"]))
    elif orgs["default"] not in orgs["ids"]:
        org_problems.append(
            Problem(
                f"default='{orgs['default']}' names no <organization> "
                f"(found: {', '.join(i or '(no identifier)' for i in orgs['ids'])})",
                manifest,
                orgs["line"],
            )
        )
    findings.append(
        outcome(DEFAULT_ORGANIZATION, org_problems, f"The default organization '{orgs['default']}' exists.")
    )

    resources = {r["id"]: r for r in scorm["resources"] if r["id"]}
    ref_problems = [
        Problem(
            f"item '{i['id']}' refers to resource '{i['identifierref']}', which does not exist", manifest, i["line"]
        )
        for i in scorm["items"]
        if i["identifierref"] and i["identifierref"] not in resources
    ]
    findings.append(
        outcome(ITEM_REFERENCE, ref_problems, f"All {len(scorm['items'])} items refer to existing resources.")
    )

    seen: dict[str, int | None] = {}
    duplicates = []
    for ident in scorm["identifiers"]:
        if ident["id"] in seen:
            duplicates.append(
                Problem(
                    f"identifier '{ident['id']}' is used again (first at line {seen[ident['id']]})",
                    manifest,
                    ident["line"],
                )
            )
        else:
            seen[ident["id"]] = ident["line"]
    findings.append(outcome(UNIQUE_IDENTIFIERS, duplicates, f"All {len(seen)} identifiers are unique."))

    launched = {i["identifierref"] for i in scorm["items"] if i["identifierref"]}
    no_href: list[Problem] = []
    launch_missing: list[Problem] = []
    launch_case: list[Problem] = []
    not_html: list[Problem] = []
    for res in scorm["resources"]:
        is_sco = (res["scorm_type"] or "").lower() == "sco"
        if not (is_sco or res["id"] in launched):
            continue
        where = Problem("", manifest, res["line"])
        if not res["href"]:
            no_href.append(
                Problem(f"resource '{res['id']}' has no href, so there is nothing to launch", manifest, res["line"])
            )
            continue
        if "://" in res["launch"]:
            continue
        missing_or_case(files, res["launch"], where, f"launch file of '{res['id']}'", launch_missing, launch_case)
        if not res["launch"].lower().endswith(HTML_SUFFIXES):
            not_html.append(
                Problem(
                    f"resource '{res['id']}' launches '{res['launch']}', which is not an HTML page",
                    manifest,
                    res["line"],
                )
            )
    findings.append(outcome(LAUNCH_HREF, no_href, "Every SCO and launched resource has an href."))
    findings.append(outcome(LAUNCH_FILE, launch_missing + not_html, "Every launch file exists and is an HTML page."))

    file_missing: list[Problem] = []
    file_case: list[Problem] = []
    # A page a launch page opens by script is loaded (conformance.content-page-missing reports it).
    loaded = loaded_paths(evidence) | {r["resolved"] for r in missing_content_pages(evidence, files)}
    junk = {_visible_name(p) for p in files.sizes if is_os_junk(p)}
    launches = {res["launch"] for res in scorm["resources"] if res.get("launch")}  # graded by LAUNCH_FILE
    for res in scorm["resources"]:
        for f in res["files"]:
            path = f["path"]
            # Manifest hrefs are URLs: 'a%20b.mp4' names the file a page loads as 'a b.mp4'.
            if "://" in path or path in loaded or unquote(path) in loaded or _visible_name(path) in junk:
                continue  # a loaded file is graded by the reference rules; junk by conformance.os-junk
            if path in launches:
                continue  # a missing launch file is one defect: conformance.launch-file (a blocker) says it
            missing_or_case(files, path, Problem("", manifest, f["line"]), "file", file_missing, file_case)
    file_missing = [
        Problem(p.message + " (listed in the manifest; no page loads it)", p.path, p.line) for p in file_missing
    ]
    findings.append(outcome(FILE_REFERENCE, file_missing, "Every <file href> exists in the package."))

    dep_problems = [
        Problem(f"resource '{r['id']}' depends on '{d['ref']}', which does not exist", manifest, d["line"])
        for r in scorm["resources"]
        for d in r["dependencies"]
        if d["ref"] not in resources
    ]
    findings.append(outcome(DEPENDENCY, dep_problems, "Every <dependency> refers to an existing resource."))

    type_problems = []
    for res in scorm["resources"]:
        value = res["scorm_type"]
        if value is None:
            type_problems.append(Problem(f"resource '{res['id']}' has no adlcp:scormType", manifest, res["line"]))
        elif value.lower() not in SCORM_TYPES:
            type_problems.append(
                Problem(
                    f"resource '{res['id']}' has scormType '{value}' (sco or asset expected)", manifest, res["line"]
                )
            )
    findings.append(outcome(SCORM_TYPE, type_problems, "Every resource declares a valid scormType."))

    if is_12:
        bad_scores = []
        for score in scorm["mastery_scores"]:
            try:
                ok = 0 <= float(score["value"]) <= 100
            except ValueError:
                ok = False
            if not ok:
                bad_scores.append(
                    Problem(f"masteryscore '{score['value']}' is not a number from 0 to 100", manifest, score["line"])
                )
        findings.append(
            outcome(
                MASTERY_SCORE,
                bad_scores,
                "Mastery scores are within 0–100." if scorm["mastery_scores"] else "No mastery score declared.",
            )
        )

    if scorm["sequencing"]:
        unknown = [
            Problem(f"<imsss:{s['element']}> is not a SCORM 2004 sequencing element", manifest, s["line"])
            for s in scorm["sequencing"]
            if not s["known"]
        ]
        names = sorted({s["element"] for s in scorm["sequencing"]})
        findings.append(
            outcome(
                SEQUENCING,
                unknown,
                f"{len(scorm['sequencing'])} sequencing elements parse ({', '.join(names)}); test the navigation "
                "on the target LMS, whose sequencing support varies.",
                fail_status=Status.WARN,
            )
        )

    schema_missing = [
        Problem(f"schema file '{p}' named in xsi:schemaLocation is missing", manifest, scorm["schema_files_line"])
        for p in scorm["schema_files"]
        if not files.exists(p)
    ]
    findings.append(
        outcome(
            SCHEMA_FILES,
            schema_missing,
            "All schema files the manifest names are present."
            if scorm["schema_files"]
            else "The manifest names no local schema files.",
        )
    )
    return findings


SCORM_VERSION = Rule(
    "conformance.scorm-version",
    "SCORM version consistent with namespaces",
    "SCORM version and namespaces disagree",
    Severity.MAJOR,
    remediation="Export again with one SCORM version selected; do not mix 1.2 and 2004 manifests.",
    it_risk="Support: the LMS may run the course with the wrong API, losing learner records.",
)


def scorm_version(scorm: Mapping[str, Any], manifest: str, standard: str) -> Finding:
    version = (scorm["schemaversion"] or "").strip()
    spaces = " ".join(scorm["namespaces"])
    problems = []
    line = scorm["schemaversion_line"]
    severity = None
    if not version:
        only_12 = any(n in spaces for n in SCORM_12_NAMESPACES) and not any(n in spaces for n in SCORM_2004_NAMESPACES)
        if only_12:  # LMSs take SCORM 1.2 from its namespaces; a strict importer wants it written
            severity = Severity.MINOR
            problems.append(
                Problem("<schemaversion> is missing from <metadata>; the namespaces say SCORM 1.2", manifest, line)
            )
        else:
            problems.append(Problem("<schemaversion> is missing from <metadata>", manifest, line))
    elif version == "1.2":
        wrong = [n for n in SCORM_2004_NAMESPACES if n in spaces]
        if wrong:
            problems.append(
                Problem(f"schemaversion 1.2 with SCORM 2004 namespaces ({', '.join(wrong)})", manifest, line)
            )
    elif version.lower() in SCORM_2004_VERSIONS:
        wrong = [n for n in SCORM_12_NAMESPACES if n in spaces]
        if wrong:
            problems.append(
                Problem(f"schemaversion '{version}' with SCORM 1.2 namespaces ({', '.join(wrong)})", manifest, line)
            )
    else:
        problems.append(
            Problem(
                f"schemaversion '{version}' is not a SCORM version (1.2, CAM 1.3, 2004 3rd Edition, 2004 4th Edition)",
                manifest,
                line,
            )
        )
    return outcome(
        SCORM_VERSION, problems, f"{standard}: schemaversion '{version}' matches the namespaces.", severity=severity
    )
