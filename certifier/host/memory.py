"""Keeping freed memory for reuse while a course's entries are read.

The read pass allocates and frees a buffer of up to 16 MB per entry on each read thread. glibc's
allocator gives such memory back to the system as soon as it is freed, and the next entry then
faults every page in again: on a 1 GB course that was a third of the pass's processor time
(system time, not work). Asking it to keep a pad of freed memory at the top of each heap makes the
buffers reuse the same pages (the pass alone: 4.8 s before, 3.0 s after; peak RSS unchanged).
Other platforms' allocators need nothing here.
"""

from __future__ import annotations

import ctypes
import platform
import sys

M_TOP_PAD = -2  # mallopt parameter (glibc malloc.h)
READ_PASS_TOP_PAD_BYTES = 32 * 1024 * 1024  # a read thread's buffers for a 16 MB entry, in and out


def keep_freed_memory_for_reuse(pad_bytes: int = READ_PASS_TOP_PAD_BYTES) -> bool:
    """Ask glibc to keep ``pad_bytes`` of freed memory per heap; False where that does not apply."""
    if not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc":
        return False
    try:
        libc = ctypes.CDLL(None)
        return bool(libc.mallopt(M_TOP_PAD, pad_bytes))
    except (OSError, AttributeError):
        return False
