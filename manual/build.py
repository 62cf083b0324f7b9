"""Build the 系统操作手册 (HTML and PDF) and keep the PDF for as long as its sources do not change.

The PDF takes seconds to lay out, so it is rendered once per deploy: the bytes are stored under
``MANUAL_CACHE_DIR`` (default ``var/cache/manual/``) in a file named after a fingerprint of everything that goes
into them — the manual and PDF templates, the facts of ``manual.content`` (navigation labels, field labels, limits),
the rendering code and the WeasyPrint version. A changed screen label gives a new fingerprint, hence a new PDF; every
later download reads the file. ``manage.py build_manual`` renders it ahead of the first visitor.
"""

import hashlib
import importlib.metadata
import json
import logging
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from core.pdf import html_to_pdf
from manual.content import manual_context
from manual.outline import TocEntry, extract_outline

logger = logging.getLogger(__name__)

PDF_FILENAME = "按比例就业网报系统操作手册.pdf"
PDF_FALLBACK_FILENAME = "manual.pdf"
_SOURCE_GLOBS = ("templates/manual/**/*", "templates/pdf/*")  # not templates/pdf/<app>/: other documents
_SOURCE_FILES = ("core/pdf.py", "manual/content.py", "manual/build.py", "manual/outline.py", "pyproject.toml")
_render_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class ManualPdf:
    content: bytes
    fingerprint: str
    path: Path
    rendered: bool  # False when it came from the cache


def cache_dir() -> Path:
    return Path(getattr(settings, "MANUAL_CACHE_DIR", Path(settings.BASE_DIR) / "var" / "cache" / "manual"))


def _json_default(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {name: getattr(value, name) for name in value.__dataclass_fields__}
    return str(value)


def fingerprint(context: dict[str, Any] | None = None) -> str:
    """SHA-256 (first 16 hex digits) of the manual's sources and facts. Content, not mtimes: every node agrees."""
    base = Path(settings.BASE_DIR)
    digest = hashlib.sha256()
    digest.update(f"weasyprint {_weasyprint_version()}\n".encode())
    paths = [path for pattern in _SOURCE_GLOBS for path in sorted(base.glob(pattern)) if path.is_file()]
    paths += [base / name for name in _SOURCE_FILES if (base / name).is_file()]
    for path in paths:
        digest.update(str(path.relative_to(base)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    facts = context if context is not None else manual_context()
    digest.update(json.dumps(facts, sort_keys=True, ensure_ascii=False, default=_json_default).encode())
    return digest.hexdigest()[:16]


def _weasyprint_version() -> str:
    try:
        return importlib.metadata.version("weasyprint")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def render_body(context: dict[str, Any]) -> tuple[str, list[TocEntry]]:
    body = render_to_string("manual/body.html", context)
    return body, extract_outline(body)


def render_manual_html(context: dict[str, Any] | None = None) -> str:
    """The HTML the PDF is laid out from (two passes: chapters first, then the document with their outline)."""
    context = dict(context or manual_context())
    body, toc = render_body(context)
    context.update(body=mark_safe(body), toc=toc, built_on=timezone.localdate())
    return render_to_string("manual/manual.html", context)


def render_manual_pdf(context: dict[str, Any] | None = None) -> bytes:
    return html_to_pdf(render_manual_html(context))


def get_manual_pdf() -> ManualPdf:
    """The manual PDF for the current sources: from the cache file, else rendered now and stored atomically."""
    context = manual_context()
    key = fingerprint(context)
    path = cache_dir() / f"manual-{key}.pdf"
    try:
        return ManualPdf(path.read_bytes(), key, path, rendered=False)
    except FileNotFoundError:
        pass
    with _render_lock:  # one render per process; another process may race us harmlessly (atomic replace)
        if path.exists():
            return ManualPdf(path.read_bytes(), key, path, rendered=False)
        content = render_manual_pdf(context)
        _store(path, content)
        _prune(path)
        logger.info("manual PDF rendered: %s (%d bytes)", path.name, len(content))
        return ManualPdf(content, key, path, rendered=True)


def _store(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".manual-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _prune(keep: Path) -> None:
    """Drop PDFs of earlier versions so the cache directory does not grow with every deploy."""
    for old in keep.parent.glob("manual-*.pdf"):
        if old != keep:
            old.unlink(missing_ok=True)
