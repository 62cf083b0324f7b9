"""The two parts of bench/load.py's round that are not a clerk's GET: a reviewer's review queue in the admin (a
password and a TOTP second factor) and a clerk's evidence upload (a multipart POST with a small PNG).

The reviewer signs in once per run (django-otp refuses a code used twice, so every clerk thread shares the one
verified session, each on its own connection). On the first sign-in the admin asks to bind an authenticator and
shows the secret as text: it is read from the page, kept in ``<cluster dir>/reviewer.totp`` for later runs, and the
codes are computed here (RFC 6238: HMAC-SHA1, 30 s, 6 digits — django-otp's TOTP defaults). A reviewer bound outside
bench/load.py has a secret this script cannot know: the review queue is then left out and the run says so.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import re
import struct
import time
import uuid
from pathlib import Path

REVIEW_QUEUE = "/admin/placements/placement/"
SECRET_TEXT = re.compile(r"\b((?:[A-Z2-7]{4} ){3,}[A-Z2-7]{1,4})\b")
HIDDEN = re.compile(r'<input type="hidden" name="(version|token)" value="([^"]*)"')
KIND_OPTION = re.compile(r'<select name="kind"[^>]*>.*?<option value="([a-z_]+)"', re.S)
MONTH_BOX = re.compile(r'name="months" value="(\d+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def totp(secret: str, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """The code an authenticator app shows for the base32 ``secret`` at ``at`` (RFC 6238)."""
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    counter = int((time.time() if at is None else at) // step)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**digits
    return f"{code:0{digits}d}"


def reviewer_cookies(client, user: str, password: str, secret_file: Path | None) -> tuple[dict[str, str], str]:
    """Sign ``client`` (a bench/load.py Client) in to the admin with the second factor: (its cookies, "") or
    ({}, why not)."""
    page = client.request("admin login page", "GET", "/admin/login/?next=/admin/")
    match = CSRF.search(page or "")
    if not match:
        return {}, "the admin login page did not load"
    form = {"csrfmiddlewaretoken": match.group(1), "username": user, "password": password, "next": "/admin/"}
    if client.request("admin login (POST)", "POST", "/admin/login/", form, expect=(302,)) is None:
        return {}, f"the reviewer {user!r} could not sign in (make cluster-seed)"
    for attempt in range(2):
        setup = client.request("admin second factor", "GET", "/admin/otp/setup/", expect=(200, 302)) or ""
        found = SECRET_TEXT.search(setup)
        path = "/admin/otp/setup/" if found else "/admin/otp/verify/"
        if found:
            secret = found.group(1)
            if secret_file is not None:
                secret_file.write_text(secret + "\n", encoding="utf-8")
        elif secret_file is not None and secret_file.exists():
            secret = secret_file.read_text(encoding="utf-8").strip()
        else:
            return {}, "the reviewer's authenticator was bound outside bench/load.py (its secret is unknown)"
        page = client.request("admin second factor", "GET", path, expect=(200, 302)) or ""
        match = CSRF.search(page)
        if not match:
            return {}, "the second-factor page did not load"
        form = {"csrfmiddlewaretoken": match.group(1), "otp_token": totp(secret), "next": "/admin/"}
        if client.request("admin second factor (POST)", "POST", path, form, expect=(302,)) is not None:
            return dict(client.cookies), ""
        if attempt == 0:  # a code already used in this 30 s step (an earlier run): wait for the next one
            time.sleep(30 - time.time() % 30 + 1)
    return {}, "the second factor was refused"


def _png() -> bytes:
    from PIL import Image  # the project's own dependency (bench/ runs in its venv)

    out = io.BytesIO()
    Image.new("RGB", (16, 16), (200, 220, 240)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()


def upload_form(step3_html: str) -> dict | None:
    """The fields of step 3's evidence upload form (the first kind offered, the months it offers), or None when the
    page offers no upload (no ✗ month waiting for evidence)."""
    if 'name="file"' not in step3_html:
        return None
    start = step3_html.rfind("<form", 0, step3_html.index('name="file"'))
    form = step3_html[start : step3_html.index("</form>", start)]
    hidden = dict(HIDDEN.findall(form))
    kind, csrf = KIND_OPTION.search(form), CSRF.search(form)
    months = MONTH_BOX.findall(form)
    if not (kind and csrf and months and "version" in hidden):
        return None
    return {"csrfmiddlewaretoken": csrf.group(1), "kind": kind.group(1), "months": months[:1], **hidden}


def multipart(fields: dict, file_field: str, filename: str, content: bytes, mime: str) -> tuple[bytes, str]:
    """A multipart/form-data body (list values repeated) and its Content-Type."""
    boundary = f"bench-load-{uuid.uuid4().hex}"
    parts = []
    for name, value in fields.items():
        for item in value if isinstance(value, list) else [value]:
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{item}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
        f"Content-Type: {mime}\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
