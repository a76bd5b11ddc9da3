"""Pure rules on what the course's pages load: graded by what is missing and where it is asked for.

A missing file's harm depends on its kind and on whether a learner's browser ever asks for it:

* the data an authoring tool's player renders from (Adapt's ``course/<lang>/*.json``) → blocker,
  the course shows nothing;
* a page, script, stylesheet, media, object or data file that a reachable page loads, and any
  root-absolute reference (``/js/index.js`` leaves the package on every LMS) → major;
* an image or font named by a stylesheet → minor: a widget state or glyph looks wrong;
* a stylesheet link to a file named as an image, media or font → minor: no browser styles a page
  with it, so its absence costs a failed request on each page naming it and changes nothing shown;
* a reference only from a file no launch page reaches (left-overs of an earlier publish), or an
  image in a CSS rule that a later rule with the same selector overrides → info.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

from certifier.package.media_types import guess_by_name
from certifier.package.references import CSS_IMAGE, FONT, JS_ABSOLUTE, LINK, OBJECT, SCRIPT_CANDIDATE, STYLESHEET
from certifier.policy.findings import Evidence, Finding, Severity, Status
from certifier.policy.rules import Rule

from .common import HTML_SUFFIXES, FileIndex

PLUGIN_EXTENSIONS = (".swf", ".dcr", ".xap", ".jar", ".class", ".unity3d")
# Kinds of file no browser styles a page with, whatever a stylesheet link says (a Lectora page links
# its player's control sprite, an image, as a stylesheet).
NOT_STYLES = ("image/", "audio/", "video/", "font/")

WHAT = {
    "page": "page",
    "script": "script",
    "stylesheet": "stylesheet",
    "media": "media file",
    "image": "image",
    "object": "embedded object",
    "link": "linked page",
    "css-import": "imported stylesheet",
    "css-image": "stylesheet image",
    "font": "font",
    "data": "data file",
}


def _problem(ref: Mapping[str, Any], message: str) -> tuple[str, Evidence]:
    line = ref.get("line") or None  # 0: a path the player builds at run time, named on no line
    return message, Evidence(path=ref["source"], line=line, column=ref.get("column") if line else None, note=message)


def _tool_fix(evidence: Mapping[str, Any]) -> str:
    tool = evidence.get("authoring_tool")
    return (
        f" If the course comes from {tool['label']}, publish it again from there rather than editing the output."
        if tool
        else ""
    )


def graded_missing(evidence: Mapping[str, Any], files: FileIndex) -> dict[str, list[tuple[str, Evidence]]]:
    """Sort every reference that does not resolve into blocker/major/minor/info/case buckets."""
    reachable = set(evidence.get("reachable") or [])
    everything_reachable = not evidence.get("outputs", {}).get("launch_map")
    buckets: dict[str, list[tuple[str, Evidence]]] = {"blocker": [], "major": [], "minor": [], "info": [], "case": []}
    seen: set[tuple[Any, ...]] = set()
    folders = {posixpath.dirname(p) for p in files.sizes}
    for ref in [*evidence["references"], *evidence.get("tool_references", [])]:
        if ref["kind"] == SCRIPT_CANDIDATE and ref["scheme"] == "" and ref["resolved"] is not None:
            missing = _script_named_missing(ref, files, folders, reachable, everything_reachable)
            if missing:
                buckets["major"].append(_problem(ref, missing))
            continue
        if ref["scheme"] != "" or ref["kind"] == JS_ABSOLUTE or ref["resolved"] is None:
            continue
        key = (ref["source"], ref.get("line"), ref.get("column"), ref["target"])
        if key in seen:
            continue
        seen.add(key)
        what = WHAT.get(ref["kind"], "file")
        used = everything_reachable or ref["source"] in reachable
        written = f"'{ref['target']}'"
        if ref.get("rooted"):
            message = (
                f"{what} {written} is root-absolute: it points to the LMS server's root, outside the "
                "package, on every LMS"
            )
        elif files.exists(ref["resolved"]):
            continue
        elif files.case_variant(ref["resolved"]):
            message = f"{what} {written} exists only as '{files.case_variant(ref['resolved'])}'"
            buckets["case" if used else "info"].append(
                _problem(ref, message + ("" if used else " (in a file no launch page loads)"))
            )
            continue
        elif ref["resolved"].startswith("../") or ref["resolved"] == "..":
            message = f"{what} {written} points outside the package"
        else:
            message = f"{what} {written} (resolves to '{ref['resolved']}') is not in the package"
        if not used:
            buckets["info"].append(_problem(ref, message + " — only in a file no launch page loads"))
        elif ref.get("renders"):
            buckets["blocker"].append(_problem(ref, message + " — the player renders the course from it"))
        elif ref["kind"] == OBJECT and ref["resolved"].lower().endswith(PLUGIN_EXTENSIONS):
            buckets["info"].append(
                _problem(ref, message + " — a plug-in file no current browser runs; see the plugins probe")
            )
        elif ref["kind"] == CSS_IMAGE and ref.get("overridden") and not ref.get("rooted"):
            buckets["info"].append(
                _problem(
                    ref, message + f" — rule '{ref.get('selector', '')}' is overridden later in the same stylesheet"
                )
            )
        elif ref["kind"] in (CSS_IMAGE, FONT):
            buckets["minor"].append(
                _problem(ref, message + (f" (rule '{ref['selector']}')" if ref.get("selector") else ""))
            )
        elif ref["kind"] == STYLESHEET and (named := guess_by_name(ref["resolved"])).startswith(NOT_STYLES):
            buckets["minor"].append(
                _problem(
                    ref,
                    message + f" — a stylesheet link to a file named as {named.split('/')[0]}, which no browser "
                    "applies: a failed request, nothing shown changes",
                )
            )
        else:
            buckets["major"].append(_problem(ref, message))
    return buckets


# What a page's own script may name that a learner then plays: its video and audio (old tools build
# players in inline scripts: Lectora's ``new ObjMedia(…, 'media/a.mp4')``). Page and image names in
# scripts are as often variable values, lesson locations or fallback paths never taken: not judged.
SCRIPT_NAMED = {
    **dict.fromkeys((".mp4", ".m4v", ".webm"), "video"),
    **dict.fromkeys((".mp3", ".m4a", ".wav", ".ogg"), "audio"),
}


def _script_named_missing(
    ref: Mapping[str, Any], files: FileIndex, folders: set[str], reachable: set[str], everything_reachable: bool
) -> str | None:
    """A file named by a string in a reachable page's own (inline) script, of a kind a learner gets,
    in a folder the package has, found under none of the bases a script may resolve from: missing.
    (Strings in shared script files name paths relative to pages that vary: they are left alone.)"""
    source, target = ref["source"], ref["target"]
    kind = SCRIPT_NAMED.get(posixpath.splitext(target.split("?")[0].lower())[1])
    if not kind or not source.lower().endswith(HTML_SUFFIXES) or not (everything_reachable or source in reachable):
        return None
    candidates = {ref["resolved"], posixpath.normpath(target.lstrip("./")) if target.startswith("./") else target}
    if any(files.exists(c) or files.case_variant(c) for c in candidates):
        return None
    if posixpath.dirname(ref["resolved"]) not in folders:
        return None  # a folder the package does not have: a path built for another place
    return f"{kind} '{target}', named by a script in the page, is not in the package"


COURSE_DATA_MISSING = Rule(
    "conformance.course-data-missing",
    "The data the course renders from is present",
    "The course cannot render: its data files are missing",
    Severity.BLOCKER,
    it_risk="Support: the course opens on an empty page for every learner; nothing can be tracked.",
)
MISSING_REFERENCE = Rule(
    "conformance.missing-reference",
    "Files the course loads exist",
    "Files the course loads are missing",
    Severity.MAJOR,
    it_risk="Support: broken scripts, styles, media or pages; learners report a broken course.",
)
MISSING_STYLE_ASSET = Rule(
    "conformance.missing-style-asset",
    "Images and fonts named by stylesheets exist",
    "Images or fonts named by stylesheets are missing",
    Severity.MINOR,
    it_risk="Support: an icon, background or font looks wrong where the rule applies.",
)
CASE_MISMATCH = Rule(
    "conformance.case-mismatch",
    "References match file names exactly, including case",
    "References differ from file names in case",
    Severity.MAJOR,
    remediation="Make the reference and the file name identical, including upper/lower case.",
    it_risk="Support: works on a Windows server, returns 404 on the Linux servers most LMSs run on.",
)
UNUSED_BROKEN_REFERENCE = Rule(
    "conformance.unused-broken-reference",
    "Broken references only where nothing uses them",
    "Unused files have broken references",
    Severity.INFO,
    remediation="Unused files have broken references: delete the left-over files (or rules) shown; the course does "
    "not load them.",
    it_risk="None for learners; dead weight on the LMS.",
)


def missing_reference_rules(evidence: Mapping[str, Any], files: FileIndex) -> list[Finding]:
    buckets = graded_missing(evidence, files)
    fix = _tool_fix(evidence)
    count = sum(1 for r in evidence["references"] if r["scheme"] == "" and r["kind"] not in (SCRIPT_CANDIDATE,))
    return [
        COURSE_DATA_MISSING.outcome(
            buckets["blocker"],
            "Every data file the course's player loads at start exists.",
            count_prefix=True,
            remediation="Publish the course again so its data files are in the package (for Adapt: the "
            "course/<language>/*.json files are the course's content)." + fix,
        ),
        MISSING_REFERENCE.outcome(
            buckets["major"],
            f"All {count} references of reachable pages resolve inside the package.",
            count_prefix=True,
            remediation="Add the missing files to the package, or correct the paths shown (write "
            "paths relative to the page, never starting with '/')." + fix,
        ),
        MISSING_STYLE_ASSET.outcome(
            buckets["minor"],
            "Every image and font the stylesheets name exists.",
            count_prefix=True,
            remediation="Add the images or fonts, or remove the CSS rules that name them." + fix,
        ),
        CASE_MISMATCH.outcome(buckets["case"], "References match file names exactly.", count_prefix=True),
        UNUSED_BROKEN_REFERENCE.outcome(
            buckets["info"],
            "No unused file or overridden rule names a missing file.",
            fail_status=Status.WARN,
            count_prefix=True,
        ),
    ]


def loaded_paths(evidence: Mapping[str, Any]) -> set[str]:
    """Package paths that a reachable page or the tool's player asks for."""
    reachable = set(evidence.get("reachable") or [])
    everything = not evidence.get("outputs", {}).get("launch_map")
    return {
        r["resolved"]
        for r in [*evidence["references"], *evidence.get("tool_references", [])]
        if r["resolved"]
        and r["kind"] != SCRIPT_CANDIDATE
        and r["kind"] != LINK
        and (everything or r["source"] in reachable)
    }


