"""The ``machine`` probe: does this machine (a desktop image) meet the course's needs and IT's baseline?"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

import psutil

from certifier.host.desktop import home_folder, installed_browsers, java_runtime, proxy_settings
from certifier.host.machine_info import os_description
from certifier.policy import evidence_kinds as kinds
from certifier.policy.findings import Finding, Severity, Status
from certifier.policy.probe_api import Need, Probe, ProbeContext
from certifier.policy.profiles import LimitSpec
from certifier.policy.rules import Rule, declared_in

NOT_MEASURED = "not measured"


def version_tuple(text: str | None) -> tuple[int, ...]:
    parts = []
    for part in (text or "").split("."):
        if not part.isdigit():
            break
        parts.append(int(part))
    return tuple(parts)


def parse_requirement(text: str) -> tuple[str, tuple[int, ...]]:
    name, _, minimum = text.partition(">=")
    return name.strip(), version_tuple(minimum.strip())


BROWSER = Rule(
    "machine.browser",
    "A supported browser is installed",
    "No supported browser installed",
    Severity.MAJOR,
    remediation="Install or update a supported browser on the image.",
    it_risk="Desktop support: learners on this image cannot take the course reliably.",
)
SCREEN = Rule(
    "machine.screen",
    "Screen size",
    "Screen too small",
    Severity.MINOR,
    remediation="Use a larger display or a lower scaling factor.",
    it_risk="Desktop support: content wider than the screen is clipped or needs scrolling.",
)
LINK_SPEED = Rule(
    "machine.link-speed",
    "Network link speed",
    "Network link too slow",
    Severity.MINOR,
    remediation="Connect the machine by cable or a faster adapter.",
    it_risk="Bandwidth: the link is a ceiling for every course this machine plays.",
)
RAM = Rule(
    "machine.ram",
    "Memory",
    "Not enough memory",
    Severity.MAJOR,
    remediation="Add memory or give the image more; browsers playing video need several GB.",
    it_risk="Desktop support: slow or crashing browsers on under-sized machines.",
)
CPU = Rule(
    "machine.cpu",
    "CPU cores",
    "Too few CPU cores",
    Severity.MINOR,
    remediation="Use a machine class with more cores for video-heavy courses.",
    it_risk="Desktop support: stuttering video and slow pages.",
)
DISK = Rule(
    "machine.disk",
    "Free disk space",
    "Not enough free disk space",
    Severity.MINOR,
    remediation="Free disk space on the image (browser cache, downloads).",
    it_risk="Desktop support: the browser cache and downloads fail when the disk is full.",
)
COURSE_PLUGINS = Rule(
    "machine.course-plugins",
    "The course's plugins run here",
    "The course's plug-ins do not run here",
    Severity.BLOCKER,
    remediation="Have the course re-published without plugins (see the plugins findings).",
    it_risk="Desktop support: every learner on this image would fail to open the course.",
)
JAVA = Rule(
    "machine.java",
    "Java runtime",
    "Java runtime",
    Severity.INFO,
    it_risk="Security: a Java runtime is attack surface; browsers no longer run applets anyway.",
)
PROXY = Rule(
    "machine.proxy",
    "Proxy settings",
    "Proxy settings",
    Severity.INFO,
    it_risk="Network: the course's external hosts must be allowed through this proxy.",
)
COURSE_SCREEN = Rule(
    "machine.course-screen",
    "The course fits the screen",
    "The course does not fit the screen",
    Severity.MINOR,
    remediation="Ask for a responsive (scaling) player, or use larger displays.",
    it_risk="Desktop support: learners scroll or miss controls.",
)


class MachineProbe(Probe):
    id = "machine"
    title = "Desktop readiness of this machine"
    description = "OS, CPU, RAM, disk, network link, browsers, Java, proxy and screen against the desktop baseline and the course."
    needs = frozenset({Need.MACHINE})
    uses = (kinds.REQUIREMENTS_BILL,)
    default_enabled = False  # a property of the machine running the check, asked for explicitly
    limits = {
        "min_ram_gb": LimitSpec("number", "Least memory a learner's machine has.", "GB"),
        "min_cpu_cores": LimitSpec("integer", "Fewest CPU cores.", "cores"),
        "min_free_disk_gb": LimitSpec("number", "Least free disk space (browser cache, downloads).", "GB"),
        "min_link_mbps": LimitSpec("number", "Slowest network link speed of an active interface.", "Mbps"),
        "min_screen_width_px": LimitSpec("integer", "Narrowest screen.", "px"),
        "min_screen_height_px": LimitSpec("integer", "Shortest screen.", "px"),
        "supported_browsers": LimitSpec("string-list", "Browsers IT supports, as name>=major version."),
    }
    # Generated from the rule declarations.
    rules = declared_in(sys.modules[__name__])

    def gather(self, ctx: ProbeContext) -> dict[str, Any]:
        ctx.progress(0.1, "reading machine facts")
        interfaces = {
            name: {"up": stats.isup, "speed_mbps": stats.speed}
            for name, stats in psutil.net_if_stats().items()
            if not name.startswith("lo")
        }
        facts = {
            "os": os_description(),
            "cpu_cores": psutil.cpu_count(logical=True) or 0,
            "ram_gb": round(psutil.virtual_memory().total / 1024**3, 1),
            "free_disk_gb": round(psutil.disk_usage(home_folder()).free / 1024**3, 1),
            "interfaces": interfaces,
            "proxy": proxy_settings(),
            "java": java_runtime(),
            "screen": ctx.machine_facts.get("screen"),
        }
        ctx.progress(0.5, "looking for browsers")
        facts["browsers"] = installed_browsers()
        bill = ctx.shared(kinds.REQUIREMENTS_BILL)
        return {"facts": facts, "course": bill, "outputs": {"facts": facts}}

    def evaluate(self, evidence: Mapping[str, Any], limits: Mapping[str, Any]) -> list[Finding]:
        facts = evidence["facts"]
        findings = [
            threshold(RAM, facts["ram_gb"], limits["min_ram_gb"], "GB"),
            threshold(CPU, facts["cpu_cores"], limits["min_cpu_cores"], "cores"),
            threshold(DISK, facts["free_disk_gb"], limits["min_free_disk_gb"], "GB"),
            link_speed(facts, limits["min_link_mbps"]),
            browser(facts, limits["supported_browsers"]),
            screen(facts, limits),
            JAVA.finding(
                Status.PASS,
                f"Java found at {facts['java']['path']} ({facts['java']['version'] or 'version unknown'})."
                if facts["java"]
                else "No Java runtime on this machine.",
            ),
            PROXY.finding(
                Status.PASS,
                ("Proxies: " + ", ".join(f"{k}={v}" for k, v in facts["proxy"].items()))
                if facts["proxy"]
                else "No proxy configured for this user.",
            ),
        ]
        if evidence.get("course"):
            findings += course_fit(evidence["course"], facts)
        return findings

    @classmethod
    def text_lines(cls, report: Mapping[str, Any]) -> list[str]:
        facts = cls.outputs_in(report).get("facts")
        if not facts:
            return []
        browsers = ", ".join(f"{b['name']} {b['version'] or '?'}" for b in facts["browsers"]) or "none found"
        return [
            (
                f"Machine:  {facts['os']}; {facts['cpu_cores']} cores, {facts['ram_gb']} GB RAM, "
                f"{facts['free_disk_gb']} GB free; browsers: {browsers}"
            )
        ]


def threshold(rule: Rule, value: float, minimum: float, unit: str) -> Finding:
    return rule.finding(
        Status.PASS if value >= minimum else Status.FAIL,
        f"This machine has {value:g} {unit} (baseline {minimum:g} {unit}).",
        measured=value,
        limit=minimum,
        unit=unit,
    )


def link_speed(facts: Mapping[str, Any], minimum: float) -> Finding:
    speeds = [i["speed_mbps"] for i in facts["interfaces"].values() if i["up"] and i["speed_mbps"]]
    if not speeds:
        return LINK_SPEED.finding(
            Status.SKIPPED,
            "Not measured: no active interface reports its link speed (virtual and wireless adapters often do not).",
            limit=minimum,
            unit="Mbps",
        )
    return threshold(LINK_SPEED, max(speeds), minimum, "Mbps")


def supported(facts: Mapping[str, Any], requirements: list[str]) -> list[dict[str, Any]]:
    wanted = dict(parse_requirement(r) for r in requirements)
    return [b for b in facts["browsers"] if b["name"] in wanted and version_tuple(b["version"]) >= wanted[b["name"]]]


def browser(facts: Mapping[str, Any], requirements: list[str]) -> Finding:
    good = supported(facts, requirements)
    listed = ", ".join(f"{b['name']} {b['version'] or '(version unknown)'}" for b in facts["browsers"]) or "none"
    if good:
        return BROWSER.finding(
            Status.PASS, f"Supported: {', '.join(b['name'] + ' ' + b['version'] for b in good)}. Installed: {listed}."
        )
    return BROWSER.finding(
        Status.FAIL,
        f"No supported browser ({', '.join(requirements)}); installed: {listed}.",
        measured=listed,
        limit=", ".join(requirements),
    )


def screen(facts: Mapping[str, Any], limits: Mapping[str, Any]) -> Finding:
    size = facts.get("screen")
    minimum = f"{limits['min_screen_width_px']}x{limits['min_screen_height_px']}"
    if not size:
        return SCREEN.finding(
            Status.SKIPPED,
            "Not measured: the command line cannot see the screen; the desktop app measures it.",
            limit=minimum,
            unit="px",
        )
    ok = size["width"] >= limits["min_screen_width_px"] and size["height"] >= limits["min_screen_height_px"]
    return SCREEN.finding(
        Status.PASS if ok else Status.FAIL,
        f"The screen is {size['width']}×{size['height']} (baseline {minimum.replace('x', '×')}).",
        measured=f"{size['width']}x{size['height']}",
        limit=minimum,
        unit="px",
    )


def course_fit(bill: Mapping[str, Any], facts: Mapping[str, Any]) -> list[Finding]:
    browsers = ", ".join(b["name"] for b in facts["browsers"]) or "no browser"
    plugins = bill.get("plugins", [])
    features = ", ".join(bill.get("browser_features", [])) or "none"
    findings = [
        COURSE_PLUGINS.finding(
            Status.FAIL if plugins else Status.PASS,
            f"The course needs {', '.join(plugins)}; this image's browsers ({browsers}) cannot run end-of-life plugins."
            if plugins
            else f"The course needs no plugin; features it uses: {features}.",
        )
    ]
    need = bill.get("min_screen")
    size = facts.get("screen")
    if need and size:
        fits = size["width"] >= need["width"] and size["height"] >= need["height"]
        findings.append(
            COURSE_SCREEN.finding(
                Status.PASS if fits else Status.FAIL,
                f"The course's stage is {need['width']}×{need['height']}; the screen is {size['width']}×{size['height']}.",
                measured=f"{size['width']}x{size['height']}",
                limit=f"{need['width']}x{need['height']}",
                unit="px",
            )
        )
    elif need:
        findings.append(
            COURSE_SCREEN.finding(
                Status.SKIPPED,
                f"Not measured: the course needs {need['width']}×{need['height']}; the screen size is "
                "known only in the desktop app.",
            )
        )
    return findings
