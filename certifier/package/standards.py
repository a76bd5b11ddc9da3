"""Which eLearning standard a package follows, from the files at its root."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from certifier.package.archive import CoursePackage

SCORM_12 = "SCORM 1.2"
SCORM_2004_2ND = "SCORM 2004 2nd Edition"
SCORM_2004_3RD = "SCORM 2004 3rd Edition"
SCORM_2004_4TH = "SCORM 2004 4th Edition"
SCORM_2004 = "SCORM 2004"
CMI5 = "cmi5"
XAPI = "xAPI (Tin Can)"
AICC = "AICC"
HTML = "HTML"
UNKNOWN = "unknown"

MANIFEST_NAMES = {"imsmanifest.xml": "scorm", "cmi5.xml": CMI5, "tincan.xml": XAPI}


def course_location(path: str | Path) -> Path:
    """What to open for ``path``: a course descriptor (imsmanifest.xml, cmi5.xml, tincan.xml) picked
    by mistake stands for the folder that holds it; anything else is itself."""
    chosen = Path(path)
    return chosen.parent if chosen.is_file() and chosen.name.lower() in MANIFEST_NAMES else chosen


AICC_EXTENSIONS = (".crs", ".au", ".des", ".cst")
_SCHEMAVERSION = re.compile(rb"<(?:\w+:)?schemaversion>\s*([^<]*?)\s*</", re.IGNORECASE)
# Enough of the manifest to find <schemaversion>, which sits in the first <metadata>.
MANIFEST_HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class Detection:
    standard: str
    manifest: str | None
    nested_in: str | None = None  # the folder the manifest was found in, when not at the root

    def to_dict(self) -> dict[str, Any]:
        return {"standard": self.standard, "manifest": self.manifest, "nested_in": self.nested_in}


def scorm_edition(schemaversion: str, namespaces: str = "") -> str:
    version = schemaversion.strip().lower()
    if version == "1.2" or "imscp_rootv1p1p2" in namespaces:
        return SCORM_12
    if "4th" in version:
        return SCORM_2004_4TH
    if "3rd" in version:
        return SCORM_2004_3RD
    if version in ("cam 1.3", "2004 2nd edition"):
        return SCORM_2004_2ND
    return SCORM_2004


def _detect_at(package: CoursePackage, prefix: str) -> Detection | None:
    for name, kind in MANIFEST_NAMES.items():
        path = prefix + name
        if not package.has(path):
            continue
        if kind != "scorm":
            return Detection(kind, path)
        head = package.read_bytes(path, MANIFEST_HEAD_BYTES)
        match = _SCHEMAVERSION.search(head)
        version = match.group(1).decode("utf-8", "replace") if match else ""
        return Detection(scorm_edition(version, head.decode("utf-8", "replace")), path)
    for path in package.paths():
        rest = path[len(prefix) :]
        if path.startswith(prefix) and "/" not in rest and rest.lower().endswith(".crs"):
            return Detection(AICC, path)
    return None


def detect_standard(package: CoursePackage) -> Detection:
    found = _detect_at(package, "")
    if found:
        return found
    top_folders = {p.split("/", 1)[0] for p in package.paths() if "/" in p}
    for folder in sorted(top_folders):
        nested = _detect_at(package, folder + "/")
        if nested:
            return Detection(nested.standard, nested.manifest, nested_in=folder)
    if any(p.lower().endswith((".html", ".htm")) and "/" not in p for p in package.paths()):
        return Detection(HTML, None)
    return Detection(UNKNOWN, None)


def course_title(package: CoursePackage, detection: Detection) -> str:
    """The title the manifest gives the course, or the package name when it gives none."""
    from certifier.package.safe_xml import children, descendants, parse_xml, text_of

    fallback = package.name
    if not detection.manifest or not detection.manifest.lower().endswith(".xml"):
        return fallback
    root, _ = parse_xml(package.read_bytes(detection.manifest))
    if root is None:
        return fallback
    for container, element in (("organization", "title"), ("course", "title"), ("activity", "name")):
        for found in descendants(root, container)[:1]:
            title = children(found, element)
            if title:
                return text_of(title[0]).strip() or fallback
    return fallback
