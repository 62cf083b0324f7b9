"""Sessions end after ``SESSION_COOKIE_AGE`` (30 minutes) without a request (issue 14).

Django's ``SESSION_SAVE_EVERY_REQUEST`` would write the session row on every request (one UPDATE per page, which
every page's query budget would carry). Instead a logged-in session is renewed — saved, so its expiry and cookie
start again — once at least ``SESSION_RENEW_SECONDS`` passed since the last renewal (or the login): an idle session
ends between ``SESSION_COOKIE_AGE - SESSION_RENEW_SECONDS`` and ``SESSION_COOKIE_AGE`` after the last request.
Inside ``SessionMiddleware`` (listed after it), so the save happens in that middleware's response phase.
"""

import time

from django.conf import settings

KEY = "_renewed_at"


class IdleSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if session is None or user is None or not user.is_authenticated:
            return response
        now = time.time()
        last = session.get(KEY) or (user.last_login.timestamp() if user.last_login else 0)
        if now - last >= settings.SESSION_RENEW_SECONDS:
            session[KEY] = int(now)  # modified: SessionMiddleware saves it with a fresh expiry and cookie
        return response
