"""The Content-Security-Policy header (ADR 0020) as the server sends it; tests/e2e/test_csp.py checks that the
browser reports no violation on the real pages."""

import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from core import uploads
from tests.factories import files

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Served as HTML to browsers: everything but the WeasyPrint sources (templates/pdf, the manual's PDF master).
PDF_ONLY = {TEMPLATES / "manual" / "manual.html"}


def _directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in header.split(";"))}


def test_an_html_page_gets_the_strict_policy(client):
    policy = _directives(client.get("/accounts/login/"))
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"][0] == "'self'" and not any("unsafe" in v for v in policy["script-src"])
    assert not any("unsafe" in v for v in policy["style-src"])  # <style> elements need the nonce
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"]


def test_the_nonce_of_an_inline_style_is_the_one_in_the_header(employer_client):
    detail = employer_client.get("/manual/")
    assert detail.status_code == 200
    nonces = re.findall(r'<style nonce="([^"]+)"', detail.content.decode())
    assert nonces, "the manual page has an inline <style> with a nonce"
    assert f"'nonce-{nonces[0]}'" in _directives(detail)["style-src"]
    assert nonces[0] not in employer_client.get("/manual/")["Content-Security-Policy"]  # a new one per response


@pytest.mark.urls("tests.core.urls_failing")
def test_the_500_page_gets_the_nonce_without_a_request_context():
    response = Client(raise_request_exception=False).get("/_test/bug/")
    assert response.status_code == 500
    nonce = re.search(r'<style nonce="([^"]+)"', response.content.decode())[1]
    assert f"'nonce-{nonce}'" in _directives(response)["style-src"]


def test_the_file_view_keeps_its_own_policy(employer_client, employer, employer_user):
    upload = SimpleUploadedFile("证明.pdf", files.pdf_bytes(), content_type="application/pdf")
    stored = uploads.store_upload(uploaded_file=upload, kind="test", employer=employer, by=employer_user)
    response = employer_client.get(f"/files/{stored.token}/?inline=1")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def test_no_template_served_as_html_has_an_event_handler_or_an_inline_script():
    handler = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
    inline_script = re.compile(r"<script(?![^>]*\ssrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
    style_without_nonce = re.compile(r"<style(?![^>]*nonce=)[^>]*>", re.IGNORECASE)
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.is_relative_to(TEMPLATES / "pdf") or path in PDF_ONLY:
            continue
        text = path.read_text()
        for name, pattern in (("handler", handler), ("script", inline_script), ("style", style_without_nonce)):
            found += [f"{path.relative_to(TEMPLATES)}: {name} {m[0]}" for m in pattern.finditer(text)]
        found += [f"{path.relative_to(TEMPLATES)}: javascript: URL" for _ in re.finditer(r"javascript:", text, re.I)]
    assert found == []
