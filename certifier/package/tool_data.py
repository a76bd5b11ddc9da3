"""What an authoring tool's player loads beyond the markup: assets named in Adapt's JSON,
Storyline's data.js, Rise's base64 course data and iSpring's compressed presentation, read as
references for the reachability and missing-file rules."""

from __future__ import annotations

import base64
import binascii
import json
import posixpath
import re
import zlib
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import unquote

from certifier.package.authoring_tools import ReadText, Tool, find_shallowest, line_of, read_tool_file, rise_data_files
from certifier.package.reference_targets import classify
from certifier.package.references import DATA, FONT, IMAGE, MEDIA, SCRIPT, STYLESHEET, Reference, _Lines

ADAPT_CONTENT_FILES = ("course.json", "contentObjects.json", "articles.json", "blocks.json", "components.json")
MEDIA_EXTENSIONS = (".mp4", ".m4v", ".webm", ".mp3", ".m4a", ".wav", ".ogg", ".vtt")
ASSET_EXTENSIONS = (*MEDIA_EXTENSIONS, ".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp", ".pdf")
JSON_ASSET = re.compile(
    r'"([\w$-]+)"\s*:\s*"((?:[^"\\/:]|/)+?\.(?:' + "|".join(e.lstrip(".") for e in ASSET_EXTENSIONS) + r'))"',
    re.IGNORECASE,
)
BASE64_BLOB = re.compile(r"""["']([A-Za-z0-9+/]{2000,}={0,2})["']""")


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
    if tool.name == "iSpring":
        return _ispring_data(tool, files, read_text)
    return empty


def _asset_kind(path: str) -> str:
    return MEDIA if path.lower().endswith(MEDIA_EXTENSIONS) else IMAGE


def _json_assets(source: str, text: str, base: str) -> list[dict[str, Any]]:
    """Asset paths named in an Adapt JSON file (relative to the course's index page)."""
    lines = _Lines(text)
    found = []
    for match in JSON_ASSET.finditer(text):
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
    config_text = read_tool_file(files, read_text, config_path) or ""
    try:
        config = json.loads(config_text) if config_text else {}
    except ValueError:
        config = {}
    language = config.get("_defaultLanguage") if isinstance(config, dict) else None
    language = language if isinstance(language, str) and re.fullmatch(r"[\w-]{1,20}", language) else "en"
    folder = posixpath.join(base, "course", language)
    names = list(ADAPT_CONTENT_FILES)
    manifest = read_tool_file(files, read_text, posixpath.join(folder, "language_data_manifest.js"))
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
        text = read_tool_file(files, read_text, path)
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
                    "line": line_of(config_text, enabled.start()),
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
    data = find_shallowest(files, "html5/data/js/data.js")
    text = read_tool_file(files, read_text, data) if data else None
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
    references: list[dict[str, Any]] = []
    seen: set[str] = set()
    sources = rise_data_files(files, read_text, tool.base, tool.evidence) or [tool.evidence]
    for source in sources:
        text = read_tool_file(files, read_text, source) or ""
        for blob in BASE64_BLOB.finditer(text):
            try:
                data = json.loads(base64.b64decode(blob.group(1), validate=True))
            except (binascii.Error, ValueError):
                continue
            line = line_of(text, blob.start())
            for name in _rise_media_keys(data):
                if not name or name in seen:
                    continue
                seen.add(name)
                target = f"assets/{name}"
                references.append(
                    Reference(
                        source, line, _asset_kind(name), target, posixpath.join(tool.base, unquote(target)), ""
                    ).to_dict()
                    | {"via": "course data"}
                )
    # The player's bundle fetches locales/*.js at start, which no markup names.
    return {"roots": [s for s in sources if s != tool.evidence], "references": references, "settings": []}


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
                    yield src.lstrip("/")  # the path under assets/ as given: Rise 2024 stores files in sub-folders
                elif isinstance(key, str) and "://" not in key and key.lower().endswith(ASSET_EXTENSIONS):
                    yield posixpath.basename(key)  # the CDN key's file name: the export copies it by that name
                poster = item.get("poster")
                if isinstance(poster, str) and "://" not in poster and poster.lower().endswith(ASSET_EXTENSIONS):
                    yield poster
        for value in node.values():
            yield from _rise_media_keys(value, depth + 1)
    elif isinstance(node, list):
        for value in node:
            yield from _rise_media_keys(value, depth + 1)


