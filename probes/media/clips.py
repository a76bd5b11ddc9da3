"""What the media rules read from each inspected clip: readable clips, their streams, audio bitrate, what re-encoding would save, and one finding helper."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from certifier.policy.findings import Evidence, Finding, Status
from certifier.policy.rules import Rule

MIB = 1024 * 1024

Files = list[Mapping[str, Any]]
REENCODE = "Re-encode to H.264/AAC in MP4 (or VP9/Opus in WebM)"


def readable(files: Files) -> Files:
    return [f for f in files if "error" not in f]


def streams_of(files: Files, kind: str) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    for f in readable(files):
        for stream in f["streams"]:
            if stream["type"] == kind and stream.get("avg_kbps") is not None:
                yield f, stream


def audio_kbps(f: Mapping[str, Any]) -> float:
    return sum(s.get("avg_kbps") or 0 for s in f["streams"] if s["type"] == "audio")


def reencode_gain(f: Mapping[str, Any], video_kbps: float, target_kbps: float) -> tuple[float, float]:
    """(share of bytes saved, factor of learners that fit the same link) after re-encoding."""
    audio = audio_kbps(f)
    before = video_kbps + audio
    after = min(target_kbps, video_kbps) + audio
    return 1 - after / before, before / after


def clip_finding(
    rule: Rule, offenders: Iterable[tuple[str | None, str]], ok: str, *, status: Status = Status.FAIL, **kwargs: Any
) -> Finding:
    """``offenders`` are (package path, message) pairs."""
    return rule.outcome([(m, Evidence(path=p)) for p, m in offenders], ok, fail_status=status, **kwargs)
