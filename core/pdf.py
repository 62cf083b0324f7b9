"""PDF documents: WeasyPrint with embedded, subset CJK fonts (ADR 0005).

Every document the system issues goes through ``render_pdf``: the 系统操作手册 (``manual/``), the 审核认定书 and the
申报资料真实性承诺书 (``declarations/``). A document template extends ``pdf/base.html`` (A4, margins, running header,
page numbers, the font stacks of ``pdf/base.css``) and fills ``{% block content %}``.

- Fonts come from fontconfig by family name ("Noto Sans CJK SC" / "Noto Serif CJK SC", Debian's ``fonts-noto-cjk``);
  WeasyPrint embeds only the glyphs used (subset with ``libharfbuzz-subset0``: ~0.3 s a page instead of ~6 s with the
  fontTools fallback). ``check_fonts()`` says whether they are installed; a system check warns when they are not.
- Resources are fetched only from ``data:`` URLs and from files under ``templates/`` and ``static/``: a unit name
  typed by a clerk can never make the renderer read a server file or call out to the network.
- ``qr_svg`` draws a QR code as inline SVG (vector, sharp when printed); ``pdf_response`` answers a download with an
  RFC 5987/6266 ``Content-Disposition`` so Chinese file names survive every browser.
"""

import logging
import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import segno
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

logger = logging.getLogger(__name__)

CJK_SANS = "Noto Sans CJK SC"
CJK_SERIF = "Noto Serif CJK SC"
REQUIRED_FONT_FAMILIES = (CJK_SANS, CJK_SERIF)
FONT_PACKAGES = "fonts-noto-cjk libharfbuzz-subset0"


# --------------------------------------------------------------------------------------------------------------------
# Fonts


@dataclass(frozen=True, slots=True)
class FontCheck:
    """Whether one font family the PDFs ask for is installed, and where (or why not)."""

    family: str
    present: bool
    detail: str


@cache
def check_fonts(families: tuple[str, ...] = REQUIRED_FONT_FAMILIES) -> tuple[FontCheck, ...]:
    """Ask fontconfig (the font source WeasyPrint itself uses) for each family; cached per process.

    ``fc-list`` comes with Debian's ``fontconfig``, which Pango (hence WeasyPrint) depends on.
    """
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        reason = "找不到 fc-list（fontconfig 未安装），无法确认字体"
        return tuple(FontCheck(family, False, reason) for family in families)
    results = []
    for family in families:
        try:
            completed = subprocess.run(
                [fc_list, f":family={family}", "file"], capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.SubprocessError) as exc:
            results.append(FontCheck(family, False, f"fc-list 执行失败：{exc}"))
            continue
        files = sorted({line.split(":", 1)[0].strip() for line in completed.stdout.splitlines() if line.strip()})
        if files:
            results.append(FontCheck(family, True, ", ".join(files)))
        else:
            results.append(FontCheck(family, False, "fontconfig 中没有该字体"))
    return tuple(results)


def cjk_fonts_available() -> bool:
    return all(check.present for check in check_fonts())


def fast_subsetting_available() -> bool:
    """True when WeasyPrint found libharfbuzz-subset (≥ 4.1); otherwise it subsets with fontTools, ~20× slower."""
    try:
        from weasyprint.text.ffi import harfbuzz, harfbuzz_subset
    except (ImportError, OSError):
        return False
    return bool(harfbuzz_subset) and bool(harfbuzz.hb_version_atleast(4, 1, 0))


# --------------------------------------------------------------------------------------------------------------------
# Rendering


def _allowed_roots() -> tuple[Path, ...]:
    base = Path(settings.BASE_DIR)
    roots = [base / "templates", base / "static"]
    for entry in getattr(settings, "STATICFILES_DIRS", []):
        directory = entry[1] if isinstance(entry, tuple) else entry  # ("prefix", path) or path
        roots.append(Path(directory))
    return tuple(root.resolve() for root in roots)


def _make_url_fetcher():
    from weasyprint import URLFetcher

    class LocalURLFetcher(URLFetcher):
        """Fetch ``data:`` URLs and project files only; anything else is refused (and the resource skipped)."""

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if parts.scheme == "file":
                path = Path(unquote(parts.path)).resolve()
                if any(path.is_relative_to(root) for root in _allowed_roots()):
                    return super().fetch(url, headers)
            raise ValueError(f"PDF 资源地址不被允许：{url[:200]}")

    return LocalURLFetcher(allowed_protocols=("data", "file"), timeout=5, ssl_context=_ssl_context())