def _script_bases(target: str, resolved: str, launches: set[str]) -> set[str]:
    """Where a page named in a script may be: a script builds URLs against the document it runs in,
    whose folder need not be the script's (a launch page passed the lesson's path, for one). Only a
    page found under none of them is missing."""
    path = posixpath.normpath(target.split("#", 1)[0].split("?", 1)[0].replace("\\", "/"))
    bases = {resolved, path.lstrip("/")}
    for launch in launches:
        bases.add(posixpath.normpath(posixpath.join(posixpath.dirname(launch), path)))
    return {b for b in bases if b and not b.startswith("..")}


CONTENT_PAGE_MISSING = Rule(
    "conformance.content-page-missing",
    "The pages a launch page opens by script exist",
    "A page the launch page opens by script is missing",
    Severity.BLOCKER,
    remediation="Publish the course again and upload the whole output: the launch page (the LMS driver) opens this "
    "page as the course's content.",
    it_risk="Compliance: learners see the server's 404 page where the course should be, while the LMS driver can "
    "still report the lesson completed.",
)


def content_page_rule(evidence: Mapping[str, Any], files: FileIndex) -> Finding:
    """A launch page whose own script names an HTML page to open (a SCORM driver's content frame:
    Rise's ``strContentLocation = "../scormcontent/index.html"``) that the package lacks. Strings in
    script libraries stay candidates; one in the page the LMS launches is the course's entry."""
    problems = [
        (
            f"{ref['source']} opens '{ref['target']}' (resolves to '{ref['resolved']}'), which is not in the package",
            Evidence(path=ref["source"], line=ref.get("line"), column=ref.get("column")),
        )
        for ref in missing_content_pages(evidence, files)
    ]
    return CONTENT_PAGE_MISSING.outcome(problems, "Every page a launch page opens by script is in the package.")


