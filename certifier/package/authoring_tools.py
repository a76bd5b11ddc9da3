"""Which authoring tool published a package, and the files its player loads by script.

Static markup tells little about an authoring tool's course: its player builds the page from data
files named in scripts (Adapt's ``course/<lang>/*.json``, Rise's course data embedded in
``index.html``). Knowing the tool lets the reference rules follow those loads, say which runtime
the course really uses, and word a fix in the tool's own terms.

Each recogniser looks for the fingerprints the tool writes (generator comments and metadata,
player file names) and returns a :class:`Tool`; :func:`tool_data` then returns the files the
player loads, the references inside them, and tool settings that matter to IT.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

ReadText = Callable[[str], str]
MAX_DATA_FILE_BYTES = 32 * 1024 * 1024  # a tool data file larger than this is not read (bounded memory)

_HTML_COMMENT_VERSION = re.compile(r"<!--\s*version:?\s*([0-9][0-9.]*)\s*-->", re.IGNORECASE)
_GENERATOR_META = re.compile(r"""<meta\s+name=["']generator["']\s+content=["']([^"']+)["']""", re.IGNORECASE)
_RUNTIME_ORDER = re.compile(r"runtimeOrder\s*:\s*\[([^\]]*)\]")
_RUNTIME_TYPE = re.compile(r"""["']?type["']?\s*:\s*["'](\w+)["']""")
_RISE_INLINE_DATA = re.compile(r"""deserialize\(\s*["'][A-Za-z0-9+/]{100}|courseData\s*=\s*["'][A-Za-z0-9+/]{100}""")
_RISE_JSONP_DATA = re.compile(r"""__resolveJsonp\(\s*["']course:""")


def in_stock_player(path: str, player: Sequence[str]) -> bool:
    """Whether a package path is one of the tool's stock player files (``Tool.player`` holds their
    folder or name prefixes, e.g. "html5/lib/", "trivantis")."""
    return bool(player) and path.startswith(tuple(player))


@dataclass
class Tool:
    name: str  # e.g. "Articulate Storyline"
    version: str | None = None
    evidence: str = ""  # the file that shows it
    line: int | None = None
    base: str = ""  # folder the tool's player resolves its data from
    runtime: list[str] = field(default_factory=list)  # e.g. ["html5"], as the launch page orders them
    runtime_evidence: str | None = None
    # Folders of the tool's stock player and LMS driver: the same files in every course it publishes
    # (a page budget judges what the course adds; the player's share is cached, not a defect).
    player: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}" if self.version else self.name

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"label": self.label}


def read_tool_file(files: Mapping[str, int], read_text: ReadText, path: str) -> str | None:
    if path not in files or files[path] > MAX_DATA_FILE_BYTES:
        return None
    try:
        return read_text(path)
    except Exception:  # a damaged entry: the package probe reports it; recognition just moves on
        return None


def find_shallowest(files: Mapping[str, int], suffix: str) -> str | None:
    """The shallowest package path ending with ``suffix`` (tools publish into a sub-folder at times)."""
    matches = [p for p in files if p == suffix or p.endswith("/" + suffix)]
    return min(matches, key=lambda p: (p.count("/"), p)) if matches else None


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def recognise(files: Mapping[str, int], read_text: ReadText, launch_pages: list[str]) -> Tool | None:
    """The authoring tool that published the package, or None for hand-made or unknown output."""
    # Rise before Storyline: a Rise course may embed Storyline blocks, never the other way round.
    for recogniser in (_rise, _storyline, _adapt, _captivate, _ispring, _lectora, _camtasia, _presenter, _courselab):
        tool = recogniser(files, read_text, launch_pages)
        if tool:
            return tool
    return None


