"""One learner's demand on the network: the one figure the capacity plan, the load plan and the link
test use, defined once here.

**Measured**, when a learner's session was walked: the session's network timeline (every request,
its start, end and bytes). Media play at their own bitrate for as long as they play — a player on
a shared link fetches what it plays, whatever it buffered on a fast one — and every other byte
counts where the browser moved it. The demand is the busiest ``window_s`` of the session (a burst
shorter than that is queued by the link, not refused; media count at their full rate while they
play, since a clip that arrives slower than it plays stalls), with the average and the busiest
second beside it, and what drove it: a named clip, the player's first load, or a page.

**Estimated**, only where no session ran: the media's peak (the clips a page plays together) plus
the bytes a browser loaded for the heaviest launch page spread over the same window; labelled as an
estimate, with why.

Media the course names but lacks, or that could not be measured, are never silently left out: the
plan says so and counts the profile's cap for that kind of media in their place.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

BIN_MS = 100  # the timeline is summed in bins this wide: finer than any window a plan uses
FIRST_LOAD_S = 10  # requests this soon after a lesson's first one are its player's first load
WINDOWS_S = (1,)  # shown beside the planning window


@dataclass(frozen=True)
class Driver:
    kind: str  # "clip", "first-load", "page" or "none"
    name: str  # the clip or the page (for a first load: the lesson's launch page)
    files: tuple[str, ...] = ()  # what moved most in the busiest window
    clip_kbps: float = 0.0  # the driving clip's own bitrate: no cap above it helps


@dataclass(frozen=True)
class Demand:
    kbps: float  # the figure the plan uses
    basis: str  # "measured", "estimate" or "none"
    window_s: float
    media_kbps: float  # the part of ``kbps`` media make (at their bitrate)
    driver: Driver
    explained: str
    avg_kbps: float | None = None
    busiest_1s_kbps: float | None = None
    excluded: tuple[dict[str, Any], ...] = ()
    lesson: str | None = None
    seconds: float | None = None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["driver"]["files"] = list(self.driver.files)
        data["excluded"] = list(self.excluded)
        data["notes"] = list(self.notes)
        return data

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Demand:
        driver = dict(data.get("driver") or {"kind": "none", "name": ""})
        driver["files"] = tuple(driver.get("files") or ())
        return Demand(
            **{
                **data,
                "driver": Driver(**driver),
                "excluded": tuple(data.get("excluded") or ()),
                "notes": tuple(data.get("notes") or ()),
            }
        )


def clip_rates(media_files: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """What each measured clip plays at ({path: kbps, duration_s}); a stream's segments map to the
    stream (its heaviest variant: what a player picks while the link allows)."""
    rates: dict[str, dict[str, float]] = {}
    for f in media_files:
        kbps = f.get("buffered_peak_kbps") or f.get("peak_kbps")
        if "error" in f or not kbps:
            continue
        rate = {"kbps": float(kbps), "duration_s": float(f.get("duration_s") or 0), "clip": f["path"]}
        rates[f["path"]] = rate
        for segment in f.get("segments") or ():
            rates.setdefault(segment, rate)
    return rates


def at_learner_pace(
    rows: Sequence[Sequence[Any]], screens_at_ms: Sequence[float], end_ms: float, screen_s: float
) -> tuple[list[list[Any]], float, list[float]]:
    """The timeline re-timed to a learner's pace: the walk moves on after a second or two, a learner
    after ``screen_s``, so what each later screen requests starts that much later (a screen the walk
    already stayed on longer keeps its own time). Returns the rows, the session's end and when each
    screen showed, at that pace."""
    starts = sorted(float(t) for t in screens_at_ms)
    delays, added = [], 0.0
    for previous, current in itertools.pairwise(starts):
        added += max(0.0, screen_s * 1000 - (current - previous))
        delays.append((current, added))

    def shifted(t: float) -> float:
        delay = 0.0
        for at, total in delays:
            if t >= at:
                delay = total
        return t + delay

    paced = [[shifted(float(r[0])), shifted(float(r[0])) + float(r[1]) - float(r[0]), *r[2:]] for r in rows]
    end = end_ms + added if end_ms else 0.0
    if starts and screen_s:  # the learner stays on the last screen reached as long as on the others
        end = max(end, shifted(starts[-1]) + screen_s * 1000)
    return paced, end, [shifted(t) for t in starts]


def _bins(
    rows: Sequence[Sequence[Any]], rates: Mapping[str, Mapping[str, Any]], end_ms: float, screens: Sequence[float] = ()
) -> tuple[list[dict[str, float]], list[dict[str, float]]]:
    """Per 100 ms bin: the kbps each clip plays at (while it plays), and the kilobits every other
    request moved (its bytes spread over its span). A clip plays until it ends, the learner leaves,
    or the next screen shows: players stop a screen's media when the learner moves on, so clips of
    successive screens never play together."""
    t0 = min(float(r[0]) for r in rows)
    last = max(max(float(r[1]) for r in rows), end_ms or 0.0)
    count = max(1, math.ceil((last - t0) / BIN_MS) + 1)
    playing: list[dict[str, float]] = [{} for _ in range(count)]
    moved: list[dict[str, float]] = [{} for _ in range(count)]
    clips: dict[str, list[float]] = {}
    for start, end, size, path, *_ in rows:
        rate = rates.get(path)
        if rate:
            span = clips.setdefault(
                str(rate["clip"]), [float(start), float(end), float(rate["kbps"]), float(rate.get("duration_s") or 0)]
            )
            span[0], span[1] = min(span[0], float(start)), max(span[1], float(end))
            continue
        first, last_bin = int((float(start) - t0) // BIN_MS), int((float(end) - t0) // BIN_MS)
        share = int(size) * 8 / 1000 / (last_bin - first + 1)
        for index in range(first, min(last_bin, count - 1) + 1):
            moved[index][path] = moved[index].get(path, 0.0) + share
    for clip, (start, end, kbps, duration_s) in clips.items():
        plays_to = max(end, start + duration_s * 1000)
        if end_ms:
            plays_to = min(plays_to, max(end_ms, end))  # the learner left: the player stopped
        plays_to = min(plays_to, next((t for t in screens if t > start), plays_to))
        for index in range(int((start - t0) // BIN_MS), min(int((plays_to - t0) // BIN_MS), count - 1) + 1):
            playing[index][clip] = playing[index].get(clip, 0.0) + kbps
    return playing, moved


def _busiest(
    playing: list[dict[str, float]], moved: list[dict[str, float]], window_s: float
) -> tuple[float, int, dict[str, float], float]:
    """The busiest window of ``window_s``: (kbps, first bin, what each source contributed in kbps,
    the media part). Media count at their full rate while they play — a clip on a shared link must
    arrive as fast as it plays, or it stalls — and every other byte over the window, which the link
    may queue."""
    width = max(1, round(window_s * 1000 / BIN_MS))
    media = [sum(b.values()) for b in playing]
    other = [sum(b.values()) for b in moved]
    best, best_at, best_media = -1.0, 0, 0.0
    running = sum(other[:width])
    for start in range(max(1, len(other) - width + 1)):
        if start:
            running += (other[start + width - 1] if start + width - 1 < len(other) else 0) - other[start - 1]
        peak_media = max(media[start : start + width], default=0.0)
        kbps = running / window_s + peak_media
        if kbps > best + 1e-9:
            best, best_at, best_media = kbps, start, peak_media
    sources: dict[str, float] = {}
    peak_bin = max(range(best_at, min(best_at + width, len(media))), key=lambda i: media[i], default=best_at)
    for clip, kbps in (playing[peak_bin] if playing else {}).items():
        sources[clip] = kbps
    for b in moved[best_at : best_at + width]:
        for path, kilobits in b.items():
            sources[path] = sources.get(path, 0.0) + kilobits / window_s
    return max(best, 0.0), best_at, sources, best_media


def measured_demand(
    lessons: Sequence[Mapping[str, Any]], media_files: Sequence[Mapping[str, Any]], window_s: float, screen_s: float = 0
) -> Demand | None:
    """The busiest ``window_s`` over the walked lessons (a learner is in one lesson at a time), at a
    learner's pace of ``screen_s`` a screen, or None when no lesson moved a byte."""
    rates = clip_rates(media_files)
    clip_paths = {str(r["clip"]) for r in rates.values()}
    best: tuple[float, Mapping[str, Any], dict[str, float], bool, float, float] | None = None
    total_kilobits, total_s = 0.0, 0.0
    for lesson in lessons:
        rows = [r for r in lesson.get("timeline") or [] if r]
        if not rows:
            continue
        rows, end_ms, screens = at_learner_pace(
            rows, lesson.get("screens_at_ms") or (), float(lesson.get("walk_end_ms") or 0), screen_s
        )
        playing, moved = _bins(rows, rates, end_ms, screens)
        seconds = len(moved) * BIN_MS / 1000
        kilobits = sum(sum(b.values()) for b in moved) + sum(sum(b.values()) for b in playing) * BIN_MS / 1000
        total_kilobits, total_s = total_kilobits + kilobits, total_s + seconds
        kbps, at, sources, media = _busiest(playing, moved, window_s)
        one_s = _busiest(playing, moved, 1)[0]
        first_load = at * BIN_MS < FIRST_LOAD_S * 1000
        if best is None or kbps > best[0]:
            best = (kbps, lesson, sources, first_load, one_s, media)
    if best is None:
        return None
    kbps, lesson, sources, first_load, one_s, media = best
    driver = _driver(sources, clip_paths, rates, first_load, str(lesson.get("launch") or ""))
    return Demand(
        kbps=round(kbps, 1),
        basis="measured",
        window_s=window_s,
        media_kbps=round(media, 1),
        driver=driver,
        explained="",
        avg_kbps=round(total_kilobits / total_s, 1) if total_s else None,
        busiest_1s_kbps=round(one_s, 1),
        lesson=str(lesson.get("launch") or ""),
        seconds=round(total_s, 1),
    )


