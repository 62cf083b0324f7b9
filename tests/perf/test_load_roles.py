"""bench/load_roles.py, the parts of bench/load.py's round beyond a clerk's GET: the reviewer's sign-in with the
second factor (against the running site: the setup page's secret read, the code computed as an authenticator app
would, the review queue then served), and the evidence upload's form and multipart body as Django reads them."""

import importlib.util
import io
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory
from django_otp.oath import TOTP

BENCH = Path(settings.BASE_DIR, "bench")


def _module(name: str):
    """A bench/ script as the module ``bench_<name>`` (registered: its dataclasses look their module up)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(BENCH))  # the scripts import each other by name
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BENCH))
    return module


roles = _module("load_roles")


def test_the_codes_are_django_otps():
    key = bytes(range(20))
    secret = "".join(__import__("base64").b32encode(key).decode().rstrip("="))
    spaced = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    for at in (59, 1_111_111_109, time.time()):
        expected = TOTP(key, step=30, t0=0, digits=6)
        expected.time = at
        assert roles.totp(spaced, at) == f"{expected.token():06d}"


@pytest.mark.django_db(transaction=True)
def test_the_reviewer_signs_in_with_the_second_factor_and_sees_the_queue(live_server, tmp_path):
    from tests.factories.placement_review import reviewer

    load = _module("load")
    user = reviewer("110000", username="load-reviewer")
    client = load.Client(live_server.url, load.Stats(), user.username, "review-pass-2026", 30)
    secret_file = tmp_path / "reviewer.totp"
    cookies, why_not = roles.reviewer_cookies(client, user.username, "review-pass-2026", secret_file)
    assert why_not == "" and "sessionid" in cookies
    assert len(secret_file.read_text().split()) >= 8  # the secret as the setup page shows it, in groups of four
    queue = load.Client(live_server.url, load.Stats(), user.username, "", 30)
    queue.cookies = dict(cookies)
    page = queue.request("review queue (admin)", "GET", roles.REVIEW_QUEUE)
    assert page is not None and "安置" in page


STEP3_FORM = """<form method="post" enctype="multipart/form-data" novalidate>
<input type="hidden" name="csrfmiddlewaretoken" value="tok123"><input type="hidden" name="version" value="5"
 id="id_version"><input type="hidden" name="token" value="abc" id="id_token">
<select name="kind" class="select form-select" required id="id_kind">
  <option value="">请选择</option>
  <option value="wage" selected>工资证明</option>
</select>
<input type="checkbox" class="form-check-input"  name="months" value="202511"  id="id_months_0">
<input type="checkbox" class="form-check-input"  name="months" value="202512"  id="id_months_1">
<input type="file" name="file" required id="id_file"></form>"""


def test_the_upload_form_is_read_and_posted_as_django_reads_it():
    form = roles.upload_form("<html>" + STEP3_FORM + "</html>")
    assert form == {
        "csrfmiddlewaretoken": "tok123",
        "kind": "wage",
        "months": ["202511"],
        "version": "5",
        "token": "abc",
    }
    assert roles.upload_form("<form><p>没有需要上传的材料</p></form>") is None
    body, content_type = roles.multipart(form, "file", "证明.png", roles.PNG, "image/png")
    request = RequestFactory().post("/", data=body, content_type=content_type)
    data, files = MultiPartParser(request.META, io.BytesIO(body), request.upload_handlers, "utf-8").parse()
    assert data.getlist("months") == ["202511"] and data["kind"] == "wage" and data["version"] == "5"
    upload = files["file"]
    assert upload.name == "证明.png" and upload.content_type == "image/png" and upload.read() == roles.PNG
    assert roles.PNG.startswith(b"\x89PNG\r\n\x1a\n")
