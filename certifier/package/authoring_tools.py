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

import base64
import binascii
import json
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import unquote

from certifier.package.reference_targets import classify
from certifier.package.references import DATA, IMAGE, MEDIA, Reference, _Lines

ReadText = Callable[[str], str]
MAX_DATA_FILE_BYTES = 32 * 1024 * 1024  # a tool data file larger than this is not read (bounded memory)

ADAPT_CONTENT_FILES = ("course.json", "contentObjects.json", "articles.json", "blocks.json", "components.json")
MEDIA_EXTENSIONS = (".mp4", ".m4v", ".webm", ".mp3", ".m4a", ".wav", ".ogg", ".vtt")
ASSET_EXTENSIONS = (*MEDIA_EXTENSIONS, ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".pdf")
_JSON_ASSET = re.compile(
    r'"([\w$-]+)"\s*:\s*"((?:[^"\\/:]|/)+?\.(?:' + "|".join(e.lstrip(".") for e in ASSET_EXTENSIONS) + r'))"',
    re.IGNORECASE,
)
_HTML_COMMENT_VERSION = re.compile(r"<!--\s*version:?\s*([0-9][0-9.]*)\s*-->", re.IGNORECASE)
_GENERATOR_META = re.compile(r"""<meta\s+name=["']generator["']\s+content=["']([^"']+)["']""", re.IGNORECASE)
_RUNTIME_ORDER = re.compile(r"runtimeOrder\s*:\s*\[([^\]]*)\]")
_RUNTIME_TYPE = re.compile(r"""["']?type["']?\s*:\s*["'](\w+)["']""")
_BASE64_BLOB = re.compile(r"""["']([A-Za-z0-9+/]{2000,}={0,2})["']""")


@dataclass
class Tool:
    name: str  # e.g. "Articulate Storyline"
    version: str | None = None
    evidence: str = ""  # the file that shows it
    line: int | None = None
    base: str = ""  # folder the tool's player resolves its data from
    runtime: list[str] = field(default_factory=list)  # e.g. ["html5"], as the launch page orders them
    runtime_evidence: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}" if self.version else self.name

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"label": self.label}


def _read(files: Mapping[str, int], read_text: ReadText, path: str) -> str | None:
    if path not in files or files[path] > MAX_DATA_FILE_BYTES:
        return None
    try:
        return read_text(path)
    except Exception:  # a damaged entry: the package probe reports it; recognition just moves on
        return None


def _find(files: Mapping[str, int], suffix: str) -> str | None:
    """The shallowest package path ending with ``suffix`` (tools publish into a sub-folder at times)."""
    matches = [p for p in files if p == suffix or p.endswith("/" + suffix)]
    return min(matches, key=lambda p: (p.count("/"), p)) if matches else None


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def recognise(files: Mapping[str, int], read_text: ReadText, launch_pages: list[str]) -> Tool | None:
    """The authoring tool that published the package, or None for hand-made or unknown output."""
    for recogniser in (_storyline, _rise, _adapt, _captivate, _ispring, _lectora):
        tool = recogniser(files, read_text, launch_pages)
        if tool:
            return tool
    return None


def _storyline(files: Mapping[str, int], read_text: ReadText, launch_pages: list[str]) -> Tool | None:
    meta = _find(files, "meta.xml")
    tool = None
    if (
        (meta and _find(files, "story_content/user.js"))
        or _find(files, "story_content/story.js")
        or any(p.startswith("story_content/") or "/story_content/" in p for p in list(files)[:5000])
    ):
        tool = Tool("Articulate Storyline", evidence=meta or _find(files, "story.html") or "")
        text = _read(files, read_text, meta) if meta else None
        match = re.search(r"""<application\s+name=["']([^"']+)["']\s+version=["']([^"']+)["']""", text or "")
        if match:
            tool.name, tool.version = match.group(1), match.group(2)
    for page in launch_pages:
        text = _read(files, read_text, page) or ""
        created = re.search(r"Created using (Storyline[^-<]*)", text)
        if created and tool is None:
            tool = Tool("Articulate " + created.group(1).strip(), evidence=page, line=_line_of(text, created.start()))
        if tool is None:
            continue
        version = _HTML_COMMENT_VERSION.search(text)
        if version and not tool.version:
            tool.version = version.group(1)
        order = _RUNTIME_ORDER.search(text)
        if order:
            tool.runtime = _RUNTIME_TYPE.findall(order.group(1))
            tool.runtime_evidence = f"{page}:{_line_of(text, order.start())}"
    if tool and tool.name.startswith("Articulate Storyline ") and not tool.version:
        tool.name, tool.version = "Articulate Storyline", tool.name.split(" ", 2)[2]
    return tool


