"""Network profiles and the shared bandwidth limiter that emulates a site's link."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NetworkProfile:
    """A link: download and upload bandwidth, and the round-trip time every request pays."""

    name: str
    down_kbps: float
    up_kbps: float
    rtt_ms: float

    @property
    def down_bytes_per_s(self) -> float:
        return self.down_kbps * 1000 / 8


def network_profiles(profile_values: dict[str, Any]) -> dict[str, NetworkProfile]:
    presets = profile_values.get("network", {}).get("presets", {})
    return {
        name: NetworkProfile(name, float(p["down_kbps"]), float(p["up_kbps"]), float(p["rtt_ms"]))
        for name, p in presets.items()
    }


class SharedLink:
    """A token bucket shared by every connection of the emulated site.

    Starts empty, so a transfer of N bytes takes N / rate seconds however it is chunked; the
    bucket holds at most one chunk, so idle time does not bank a burst.
    """

    def __init__(self, bytes_per_s: float, chunk_bytes: int):
        self.rate = bytes_per_s
        self.capacity = float(chunk_bytes)
        self._tokens = 0.0
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def take(self, count: int, stop: threading.Event | None = None) -> bool:
        """Wait until ``count`` bytes may be sent; False when ``stop`` was set meanwhile."""
        while True:
            with self._lock:
                now = time.monotonic()
                self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= count or (self._tokens >= self.capacity and count > self.capacity):
                    self._tokens -= count
                    return True
                wait = (min(count, self.capacity) - self._tokens) / self.rate
            if stop is not None and stop.wait(min(wait, 0.05)):
                return False
            if stop is None:
                time.sleep(min(wait, 0.05))


def chunk_size_for(bytes_per_s: float) -> int:
    """About 20 ms of the link per write: smooth pacing without a syscall per byte."""
    return int(min(64 * 1024, max(512, bytes_per_s / 50)))
