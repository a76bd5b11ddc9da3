"""Facts about this desktop: installed browsers, Java, proxy. The platform-specific corner.

Each platform has one small function; everything else in the tool is platform-neutral.
"""

from __future__ import annotations

import os
import plistlib
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

VERSION = re.compile(r"(\d+(?:\.\d+)+)")
VERSION_TIMEOUT_S = 5

LINUX_BROWSERS = {
    "chrome": ("google-chrome", "google-chrome-stable"),
    "chromium": ("chromium", "chromium-browser"),
    "edge": ("microsoft-edge", "microsoft-edge-stable"),
    "firefox": ("firefox", "firefox-esr"),
    "brave": ("brave-browser",),
    "opera": ("opera",),
}
MAC_BROWSERS = {
    "chrome": "Google Chrome.app",
    "chromium": "Chromium.app",
    "edge": "Microsoft Edge.app",
    "firefox": "Firefox.app",
    "safari": "Safari.app",
    "brave": "Brave Browser.app",
    "opera": "Opera.app",
}
WINDOWS_BROWSERS = {
    "chrome": "chrome.exe",
    "edge": "msedge.exe",
    "firefox": "firefox.exe",
    "brave": "brave.exe",
    "opera": "opera.exe",
}


def _version_of_command(path: str, flag: str = "--version") -> str | None:
    try:
        result = subprocess.run([path, flag], capture_output=True, text=True, timeout=VERSION_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    match = VERSION.search(result.stdout + result.stderr)
    return match.group(1) if match else None


def _linux_browsers() -> list[dict[str, Any]]:
    found = []
    for name, commands in LINUX_BROWSERS.items():
        for command in commands:
            path = shutil.which(command)
            if path:
                found.append({"name": name, "path": path, "version": _version_of_command(path)})
                break
    return found


def _mac_browsers() -> list[dict[str, Any]]:
    found = []
    for name, bundle in MAC_BROWSERS.items():
        for root in (Path("/Applications"), Path.home() / "Applications"):
            info = root / bundle / "Contents" / "Info.plist"
            if info.exists():
                try:
                    version = plistlib.loads(info.read_bytes()).get("CFBundleShortVersionString")
                except (OSError, plistlib.InvalidFileException):
                    version = None
                found.append({"name": name, "path": str(root / bundle), "version": version})
                break
    return found


def _windows_browsers() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if sys.platform != "win32":  # the registry exists on Windows only (type checkers read the rest as such)
        return found
    import winreg

    for name, exe in WINDOWS_BROWSERS.items():
        for hive in (winreg.HKEY_LOCAL_MACHINE, winreg.HKEY_CURRENT_USER):
            try:
                with winreg.OpenKey(hive, rf"SOFTWARE\Microsoft\Windows\CurrentVersion\App Paths\{exe}") as key:
                    path = winreg.QueryValue(key, None)
            except OSError:
                continue
            version = None
            try:
                from win32api import GetFileVersionInfo  # optional: pywin32

                info = GetFileVersionInfo(path, "\\")
                version = (
                    f"{info['FileVersionMS'] >> 16}.{info['FileVersionMS'] & 0xFFFF}.{info['FileVersionLS'] >> 16}"
                )
            except Exception:  # version unknown is reported as such, not guessed
                version = None
            found.append({"name": name, "path": path, "version": version})
            break
    return found


def installed_browsers() -> list[dict[str, Any]]:
    if sys.platform.startswith("linux"):
        return _linux_browsers()
    if sys.platform == "darwin":
        return _mac_browsers()
    if sys.platform == "win32":
        return _windows_browsers()
    return []


def java_runtime() -> dict[str, Any] | None:
    path = shutil.which("java")
    if not path:
        return None
    return {"path": path, "version": _version_of_command(path, "-version")}


def proxy_settings() -> dict[str, str]:
    """The proxies this user's programs are told to use (environment, registry or system settings)."""
    return {scheme: url for scheme, url in urllib.request.getproxies().items() if scheme in ("http", "https", "no")}


def home_folder() -> str:
    return os.path.expanduser("~")