def _rise(files: Mapping[str, int], read_text: ReadText, launch_pages: list[str]) -> Tool | None:
    index = _find(files, "scormcontent/index.html") or _find(files, "content/index.html")
    bundle = index and posixpath.join(posixpath.dirname(index), "lib/main.bundle.js")
    if not index or bundle not in files:
        return None
    return Tool("Articulate Rise 360", evidence=index, base=posixpath.dirname(index), runtime=["html5"])


def _adapt(files: Mapping[str, int], read_text: ReadText, launch_pages: list[str]) -> Tool | None:
    config = _find(files, "course/config.json")
    if not config:
        return None
    base = posixpath.dirname(posixpath.dirname(config))
    text = _read(files, read_text, config) or ""
    if "_defaultLanguage" not in text and posixpath.join(base, "adapt/js/adapt.min.js") not in files:
        return None
    tool = Tool("Adapt", evidence=config, base=base, runtime=["html5"])
    for path in (p for p in files if p.startswith(posixpath.join(base, "course/")) and p.endswith(".json")):
        if files[path] > MAX_DATA_FILE_BYTES:
            continue
        content = _read(files, read_text, path) or ""
        evolve = re.search(r'"_?evolveVersion"\s*:\s*"?([0-9][0-9.]*)', content)
        if evolve:
            tool.name, tool.version, tool.evidence = "Evolve (Adapt)", evolve.group(1), path
            tool.line = _line_of(content, evolve.start())
            break
    return tool


def _captivate(files: Mapping[str, int], read_text: ReadText, launch_pages: list[str]) -> Tool | None:
    cpm = _find(files, "assets/js/CPM.js")
    project = _find(files, "project.txt")
    if not cpm and not project:
        return None
    tool = Tool("Adobe Captivate", evidence=cpm or project or "", runtime=["html5"])
    text = _read(files, read_text, project) if project else None
    match = re.search(r'"generator"\s*:\s*"Captivate"\s*,\s*"generatorVersion"\s*:\s*"([^"]+)"', text or "")
    if match and project:
        tool.version, tool.evidence = match.group(1), project
    elif not cpm:
        return None
    return tool


def _ispring(files: Mapping[str, int], read_text: ReadText, launch_pages: list[str]) -> Tool | None:
    for page in launch_pages:
        text = _read(files, read_text, page) or ""
        created = re.search(r"<!--\s*Created with iSpring[^>]*-->", text)
        if created:
            version = _HTML_COMMENT_VERSION.search(text)
            return Tool(
                "iSpring",
                version.group(1) if version else None,
                evidence=page,
                line=_line_of(text, created.start()),
                runtime=["html5"],
            )
    return None


def _lectora(files: Mapping[str, int], read_text: ReadText, launch_pages: list[str]) -> Tool | None:
    for page in launch_pages:
        text = _read(files, read_text, page) or ""
        generator = _GENERATOR_META.search(text)
        if generator and "lectora" in generator.group(1).lower():
            match = re.match(r"(Lectora(?: Online| Publisher| Inspire)?)\s*v?\s*([0-9][^\s(]*)?", generator.group(1))
            name, version = (match.group(1), match.group(2)) if match else ("Lectora", None)
            return Tool(name, version, evidence=page, line=_line_of(text, generator.start()), runtime=["html5"])
    trivantis = _find(files, "trivantis.js")
    if trivantis:
        return Tool("Lectora", evidence=trivantis, runtime=["html5"])
    return None


