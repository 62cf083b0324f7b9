"""Notice bodies: the one sanitiser for rich text and the plain-text formatter for system notices. No ORM."""

import html
import re

import nh3
from django.utils.html import escape

ALLOWED_TAGS = frozenset({"h2", "h3", "h4", "p", "br", "ul", "ol", "li", "a", "strong", "b", "em", "i", "blockquote"})
ALLOWED_ATTRIBUTES = {"a": {"href"}}
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
_ABSOLUTE_URL = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)


def _keep_absolute_links(tag: str, attribute: str, value: str) -> str | None:
    # nh3 already drops javascript: and friends; this also drops relative and protocol-relative URLs.
    if tag == "a" and attribute == "href":
        return value if _ABSOLUTE_URL.match(value.strip()) else None
    return value


def sanitize_body(value: str) -> str:
    """The safe subset of HTML a notice body may contain (headings, paragraphs, lists, links, emphasis)."""
    return nh3.clean(
        value or "",
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_keep_absolute_links,
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


def plain_text(value: str) -> str:
    """The text of an HTML body, for keyword search (tags dropped, entities decoded, whitespace collapsed)."""
    text = nh3.clean(re.sub(r"<(br|/p|/li|/h[2-4]|/blockquote)\b[^>]*>", " ", value or ""), tags=set())
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def format_plain_text(value: str) -> str:
    """Plain text (e.g. a review result) as safe HTML: escaped, blank lines → paragraphs, newlines → <br>."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        return ""
    paragraphs = [p.strip("\n") for p in re.split(r"\n{2,}", text)]
    return "\n".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs if p.strip())
