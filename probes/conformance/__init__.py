"""The ``conformance`` probe: the package defects that make LMS imports fail or half-work.

Gathering reads the manifest (hardened parser) and scans HTML/CSS/JS for references, once; the
rules (:mod:`conformance_rules` gathers them) judge that evidence. The evidence also yields the **launch
map** (each SCO/AU: title, launch page, the files it loads and their bytes) that later probes use.
"""

from __future__ import annotations

import posixpath
from collections import deque
from collections.abc import Mapping
from typing import Any

from certifier.package.archive import MIB
from certifier.package.authoring_tools import recognise
from certifier.package.credentials import find_credentials
from certifier.package.reference_targets import decode_text, resolve
from certifier.package.references import HTML_SUFFIXES, JS_ABSOLUTE, SCRIPT_CANDIDATE, references_in
from certifier.package.safe_xml import parse_xml
from certifier.package.standards import AICC, CMI5, HTML, XAPI
from certifier.package.tool_data import tool_data
from certifier.policy import evidence_kinds as kinds
from certifier.policy.findings import Finding
from certifier.policy.presentation import SummaryRow
from certifier.policy.probe_api import Probe, ProbeContext
from certifier.policy.profiles import LimitSpec, Profile
from certifier.policy.rules import declared_in

from . import files as conformance_files
from . import manifest_rules as conformance_manifest
from . import parse
from . import references as conformance_references
from . import standards as conformance_standards
from . import urls as conformance_urls
from . import xapi_aicc as conformance_xapi_aicc
from .common import strip_query
from .rules import all_rules
from .urls import contacted_hosts

SCANNED_SUFFIXES = (".html", ".htm", ".xhtml", ".css", ".js", ".mjs")
# Configuration files read only for credentials (a course's LRS key in course/config.json…).
CONFIG_SUFFIXES = (".json", ".xml", ".txt")
MAX_CONFIG_BYTES = 2 * MIB
# A plain HTML package's start page, in order: the usual names, then authoring tools' own.
HTML_START_PAGES = (
    "index.html",
    "index.htm",
    "default.html",
    "default.htm",
    "start.html",
    "story.html",
    "index_lms.html",
    "launch.html",
)


def scan_text(path: str, content: bytes) -> dict[str, list[dict[str, Any]]]:
    """What one page, script, stylesheet or configuration file refers to, and the credentials in it."""
    text = decode_text(content)
    references = [r.to_dict() for r in references_in(path, text)] if path.lower().endswith(SCANNED_SUFFIXES) else []
    return {"references": references, "credentials": find_credentials(path, text)}