@cache
def _ssl_context():
    """Shared, never used for a request (only data: and file: are allowed); saves ~50 ms of CA loading a render."""
    import ssl

    return ssl.create_default_context()


def render_html(template_name: str, context: dict[str, Any] | None = None, request: HttpRequest | None = None) -> str:
    """The HTML a PDF is made from (handy in tests and for an on-screen preview)."""
    return render_to_string(template_name, context or {}, request=request)


def html_to_pdf(html: str, *, base_url: str | None = None, **options: Any) -> bytes:
    """Lay out ready-made HTML as a PDF. ``options`` are WeasyPrint ``write_pdf`` options (e.g. ``pdf_variant``)."""
    from weasyprint import HTML

    if base_url is None:
        base_url = (Path(settings.BASE_DIR) / "templates").resolve().as_uri() + "/"
    if not cjk_fonts_available():
        logger.warning("PDF rendered without the CJK fonts (%s): Chinese text may show as empty boxes", FONT_PACKAGES)
    options.setdefault("pdf_tags", True)  # tagged PDF: reading order and structure for screen readers, ~free
    document = HTML(string=html, base_url=base_url, url_fetcher=_make_url_fetcher())
    return document.write_pdf(**options)


def render_pdf(
    template_name: str,
    context: dict[str, Any] | None = None,
    *,
    base_url: str | None = None,
    request: HttpRequest | None = None,
    **options: Any,
) -> bytes:
    """Render a Django template (one that extends ``pdf/base.html``) to PDF bytes.

    ``base_url`` resolves relative ``src``/``href`` (default: the ``templates/`` directory); only local project files
    and ``data:`` URLs are ever fetched. Extra keyword arguments go to WeasyPrint (``pdf_variant="pdf/a-3b"``,
    ``pdf_tags=True``, ``custom_metadata=True`` …).
    """
    return html_to_pdf(render_html(template_name, context, request), base_url=base_url, **options)


# --------------------------------------------------------------------------------------------------------------------
# QR codes


def qr_svg(data: str, *, size_mm: float = 30, label: str = "二维码", error: str = "m", border: int = 2) -> SafeString:
    """A QR code of ``data`` as inline SVG sized in millimetres, for ``{{ qr }}`` in a PDF (or HTML) template.

    The payload is drawn, never written into the markup, so the result is safe to insert unescaped.
    """
    code = segno.make(data, error=error, micro=False)
    svg = code.svg_inline(border=border, omitsize=True, dark="#000")
    size = f"{size_mm:g}mm"
    svg = svg.replace(
        "<svg ",
        f'<svg width="{size}" height="{size}" role="img" aria-label="{_attr(label)}" ',
        1,
    )
    return mark_safe(svg)


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")


# --------------------------------------------------------------------------------------------------------------------
# Downloads


def content_disposition(filename: str, *, fallback: str = "document.pdf", inline: bool = False) -> str:
    """``attachment; filename="fallback.pdf"; filename*=UTF-8''%E7%B3%BB…`` (RFC 6266 with RFC 5987 encoding).

    Old clients use the ASCII ``filename``; every current browser prefers ``filename*`` with the Chinese name.
    """
    disposition = "inline" if inline else "attachment"
    safe_fallback = "".join(ch for ch in fallback if 0x20 < ord(ch) < 0x7F and ch not in '"\\;')
    if not safe_fallback.split(".")[0]:  # nothing left but an extension
        safe_fallback = "document.pdf"
    if filename.isascii() and filename == safe_fallback:
        return f'{disposition}; filename="{safe_fallback}"'
    return f"{disposition}; filename=\"{safe_fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def pdf_response(
    pdf: bytes, filename: str, *, fallback: str = "document.pdf", inline: bool = False, private: bool = True
) -> HttpResponse:
    """An ``application/pdf`` response. Private by default: a unit's documents must never sit in a shared cache."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition(filename, fallback=fallback, inline=inline)
    response["Content-Length"] = str(len(pdf))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store" if private else "public, max-age=3600"
    return response
