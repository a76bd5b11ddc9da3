"""Pure conformance rules: evidence in, findings out. No I/O here.

Each rule returns one finding: ``fail`` with every location when the defect is present, ``pass``
when it is not, so a report shows what was checked as well as what was wrong. Informational rules
(external hosts, unreferenced files, sequencing) use ``warn`` with severity ``info``.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import unquote
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from certifier.policy.findings import Evidence, Finding, Severity, Status, quantity
from certifier.policy.rules import Rule
from certifier.package.references import CSS_IMAGE, FONT, IMAGE, JS_ABSOLUTE, LINK, MEDIA, SCRIPT_CANDIDATE
from certifier.package.standards import AICC, CMI5, HTML, SCORM_12

from .conformance_references import (CASE_MISMATCH, authoring_tool_finding, credentials_rule, loaded_paths,
                                     missing_reference_rules, tracking_rule)

MIB = 1024 * 1024
CMI5_LAUNCH_METHODS = {"AnyWindow", "OwnWindow"}
CMI5_MOVE_ON = {"NotApplicable", "Passed", "Completed", "CompletedAndPassed", "CompletedOrPassed"}
SCORM_TYPES = {"sco", "asset"}
SCORM_12_NAMESPACES = ("imscp_rootv1p1p2", "adlcp_rootv1p2")
SCORM_2004_NAMESPACES = ("imscp_v1p1", "adlcp_v1p3")
SCORM_2004_VERSIONS = {"cam 1.3", "2004 2nd edition", "2004 3rd edition", "2004 4th edition"}
OS_JUNK = re.compile(r"(^|/)(__MACOSX/|\.DS_Store$|Thumbs\.db$|desktop\.ini$|\._[^/]+$|Icon\r$)", re.IGNORECASE)
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")
IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
CMI5_ROOT_SPEC = "cmi5 test suite 14.1.0.0-2 (cmi5.xml at the root of the zip)"


@dataclass(frozen=True)
class Problem:
    message: str
    path: str | None = None
    line: int | None = None
    url: str | None = None
    column: int | None = None

    @property
    def evidence(self) -> Evidence:
        return Evidence(self.path, self.line, self.url, self.column)


def outcome(rule: Rule, problems: list[Problem], ok: str, **kwargs) -> Finding:
    """One finding for a rule: fail (listing every problem, with their count) or pass."""
    return rule.outcome([(p.message, p.evidence) for p in problems], ok, count_prefix=True, **kwargs)


class FileIndex:
    """Exact and case-insensitive lookup of package paths."""

    def __init__(self, sizes: Mapping[str, int]):
        self.sizes = dict(sizes)
        self.folded: dict[str, list[str]] = {}
        for path in self.sizes:
            self.folded.setdefault(path.casefold(), []).append(path)

    def exists(self, path: str) -> bool:
        return path in self.sizes

    def case_variant(self, path: str) -> str | None:
        variants = [p for p in self.folded.get(path.casefold(), []) if p != path]
        return variants[0] if variants else None


PASSIVE_KINDS = (IMAGE, MEDIA, CSS_IMAGE, FONT)


def is_os_junk(path: str) -> bool:
    return bool(OS_JUNK.search(path) or CONTROL_CHARACTERS.search(path))


def escaped(path: str) -> str:
    """A file name as a person can read it: control characters shown as \\r, \\x1b…"""
    return CONTROL_CHARACTERS.sub(lambda m: repr(m.group(0))[1:-1], path)


def _visible_name(path: str) -> str:
    return CONTROL_CHARACTERS.sub("", path).strip()


def _why_junk(path: str) -> str:
    return " (its name contains a control character)" if CONTROL_CHARACTERS.search(path) else ""


def strip_query(href: str) -> str:
    return href.split("#", 1)[0].split("?", 1)[0]


def missing_or_case(files: FileIndex, path: str, where: Problem, what: str,
                    missing: list[Problem], case: list[Problem]) -> None:
    """Sort a reference into missing / case-only mismatch / fine. Manifest hrefs are URLs, so a
    percent-encoded name ('a%20b.pdf') names the file 'a b.pdf'."""
    if files.exists(path) or ("%" in path and files.exists(unquote(path))):
        return
    variant = files.case_variant(path)
    if variant:
        case.append(Problem(f"{what} '{path}' exists only as '{variant}'", where.path, where.line))
    elif path.startswith("../") or path == "..":
        missing.append(Problem(f"{what} '{path}' points outside the package", where.path, where.line))
    else:
        missing.append(Problem(f"{what} '{path}' is not in the package", where.path, where.line))


# --- manifest and XML -------------------------------------------------------------------------

MANIFEST_LOCATION = Rule(
    "conformance.manifest-location", "Manifest at the package root",
    "Manifest not at the package root", Severity.BLOCKER,
    it_risk="Support: the LMS rejects the import, and the course bounces between teams.")


def manifest_location(evidence: Mapping[str, Any]) -> Finding:
    standard = evidence["standard"]
    spec = CMI5_ROOT_SPEC if standard == CMI5 else None
    problems = []
    nested = evidence.get("nested_in")
    manifest = evidence.get("manifest")
    if nested:
        problems.append(Problem(
            f"The manifest is inside the folder '{nested}/', not at the root: the package was made by "
            "zipping the course folder instead of its contents", manifest))
    elif manifest is None and standard not in (AICC, HTML):
        problems.append(Problem("No imsmanifest.xml, cmi5.xml or tincan.xml at the package root"))
    return outcome(MANIFEST_LOCATION, problems,
                   f"{manifest or 'Course descriptor'} is at the package root." if manifest or standard == AICC
        else "Plain HTML package: no manifest expected.",
                   remediation=(f"Open the '{nested}' folder, select everything inside it, and zip that selection "
                     "so imsmanifest.xml/cmi5.xml sits at the top of the zip.") if nested else
        "Export the course again from the authoring tool as a SCORM, cmi5 or xAPI package.", spec_ref=spec)


XML_SAFETY = Rule(
    "conformance.xml-safety", "Manifest free of entities, DTDs and external references",
    "Manifest declares entities, a DTD or external references", Severity.BLOCKER,
    remediation="Remove the DOCTYPE and ENTITY declarations from the manifest; authoring tools never need them.",
    it_risk="Security: entity expansion and external entities (XXE) can exhaust or read files on the LMS server that "
            "imports the package.")
XML_WELL_FORMED = Rule(
    "conformance.xml-well-formed", "Manifest is well-formed XML",
    "Manifest is not well-formed XML", Severity.BLOCKER,
    remediation="Fix the XML at the line shown; write '&' in titles and URLs as '&amp;'.",
    it_risk='Support: the LMS import fails with a parser error such as "cannot find the declaration of element '
            "'manifest'\".")
XML_ENCODING = Rule(
    "conformance.xml-encoding", "Manifest encoding declaration matches its bytes",
    "Manifest encoding declaration does not match its bytes", Severity.MAJOR,
    remediation='Declare encoding="UTF-8" in the XML declaration (the file is UTF-8).',
    it_risk="Support: titles with accents appear garbled in the LMS catalogue.")
MANIFEST_BOM = Rule(
    "conformance.manifest-bom", "Manifest without a byte-order mark",
    "Manifest starts with a byte-order mark", Severity.MINOR,
    remediation="Save the manifest as UTF-8 without BOM.",
    it_risk='Support: some LMS parsers fail on a BOM with "content is not allowed in prolog".')


def xml_rules(evidence: Mapping[str, Any]) -> list[Finding]:
    manifest = evidence.get("manifest")
    if manifest is None:
        return []
    problems = evidence.get("xml_problems", [])

    def of(*kinds: str) -> list[Problem]:
        return [Problem(p["message"], manifest, p.get("line")) for p in problems if p["kind"] in kinds]

    return [
        outcome(XML_SAFETY, of("entities", "dtd", "external-reference"),
                "The manifest declares no entities, DTD or external reference."),
        outcome(XML_WELL_FORMED, of("malformed", "unescaped-ampersand"), "The manifest is well-formed XML."),
        outcome(XML_ENCODING, of("encoding"), "The encoding declaration matches the content."),
        outcome(MANIFEST_BOM, of("bom"), "The manifest has no byte-order mark."),
    ]


# --- SCORM ------------------------------------------------------------------------------------

DEFAULT_ORGANIZATION = Rule(
    "conformance.default-organization", "A valid default organization",
    "No valid default organization", Severity.MAJOR,
    remediation='Give <organization> an identifier and set <organizations default="…"> to it.',
    it_risk="Support: LMSs disagree on which structure to show; some refuse the import.")
ITEM_REFERENCE = Rule(
    "conformance.item-reference", "Every item refers to an existing resource",
    "Items refer to resources that do not exist", Severity.BLOCKER,
    remediation="Make each item's identifierref match a <resource identifier>.",
    it_risk="Support: learners get an empty page or an LMS error on that lesson.")
UNIQUE_IDENTIFIERS = Rule(
    "conformance.unique-identifiers", "Identifiers are unique",
    "Identifiers used more than once", Severity.MAJOR,
    remediation="Rename the repeated identifiers so each is used once.",
    it_risk="Support: the LMS may launch or track the wrong lesson.")
LAUNCH_HREF = Rule(
    "conformance.launch-href", "Every launchable resource has a launch href",
    "Launchable resources without a launch href", Severity.BLOCKER,
    remediation='Add href="path/to/index.html" to the resource (the page the LMS opens).',
    it_risk="Support: the lesson cannot be opened; learners call the helpdesk.")
LAUNCH_FILE = Rule(
    "conformance.launch-file", "Launch files exist and are HTML",
    "Launch files missing or not HTML", Severity.BLOCKER,
    remediation="Include the launch page in the package at the path the manifest gives, or correct the href.",
    it_risk="Support: learners get a 404 instead of the lesson.")
FILE_REFERENCE = Rule(
    "conformance.file-reference", "Files listed in the manifest exist",
    "Files listed in the manifest are missing", Severity.MINOR,
    remediation="Remove the <file> entries of files the course does not have (publish again from the authoring "
                "tool), or add the files.",
    it_risk="Support: LMSs that check the file list refuse or warn on import; learners see no difference.")
DEPENDENCY = Rule(
    "conformance.dependency", "Dependencies refer to existing resources",
    "Dependencies refer to resources that do not exist", Severity.MAJOR,
    remediation="Make each dependency's identifierref match a <resource identifier>.",
    it_risk="Support: shared scripts or styles may not be imported with the lesson.")
SCORM_TYPE = Rule(
    "conformance.scorm-type", "Resources declare scormType sco or asset",
    "Resources without a valid scormType", Severity.MAJOR,
    remediation='Add adlcp:scormType="sco" to tracked lessons and "asset" to other resources.',
    it_risk="Support: the LMS may not track completion for lessons it takes for assets.")
SCHEMA_FILES = Rule(
    "conformance.schema-files", "Schema files named by the manifest are present",
    "Schema files named by the manifest are missing", Severity.MINOR,
    remediation="Copy the .xsd files the manifest names into the package root (the authoring tool's SCORM export "
                "includes them).",
    it_risk="Support: LMSs that validate against the schemas reject the import.")
MASTERY_SCORE = Rule(
    "conformance.mastery-score", "Mastery scores between 0 and 100",
    "Mastery scores outside 0–100", Severity.MAJOR,
    remediation="Set adlcp:masteryscore to a number from 0 to 100.",
    it_risk="Support: learners can never pass, or always pass, the lesson.")
SEQUENCING = Rule(
    "conformance.sequencing", "Sequencing elements are supported",
    "Sequencing elements the specification does not define", Severity.INFO,
    remediation="Remove or correct sequencing elements the SCORM 2004 specification does not define.",
    it_risk="Support: LMSs ignore sequencing they do not know, so learners may skip required lessons.")


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
        org_problems.append(Problem(f"default='{orgs['default']}' names no <organization> "
                                    f"(found: {', '.join(i or '(no identifier)' for i in orgs['ids'])})",
                                    manifest, orgs["line"]))
    findings.append(outcome(DEFAULT_ORGANIZATION, org_problems,
                            f"The default organization '{orgs['default']}' exists."))

    resources = {r["id"]: r for r in scorm["resources"] if r["id"]}
    ref_problems = [Problem(f"item '{i['id']}' refers to resource '{i['identifierref']}', which does not exist",
                            manifest, i["line"]) for i in scorm["items"]
                    if i["identifierref"] and i["identifierref"] not in resources]
    findings.append(outcome(ITEM_REFERENCE, ref_problems,
                            f"All {len(scorm['items'])} items refer to existing resources."))

    seen: dict[str, int | None] = {}
    duplicates = []
    for ident in scorm["identifiers"]:
        if ident["id"] in seen:
            duplicates.append(Problem(f"identifier '{ident['id']}' is used again (first at line {seen[ident['id']]})",
                                      manifest, ident["line"]))
        else:
            seen[ident["id"]] = ident["line"]
    findings.append(outcome(UNIQUE_IDENTIFIERS, duplicates, f"All {len(seen)} identifiers are unique."))

    launched = {i["identifierref"] for i in scorm["items"] if i["identifierref"]}
    no_href, launch_missing, launch_case, not_html = [], [], [], []
    for res in scorm["resources"]:
        is_sco = (res["scorm_type"] or "").lower() == "sco"
        if not (is_sco or res["id"] in launched):
            continue
        where = Problem("", manifest, res["line"])
        if not res["href"]:
            no_href.append(Problem(f"resource '{res['id']}' has no href, so there is nothing to launch",
                                   manifest, res["line"]))
            continue
        if "://" in res["launch"]:
            continue
        missing_or_case(files, res["launch"], where, f"launch file of '{res['id']}'", launch_missing, launch_case)
        if not res["launch"].lower().endswith(HTML_SUFFIXES):
            not_html.append(Problem(f"resource '{res['id']}' launches '{res['launch']}', which is not an HTML page",
                                    manifest, res["line"]))
    findings.append(outcome(LAUNCH_HREF, no_href, "Every SCO and launched resource has an href."))
    findings.append(outcome(LAUNCH_FILE, launch_missing + not_html, "Every launch file exists and is an HTML page."))

    file_missing, file_case = [], []
    loaded = loaded_paths(evidence)
    junk = {_visible_name(p) for p in files.sizes if is_os_junk(p)}
    for res in scorm["resources"]:
        for f in res["files"]:
            path = f["path"]
            if "://" in path or path in loaded or _visible_name(path) in junk:
                continue  # a loaded file is graded by the reference rules; junk by conformance.os-junk
            missing_or_case(files, path, Problem("", manifest, f["line"]), "file", file_missing, file_case)
    file_missing = [Problem(p.message + " (listed in the manifest; no page loads it)", p.path, p.line)
                    for p in file_missing]
    findings.append(outcome(FILE_REFERENCE, file_missing, "Every <file href> exists in the package."))

    dep_problems = [Problem(f"resource '{r['id']}' depends on '{d['ref']}', which does not exist", manifest, d["line"])
                    for r in scorm["resources"] for d in r["dependencies"] if d["ref"] not in resources]
    findings.append(outcome(DEPENDENCY, dep_problems, "Every <dependency> refers to an existing resource."))

    type_problems = []
    for res in scorm["resources"]:
        value = res["scorm_type"]
        if value is None:
            type_problems.append(Problem(f"resource '{res['id']}' has no adlcp:scormType", manifest, res["line"]))
        elif value.lower() not in SCORM_TYPES:
            type_problems.append(Problem(f"resource '{res['id']}' has scormType '{value}' (sco or asset expected)",
                                         manifest, res["line"]))
    findings.append(outcome(SCORM_TYPE, type_problems, "Every resource declares a valid scormType."))

    if is_12:
        bad_scores = []
        for score in scorm["mastery_scores"]:
            try:
                ok = 0 <= float(score["value"]) <= 100
            except ValueError:
                ok = False
            if not ok:
                bad_scores.append(Problem(f"masteryscore '{score['value']}' is not a number from 0 to 100",
                                          manifest, score["line"]))
        findings.append(outcome(MASTERY_SCORE, bad_scores,
                                "Mastery scores are within 0–100." if scorm["mastery_scores"] else "No mastery score declared."))

    if scorm["sequencing"]:
        unknown = [Problem(f"<imsss:{s['element']}> is not a SCORM 2004 sequencing element", manifest, s["line"])
                   for s in scorm["sequencing"] if not s["known"]]
        names = sorted({s["element"] for s in scorm["sequencing"]})
        findings.append(outcome(SEQUENCING, unknown,
                                f"{len(scorm['sequencing'])} sequencing elements parse ({', '.join(names)}); test the navigation "
            "on the target LMS, whose sequencing support varies.", fail_status=Status.WARN))

    schema_missing = [Problem(f"schema file '{p}' named in xsi:schemaLocation is missing", manifest,
                              scorm["schema_files_line"]) for p in scorm["schema_files"] if not files.exists(p)]
    findings.append(outcome(SCHEMA_FILES, schema_missing,
                            "All schema files the manifest names are present." if scorm["schema_files"]
        else "The manifest names no local schema files."))
    return findings


SCORM_VERSION = Rule(
    "conformance.scorm-version", "SCORM version consistent with namespaces",
    "SCORM version and namespaces disagree", Severity.MAJOR,
    remediation="Export again with one SCORM version selected; do not mix 1.2 and 2004 manifests.",
    it_risk="Support: the LMS may run the course with the wrong API, losing learner records.")


def scorm_version(scorm: Mapping[str, Any], manifest: str, standard: str) -> Finding:
    version = (scorm["schemaversion"] or "").strip()
    spaces = " ".join(scorm["namespaces"])
    problems = []
    line = scorm["schemaversion_line"]
    if not version:
        problems.append(Problem("<schemaversion> is missing from <metadata>", manifest, line))
    elif version == "1.2":
        wrong = [n for n in SCORM_2004_NAMESPACES if n in spaces]
        if wrong:
            problems.append(Problem(f"schemaversion 1.2 with SCORM 2004 namespaces ({', '.join(wrong)})", manifest, line))
    elif version.lower() in SCORM_2004_VERSIONS:
        wrong = [n for n in SCORM_12_NAMESPACES if n in spaces]
        if wrong:
            problems.append(Problem(f"schemaversion '{version}' with SCORM 1.2 namespaces ({', '.join(wrong)})",
                                    manifest, line))
    else:
        problems.append(Problem(f"schemaversion '{version}' is not a SCORM version (1.2, CAM 1.3, 2004 3rd "
                                "Edition, 2004 4th Edition)", manifest, line))
    return outcome(SCORM_VERSION, problems, f"{standard}: schemaversion '{version}' matches the namespaces.")


# --- cmi5, xAPI, AICC -------------------------------------------------------------------------

CMI5_AU_URL = Rule(
    "conformance.cmi5-au-url", "Every AU has a launch URL that resolves",
    "AU launch URLs that do not resolve", Severity.BLOCKER,
    remediation="Point each AU's <url> at a page inside the package (relative) or an https URL.",
    it_risk="Support: learners get a 404 or a blocked mixed-content page instead of the lesson.")
CMI5_VALUES = Rule(
    "conformance.cmi5-values", "launchMethod and moveOn have cmi5 values",
    "launchMethod or moveOn values cmi5 does not define", Severity.MAJOR,
    remediation="Use launchMethod AnyWindow/OwnWindow and a moveOn value the cmi5 specification defines.",
    it_risk="Support: the LMS may never mark the course satisfied.")
CMI5_IDS = Rule(
    "conformance.cmi5-ids", "Course, block and AU ids are unique IRIs",
    "Course, block or AU ids that are not unique IRIs", Severity.MAJOR,
    remediation="Give every course, block and AU a unique IRI id, e.g. https://example.com/course/au-1.",
    it_risk="Support: learner records of different AUs may be merged in the LRS.")


def cmi5_rules(evidence: Mapping[str, Any], files: FileIndex) -> list[Finding]:
    cmi5 = evidence["cmi5"]
    manifest = evidence["manifest"]
    base = evidence.get("manifest_dir", "")
    url_problems, case = [], []
    value_problems, id_problems = [], []
    if not cmi5["aus"]:
        url_problems.append(Problem("cmi5.xml declares no <au>", manifest, cmi5["course_line"]))
    for au in cmi5["aus"]:
        where = Problem("", manifest, au["url_line"])
        url = (au["url"] or "").strip()
        if not url:
            url_problems.append(Problem(f"AU '{au['id']}' has no <url>", manifest, au["line"]))
        elif url.lower().startswith("http://"):
            url_problems.append(Problem(f"AU '{au['id']}' launches over plain http ({url})", manifest, au["url_line"]))
        elif "://" not in url:
            missing_or_case(files, posixpath.normpath(posixpath.join(base, strip_query(url))), where,
                            f"launch URL of AU '{au['id']}'", url_problems, case)
        method = au["launch_method"]
        if method is not None and method not in CMI5_LAUNCH_METHODS:
            value_problems.append(Problem(f"AU '{au['id']}' launchMethod '{method}' (AnyWindow or OwnWindow)",
                                          manifest, au["line"]))
        move_on = au["move_on"]
        if move_on is not None and move_on not in CMI5_MOVE_ON:
            value_problems.append(Problem(f"AU '{au['id']}' moveOn '{move_on}' is not a cmi5 value",
                                          manifest, au["line"]))
    seen = set()
    for kind, ident, line in ([("course", cmi5["course_id"], cmi5["course_line"])]
                              + [("block", b["id"], b["line"]) for b in cmi5["blocks"]]
                              + [("AU", a["id"], a["line"]) for a in cmi5["aus"]]):
        if not ident or not IRI.match(ident):
            id_problems.append(Problem(f"{kind} id '{ident}' is not an IRI", manifest, line))
        elif ident in seen:
            id_problems.append(Problem(f"{kind} id '{ident}' is used twice", manifest, line))
        seen.add(ident)
    return [
        outcome(CMI5_AU_URL, url_problems + case, f"All {len(cmi5['aus'])} AU launch URLs resolve."),
        outcome(CMI5_VALUES, value_problems, "launchMethod and moveOn values are valid."),
        outcome(CMI5_IDS, id_problems, "All ids are unique IRIs."),
    ]


TINCAN_LAUNCH = Rule(
    "conformance.tincan-launch", "Every activity launch resolves",
    "Activity launches that do not resolve", Severity.BLOCKER,
    remediation="Make <launch> a path to a page inside the package.",
    it_risk="Support: the LMS cannot open the course.")


def tincan_rules(evidence: Mapping[str, Any], files: FileIndex) -> list[Finding]:
    tincan = evidence["tincan"]
    manifest = evidence["manifest"]
    base = evidence.get("manifest_dir", "")
    problems, case = [], []
    launchable = [a for a in tincan["activities"] if a["launch"]]
    if not launchable:
        problems.append(Problem("no <activity> in tincan.xml has a <launch>", manifest))
    for activity in launchable:
        launch = activity["launch"].strip()
        if "://" in launch:
            if launch.lower().startswith("http://"):
                problems.append(Problem(f"activity '{activity['id']}' launches over plain http", manifest, activity["line"]))
            continue
        missing_or_case(files, posixpath.normpath(posixpath.join(base, strip_query(launch))),
                        Problem("", manifest, activity["line"]), f"launch of '{activity['id']}'", problems, case)
    return [outcome(TINCAN_LAUNCH, problems + case, f"{len(launchable)} launchable activities resolve.")]


AICC_FILES = Rule(
    "conformance.aicc-files", "AICC descriptor files present",
    "AICC descriptor files missing", Severity.BLOCKER,
    remediation="Export the four AICC descriptor files (.crs, .au, .des, .cst) with the course.",
    it_risk="Support: the LMS cannot import the course.")
AICC_IDS = Rule(
    "conformance.aicc-ids", "AICC system ids consistent",
    "AICC system ids disagree", Severity.MAJOR,
    remediation="Use the same system_id for each AU in every descriptor file.",
    it_risk="Support: lessons appear twice, or not at all, in the LMS.")
AICC_FILE_NAME = Rule(
    "conformance.aicc-file-name", "AICC File_Name entries resolve",
    "AICC File_Name entries that do not resolve", Severity.BLOCKER,
    remediation="Point File_Name at the AU's launch page inside the package.",
    it_risk="Support: learners get a 404 instead of the lesson.")


def aicc_rules(evidence: Mapping[str, Any], files: FileIndex) -> list[Finding]:
    aicc = evidence["aicc"]
    required = [Problem(f"the .{ext} descriptor file is missing") for ext in ("crs", "au", "des", "cst")
                if ext not in aicc["files"]]
    au_ids = {r.get("system_id", "") for r in aicc["au"]}
    des_ids = {r.get("system_id", "") for r in aicc["des"]}
    blocks = {r.get("block", "") for r in aicc["cst"]}
    id_problems = []
    au_file = aicc["files"].get("au")
    for row in aicc["au"]:
        if row.get("system_id", "") not in des_ids and "des" in aicc["files"]:
            id_problems.append(Problem(f"AU '{row.get('system_id')}' has no row in the .des file", au_file, row["_line"]))
    for row in aicc["des"]:
        if row.get("system_id", "") not in au_ids and row.get("system_id", "") not in blocks:
            id_problems.append(Problem(f"'{row.get('system_id')}' in the .des file is neither an AU nor a block",
                                       aicc["files"].get("des"), row["_line"]))
    for row in aicc["cst"]:
        for key, member in row.items():
            if key.startswith("member") and member and member not in au_ids and member not in blocks:
                id_problems.append(Problem(f"course structure member '{member}' is not a known AU or block",
                                           aicc["files"].get("cst"), row["_line"]))
    total = aicc["crs"].get("total_aus")
    if total is not None and total.isdigit() and int(total) != len(aicc["au"]):
        id_problems.append(Problem(f"Total_AUs={total} but the .au file lists {len(aicc['au'])}", aicc["files"].get("crs")))
    launch_problems, case = [], []
    for row in aicc["au"]:
        name = row.get("file_name", "")
        if not name:
            launch_problems.append(Problem(f"AU '{row.get('system_id')}' has no File_Name", au_file, row["_line"]))
        elif "://" not in name:
            missing_or_case(files, posixpath.normpath(strip_query(name)), Problem("", au_file, row["_line"]),
                            f"File_Name of AU '{row.get('system_id')}'", launch_problems, case)
    return [
        outcome(AICC_FILES, required, "The .crs, .au, .des and .cst files are present."),
        outcome(AICC_IDS, id_problems, "System ids agree across the .au, .des, .cst and .crs files."),
        outcome(AICC_FILE_NAME, launch_problems + case, "Every AU's File_Name resolves."),
    ]


# --- files and references ---------------------------------------------------------------------

INSECURE_URL = Rule(
    "conformance.insecure-url", "No scripts, styles or frames loaded over plain http",
    "Scripts, styles or frames loaded over plain http", Severity.MAJOR,
    remediation="Use https:// URLs (or copy the resource into the package).",
    it_risk="Security: browsers block http content on an https LMS (mixed content), so the page breaks.")
INSECURE_MEDIA_URL = Rule(
    "conformance.insecure-media-url", "No images or media over plain http",
    "Images or media loaded over plain http", Severity.MINOR,
    remediation="Use https:// URLs for these images and media (or copy them into the package).",
    it_risk="Security: on an https LMS, browsers upgrade these to https or leave them out, so an image or clip may "
            "be missing.")
LOCAL_FILE_URL = Rule(
    "conformance.local-file-url", "No references to the author's own disk",
    "References to the author's own disk", Severity.BLOCKER,
    remediation="Copy the file into the package and reference it with a relative path.",
    it_risk="Support: the resource exists only on the author's computer; every learner sees it broken.")
EXTERNAL_HOSTS = Rule(
    "conformance.external-hosts", "External hosts the course contacts",
    "The course contacts external hosts", Severity.INFO,
    remediation="Ask IT to allow these hosts through the proxy/firewall, or copy the resources into the package.",
    it_risk="Network: each host must be reachable through the proxy from every site.")


def reference_rules(evidence: Mapping[str, Any], files: FileIndex) -> list[Finding]:
    insecure, passive, local, external = [], [], [], {}
    reachable = set(evidence.get("reachable") or [])
    everything = not evidence.get("outputs", {}).get("launch_map")
    for ref in evidence["references"]:
        scheme = ref["scheme"]
        if not (everything or ref["source"] in reachable):
            continue  # a file no launch page loads: nothing a learner's browser asks for
        if scheme in ("file", "drive"):
            local.append(Problem(f"'{ref['target']}' points to a file on the author's computer",
                                 ref["source"], ref["line"], column=ref.get("column")))
        elif scheme in ("http", "https", "protocol-relative"):
            external.setdefault(ref["host"], []).append(ref)
            if scheme == "http" and ref["kind"] not in (LINK, JS_ABSOLUTE, SCRIPT_CANDIDATE):
                # Browsers block active mixed content; images and media are upgraded to https or dropped.
                bucket = passive if ref["kind"] in PASSIVE_KINDS else insecure
                bucket.append(Problem(f"{ref['kind']} '{ref['target']}' is loaded over plain http", ref["source"],
                                      ref["line"], column=ref.get("column")))
    host_problems = [Problem(f"{host} ({len(refs)} reference{'s' if len(refs) > 1 else ''})", refs[0]["source"],
                             refs[0]["line"], column=refs[0].get("column")) for host, refs in sorted(external.items())]
    findings = missing_reference_rules(evidence, files)
    case_finding = next(f for f in findings if f.rule_id == "conformance.case-mismatch")
    manifest_case = _manifest_case_problems(evidence, files)
    if manifest_case:
        merged = [(e.note or "", e) for e in case_finding.evidence] + [(p.message, p.evidence) for p in manifest_case]
        findings[findings.index(case_finding)] = CASE_MISMATCH.outcome(merged, case_finding.message,
                                                                       count_prefix=True)
    return findings + [
        outcome(INSECURE_URL, insecure, "No page loads a script, stylesheet, frame or object over plain http."),
        outcome(INSECURE_MEDIA_URL, passive, "No page loads an image or media file over plain http."),
        outcome(LOCAL_FILE_URL, local, "No reference points to file:// or a drive letter."),
        outcome(EXTERNAL_HOSTS, host_problems, "The course contacts no external host.", fail_status=Status.WARN,
                details={"hosts": sorted(external)}),
    ]


def _manifest_case_problems(evidence: Mapping[str, Any], files: FileIndex) -> list[Problem]:
    """Case-only mismatches between manifest <file>/launch hrefs and the real files."""
    if "scorm" not in evidence:
        return []
    problems: list[Problem] = []
    for res in evidence["scorm"]["resources"]:
        targets = [(f["path"], f["line"]) for f in res["files"]]
        if res.get("launch"):
            targets.append((res["launch"], res["line"]))
        for path, line in targets:
            if "://" not in path and not files.exists(path) and files.case_variant(path):
                problems.append(Problem(f"manifest names '{path}', the file is '{files.case_variant(path)}'",
                                        evidence["manifest"], line))
    return problems


PATH_CHARACTERS = Rule(
    "conformance.path-characters", "File names use safe characters",
    "File names with unsafe characters", Severity.MINOR,
    remediation="Rename the files as suggested and update the references to them.",
    it_risk="Support: such names are encoded differently by browsers, servers and CDNs and break links.")
OS_JUNK_FILES = Rule(
    "conformance.os-junk", "No operating-system clutter",
    "Operating-system clutter in the package", Severity.MINOR,
    remediation="Remove them: zip the course with a tool that leaves out __MACOSX/, .DS_Store and Icon\\r (and drop "
                "them from the manifest's <file> list).",
    it_risk="Storage: dead weight on the LMS and CDN; some LMSs refuse the import.")
SERVER_SIDE_FILES = Rule(
    "conformance.server-side-files", "No server-side or executable files",
    "Server-side or executable files in the package", Severity.MAJOR,
    remediation="Remove server-side scripts and executables; a course package must be static content.",
    it_risk="Security: LMSs refuse these files, and a server that ran them would execute the author's code.")
PATH_LENGTH = Rule(
    "conformance.path-length", "Longest path within the profile's limit",
    "Paths longer than the profile's limit", Severity.MINOR,
    remediation="Shorten folder and file names; Windows tools fail beyond 260 characters in all.",
    it_risk="Support: extraction on Windows servers fails or silently skips these files.")


def file_name_rules(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
    paths = list(evidence["files"])
    awkward = []
    for path in paths:
        reasons = [label for label, bad in (("a space", " " in path), ("'%'", "%" in path),
                                             ("a backslash", "\\" in path), ("non-ASCII letters", not path.isascii()))
                   if bad]
        if reasons:
            suggestion = re.sub(r"[^A-Za-z0-9._/-]+", "-", path.replace("\\", "/"))
            awkward.append(Problem(f"'{path}' contains {', '.join(reasons)} (rename to '{suggestion}')", path))
    junk = [Problem(f"'{escaped(p)}' is operating-system clutter{_why_junk(p)}", escaped(p)) for p in paths
            if is_os_junk(p)]
    blocked_ext = tuple(e.lower() for e in limits["blocked_file_extensions"])
    server_side = [Problem(f"'{p}' is a server-side or executable file", p) for p in paths
                   if p.lower().endswith(blocked_ext) or posixpath.basename(p).lower() == ".htaccess"]
    longest = max(paths, key=len, default="")
    max_len = limits["max_path_length_chars"]
    return [
        outcome(PATH_CHARACTERS, awkward, "All file names use letters, digits, '-', '_' and '.'."),
        outcome(OS_JUNK_FILES, junk,
                "No __MACOSX, .DS_Store, Thumbs.db, desktop.ini or Icon\\r files, and no control characters in names."),
        outcome(SERVER_SIDE_FILES, server_side, "No .php, .asp(x), .jsp, .htaccess or executable files."),
        outcome(PATH_LENGTH, [Problem(f"'{longest}' is {len(longest)} characters long", longest)] if len(longest) > max_len else [],
                f"The longest path has {len(longest)} characters.", measured=len(longest), limit=max_len,
                unit="characters"),
    ]


UNREFERENCED_FILES = Rule(
    "conformance.unreferenced-files", "Files no page or manifest refers to",
    "Files no page or manifest refers to", Severity.INFO,
    remediation="Remove files the course does not use (files loaded only by scripts show up here too: check before "
                "deleting).",
    it_risk="Bandwidth and storage: dead weight stored on the LMS and possibly downloaded by learners.")


def unreferenced_files(evidence: Mapping[str, Any]) -> Finding:
    referenced = set(evidence.get("referenced", []))
    sizes = evidence["files"]
    unused = [p for p in sizes if p not in referenced and not is_os_junk(p)]
    total = sum(sizes[p] for p in unused)
    problems = [Problem(f"'{escaped(p)}' ({quantity(sizes[p] / 1024, 'KB')})", escaped(p))
                for p in sorted(unused, key=lambda p: -sizes[p])]
    return outcome(UNREFERENCED_FILES, problems, "Every file is referenced by the manifest or a page.",
                   fail_status=Status.WARN, measured=round(total / MIB, 3), unit="MB",
                   details={"count": len(unused), "bytes": total})


UNSCANNED = Rule(
    "conformance.unscanned", "Text files too large to scan",
    "Text files too large to scan", Severity.INFO,
    remediation="Split or minify very large pages and scripts.",
    it_risk="References in these files were not checked.")


def unscanned_files(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
    skipped = evidence.get("unscanned", [])
    if not skipped:
        return []
    return [outcome(UNSCANNED, [Problem(f"'{p}' is over the profile's max_scanned_file_mb of {limits['max_scanned_file_mb']} MB", p)
         for p in skipped], "", fail_status=Status.WARN)]


def all_rules(evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
    files = FileIndex(evidence["files"])
    findings = [manifest_location(evidence)]
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
    findings += tracking_rule(evidence)
    findings.append(credentials_rule(evidence))
    findings.append(authoring_tool_finding(evidence))
    findings += file_name_rules(evidence, limits)
    findings.append(unreferenced_files(evidence))
    findings += unscanned_files(evidence, limits)
    return findings
