"""The government-site footer (主办单位, ICP 备案号, 公网安备号, 网站标识码) on every page, from settings."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from core.context_processors import site_footer

pytestmark = pytest.mark.django_db

GOV = {
    "sponsor": "北京市残疾人联合会",
    "icp": "京ICP备05012345号-1",
    "psb": "京公网安备 11010502030405号",
    "site_id": "1100000088",
}


def test_context_processor_reads_the_settings(settings):
    settings.GOV_SITE = GOV
    footer = site_footer(RequestFactory().get("/"))["site_footer"]
    assert footer["sponsor"] == "北京市残疾人联合会" and footer["site_id"] == "1100000088"
    assert footer["psb_url"].endswith("code=11010502030405")


def test_every_page_shows_the_footer(settings, client, employer_client):
    settings.GOV_SITE = GOV
    pages = [
        (client, reverse("login")),
        (client, reverse("verify:form")),
        (employer_client, "/"),
        (employer_client, reverse("notices:index")),
    ]
    for who, url in pages:
        html = who.get(url).content.decode()
        for text in (
            "主办单位：北京市残疾人联合会",
            "京ICP备05012345号-1",
            "京公网安备 11010502030405号",
            "网站标识码：1100000088",
        ):
            assert text in html, (url, text)
        assert 'href="https://beian.miit.gov.cn/"' in html


def test_the_admin_shows_it_too(settings, client):
    settings.GOV_SITE = GOV
    html = client.get(reverse("admin:login")).content.decode()
    assert "主办单位：北京市残疾人联合会" in html and "网站标识码：1100000088" in html


def test_empty_items_are_left_out(settings, client):
    settings.GOV_SITE = {"sponsor": "中国残疾人联合会", "icp": "", "psb": "", "site_id": ""}
    html = client.get(reverse("login")).content.decode()
    assert "主办单位：中国残疾人联合会" in html
    assert "网站标识码" not in html and "beian" not in html