# iSpring 9+ keeps its presentation (slides, quizzes, fonts, clips, thumbnails) as JSON in base64 —
# zlib-compressed in the launch page (``var presInfo = "eNrN…"``), plain in each quiz script
# (``var quizInfo = "eyJ…"``) — naming files relative to the file that holds it.
_ISPRING_INFO = re.compile(r"""\b(?:presInfo|quizInfo)\s*=\s*["']([A-Za-z0-9+/]{16,}={0,2})["']""")
_ISPRING_FILE = re.compile(
    r"""(?:^|(?<=["'=(\s]))((?:[\w.-]+/)*[\w.%-]+\.(js|css|woff2?|ttf|otf|mp4|m4v|webm|mp3|m4a|wav|ogg|vtt|png|jpe?g|gif|svg))"""
    r"""(?=$|["'\s)?#])""",
    re.IGNORECASE,
)
_ISPRING_KINDS = {
    **dict.fromkeys(("js",), SCRIPT),
    **dict.fromkeys(("css",), STYLESHEET),
    **dict.fromkeys(("woff", "woff2", "ttf", "otf"), FONT),
    **dict.fromkeys(("mp4", "m4v", "webm", "mp3", "m4a", "wav", "ogg", "vtt"), MEDIA),
}
MAX_TOOL_DATA_BYTES = 32 * 1024 * 1024  # a decoded presentation past this is refused, not read


def _decoded_json(blob: str) -> Any:
    """The JSON a base64 string holds, zlib-compressed or not, inflated within MAX_TOOL_DATA_BYTES;
    None when it holds no JSON."""
    try:
        raw = base64.b64decode(blob, validate=True)
    except binascii.Error:
        return None
    if raw[:1] in (b"{", b"["):
        text = raw
    else:
        inflater = zlib.decompressobj()
        try:
            text = inflater.decompress(raw, MAX_TOOL_DATA_BYTES)
        except zlib.error:
            return None
        if inflater.unconsumed_tail:
            return None  # past the bound: a bomb, not a presentation
    try:
        return json.loads(text)
    except ValueError:
        return None


def _strings(node: Any, depth: int = 0) -> Iterator[str]:
    if depth > 64:
        return
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value, depth + 1)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value, depth + 1)


def _ispring_data(tool: Tool, files: Mapping[str, int], read_text: ReadText) -> dict[str, Any]:
    """The files iSpring's player loads from its presentation and quizzes: the slide and quiz
    scripts it renders from (roots), their stylesheets, fonts, clips and images."""
    references: list[dict[str, Any]] = []
    roots: list[str] = []
    seen: set[str] = set()
    holders = [tool.evidence]
    for holder in holders:  # the launch page, then each script it names (a quiz holds its own data)
        text = read_tool_file(files, read_text, holder) or ""
        for match in _ISPRING_INFO.finditer(text):
            data = _decoded_json(match.group(1))
            base, line = posixpath.dirname(holder), line_of(text, match.start())
            for value in _strings(data):
                for found in _ISPRING_FILE.finditer(value.replace("\\", "/")):
                    name, kind = found.group(1), _ISPRING_KINDS.get(found.group(2).lower(), IMAGE)
                    resolved = posixpath.normpath(posixpath.join(base, unquote(name)))
                    if resolved in seen or classify(name)[0]:
                        continue
                    seen.add(resolved)
                    ref = Reference(holder, line, kind, name, resolved, "").to_dict() | {"via": "presentation"}
                    if kind == SCRIPT:
                        ref["renders"] = True  # a slide or quiz script: without it the player shows nothing there
                    references.append(ref)
                    if kind in (SCRIPT, STYLESHEET) and resolved in files:
                        roots.append(resolved)
                        if kind == SCRIPT and len(holders) < 1000:
                            holders.append(resolved)
    return {"roots": roots, "references": references, "settings": []}
