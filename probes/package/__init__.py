"""The ``package`` probe: is the package safe to open, and within the size IT accepts?"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from certifier.package.archive import MIB
from certifier.package.standards import UNKNOWN
from certifier.policy.findings import Finding, Severity, Status, at, quantity
from certifier.policy.probe_api import Probe, ProbeContext
from certifier.policy.profiles import LimitSpec
from certifier.policy.rules import Rule, declared_in

LARGEST_FILES_LISTED = 10


def package_bytes(ctx: ProbeContext) -> int:
    """Bytes uploaded to the LMS: the zip itself, or the compressed total of a folder."""
    if ctx.course_package.is_zip:
        return ctx.course_package.source.stat().st_size
    return ctx.course_inventory.total_size


ARCHIVE_REJECTED = Rule(
    "package.archive-rejected",
    "The archive is safe and readable",
    "The archive was rejected as unsafe or unreadable",
    Severity.BLOCKER,
    remediation="Rebuild the package with the authoring tool's standard export, zipped with a common tool, without "
    "links, passwords or files outside the course folder.",
    it_risk="Security: an archive like this can overwrite files on the LMS server or exhaust its disk and memory "
    "when unpacked.",
)


def archive_rejected(rejection: Mapping[str, Any]) -> Finding:
    return ARCHIVE_REJECTED.finding(
        Status.FAIL,
        rejection["message"],
        measured=rejection["reason"],
        evidence=at(rejection.get("member")) if rejection.get("member") else (),
    )


SIZE = Rule(
    "package.size",
    "Package size within the profile's cap",
    "Package larger than the profile's cap",
    Severity.MAJOR,
    it_risk="Bandwidth and storage: every learner's first launch downloads from this package; LMS imports of very "
    "large packages time out.",
)


def package_size(evidence: Mapping[str, Any], max_mb: float) -> Finding:
    size_mb = evidence["package_bytes"] / MIB
    over = size_mb > max_mb
    largest = ", ".join(f"{f['path']} ({quantity(f['size'] / MIB, 'MB')})" for f in evidence["largest_files"][:3])
    return SIZE.finding(
        Status.FAIL if over else Status.PASS,
        f"The package is {quantity(size_mb, 'MB')} (limit {quantity(max_mb, 'MB')}). Largest files: {largest}.",
        measured=round(size_mb, 2),
        limit=max_mb,
        unit="MB",
        remediation=f"Reduce the package by {quantity(size_mb - max_mb, 'MB')}: re-encode the largest media or "
        "host long videos on the approved video platform."
        if over
        else "",
    )


FILE_COUNT = Rule(
    "package.file-count",
    "File count within the profile's cap",
    "More files than the profile's cap",
    Severity.MINOR,
    remediation="Remove unused files and combine small scripts and images (sprites, bundles).",
    it_risk="Server load: each file is a separate request per learner, and LMS imports slow down with file count.",
)


def file_count(evidence: Mapping[str, Any], max_files: int) -> Finding:
    count = evidence["file_count"]
    return FILE_COUNT.finding(
        Status.FAIL if count > max_files else Status.PASS,
        f"The package holds {count:,} files (limit {max_files:,}).",
        measured=count,
        limit=max_files,
        unit="files",
    )


STANDARD = Rule(
    "package.standard",
    "A known eLearning standard is detected",
    "No known eLearning standard detected",
    Severity.BLOCKER,
    remediation="Export the course from the authoring tool as SCORM, cmi5, xAPI or AICC.",
    it_risk="Support: an LMS cannot import a package without a recognised manifest.",
)


def standard_detected(evidence: Mapping[str, Any]) -> Finding:
    unknown = evidence["standard"] == UNKNOWN
    return STANDARD.finding(
        Status.FAIL if unknown else Status.PASS,
        "No imsmanifest.xml, cmi5.xml, tincan.xml, AICC .crs file or HTML page was found."
        if unknown
        else f"Detected {evidence['standard']}"
        + (f" from {evidence['manifest']}." if evidence.get("manifest") else "."),
        measured=evidence["standard"],
        evidence=at(evidence.get("manifest")) if evidence.get("manifest") else (),
    )


class PackageProbe(Probe):
    id = "package"
    title = "Package basics"
    examines_rejected_package = True  # it reports why a package was refused
    description = "Archive safety, package size and file count against the policy profile."
    limits = {
        "max_package_mb": LimitSpec("number", "Largest package (as uploaded) the LMS and network accept.", "MB"),
        "max_file_count": LimitSpec("integer", "Most files a package may contain.", "files"),
    }
    # Generated from the declarations above, which each rule function uses.
    rules = declared_in(sys.modules[__name__])

    def gather(self, ctx: ProbeContext) -> dict[str, Any]:
        if ctx.package_rejection is not None:
            rejection = ctx.package_rejection
            return {"rejected": {"reason": rejection.reason, "message": str(rejection), "member": rejection.member}}
        inventory = ctx.course_inventory
        largest = sorted(inventory.files, key=lambda f: f.size, reverse=True)[:LARGEST_FILES_LISTED]
        return {
            "name": ctx.course_package.name,
            "standard": ctx.course_detection.standard,
            "manifest": ctx.course_detection.manifest,
            "file_count": len(inventory.files),
            "total_size": inventory.total_size,
            "package_bytes": package_bytes(ctx),
            "largest_files": [{"path": f.path, "size": f.size} for f in largest],
        }

    def evaluate(self, evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
        if "rejected" in evidence:
            return [archive_rejected(evidence["rejected"])]
        return [
            package_size(evidence, limits["max_package_mb"]),
            file_count(evidence, limits["max_file_count"]),
            standard_detected(evidence),
        ]