def missing_content_pages(evidence: Mapping[str, Any], files: FileIndex) -> list[Mapping[str, Any]]:
    """The script references of launch pages that name an HTML page the package lacks (one each)."""
    launches = {u["launch"] for u in (evidence.get("outputs") or {}).get("launch_map") or []}
    found: list[Mapping[str, Any]] = []
    seen: set[str] = set()
    for ref in evidence["references"]:
        resolved = ref.get("resolved")
        if (
            ref["kind"] != SCRIPT_CANDIDATE
            or ref["source"] not in launches
            or ref.get("rooted")  # '/index.html' leaves the package: not a path a driver opens in it
            or not resolved
            or not resolved.lower().endswith(HTML_SUFFIXES)
            or resolved in seen
            or any(files.exists(p) for p in _script_bases(ref["target"], resolved, launches))
        ):
            continue
        seen.add(resolved)
        found.append(ref)
    return found


TRACKING_DISABLED = Rule(
    "conformance.tracking-disabled",
    "The course reports to the LMS",
    "Tracking is off: the course never reports to the LMS",
    Severity.MAJOR,
    it_risk="Compliance: no learner's completion or score is ever recorded; the rollout's reports stay empty.",
)


def tracking_rule(evidence: Mapping[str, Any]) -> list[Finding]:
    """A SCORM/AICC course whose tool setting turns LMS tracking off records no learner."""
    settings = [s for s in evidence.get("tool_settings", []) if s["setting"] == "tracking"]
    if not settings or not ("scorm" in evidence or "aicc" in evidence):
        return []
    tool = (evidence.get("authoring_tool") or {}).get("label", "the authoring tool")
    problems = [
        (
            f"{s['name']} is off in {s['path']}: the course never talks to the LMS",
            Evidence(path=s["path"], line=s.get("line")),
        )
        for s in settings
        if not s["enabled"]
    ]
    fixes = "; ".join(sorted({s["fix"] for s in settings if not s["enabled"]}))
    return [
        TRACKING_DISABLED.outcome(
            problems,
            f"Tracking is enabled in {tool} ({settings[0]['name']}).",
            remediation=f"In {tool}, {fixes}." if fixes else "",
        )
    ]


