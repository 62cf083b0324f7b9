"""The manual's table of contents, read from its rendered chapters (pure: no Django, no database).

Headings are written once, in the chapter templates; the contents list is whatever ``<h2 id>`` / ``<h3 id>`` the
rendered HTML holds, so it can never disagree with the text. The PDF turns each entry into a page number with
WeasyPrint's ``target-counter``; the HTML page turns it into links.
"""

from dataclasses import dataclass
from html.parser import HTMLParser


@dataclass(frozen=True, slots=True)
class TocEntry:
    level: int  # 2 = chapter, 3 = section
    id: str
    text: str


class _HeadingParser(HTMLParser):
    def __init__(self, levels: frozenset[int]) -> None:
        super().__init__(convert_charrefs=True)
        self.levels = levels
        self.entries: list[TocEntry] = []
        self._open: tuple[int, str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        level = _heading_level(tag)
        if level in self.levels:
            heading_id = dict(attrs).get("id")
            if heading_id:
                self._open = (level, heading_id)
                self._text = []

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None and _heading_level(tag) == self._open[0]:
            level, heading_id = self._open
            self.entries.append(TocEntry(level, heading_id, " ".join("".join(self._text).split())))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)


def _heading_level(tag: str) -> int | None:
    if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
        return int(tag[1])
    return None


def extract_outline(html: str, levels: tuple[int, ...] = (2, 3)) -> list[TocEntry]:
    """Headings with an ``id`` at the given levels, in document order. Headings without an id are not listed."""
    parser = _HeadingParser(frozenset(levels))
    parser.feed(html)
    parser.close()
    return parser.entries


@dataclass(frozen=True, slots=True)
class TocNode:
    entry: TocEntry
    children: tuple[TocEntry, ...]


def nest_outline(entries: list[TocEntry]) -> list[TocNode]:
    """Chapters (the shallowest level) with their sections; sections before any chapter become top-level nodes."""
    if not entries:
        return []
    top = min(entry.level for entry in entries)
    nodes: list[tuple[TocEntry, list[TocEntry]]] = []
    for entry in entries:
        if entry.level == top or not nodes:
            nodes.append((entry, []))
        else:
            nodes[-1][1].append(entry)
    return [TocNode(entry, tuple(children)) for entry, children in nodes]
