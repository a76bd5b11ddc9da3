"""The kinds of shared evidence the built-in probes publish; any probe may read or publish them.

Each type names only what readers rely on; a publisher may add keys. A third-party probe that
reads the launch map declares ``uses = (LAUNCH_MAP,)`` and calls ``ctx.shared(LAUNCH_MAP)``.
"""

from __future__ import annotations

from typing import Any, TypedDict

from certifier.policy.shared import SharedEvidence


class _LaunchUnitBase(TypedDict):
    id: str | None
    title: str | None
    launch: str  # a package path, or an absolute URL for a lesson hosted elsewhere
    launch_exists: bool
    files: list[str]  # every file a learner's browser loads from this launch page
    bytes: int


class LaunchUnit(_LaunchUnitBase, total=False):
    move_on: str  # cmi5: what the LMS waits for before the unit counts as done


class Reference(TypedDict):
    source: str
    line: int | None
    column: int | None
    kind: str
    target: str
    resolved: str | None


class _ToolBase(TypedDict):
    name: str
    label: str
    version: str | None
    runtime: list[str]


class Tool(_ToolBase, total=False):
    player: list[str]  # folders of the tool's stock player: the same files in every course it publishes


class ToolSetting(TypedDict):
    setting: str
    enabled: bool


class MediaStream(TypedDict, total=False):
    type: str
    codec: str | None


class MediaError(TypedDict):
    kind: str  # e.g. "empty", "mislabelled", "truncated"
    message: str


class MediaFile(TypedDict, total=False):
    path: str
    streams: list[MediaStream]
    error: MediaError  # present when the file could not be inspected


class _LearnerDemandBase(TypedDict):
    kbps: float  # the peak: what one learner's player pulls at its busiest
    files: list[str]
    page: str | None


class LearnerDemand(_LearnerDemandBase, total=False):
    avg_kbps: float  # the same files' average, for comparison
    window_s: float  # the peak is over windows this long (what a player fetches at once)


class DemandDriver(TypedDict):
    kind: str  # "clip", "first-load", "page" or "none"
    name: str
    files: list[str]
    clip_kbps: float


class _PlannedDemandBase(TypedDict):
    kbps: float  # the one figure: the busiest window_s of a learner's session
    basis: str  # "measured", "estimate" or "none"
    window_s: float
    media_kbps: float
    driver: DemandDriver
    explained: str


class PlannedDemand(_PlannedDemandBase, total=False):
    lesson: str | None  # the walked lesson whose busiest window gave the figure (measured only)


class SiteLink(TypedDict):
    training_kbps: float  # what training may use of the link: link × share
    link_mbps: float
    training_share: float
    model_learners: int  # the capacity model's learners at once on this link
    sites: list[str]


class PageRequest(TypedDict, total=False):
    kind: str
    bytes: int


class BrowserLoad(TypedDict):
    doc_bytes: int  # the launch page itself
    resources: list[int]  # bytes of each file the browser loaded by the load event (media excluded)
    player_resources: list[int]  # the subset under the authoring tool's stock player folders


class _PageLoadBase(TypedDict):
    launch: str
    requests: list[PageRequest]


class PageLoad(_PageLoadBase, total=False):
    browser_load: BrowserLoad  # what a real browser loaded, where the runtime pass ran the page


class Screen(TypedDict):
    width: int
    height: int


class RequirementsBill(TypedDict):
    plugins: list[str]
    browser_features: list[str]
    external_hosts: list[str]
    min_screen: Screen | None
    media_codecs: list[str]


class _LessonStartBase(TypedDict):
    id: str
    launch: str
    initialized: bool  # the lesson started tracking (Initialize, or its first statement) in a real browser
    waited_s: float  # how long the runtime pass waited for it


class LessonStart(_LessonStartBase, total=False):
    not_awaited: str  # not run: the lessons run before it failed to start the same way (the reason)