def _storyline(files: Mapping[str, int], read_text: ReadText, launch_pages: list[str]) -> Tool | None:
    meta = find_shallowest(files, "meta.xml")
    tool = None
    if (
        (meta and find_shallowest(files, "story_content/user.js"))
        or find_shallowest(files, "story_content/story.js")
        or any(p.startswith("story_content/") or "/story_content/" in p for p in list(files)[:5000])
    ):
        tool = Tool("Articulate Storyline", evidence=meta or find_shallowest(files, "story.html") or "")
        text = read_tool_file(files, read_text, meta) if meta else None
        match = re.search(r"""<application\s+name=["']([^"']+)["']\s+version=["']([^"']+)["']""", text or "")
        if match:
            tool.name, tool.version = match.group(1), match.group(2)
    for page in launch_pages:
        text = read_tool_file(files, read_text, page) or ""
        created = re.search(r"Created using (Storyline[^-<]*)", text)
        if created and tool is None:
            tool = Tool("Articulate " + created.group(1).strip(), evidence=page, line=line_of(text, created.start()))
        if tool is None:
            continue
        version = _HTML_COMMENT_VERSION.search(text)
        if version and not tool.version:
            tool.version = version.group(1)
        order = _RUNTIME_ORDER.search(text)
        if order:
            tool.runtime = _RUNTIME_TYPE.findall(order.group(1))
            tool.runtime_evidence = f"{page}:{line_of(text, order.start())}"
    if tool and tool.name.startswith("Articulate Storyline ") and not tool.version:
        tool.name, tool.version = "Articulate Storyline", tool.name.split(" ", 2)[2]
    if tool:
        home = posixpath.dirname(tool.evidence)
        tool.player = [posixpath.join(home, folder) for folder in ("html5/lib/", "mobile/", "lms/")]
    return tool


def _rise(files: Mapping[str, int], read_text: ReadText, launch_pages: list[str]) -> Tool | None:
    index = find_shallowest(files, "scormcontent/index.html") or find_shallowest(files, "content/index.html")
    bundle = index and posixpath.join(posixpath.dirname(index), "lib/main.bundle.js")
    if index and bundle in files:
        base = posixpath.dirname(index)
        driver = posixpath.join(posixpath.dirname(base), "scormdriver/")
        return Tool(
            "Articulate Rise 360", evidence=index, base=base, runtime=["html5"], player=[f"{base}/lib/", driver]
        )
    # Rise 2024 (no main.bundle.js; lib/rise/ and locales/*.js), or a Rise course taken out of its
    # package: Rise's own course data beside its player's lib/ folder (a webpack bundle alone says
    # nothing of the tool). The index may be missing (a broken upload): the data still says Rise.
    bundle = find_shallowest(files, "lib/main.bundle.js")
    bases = {posixpath.dirname(posixpath.dirname(p)) for p in files if p.endswith(".js") and "locales/" in p}
    if bundle:
        bases.add(posixpath.dirname(posixpath.dirname(bundle)))
    for base in sorted(bases, key=lambda b: (b.count("/"), b)):
        lib = posixpath.join(base, "lib/")
        index = posixpath.join(base, "index.html")
        if any(p.startswith(lib) for p in files) and rise_data_files(files, read_text, base, index):
            driver = posixpath.join(posixpath.dirname(base), "scormdriver/") if base else "scormdriver/"
            return Tool("Articulate Rise 360", evidence=index, base=base, runtime=["html5"], player=[lib, driver])
    return None


def rise_data_files(files: Mapping[str, int], read_text: ReadText, base: str, index: str) -> list[str]:
    """Where this Rise course keeps its course data: its index.html (``deserialize("…")`` or
    ``window.courseData = "…"``, Rise 360) or ``locales/*.js`` (``__resolveJsonp("course:…", "…")``,
    Rise 2024 and older), each holding the data base64-encoded."""
    folder = posixpath.join(base, "locales") + "/" if base else "locales/"
    found = [index] if _RISE_INLINE_DATA.search(read_tool_file(files, read_text, index) or "") else []
    for path in sorted(p for p in files if p.startswith(folder) and p.endswith(".js") and "/" not in p[len(folder) :]):
        if _RISE_JSONP_DATA.search(read_tool_file(files, read_text, path) or ""):
            found.append(path)
    return found


