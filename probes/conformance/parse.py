"""Reading each standard's manifest into plain, serialisable facts with line numbers.

No rule lives here: these functions only describe what the package declares.
"""

from __future__ import annotations

import configparser
import csv
import io
import posixpath
from collections.abc import Callable
from typing import Any
from xml.etree.ElementTree import Element

from certifier.package.safe_xml import XML_BASE, attr_in, children, descendants, local_name, namespace, text_of, walk

# IMS Simple Sequencing elements SCORM 2004 defines; anything else under imsss is unknown.
KNOWN_SEQUENCING = {
    "sequencing",
    "controlMode",
    "sequencingRules",
    "preConditionRule",
    "exitConditionRule",
    "postConditionRule",
    "ruleConditions",
    "ruleCondition",
    "ruleAction",
    "limitConditions",
    "rollupRules",
    "rollupRule",
    "rollupConditions",
    "rollupCondition",
    "rollupAction",
    "objectives",
    "primaryObjective",
    "objective",
    "minNormalizedMeasure",
    "mapInfo",
    "randomizationControls",
    "deliveryControls",
    "sequencingCollection",
    "auxiliaryResources",
    "auxiliaryResource",
    "constrainedChoiceConsiderations",
    "rollupConsiderations",
    "adlseqMapInfo",
    "objectivesGlobalToSystem",
}
IMSSS_NAMESPACE = "http://www.imsglobal.org/xsd/imsss"
ADL_NAMESPACE_PREFIX = "http://www.adlnet.org/xsd/adlcp"  # adlcp_rootv1p2 (SCORM 1.2), adlcp_v1p3 (2004)
XSI_SCHEMA_LOCATION = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"


def _line(element: Element) -> int | None:
    return getattr(element, "sourceline", None)


def join_base(*parts: str | None) -> str:
    """Apply xml:base values and an href in order; absolute bases replace what came before."""
    result = ""
    for part in parts:
        if not part:
            continue
        result = part if "://" in part else posixpath.join(result, part) if result else part
    return result


def parse_scorm(root: Element, manifest_dir: str) -> dict[str, Any]:
    """The manifest as an LMS reads it: IMS CP elements only in the manifest's own namespace, its
    attributes unqualified, ADL's in ADL's namespaces, and every xml:base applied (manifest,
    resources, resource) as IMS CP defines. A look-alike in a foreign namespace is ignored, as an LMS
    ignores it."""
    cp = namespace(root.tag)  # imscp_v1p1 (2004) or imscp_rootv1p1p2 (1.2); "" for a manifest with none
    spaces: set[str] = set()
    identifiers = []
    for element in walk(root):  # one pass over what may be tens of thousands of elements
        spaces.add(namespace(element.tag))
        spaces.update(namespace(k) for k in element.attrib if k.startswith("{"))
        ident = element.attrib.get("identifier")
        if (
            ident is not None
            and namespace(element.tag) == cp
            and local_name(element.tag) in ("manifest", "organization", "item", "resource")
        ):
            identifiers.append({"id": ident, "tag": local_name(element.tag), "line": _line(element)})
    namespaces = sorted(spaces - {""})
    adl = tuple(ns for ns in namespaces if ns.startswith(ADL_NAMESPACE_PREFIX))
    metadata = children(root, "metadata", cp)
    schemaversion = None
    version_line = None
    if metadata:
        found = children(metadata[0], "schemaversion", cp)
        if found:
            schemaversion = text_of(found[0])
            version_line = _line(found[0])
    orgs_el = children(root, "organizations", cp)
    organizations: dict[str, Any] = {"default": None, "line": None, "ids": []}
    items = []
    sequencing = []
    mastery = []
    if orgs_el:
        organizations = {
            "default": attr_in(orgs_el[0], "default"),
            "line": _line(orgs_el[0]),
            "ids": [attr_in(o, "identifier") for o in children(orgs_el[0], "organization", cp)],
        }
        for org in children(orgs_el[0], "organization", cp):
            for item in descendants(org, "item", cp):
                title = children(item, "title", cp)
                items.append(
                    {
                        "id": attr_in(item, "identifier"),
                        "identifierref": attr_in(item, "identifierref"),
                        "parameters": attr_in(item, "parameters") or "",
                        "title": text_of(title[0]) if title else "",
                        "line": _line(item),
                    }
                )
            for element in walk(org):
                if namespace(element.tag) == IMSSS_NAMESPACE:
                    sequencing.append(
                        {
                            "element": local_name(element.tag),
                            "line": _line(element),
                            "known": local_name(element.tag) in KNOWN_SEQUENCING,
                        }
                    )
                if local_name(element.tag).lower() == "masteryscore":
                    mastery.append({"value": text_of(element), "line": _line(element)})
    manifest_base = root.attrib.get(XML_BASE)
    resources_el = children(root, "resources", cp)
    resources_base = resources_el[0].attrib.get(XML_BASE) if resources_el else None
    resources = []
    for res in children(resources_el[0], "resource", cp) if resources_el else []:
        bases = (manifest_dir, manifest_base, resources_base, res.attrib.get(XML_BASE))
        href = attr_in(res, "href")
        resources.append(
            {
                "id": attr_in(res, "identifier"),
                "type": attr_in(res, "type"),
                "scorm_type": attr_in(res, "scormType", adl),
                "href": href,
                "launch": join_base(*bases, href.split("?")[0].split("#")[0]) if href else None,
                "line": _line(res),
                "files": [
                    {"href": attr_in(f, "href"), "path": join_base(*bases, attr_in(f, "href")), "line": _line(f)}
                    for f in children(res, "file", cp)
                    if attr_in(f, "href")
                ],
                "dependencies": [
                    {"ref": attr_in(d, "identifierref"), "line": _line(d)} for d in children(res, "dependency", cp)
                ],
            }
        )
    schema_files = []
    location = root.attrib.get(XSI_SCHEMA_LOCATION, "")
    tokens = location.split()
    for _uri, file in zip(tokens[0::2], tokens[1::2], strict=False):
        if "://" not in file:
            schema_files.append(join_base(manifest_dir, file))
    return {
        "namespaces": namespaces,
        "schemaversion": schemaversion,
        "schemaversion_line": version_line,
        "organizations": organizations,
        "items": items,
        "resources": resources,
        "identifiers": identifiers,
        "mastery_scores": mastery,
        "sequencing": sequencing,
        "schema_files": schema_files,
        "schema_files_line": _line(root),
    }


