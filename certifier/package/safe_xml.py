"""Parsing XML from a package without ever resolving anything.

Entity declarations, DTDs and external references are refused before they can expand or fetch
(defusedxml); each element carries ``sourceline`` so rules can cite file:line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import DefusedXMLParser

UTF8_BOM = b"\xef\xbb\xbf"
_DECLARED_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_BARE_AMPERSAND = re.compile(rb"&(?!(?:[A-Za-z_][\w.-]*|#\d+|#x[0-9A-Fa-f]+);)")


@dataclass(frozen=True)
class XmlProblem:
    kind: str  # entities, dtd, external-reference, malformed, unescaped-ampersand, encoding, bom
    message: str
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "line": self.line}


class _LineNumberingParser(DefusedXMLParser):
    def __init__(self) -> None:
        # Entities and external references raise as they are declared; a DOCTYPE is only
        # recorded here, so a manifest with entities is reported as such rather than as a DTD.
        super().__init__(forbid_dtd=False, forbid_entities=True, forbid_external=True)
        self.external_doctype: tuple[str, int] | None = None
        self.parser.StartDoctypeDeclHandler = self._record_doctype

    def _record_doctype(self, name: str, sysid: str | None, pubid: str | None, has_internal_subset: bool) -> None:
        declared = sysid or pubid
        if declared:
            self.external_doctype = (declared, self.parser.CurrentLineNumber)

    def _start(self, *args: Any, **kwargs: Any) -> Any:
        element = super()._start(*args, **kwargs)  # type: ignore[misc]  # XMLParser's own handler, untyped
        element.sourceline = self.parser.CurrentLineNumber
        return element


def line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def parse_xml(data: bytes) -> tuple[Element | None, list[XmlProblem]]:
    """The root element (or None when unsafe or malformed) and every problem noticed."""
    problems: list[XmlProblem] = []
    if data.startswith(UTF8_BOM):
        problems.append(XmlProblem("bom", "The file starts with a UTF-8 byte-order mark (BOM).", 1))
    declared = _DECLARED_ENCODING.match(data)
    if declared:
        encoding = declared.group(1).decode().lower()
        if encoding not in ("utf-8", "utf8"):
            try:
                data.decode("ascii")
            except UnicodeDecodeError:
                try:
                    data.decode("utf-8")
                    problems.append(
                        XmlProblem(
                            "encoding",
                            f'The declaration says encoding="{encoding}" but the bytes are UTF-8: '
                            "non-ASCII text will be garbled on import.",
                            1,
                        )
                    )
                except UnicodeDecodeError:
                    pass
    parser = _LineNumberingParser()
    try:
        parser.feed(data)
        root = parser.close()
    except EntitiesForbidden as exc:
        problems.append(
            XmlProblem(
                "entities",
                f"Declares an XML entity ({exc.name}): entity expansion "
                "can exhaust the memory of the LMS that parses it.",
                parser.parser.CurrentLineNumber,
            )
        )
        return None, problems
    except ExternalReferenceForbidden as exc:
        problems.append(
            XmlProblem(
                "external-reference", f"Refers to an external resource ({exc.sysid}).", parser.parser.CurrentLineNumber
            )
        )
        return None, problems
    except (ParseError, LookupError, ValueError) as exc:
        line = getattr(exc, "position", (None,))[0]
        bare = _BARE_AMPERSAND.search(data)
        if bare and (line is None or line_of(data, bare.start()) == line):
            problems.append(
                XmlProblem(
                    "unescaped-ampersand",
                    "An '&' is not escaped as '&amp;', so the file is not well-formed XML.",
                    line_of(data, bare.start()),
                )
            )
        else:
            problems.append(XmlProblem("malformed", f"Not well-formed XML: {exc}.", line))
        return None, problems
    if parser.external_doctype:
        where, line = parser.external_doctype
        problems.append(
            XmlProblem(
                "dtd",
                f"The DOCTYPE names an external DTD ({where}), which LMS parsers "
                "may fetch from the network or a local file.",
                line,
            )
        )
        return None, problems
    return root, problems


def local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace"
XML_BASE = f"{{{XML_NAMESPACE}}}base"


def children(element: Element, name: str, ns: str | None = None) -> list[Element]:
    """Child elements by local name; with ``ns``, only those in that namespace ("" for none)."""
    return [c for c in element if local_name(c.tag) == name and (ns is None or namespace(c.tag) == ns)]


def attr_in(element: Element, name: str, namespaces: tuple[str, ...] = ("",)) -> str | None:
    """An attribute by local name (any case) read only in the given namespaces ("" for unqualified):
    a look-alike in a foreign namespace is not the attribute the standard defines."""
    if "" in namespaces and name in element.attrib:
        return element.attrib[name]
    wanted = name.lower()
    for key, value in element.attrib.items():
        if local_name(key).lower() == wanted and namespace(key) in namespaces:
            return value
    return None


def walk(element: Element) -> Iterator[Element]:
    """The element and everything inside it, in document order, without recursion: a legal manifest may
    nest items a thousand deep, past Python's recursion limit (ElementTree's own ``iter`` recurses)."""
    stack = [element]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(current)))


def descendants(element: Element, name: str, ns: str | None = None) -> list[Element]:
    return [e for e in walk(element) if local_name(e.tag) == name and (ns is None or namespace(e.tag) == ns)]


def text_of(element: Element | None) -> str:
    """The element's text and its descendants' (``itertext`` without recursion)."""
    if element is None:
        return ""
    parts: list[str] = []
    stack: list[Element | str] = [element]
    while stack:
        current = stack.pop()
        if isinstance(current, str):
            parts.append(current)
            continue
        if current.text:
            parts.append(current.text)
        for child in reversed(list(current)):
            if child.tail:
                stack.append(child.tail)
            stack.append(child)
    return "".join(parts).strip()