def _adapt(files: Mapping[str, int], read_text: ReadText, launch_pages: list[str]) -> Tool | None:
    config = find_shallowest(files, "course/config.json")
    if not config:
        return None
    base = posixpath.dirname(posixpath.dirname(config))
    text = read_tool_file(files, read_text, config) or ""
    if "_defaultLanguage" not in text and posixpath.join(base, "adapt/js/adapt.min.js") not in files:
        return None
    tool = Tool("Adapt", evidence=config, base=base, runtime=["html5"])
    for path in (p for p in files if p.startswith(posixpath.join(base, "course/")) and p.endswith(".json")):
        if files[path] > MAX_DATA_FILE_BYTES:
            continue
        content = read_tool_file(files, read_text, path) or ""
        evolve = re.search(r'"_?evolveVersion"\s*:\s*"?([0-9][0-9.]*)', content)
        if evolve:
            tool.name, tool.version, tool.evidence = "Evolve (Adapt)", evolve.group(1), path
            tool.line = line_of(content, evolve.start())
            break
    return tool


def _captivate(files: Mapping[str, int], read_text: ReadText, launch_pages: list[str]) -> Tool | None:
    cpm = find_shallowest(files, "assets/js/CPM.js")
    project = find_shallowest(files, "project.txt")
    if not cpm and not project:
        return None
    tool = Tool("Adobe Captivate", evidence=cpm or project or "", runtime=["html5"])
    text = read_tool_file(files, read_text, project) if project else None
    match = re.search(r'"generator"\s*:\s*"Captivate"\s*,\s*"generatorVersion"\s*:\s*"([^"]+)"', text or "")
    if match and project:
        tool.version, tool.evidence = match.group(1), project
    elif not cpm:
        return None
    if cpm:
        # Its player (CPM.js, its loader, jQuery), playbar and LMS driver; slides, audio and images are the course's.
        home = posixpath.dirname(posixpath.dirname(posixpath.dirname(cpm)))
        folders = [posixpath.join(home, f) for f in ("assets/js/", "assets/playbar/")]
        tool.player = folders + [posixpath.join(home, f) for f in _CAPTIVATE_DRIVER if posixpath.join(home, f) in files]
    return tool


_CAPTIVATE_DRIVER = ("scormdriver.js", "SCORM_utilities.js", "Utilities.js", "browsersniff.js", "standard.js")


_ISPRING_PLAYER = (
    "data/player.js",
    "data/quizplayer.js",
    "data/browsersupport.js",
    "data/html5-unsupported.html",
    "lms.js",
)


def _ispring(files: Mapping[str, int], read_text: ReadText, launch_pages: list[str]) -> Tool | None:
    for page in launch_pages:
        text = read_tool_file(files, read_text, page) or ""
        created = re.search(r"<!--\s*Created with iSpring[^>]*-->", text)
        if created:
            version = _HTML_COMMENT_VERSION.search(text)
            home = posixpath.dirname(page)
            return Tool(
                "iSpring",
                version.group(1) if version else None,
                evidence=page,
                line=line_of(text, created.start()),
                runtime=["html5"],
                # Its player, quiz player and LMS driver; the slides, quizzes, images and fonts are the course's.
                player=[posixpath.join(home, f) for f in _ISPRING_PLAYER if posixpath.join(home, f) in files],
            )
    return None


def _lectora_player(files: Mapping[str, int]) -> tuple[str | None, list[str]]:
    """Lectora's stock player: the trivantis*.js/.css files beside trivantis.js, and its MediaPlayer/."""
    trivantis = find_shallowest(files, "trivantis.js")
    if not trivantis:
        return None, []
    home = posixpath.dirname(trivantis)
    return trivantis, [posixpath.join(home, "trivantis"), posixpath.join(home, "MediaPlayer/")]


