"""core.warmup: a new gunicorn worker imports the views and compiles the templates before its first request."""

import importlib.util
import logging

from django.conf import settings
from django.template import engines
from django.urls import get_resolver

from core.warmup import warm


def _cached_names() -> set[str]:
    loader = engines["django"].engine.template_loaders[0]  # the cached loader (DEBUG or not)
    return {key.split("-", 1)[0] for key in loader.get_template_cache}


def test_warm_compiles_every_template_and_imports_the_urlconf():
    engines["django"].engine.template_loaders[0].reset()
    compiled = warm()
    names = _cached_names()
    assert compiled >= 250  # the project's templates and the admin's
    assert {"base.html", "registration/login.html", "placements/step1.html", "admin/change_list.html"} <= names
    assert get_resolver()._populated


def test_the_gunicorn_hook_warms_and_says_so(caplog):
    spec = importlib.util.spec_from_file_location("gunicorn_conf", settings.BASE_DIR / "config" / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)

    class Worker:
        log = logging.getLogger("gunicorn.error.test")

    with caplog.at_level(logging.INFO, logger="gunicorn.error.test"):
        conf.post_worker_init(Worker())
    assert any("warm-up:" in r.getMessage() and "templates" in r.getMessage() for r in caplog.records)