EMBEDDED_CREDENTIALS = Rule(
    "conformance.embedded-credentials",
    "No credentials in the course's files",
    "Credentials in the course's files",
    Severity.MAJOR,
    remediation="Remove the credentials from the package and revoke them; let the LMS launch the course with its own "
    "LRS credentials (cmi5 / xAPI launch) instead.",
    it_risk="Security: every learner's browser downloads these files, so anyone taking the course can read the key "
    "and write or read the LRS's records.",
)


def credentials_rule(evidence: Mapping[str, Any]) -> Finding:
    found = evidence.get("credentials", [])
    problems = [
        (f"{c['what']} ({c['value']}) in {c['path']}", Evidence(path=c["path"], line=c["line"], column=c.get("column")))
        for c in found
    ]
    return EMBEDDED_CREDENTIALS.outcome(
        problems, "No LRS or server credentials found in the course's files.", count_prefix=True
    )


AUTHORING_TOOL = Rule("conformance.authoring-tool", "Authoring tool", "Authoring tool", Severity.INFO)


def authoring_tool_finding(evidence: Mapping[str, Any]) -> Finding:
    tool = evidence.get("authoring_tool")
    if not tool:
        return AUTHORING_TOOL.finding(Status.PASS, "No authoring tool recognised (hand-made or unknown output).")
    runtime = f"; runtime: {', '.join(tool['runtime'])}" if tool.get("runtime") else ""
    where = f" ({tool['runtime_evidence']})" if tool.get("runtime_evidence") else ""
    return AUTHORING_TOOL.finding(
        Status.PASS,
        f"Published with {tool['label']}{runtime}{where}.",
        evidence=(Evidence(path=tool["evidence"] or None, line=tool.get("line")),),
        details={"tool": tool},
    )