def _lectora(files: Mapping[str, int], read_text: ReadText, launch_pages: list[str]) -> Tool | None:
    trivantis, player = _lectora_player(files)
    for page in launch_pages:
        text = read_tool_file(files, read_text, page) or ""
        generator = _GENERATOR_META.search(text)
        if generator and "lectora" in generator.group(1).lower():
            match = re.match(r"(Lectora(?: Online| Publisher| Inspire)?)\s*v?\s*([0-9][^\s(]*)?", generator.group(1))
            name, version = (match.group(1), match.group(2)) if match else ("Lectora", None)
            return Tool(
                name, version, evidence=page, line=line_of(text, generator.start()), runtime=["html5"], player=player
            )
    if trivantis:
        return Tool("Lectora", evidence=trivantis, runtime=["html5"], player=player)
    return None


_CAMTASIA_SOURCE = re.compile(r"""dc:source=["']Camtasia( Studio)?,\s*([0-9][0-9.]*)""")


def _camtasia(files: Mapping[str, int], read_text: ReadText, launch_pages: list[str]) -> Tool | None:
    """TechSmith Camtasia: its Smart Player plays the video with HTML5 where the browser can, the
    ``*_controller.swf`` beside it being the Flash fallback it is configured with."""
    player = find_shallowest(files, "techsmith-smart-player.min.js")
    if not player:
        return None
    home = posixpath.dirname(posixpath.dirname(player))
    tool = Tool("TechSmith Camtasia", evidence=player, runtime=["html5"])
    for config in sorted(p for p in files if posixpath.dirname(p) == home and p.endswith("_config.xml")):
        match = _CAMTASIA_SOURCE.search(read_tool_file(files, read_text, config) or "")
        if match:
            tool.version, tool.evidence = match.group(2), config
            break
    stock = [posixpath.join(home, f) for f in ("scripts/", "skins/", "playerProductInstall.swf")]
    tool.player = stock + [p for p in files if posixpath.dirname(p) == home and p.endswith("_controller.swf")]
    return tool


def _presenter(files: Mapping[str, int], read_text: ReadText, launch_pages: list[str]) -> Tool | None:
    """Adobe Presenter: its Connect manifest or viewer settings beside the viewer movie; Flash-only
    unless the publish also holds an HTML5 output."""
    marker = find_shallowest(files, "breeze-manifest.xml") or find_shallowest(files, "data/vconfig.xml")
    viewer = find_shallowest(files, "viewer.swf")
    if not marker or not viewer:
        return None
    html5 = any(p.lower().endswith(("index_html5.html", "multiscreen.html")) for p in files)
    return Tool("Adobe Presenter", evidence=marker, runtime=["flash", *(["html5"] if html5 else [])])


_COURSELAB_MANIFEST = re.compile(r"using CourseLab\s+([0-9][0-9.]*)")


def _courselab(files: Mapping[str, int], read_text: ReadText, launch_pages: list[str]) -> Tool | None:
    """CourseLab (WebSoft): its player in ``courseimages/`` (cl.js, jQuery, its LMS driver lms.js,
    sounds, cursors and fonts) beside one folder per module; the manifest's comment names the build."""
    player = find_shallowest(files, "courseimages/cl.js")
    if not player:
        return None
    home = posixpath.dirname(posixpath.dirname(player))
    tool = Tool("CourseLab", evidence=player, runtime=["html5"], player=[posixpath.join(home, "courseimages/")])
    manifest = posixpath.join(home, "imsmanifest.xml")
    text = read_tool_file(files, read_text, manifest) or ""
    match = _COURSELAB_MANIFEST.search(text)
    if match:
        tool.version, tool.evidence, tool.line = match.group(1), manifest, line_of(text, match.start())
    return tool