# --- what the tool's player loads ---------------------------------------------------------------


def tool_data(tool: Tool | None, files: Mapping[str, int], read_text: ReadText) -> dict[str, Any]:
    """Files the player loads at start (``roots``), references inside tool data (each a dict as
    :meth:`Reference.to_dict`, with ``renders`` when the course cannot render without it), and
    ``settings`` that change what the course does (tracking on or off)."""
    empty: dict[str, Any] = {"roots": [], "references": [], "settings": []}
    if tool is None:
        return empty
    if tool.name.endswith("(Adapt)") or tool.name == "Adapt":
        return _adapt_data(tool, files, read_text)
    if tool.name.startswith("Articulate Rise"):
        return _rise_data(tool, files, read_text)
    if tool.name.startswith("Articulate Storyline"):
        return _storyline_data(files, read_text)
    return empty


def _asset_kind(path: str) -> str:
    return MEDIA if path.lower().endswith(MEDIA_EXTENSIONS) else IMAGE


def _json_assets(source: str, text: str, base: str) -> list[dict[str, Any]]:
    """Asset paths named in an Adapt JSON file (relative to the course's index page)."""
    lines = _Lines(text)
    found = []
    for match in _JSON_ASSET.finditer(text):
        value = match.group(2)
        if classify(value)[0] or value.startswith("/"):
            continue
        start = match.start(2)
        ref = Reference(
            source,
            lines.at(start),
            _asset_kind(value),
            value,
            posixpath.normpath(posixpath.join(base, value)),
            "",
            column=lines.column(start),
        )
        found.append(ref.to_dict() | {"via": match.group(1)})
    return found


def _adapt_data(tool: Tool, files: Mapping[str, int], read_text: ReadText) -> dict[str, Any]:
    base = tool.base
    config_path = posixpath.join(base, "course/config.json")
    config_text = _read(files, read_text, config_path) or ""
    try:
        config = json.loads(config_text) if config_text else {}
    except ValueError:
        config = {}
    language = config.get("_defaultLanguage") if isinstance(config, dict) else None
    language = language if isinstance(language, str) and re.fullmatch(r"[\w-]{1,20}", language) else "en"
    folder = posixpath.join(base, "course", language)
    names = list(ADAPT_CONTENT_FILES)
    manifest = _read(files, read_text, posixpath.join(folder, "language_data_manifest.js"))
    if manifest:
        try:
            listed = json.loads(manifest)
            if isinstance(listed, list) and all(isinstance(n, str) for n in listed) and listed:
                names = listed
        except ValueError:
            pass
    loader = next(
        (p for p in (posixpath.join(base, "adapt/js/adapt.min.js"), posixpath.join(base, "index.html")) if p in files),
        config_path,
    )
    # Line 0: the player builds these paths at run time; no line of the package names them.
    references = [
        Reference(
            loader, 0, DATA, posixpath.join("course", language, name), posixpath.join(folder, name), "", column=0
        ).to_dict()
        | {"renders": True}
        for name in names
    ]
    references.append(
        Reference(loader, 0, DATA, "course/config.json", config_path, "", column=0).to_dict() | {"renders": True}
    )
    roots = [config_path] + [posixpath.join(folder, n) for n in names]
    for path in roots:
        text = _read(files, read_text, path)
        if text:
            references.extend(_json_assets(path, text, base))
    settings = []
    spoor = re.search(r'"_spoor"\s*:\s*\{', config_text)
    if spoor:
        enabled = re.compile(r'"_isEnabled"\s*:\s*(true|false)').search(config_text, spoor.end())
        if enabled:
            settings.append(
                {
                    "setting": "tracking",
                    "enabled": enabled.group(1) == "true",
                    "path": config_path,
                    "line": _line_of(config_text, enabled.start()),
                    "name": "_spoor._isEnabled",
                    "fix": 'enable Spoor tracking: set "_spoor": {"_isEnabled": true} in '
                    "course/config.json (Project settings › Spoor), then publish again",
                }
            )
    return {"roots": roots, "references": references, "settings": settings}


