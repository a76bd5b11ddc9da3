"""Pure conformance rules of cmi5, xAPI (Tin Can) and AICC packages."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

from certifier.policy.findings import Finding, Severity
from certifier.policy.rules import Rule

from .common import CMI5_LAUNCH_METHODS, CMI5_MOVE_ON, IRI, FileIndex, Problem, missing_or_case, outcome, strip_query

# --- cmi5, xAPI, AICC -------------------------------------------------------------------------

CMI5_AU_URL = Rule(
    "conformance.cmi5-au-url",
    "Every AU has a launch URL that resolves",
    "AU launch URLs that do not resolve",
    Severity.BLOCKER,
    remediation="Point each AU's <url> at a page inside the package (relative) or an https URL.",
    it_risk="Support: learners get a 404 or a blocked mixed-content page instead of the lesson.",
)
CMI5_VALUES = Rule(
    "conformance.cmi5-values",
    "launchMethod and moveOn have cmi5 values",
    "launchMethod or moveOn values cmi5 does not define",
    Severity.MAJOR,
    remediation="Use launchMethod AnyWindow/OwnWindow and a moveOn value the cmi5 specification defines.",
    it_risk="Support: the LMS may never mark the course satisfied.",
)
CMI5_IDS = Rule(
    "conformance.cmi5-ids",
    "Course, block and AU ids are unique IRIs",
    "Course, block or AU ids that are not unique IRIs",
    Severity.MAJOR,
    remediation="Give every course, block and AU a unique IRI id, e.g. https://example.com/course/au-1.",
    it_risk="Support: learner records of different AUs may be merged in the LRS.",
)


def cmi5_rules(evidence: Mapping[str, Any], files: FileIndex) -> list[Finding]:
    cmi5 = evidence["cmi5"]
    manifest = evidence["manifest"]
    base = evidence.get("manifest_dir", "")
    url_problems: list[Problem] = []
    case: list[Problem] = []
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
            missing_or_case(
                files,
                posixpath.normpath(posixpath.join(base, strip_query(url))),
                where,
                f"launch URL of AU '{au['id']}'",
                url_problems,
                case,
            )
        method = au["launch_method"]
        if method is not None and method not in CMI5_LAUNCH_METHODS:
            value_problems.append(
                Problem(f"AU '{au['id']}' launchMethod '{method}' (AnyWindow or OwnWindow)", manifest, au["line"])
            )
        move_on = au["move_on"]
        if move_on is not None and move_on not in CMI5_MOVE_ON:
            value_problems.append(
                Problem(f"AU '{au['id']}' moveOn '{move_on}' is not a cmi5 value", manifest, au["line"])
            )
    seen = set()
    for kind, ident, line in (
        [("course", cmi5["course_id"], cmi5["course_line"])]
        + [("block", b["id"], b["line"]) for b in cmi5["blocks"]]
        + [("AU", a["id"], a["line"]) for a in cmi5["aus"]]
    ):
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
    "conformance.tincan-launch",
    "Every activity launch resolves",
    "Activity launches that do not resolve",
    Severity.BLOCKER,
    remediation="Make <launch> a path to a page inside the package.",
    it_risk="Support: the LMS cannot open the course.",
)


def tincan_rules(evidence: Mapping[str, Any], files: FileIndex) -> list[Finding]:
    tincan = evidence["tincan"]
    manifest = tincan.get("path") or evidence["manifest"]  # a tincan.xml beside a SCORM manifest has its own
    base = evidence.get("manifest_dir", "")
    problems: list[Problem] = []
    case: list[Problem] = []
    launchable = [a for a in tincan["activities"] if a["launch"]]
    if not launchable:
        problems.append(Problem("no <activity> in tincan.xml has a <launch>", manifest))
    for activity in launchable:
        launch = activity["launch"].strip()
        if "://" in launch:
            if launch.lower().startswith("http://"):
                problems.append(
                    Problem(f"activity '{activity['id']}' launches over plain http", manifest, activity["line"])
                )
            continue
        missing_or_case(
            files,
            posixpath.normpath(posixpath.join(base, strip_query(launch))),
            Problem("", manifest, activity["line"]),
            f"launch of '{activity['id']}'",
            problems,
            case,
        )
    return [outcome(TINCAN_LAUNCH, problems + case, f"{len(launchable)} launchable activities resolve.")]


AICC_FILES = Rule(
    "conformance.aicc-files",
    "AICC descriptor files present",
    "AICC descriptor files missing",
    Severity.BLOCKER,
    remediation="Export the four AICC descriptor files (.crs, .au, .des, .cst) with the course.",
    it_risk="Support: the LMS cannot import the course.",
)
AICC_IDS = Rule(
    "conformance.aicc-ids",
    "AICC system ids consistent",
    "AICC system ids disagree",
    Severity.MAJOR,
    remediation="Use the same system_id for each AU in every descriptor file.",
    it_risk="Support: lessons appear twice, or not at all, in the LMS.",
)
AICC_FILE_NAME = Rule(
    "conformance.aicc-file-name",
    "AICC File_Name entries resolve",
    "AICC File_Name entries that do not resolve",
    Severity.BLOCKER,
    remediation="Point File_Name at the AU's launch page inside the package.",
    it_risk="Support: learners get a 404 instead of the lesson.",
)


def aicc_rules(evidence: Mapping[str, Any], files: FileIndex) -> list[Finding]:
    aicc = evidence["aicc"]
    required = [
        Problem(f"the .{ext} descriptor file is missing")
        for ext in ("crs", "au", "des", "cst")
        if ext not in aicc["files"]
    ]
    au_ids = {r.get("system_id", "") for r in aicc["au"]}
    des_ids = {r.get("system_id", "") for r in aicc["des"]}
    blocks = {r.get("block", "") for r in aicc["cst"]}
    id_problems = []
    au_file = aicc["files"].get("au")
    for row in aicc["au"]:
        if row.get("system_id", "") not in des_ids and "des" in aicc["files"]:
            id_problems.append(
                Problem(f"AU '{row.get('system_id')}' has no row in the .des file", au_file, row["_line"])
            )
    for row in aicc["des"]:
        if row.get("system_id", "") not in au_ids and row.get("system_id", "") not in blocks:
            id_problems.append(
                Problem(
                    f"'{row.get('system_id')}' in the .des file is neither an AU nor a block",
                    aicc["files"].get("des"),
                    row["_line"],
                )
            )
    for row in aicc["cst"]:
        for key, member in row.items():
            if key.startswith("member") and member and member not in au_ids and member not in blocks:
                id_problems.append(
                    Problem(
                        f"course structure member '{member}' is not a known AU or block",
                        aicc["files"].get("cst"),
                        row["_line"],
                    )
                )
    total = aicc["crs"].get("total_aus")
    if total is not None and total.isdigit() and int(total) != len(aicc["au"]):
        id_problems.append(
            Problem(f"Total_AUs={total} but the .au file lists {len(aicc['au'])}", aicc["files"].get("crs"))
        )
    launch_problems: list[Problem] = []
    case: list[Problem] = []
    for row in aicc["au"]:
        name = row.get("file_name", "")
        if not name:
            launch_problems.append(Problem(f"AU '{row.get('system_id')}' has no File_Name", au_file, row["_line"]))
        elif "://" not in name:
            missing_or_case(
                files,
                posixpath.normpath(strip_query(name)),
                Problem("", au_file, row["_line"]),
                f"File_Name of AU '{row.get('system_id')}'",
                launch_problems,
                case,
            )
    return [
        outcome(AICC_FILES, required, "The .crs, .au, .des and .cst files are present."),
        outcome(AICC_IDS, id_problems, "System ids agree across the .au, .des, .cst and .crs files."),
        outcome(AICC_FILE_NAME, launch_problems + case, "Every AU's File_Name resolves."),
    ]