def busiest_window(
    lesson: Mapping[str, Any], media_files: Sequence[Mapping[str, Any]], window_s: float, screen_s: float = 0
) -> list[tuple[float, int, str]]:
    """What one learner requests in the lesson's busiest ``window_s`` at a learner's pace, as
    (seconds from the window's start, bytes, path): the requests the link test replays, the very
    window ``measured_demand`` took its figure from. Requests that moved no byte are left out."""
    rows = [r for r in lesson.get("timeline") or [] if r]
    if not rows:
        return []
    rows, end_ms, screens = at_learner_pace(
        rows, lesson.get("screens_at_ms") or (), float(lesson.get("walk_end_ms") or 0), screen_s
    )
    playing, moved = _bins(rows, clip_rates(media_files), end_ms, screens)
    at = _busiest(playing, moved, window_s)[1]
    start = min(float(r[0]) for r in rows) + at * BIN_MS
    picked = sorted(
        (float(r[0]), int(r[2]), str(r[3]))
        for r in rows
        if start <= float(r[0]) < start + window_s * 1000 and int(r[2]) > 0
    )
    first = picked[0][0] if picked else 0.0  # the replay starts with the window's first request, not idle
    return [(round((at_ms - first) / 1000, 3), size, path) for at_ms, size, path in picked]


