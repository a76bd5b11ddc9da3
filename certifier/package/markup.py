"""Reading a page as a browser does: comments hide what they hold, script bodies are script text.

Offsets are kept (blanked text keeps its newlines and length) so lines and columns stay right.
"""

from __future__ import annotations

import re

_COMMENT_OR_SCRIPT = re.compile(r"<!--|<script\b[^>]*>", re.IGNORECASE)
_SCRIPT_END = re.compile(r"</script\s*>", re.IGNORECASE)


def blank_comments_and_scripts(text: str) -> tuple[str, list[tuple[int, str]]]:
    """The page with its comments and script bodies blanked, and each script body with its offset.

    Read in document order, as a browser does: a comment hides what it holds (a commented-out
    script too), but inside a script ``<!--`` is script text. Old pages hide their scripts from
    script-less browsers that way (``<script><!-- … // --></script>``); the script still runs."""
    if "<!--" not in text and "<script" not in text.lower():
        return text, []
    parts: list[str] = []
    scripts: list[tuple[int, str]] = []
    position = 0
    while (found := _COMMENT_OR_SCRIPT.search(text, position)) is not None:
        parts.append(text[position : found.start()])
        if found.group(0) == "<!--":
            end = text.find("-->", found.end())
            end = len(text) if end < 0 else end + 3
            parts.append(blank_text(text[found.start() : end]))
        else:
            closing = _SCRIPT_END.search(text, found.end())
            body_end = closing.start() if closing else len(text)
            end = closing.end() if closing else len(text)
            body = text[found.end() : body_end]
            if body.strip():
                scripts.append((found.end(), body))
            parts.append(found.group(0) + blank_text(body) + text[body_end:end])
        position = end
    parts.append(text[position:])
    return "".join(parts), scripts


def blank_text(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


def blank_match(match: re.Match[str]) -> str:
    return blank_text(match.group(0))
