"""Entries examined beside the read pass: a probe's ``examine`` on a worker thread, fed with the
bytes the pass has just inflated, so the pass's one read serves that probe too (e.g. the media
probe reads a clip's index, and the conformance probe a page's references, while the pass inflates
and hashes the next entries).

Memory stays bounded: only entries up to ``EXAMINE_IN_MEMORY_MAX_BYTES`` are handed over (larger
ones are read by the probe itself later), and at most ``EXAMINE_IN_FLIGHT_BYTES`` wait for the
worker; the pass waits when the worker falls behind.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from certifier.policy.probe_api import Probe
from certifier.policy.profiles import Profile

EXAMINE_IN_MEMORY_MAX_BYTES = 48 * 1024 * 1024
EXAMINE_IN_FLIGHT_BYTES = 24 * 1024 * 1024


class ByteBudget:
    """At most ``limit`` bytes handed over and not yet examined (one entry may always pass)."""

    def __init__(self, limit: int):
        self.limit, self.used = limit, 0
        self.changed = threading.Condition()

    def take(self, size: int) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.used == 0 or self.used + size <= self.limit)
            self.used += size

    def give_back(self, size: int) -> None:
        with self.changed:
            self.used -= size
            self.changed.notify_all()


def examine_entry(cls: type[Probe], path: str, content: bytes, profile: Profile) -> dict[str, Any]:
    """In the worker: one probe's look at one entry."""
    return cls.examine(path, content, profile)


class EntryExaminers:
    """The selected probes that examine entries, each with its own worker thread and byte budget, so
    one probe's backlog (pages queued for parsing) never holds up another's (clips to demux)."""

    def __init__(self, probes: list[type[Probe]], profile: Profile, results: dict[tuple[str, str], Future[Any]]):
        # Only probes that override examines (a classmethod: compare the functions, not bound methods).
        self.probes = [
            cls
            for cls in probes
            if getattr(cls.examines, "__func__", None) is not getattr(Probe.examines, "__func__", None)
        ]
        self.profile = profile
        self.results = results
        self.budgets = {cls.id: ByteBudget(EXAMINE_IN_FLIGHT_BYTES) for cls in self.probes}
        # Threads: a worker process measured slower on two cores (the bytes travel through a pipe)
        # and would need every embedding script to guard its main module.
        self.pools = {
            cls.id: ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"examine-{cls.id}") for cls in self.probes
        }

    def tap(self, path: str, media_type: str, size: int) -> Callable[[bytes], None] | None:
        """For the read pass: a sink for this entry's bytes when some probe examines it, else None."""
        if not self.pools or size > EXAMINE_IN_MEMORY_MAX_BYTES:
            return None
        wanted = [cls for cls in self.probes if cls.examines(path, media_type)]
        if not wanted:
            return None

        def hand_over(content: bytes) -> None:
            for cls in wanted:
                size, budget = len(content), self.budgets[cls.id]
                budget.take(size)  # back-pressure: the pass waits rather than holding every file
                future = self.pools[cls.id].submit(examine_entry, cls, path, content, self.profile)
                future.add_done_callback(functools.partial(_give_back, budget, size))
                self.results[(cls.id, path)] = future

        return hand_over

    def reads_from_disk(self, path: str, media_type: str, size: int) -> bool:
        """For the read pass: whether a selected probe reads this entry from disk after the pass (it
        examines it, the entry is too large to hand over, and the probe reads such entries from disk),
        so the pass writes it while it has the bytes. Nothing else is written up front: a served file is written when first asked for."""
        return size > EXAMINE_IN_MEMORY_MAX_BYTES and any(
            cls.examines_large_from_disk and cls.examines(path, media_type) for cls in self.probes
        )

    def close(self) -> None:
        for pool in self.pools.values():
            pool.shutdown(wait=False, cancel_futures=True)


def _give_back(budget: ByteBudget, size: int, _done: Future[Any]) -> None:
    budget.give_back(size)