class _LmsLoadBase(TypedDict):
    writes_per_min: float  # one learner's writes (commits, statements) to the LMS a minute, at a learner's pace
    writes_per_screen: float
    bytes_per_min: float
    screen_s: float  # the learner's pace assumed: seconds a screen


class LmsLoad(_LmsLoadBase, total=False):
    timed_writes_per_min: float | None  # the part the lesson's own timers make
    calls_per_min: float
    session_s: float  # seconds of walked sessions the figures come from


class LessonTraffic(TypedDict):
    launch: str
    timeline: list[list[Any]]  # [start ms, end ms, bytes, path, kind] on the LMS frame's clock
    walk_end_ms: float | None
    screens_at_ms: list[float]  # when each new screen showed, on the same clock


LAUNCH_MAP = SharedEvidence(
    "launch-map",
    ("outputs", "launch_map"),
    list[LaunchUnit],
    "Each lesson's launch page, in course order, with every file a browser loads from it.",
)
REACHABLE_FILES = SharedEvidence(
    "reachable-files",
    ("outputs", "reachable"),
    list[str],
    "Every package file a learner's browser loads from some launch page.",
)
EXTERNAL_HOSTS = SharedEvidence(
    "external-hosts",
    ("outputs", "external_hosts"),
    list[str],
    "Hosts outside the package the course's files load from or link to.",
)
AUTHORING_TOOL = SharedEvidence(
    "authoring-tool",
    ("outputs", "authoring_tool"),
    Tool | None,
    "The authoring tool that published the course, and the runtime its player uses.",
)
TOOL_SETTINGS = SharedEvidence(
    "tool-settings",
    ("outputs", "tool_settings"),
    list[ToolSetting],
    "Settings read from the tool's published data (e.g. whether tracking is on).",
)
PAGE_REFERENCES = SharedEvidence(
    "page-references",
    ("references",),
    list[Reference],
    "What each HTML, CSS and script file refers to, with line and column.",
)
MEDIA_FILES = SharedEvidence(
    "media-files", ("files",), list[MediaFile], "Each audio and video file as inspected: streams, codecs, bitrates."
)
LEARNER_DEMAND = SharedEvidence(
    "learner-demand",
    ("outputs", "learner_demand"),
    LearnerDemand,
    "The media a learner plays at once, at their peak: the capacity plan's estimate where no session ran.",
)
PAGE_LOADS = SharedEvidence(
    "page-loads", ("pages",), list[PageLoad], "Each launch page as loaded from the staging server, request by request."
)
PLANNED_DEMAND = SharedEvidence(
    "planned-demand",
    ("outputs", "demand"),
    PlannedDemand,
    "One learner's demand as the capacity plan uses it: measured from the session, or estimated and why.",
)
SITE_LINKS = SharedEvidence(
    "site-links",
    ("outputs", "site_links"),
    list[SiteLink],
    "The sites file's links as training may use them, with the capacity model's learners at once.",
)
REQUIREMENTS_BILL = SharedEvidence(
    "requirements-bill",
    ("outputs", "requirements"),
    RequirementsBill,
    "What a desktop needs for the course: plug-ins, browser features, hosts, screen, codecs.",
)
LMS_LOAD = SharedEvidence(
    "lms-load",
    ("outputs", "lms_load"),
    LmsLoad,
    "How often one learner's session writes to the LMS (or LRS), and how much, at a learner's pace.",
)
SESSION_TRAFFIC = SharedEvidence(
    "session-traffic",
    ("outputs", "traffic"),
    list[LessonTraffic],
    "What each walked lesson requested and when ([start ms, end ms, bytes, path, kind]), with its screens' times.",
)
LESSON_STARTS = SharedEvidence(
    "lesson-starts",
    ("outputs", "lesson_starts"),
    list[LessonStart],
    "Each lesson run in a real browser: whether it started tracking, and how long that was waited for.",
)