_STORYLINE_ASSET = re.compile(
    r'"url"\s*:\s*"((?:story_content|mobile)/[^"\\]+\.(?:' + "|".join(e.lstrip(".") for e in ASSET_EXTENSIONS) + r'))"',
    re.IGNORECASE,
)


def _storyline_data(files: Mapping[str, int], read_text: ReadText) -> dict[str, Any]:
    """The media and images Storyline's player loads, listed as assets in ``html5/data/js/data.js``
    (paths relative to the folder that holds ``html5/``)."""
    data = _find(files, "html5/data/js/data.js")
    text = _read(files, read_text, data) if data else None
    if not text or not data:
        return {"roots": [], "references": [], "settings": []}
    base = posixpath.dirname(posixpath.dirname(posixpath.dirname(posixpath.dirname(data))))
    lines = _Lines(text)
    references, seen = [], set()
    for match in _STORYLINE_ASSET.finditer(text):
        value = match.group(1)
        if value in seen:
            continue
        seen.add(value)
        start = match.start(1)
        references.append(
            Reference(
                data,
                lines.at(start),
                _asset_kind(value),
                value,
                posixpath.join(base, value),
                "",
                column=lines.column(start),
            ).to_dict()
            | {"via": "slide assets"}
        )
    return {"roots": [data], "references": references, "settings": []}


def _rise_data(tool: Tool, files: Mapping[str, int], read_text: ReadText) -> dict[str, Any]:
    index = tool.evidence
    text = _read(files, read_text, index) or ""
    references: list[dict[str, Any]] = []
    for blob in _BASE64_BLOB.finditer(text):
        try:
            data = json.loads(base64.b64decode(blob.group(1), validate=True))
        except (binascii.Error, ValueError):
            continue
        line = _line_of(text, blob.start())
        seen: set[str] = set()
        for key in _rise_media_keys(data):
            name = posixpath.basename(key)
            if not name or name in seen:
                continue
            seen.add(name)
            target = f"assets/{name}"
            references.append(
                Reference(
                    index, line, _asset_kind(name), target, posixpath.join(tool.base, unquote(target)), ""
                ).to_dict()
                | {"via": "course data"}
            )
    return {"roots": [], "references": references, "settings": []}


def _rise_media_keys(node: Any, depth: int = 0) -> Iterator[str]:
    """The file names under assets/ that Rise's course data asks for: ``crushedKey`` when
    ``useCrushedKey`` is set, ``media.<type>.src`` when it is a file name (Rise stores the file under that name),
    else the base name of ``key`` (the original is on Articulate's CDN and the export copies it by key); and ``poster``."""
    if depth > 64:
        return
    if isinstance(node, dict):
        media = node.get("media")
        if isinstance(media, dict):
            for item in media.values():
                if not isinstance(item, dict):
                    continue
                src, key, crushed = item.get("src"), item.get("key"), item.get("crushedKey")
                if item.get("useCrushedKey") and isinstance(crushed, str) and crushed:
                    yield crushed  # newer Rise exports the re-compressed copy under this name
                elif isinstance(src, str) and src and not classify(src)[0] and src.lower().endswith(ASSET_EXTENSIONS):
                    yield src
                elif isinstance(key, str) and "://" not in key and key.lower().endswith(ASSET_EXTENSIONS):
                    yield key
                poster = item.get("poster")
                if isinstance(poster, str) and "://" not in poster and poster.lower().endswith(ASSET_EXTENSIONS):
                    yield poster
        for value in node.values():
            yield from _rise_media_keys(value, depth + 1)
    elif isinstance(node, list):
        for value in node:
            yield from _rise_media_keys(value, depth + 1)