class ConformanceProbe(Probe):
    id = "conformance"
    title = "Package conformance"
    description = "SCORM 1.2/2004, cmi5, xAPI and AICC structure, files and references, as LMS imports check them."
    publishes = (
        kinds.LAUNCH_MAP,
        kinds.REACHABLE_FILES,
        kinds.EXTERNAL_HOSTS,
        kinds.AUTHORING_TOOL,
        kinds.TOOL_SETTINGS,
        kinds.PAGE_REFERENCES,
    )
    limits = {
        "max_path_length_chars": LimitSpec("integer", "Longest file path inside the package.", "characters"),
        "max_scanned_file_mb": LimitSpec("number", "Largest HTML/CSS/JS file scanned for references.", "MB"),
        "blocked_file_extensions": LimitSpec("string-list", "File types a course package must not contain."),
        "accept_plain_html": LimitSpec(
            "boolean", "Plain web pages (no manifest, no tracking) may pass, as CONDITIONAL at best."
        ),
    }
    # Generated from the rule declarations.
    rules = declared_in(
        conformance_manifest,
        conformance_standards,
        conformance_xapi_aicc,
        conformance_files,
        conformance_urls,
        conformance_references,
    )

    grading = (
        "Files count as loaded when a browser reaches them from a launch file: markup, stylesheets and "
        "@import, script string literals naming an existing file, and the data an authoring tool's player "
        "loads (Adapt's course/<language>/*.json and config assets, Rise's course data). A missing file is "
        "graded by what it is and where it is asked for: the data the player renders from is a blocker; a "
        "page, script, stylesheet, media, object or data file a reachable page loads, and any root-absolute "
        "path ('/js/app.js' leaves the package on every LMS), is major; an image or font in a stylesheet "
        "is minor; a reference only from a file no launch page loads, or from a CSS rule a later "
        "declaration overrides, is info. A manifest <file> that is absent and never loaded is minor."
    )

    @classmethod
    def examines(cls, path: str, media_type: str) -> bool:
        return path.lower().endswith(SCANNED_SUFFIXES + CONFIG_SUFFIXES)

    @classmethod
    def examine(cls, path: str, content: bytes, profile: Profile) -> dict[str, Any]:
        """A page's, script's, stylesheet's or configuration file's references, parsed beside the read
        pass; files over the size limits are left, as gather leaves them."""
        too_large = len(content) > profile.section(cls.id)["max_scanned_file_mb"] * MIB or (
            not path.lower().endswith(SCANNED_SUFFIXES) and len(content) > MAX_CONFIG_BYTES
        )
        return {} if too_large else scan_text(path, content)

    def gather(self, ctx: ProbeContext) -> dict[str, Any]:
        package, detection = ctx.course_package, ctx.course_detection
        limits = ctx.limits(self.id)
        files = {f.path: f.size for f in ctx.course_inventory.files}
        manifest = detection.manifest
        manifest_dir = posixpath.dirname(manifest) if manifest else ""
        evidence: dict[str, Any] = {
            "standard": detection.standard,
            "manifest": manifest,
            "nested_in": detection.nested_in,
            "manifest_dir": manifest_dir,
            "files": files,
            "xml_problems": [],
        }
        ctx.progress(0.0, "reading the manifest")
        if manifest and manifest.lower().endswith(".xml"):
            root, problems = parse_xml(package.read_bytes(manifest))
            evidence["xml_problems"] = [p.to_dict() for p in problems]
            if root is not None:
                if detection.standard == CMI5:
                    evidence["cmi5"] = parse.parse_cmi5(root)
                elif detection.standard == XAPI:
                    evidence["tincan"] = parse.parse_tincan(root)
                else:
                    evidence["scorm"] = parse.parse_scorm(root, manifest_dir)
                    # Storyline, iSpring and others publish SCORM and Tin Can side by side: an LMS may
                    # import either descriptor, so both are judged.
                    beside = posixpath.join(manifest_dir, "tincan.xml")
                    if beside in files:
                        also, _ = parse_xml(package.read_bytes(beside))
                        if also is not None:
                            evidence["tincan"] = {**parse.parse_tincan(also), "path": beside}
        elif detection.standard == AICC:
            prefix = manifest_dir + "/" if manifest_dir else ""
            evidence["aicc"] = parse.parse_aicc(lambda p: decode_text(package.read_bytes(p)), list(files), prefix)

        max_bytes = limits["max_scanned_file_mb"] * MIB
        scanned = [p for p in files if p.lower().endswith(SCANNED_SUFFIXES)]
        configs = [p for p in files if p.lower().endswith(CONFIG_SUFFIXES) and files[p] <= MAX_CONFIG_BYTES]
        references: list[Any] = []
        unscanned: list[Any] = []
        credentials: list[Any] = []
        for index, path in enumerate(scanned + configs):
            if files[path] > max_bytes:
                unscanned.append(path)
                continue
            # Parsed beside the read pass, or now from the text it kept (never inflated again).
            found = ctx.examined_facts(self.id, path) or scan_text(path, package.read_bytes(path))
            references.extend(found["references"])
            credentials.extend(found["credentials"])
            if index % 50 == 0:
                ctx.progress(0.1 + 0.8 * index / max(len(scanned) + len(configs), 1), path)
        evidence["references"] = references
        evidence["unscanned"] = unscanned
        # What a server configuration file asks of the server decides its grade, not its name.
        evidence["server_configs"] = {
            p: decode_text(package.read_bytes(p, MAX_CONFIG_BYTES))
            for p in files
            if posixpath.basename(p).lower() == ".htaccess" and files[p] <= MAX_CONFIG_BYTES
        }
        evidence["credentials"] = credentials
        ctx.progress(0.92, "recognising the authoring tool")
        read_text = lambda p: decode_text(package.read_bytes(p))  # noqa: E731
        launches = [u["launch"] for u in launch_units(evidence) if u["launch"] in files]
        tool = recognise(files, read_text, launches)
        data = tool_data(tool, files, read_text)
        evidence["authoring_tool"] = tool.to_dict() if tool else None
        evidence["tool_references"] = data["references"]
        evidence["tool_roots"] = data["roots"]
        evidence["tool_settings"] = data["settings"]
        launch_map = build_launch_map(evidence)
        reachable = {p for unit in launch_map for p in unit["files"]}
        evidence["reachable"] = sorted(reachable)
        evidence["referenced"] = sorted(referenced_paths(evidence, launch_map))
        hosts = sorted(contacted_hosts(references, reachable, not launch_map, (tool.player if tool else []) or [])[0])
        evidence["outputs"] = {
            "launch_map": launch_map,
            "external_hosts": hosts,
            "reachable": sorted(reachable),
            "authoring_tool": evidence["authoring_tool"],
            "tool_settings": data["settings"],
        }
        return evidence

    def evaluate(self, evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
        return all_rules(evidence, limits)

    @classmethod
    def summary_rows(cls, report: Mapping[str, Any]) -> list[SummaryRow]:
        outputs = cls.outputs_in(report)
        hosts = outputs.get("external_hosts") or []
        rows = [SummaryRow("Proxy / firewall", ", ".join(hosts) if hosts else "no external host", 30)]
        tool = outputs.get("authoring_tool")
        if tool:
            runtime = f"; runtime {', '.join(tool['runtime'])}" if tool.get("runtime") else ""
            rows.append(SummaryRow("Published with", tool["label"] + runtime, 60))
        return rows


def _reference_graph(evidence: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Each file's outgoing references a browser follows (root-absolute ones lead outside)."""
    graph: dict[str, list[dict[str, Any]]] = {}
    for ref in [*evidence["references"], *evidence.get("tool_references", [])]:
        if ref["scheme"] == "" and ref["resolved"] is not None and not ref.get("rooted") and ref["kind"] != JS_ABSOLUTE:
            graph.setdefault(ref["source"], []).append(ref)
    return graph


def _closure(starts: list[str], graph: Mapping[str, list[dict[str, Any]]], files: Mapping[str, int]) -> list[str]:
    """Every package file a browser can load from ``starts``: markup and stylesheet references,
    tool data, and script string literals that name an existing file. A script's literal is
    resolved from the script's folder, the page that loaded it, and the course's root, because
    a script runs in its page and players write paths either way."""
    seen: dict[str, str] = {}  # path → folder of the page it was loaded from
    queue = deque((p, posixpath.dirname(p)) for p in starts if p in files)
    while queue:
        path, page_folder = queue.popleft()
        if path in seen:
            continue
        seen[path] = page_folder
        if path.lower().endswith(HTML_SUFFIXES):
            page_folder = posixpath.dirname(path)
        for ref in graph.get(path, ()):
            if ref["kind"] == SCRIPT_CANDIDATE:
                target = next(
                    (
                        c
                        for c in (
                            ref["resolved"],
                            resolve(posixpath.join(page_folder, "x"), ref["target"]),
                            resolve("x", ref["target"]),
                        )
                        if c in files
                    ),
                    None,
                )
            else:
                target = ref["resolved"]
            if target and target in files and target not in seen:
                queue.append((target, page_folder))
    return sorted(seen)


def launch_units(evidence: Mapping[str, Any]) -> list[dict[str, Any]]:
    """(id, title, launch, declared files) for each thing a learner launches."""
    base = evidence.get("manifest_dir", "")
    units = []
    if "scorm" in evidence:
        resources = {r["id"]: r for r in evidence["scorm"]["resources"]}
        for item in evidence["scorm"]["items"]:
            res = resources.get(item["identifierref"])
            if not res or not res.get("launch"):
                continue
            declared = [f["path"] for f in res["files"]]
            for dep in res["dependencies"]:
                declared += [f["path"] for f in resources.get(dep["ref"], {}).get("files", [])]
            units.append({"id": item["id"], "title": item["title"], "launch": res["launch"], "declared": declared})
    elif "cmi5" in evidence:
        for au in evidence["cmi5"]["aus"]:
            url = (au["url"] or "").strip()
            launch = url if "://" in url else posixpath.normpath(posixpath.join(base, strip_query(url)))
            units.append(
                {"id": au["id"], "title": au["title"], "launch": launch, "declared": [], "move_on": au.get("move_on")}
            )
    elif "tincan" in evidence:
        for activity in evidence["tincan"]["activities"]:
            if activity["launch"]:
                launch = posixpath.normpath(posixpath.join(base, strip_query(activity["launch"].strip())))
                units.append({"id": activity["id"], "title": activity["title"], "launch": launch, "declared": []})
    elif "aicc" in evidence:
        for row in evidence["aicc"]["au"]:
            name = row.get("file_name", "")
            if name:
                units.append(
                    {
                        "id": row.get("system_id"),
                        "title": row.get("system_id"),
                        "launch": posixpath.normpath(strip_query(name)),
                        "declared": [],
                    }
                )
    elif evidence["standard"] == HTML:
        pages = sorted(p for p in evidence["files"] if "/" not in p and p.lower().endswith((".html", ".htm")))
        start = next((p for p in HTML_START_PAGES if p in pages), pages[0] if pages else None)
        if start:
            units.append({"id": start, "title": start, "launch": start, "declared": []})
    return units


def build_launch_map(evidence: Mapping[str, Any]) -> list[dict[str, Any]]:
    files = evidence["files"]
    graph = _reference_graph(evidence)
    launch_map = []
    roots = evidence.get("tool_roots", [])
    for unit in launch_units(evidence):
        reachable = _closure([unit["launch"], *roots], graph, files)
        launch_map.append(
            {
                **({"move_on": unit["move_on"]} if unit.get("move_on") else {}),
                "id": unit["id"],
                "title": unit["title"],
                "launch": unit["launch"],
                "launch_exists": unit["launch"] in files,
                "files": reachable,
                "bytes": sum(files[p] for p in reachable),
            }
        )
    return launch_map


def referenced_paths(evidence: Mapping[str, Any], launch_map: list[dict[str, Any]]) -> set[str]:
    """Files the manifest, a launch unit or any page refers to (plus the descriptors themselves)."""
    referenced = {u for unit in launch_map for u in unit["files"]}
    if evidence.get("manifest"):
        referenced.add(evidence["manifest"])
    if "scorm" in evidence:
        referenced |= {f["path"] for r in evidence["scorm"]["resources"] for f in r["files"]}
        referenced |= set(evidence["scorm"]["schema_files"])
    if "aicc" in evidence:
        referenced |= set(evidence["aicc"]["files"].values())
    referenced |= {r["resolved"] for r in evidence["references"] if r["resolved"] and r["kind"] != SCRIPT_CANDIDATE}
    # Schema files (and the sub-folders SCORM 2004's schemas include) support the manifest.
    if evidence.get("manifest"):
        referenced |= {p for p in evidence["files"] if p.lower().endswith((".xsd", ".dtd"))}
    return referenced
