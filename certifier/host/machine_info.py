"""A short summary of the machine a run happened on, for the report header."""

from __future__ import annotations

import os
import platform
from typing import Any

import psutil


def os_description() -> str:
    """OS name and version, the one platform-specific detail the summary needs."""
    system = platform.system()
    if system == "Darwin":
        return f"macOS {platform.mac_ver()[0]}"
    if system == "Windows":
        return f"Windows {platform.release()} ({platform.version()})"
    if system == "Linux":
        try:
            info = platform.freedesktop_os_release()
            return f"{info.get('PRETTY_NAME', 'Linux')} (kernel {platform.release()})"
        except OSError:
            return f"Linux {platform.release()}"
    return f"{system} {platform.release()}"


def machine_summary() -> dict[str, Any]:
    return {
        "hostname": platform.node(),
        "os": os_description(),
        "architecture": platform.machine(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count() or 0,
        "ram_gb": round(psutil.virtual_memory().total / 1024**3, 1),
    }