def _driver(
    moved: Mapping[str, float],
    clip_paths: set[str],
    rates: Mapping[str, Mapping[str, Any]],
    first_load: bool,
    launch: str,
) -> Driver:
    if not moved:
        return Driver("none", "")
    top = max(moved, key=lambda k: moved[k])
    if top in clip_paths:
        return Driver("clip", top, (top,), float(rates[top]["kbps"]))
    heaviest = tuple(sorted((k for k in moved if k not in clip_paths), key=lambda k: -moved[k])[:3])
    if first_load:
        return Driver("first-load", launch, heaviest)
    return Driver("page", top, heaviest)


def estimated_demand(
    media_peak: Mapping[str, Any] | None, pages: Sequence[Mapping[str, Any]] | None, window_s: float, why: str
) -> Demand:
    """Without a session: the media a page plays together at their peak, plus the heaviest launch
    page's bytes (what the browser loaded, else what its markup names) over the same window."""
    media_peak = media_peak or {}
    heaviest, page_bytes, loaded = "", 0, False
    for page in pages or []:
        browser = page.get("browser_load") or {}
        # Everything the browser fetched by the load event, the tool's player included: a learner's
        # first launch downloads it too (the page-weight budget leaves it out; the network does not).
        size = (
            int(browser.get("doc_bytes") or 0) + sum(int(b) for b in browser.get("resources") or []) if browser else 0
        )
        if not browser:
            size = sum(int(r.get("bytes") or 0) for r in page.get("requests") or [] if r.get("kind") != "media")
        if size > page_bytes:
            heaviest, page_bytes, loaded = str(page.get("launch") or ""), size, bool(browser)
    page_kbps = page_bytes * 8 / 1000 / window_s
    media = float(media_peak.get("kbps") or 0)
    files = tuple(media_peak.get("files") or ())
    if media and media >= page_kbps:
        driver = Driver("clip", files[0] if len(files) == 1 else ", ".join(files), files, media)
    elif page_kbps:
        driver = Driver("first-load", heaviest, (heaviest,))
    else:
        driver = Driver("none", "")
    notes = (why,) + (
        ()
        if loaded or not page_bytes
        else ("page bytes are those its markup and stylesheets name: no browser loaded it",)
    )
    return Demand(
        kbps=round(media + page_kbps, 1),
        basis="estimate" if media or page_kbps else "none",
        window_s=window_s,
        media_kbps=round(media, 1),
        driver=driver,
        explained="",
        notes=notes,
    )