def parse_cmi5(root: Element) -> dict[str, Any]:
    # As an LMS reads it: elements only in the course structure's own namespace (the root's),
    # attributes unqualified; a look-alike <x:au> in a foreign namespace is not an AU.
    ns = namespace(root.tag)
    course = descendants(root, "course", ns)
    aus = []
    for au in descendants(root, "au", ns):
        url_el = children(au, "url", ns)
        title_el = children(au, "title", ns)
        aus.append(
            {
                "id": attr_in(au, "id"),
                "url": text_of(url_el[0]) if url_el else None,
                "url_line": _line(url_el[0]) if url_el else _line(au),
                "launch_method": attr_in(au, "launchMethod"),
                "move_on": attr_in(au, "moveOn"),
                "mastery_score": attr_in(au, "masteryScore"),
                "title": text_of(title_el[0]) if title_el else "",
                "line": _line(au),
            }
        )
    blocks = [{"id": attr_in(b, "id"), "line": _line(b)} for b in descendants(root, "block", ns)]
    return {
        "root": local_name(root.tag),
        "course_id": attr_in(course[0], "id") if course else None,
        "course_line": _line(course[0]) if course else _line(root),
        "aus": aus,
        "blocks": blocks,
    }


def parse_tincan(root: Element) -> dict[str, Any]:
    ns = namespace(root.tag)  # tincan.xml's own namespace only, as for cmi5
    activities = []
    for activity in descendants(root, "activity", ns):
        launch = children(activity, "launch", ns)
        name = children(activity, "name", ns)
        activities.append(
            {
                "id": attr_in(activity, "id"),
                "type": attr_in(activity, "type"),
                "title": text_of(name[0]) if name else "",
                "launch": text_of(launch[0]) if launch else None,
                "line": _line(launch[0]) if launch else _line(activity),
            }
        )
    return {"root": local_name(root.tag), "activities": activities}


def _csv_rows(text: str) -> list[dict[str, Any]]:
    reader = csv.reader(io.StringIO(text.strip()))
    rows = list(reader)
    if not rows:
        return []
    header = [h.strip().lower() for h in rows[0]]
    return [
        {**dict(zip(header, (c.strip() for c in row), strict=False)), "_line": n + 2}
        for n, row in enumerate(rows[1:])
        if any(c.strip() for c in row)
    ]


def parse_aicc(read_text: Callable[[str], str], paths: list[str], prefix: str = "") -> dict[str, Any]:
    """AICC descriptor files at the package root (file name case varies between tools)."""
    found: dict[str, str] = {}
    for path in paths:
        rest = path[len(prefix) :]
        if path.startswith(prefix) and "/" not in rest:
            ext = posixpath.splitext(rest)[1].lower().lstrip(".")
            if ext in ("crs", "au", "des", "cst"):
                found.setdefault(ext, path)
    result: dict[str, Any] = {"files": found, "au": [], "des": [], "cst": [], "crs": {}}
    if "crs" in found:
        parser = configparser.ConfigParser(strict=False, interpolation=None)
        try:
            parser.read_string(read_text(found["crs"]))
            result["crs"] = (
                {k.lower(): v.strip() for k, v in parser["Course"].items()} if parser.has_section("Course") else {}
            )
        except configparser.Error as exc:
            result["crs_error"] = str(exc)
    for ext in ("au", "des", "cst"):
        if ext in found:
            result[ext] = _csv_rows(read_text(found[ext]))
    return result
