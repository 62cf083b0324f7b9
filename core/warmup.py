"""A new application process made ready before its first request (gunicorn's ``post_worker_init``).

Django imports the URLconf — and with it every view module — and compiles each template on first use. A gunicorn
worker recycled after ``max_requests`` paid that on its first request: ~0.3 s alone, ~1 s on a busy node, one
request in a thousand answered ~100 times slower than the rest (bench/load.py's p99 and its logout row in session
13). :func:`warm` does it before the worker accepts a connection. No database, cache or storage is touched: a
worker starts whatever is down.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.template import TemplateSyntaxError, engines
from django.urls import get_resolver

log = logging.getLogger(__name__)

SUFFIXES = (".html", ".txt", ".xml")


def warm() -> int:
    """Import every URLconf and view, compile every template of the Django engines' folders; the templates
    compiled. A template that does not compile is logged and skipped (its page reports it as before)."""
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 (importing every URLconf and view module is the point)
    resolver.reverse_dict  # noqa: B018 (and the table every {% url %} looks names up in)
    compiled = 0
    for engine in engines.all():
        dirs = getattr(engine, "template_dirs", ())
        for folder in map(Path, dirs):
            for path in sorted(folder.rglob("*")):
                if path.suffix not in SUFFIXES or not path.is_file():
                    continue
                try:  # a name shadowed by a folder earlier in the search path warms that one (a cache hit here)
                    engine.get_template(path.relative_to(folder).as_posix())
                except (TemplateSyntaxError, UnicodeDecodeError) as error:
                    log.warning("warm-up: template %s not compiled: %s", path, error)
                    continue
                compiled += 1
    return compiled