def with_excluded(demand: Demand, excluded: Sequence[Mapping[str, Any]]) -> Demand:
    """The demand with media the course names but lacks (or that could not be measured) counted at
    the profile's cap for their kind: a learner plays one of them at a time, so the heaviest cap
    stands in for the measured media where it is larger."""
    if not excluded:
        return demand
    assumed = max(float(e["assumed_kbps"]) for e in excluded)
    if assumed <= demand.media_kbps:
        return _replace(demand, excluded=tuple(excluded))
    heaviest = max(excluded, key=lambda e: e["assumed_kbps"])
    kbps = round(demand.kbps - demand.media_kbps + assumed, 1)
    # The stand-in drives the demand only where it is the larger part; a first load stays the driver.
    driver = (
        Driver("clip", heaviest["path"], (heaviest["path"],), assumed)
        if demand.driver.kind in ("clip", "none") or assumed >= kbps - assumed
        else demand.driver
    )
    return _replace(demand, kbps=kbps, media_kbps=assumed, driver=driver, excluded=tuple(excluded))


def _replace(demand: Demand, **changes: Any) -> Demand:
    return Demand(**{**{k: getattr(demand, k) for k in demand.__dataclass_fields__}, **changes})


def explain(demand: Demand) -> str:
    """The demand in one paragraph, as every rendering shows it."""
    if demand.basis == "none":
        return "No media or page was measured: each learner counts as needing nothing."
    head = (
        f"{demand.kbps:,.0f} kbps per learner, measured: the busiest {demand.window_s:g} s of a learner's "
        f"walked session"
        if demand.basis == "measured"
        else f"{demand.kbps:,.0f} kbps per learner, estimated ({'; '.join(demand.notes)})"
    )
    parts = [head + f", driven by {describe_driver(demand.driver)}."]
    if demand.basis == "measured":
        parts.append(
            f"Over {demand.seconds or 0:,.0f} s of session at a learner's pace the average is "
            f"{demand.avg_kbps or 0:,.0f} kbps; the busiest "
            f"second reaches {demand.busiest_1s_kbps or 0:,.0f} kbps, which the link queues."
        )
    if demand.media_kbps and demand.driver.kind != "clip":
        parts.append(f"Media playing meanwhile: {demand.media_kbps:,.0f} kbps.")
    for item in demand.excluded:
        parts.append(
            f"The measured figure excludes {item['path']}, which {item['reason']}; the plan counts "
            f"{item['assumed_kbps']:,.0f} kbps for it ({item['limit']})."
        )
    return " ".join(parts)


def describe_driver(driver: Driver) -> str:
    if driver.kind == "clip":
        return (
            f"the clip {driver.name} ({driver.clip_kbps:,.0f} kbps)" if driver.clip_kbps else f"the clip {driver.name}"
        )
    if driver.kind == "first-load":
        files = ", ".join(driver.files[:3])
        return f"the player's first load of {driver.name}" + (f" ({files})" if files and files != driver.name else "")
    if driver.kind == "page":
        return f"the page {driver.name}" + (f" ({', '.join(driver.files[:3])})" if driver.files else "")
    return "nothing measured"
