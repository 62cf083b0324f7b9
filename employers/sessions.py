"""Sessions end after ``SESSION_COOKIE_AGE`` (30 minutes) without a request (issue 14).

Django's ``SESSION_SAVE_EVERY_REQUEST`` would write the session row on every request (one UPDATE per page, which
every page's query budget would carry). Instead a logged-in session is renewed — saved, so its expiry and cookie
start again — once at least ``SESSION_RENEW_SECONDS`` passed since the last renewal (or the login): an idle session
ends between ``SESSION_COOKIE_AGE - SESSION_RENEW_SECONDS`` and ``SESSION_COOKIE_AGE`` after the last request.
Inside ``SessionMiddleware`` (listed after it), so the save happens in that middleware's response phase.

Also the session engine of production (:class:`SessionStore`, ``SESSION_ENGINE = "employers.sessions"`` when Redis
is configured): sessions read from the shared cache, kept in the database.
"""

import logging
import time

from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DBStore

KEY = "_renewed_at"
log = logging.getLogger(__name__)


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


class SessionStore(cached_db.SessionStore):
    """``SESSION_ENGINE = "employers.sessions"`` (with Redis): Django's cached_db sessions — read from the shared
    cache, written through to the database — so a signed-in page costs no session query (bench/page_cpu.py: ~0.3 ms
    of CPU and a round trip to PostgreSQL on every request); a renewal or a login still writes the row.

    Two changes to Django's: a cache that fails while a session is read or saved leaves the database's copy in charge
    (logged; the page is served from the row), and ending a session deletes the cached copy first — if that fails,
    the error propagates and the row is kept, so a session is never left alive in the cache once its row is gone
    (Django's order, row then cache, would let a logout during a Redis outage come back to life with Redis).
    """

    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # an unreachable cache: read the row
            log.warning("session cache unavailable on read; reading the database", exc_info=True)
            data = None
        if data is not None:
            return data
        row = self._get_session_from_db()
        if not row:
            return {}
        data = self.decode(row.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=row.expire_date))
        except Exception:  # the row stays authoritative; the next request reads it again
            log.warning("session cache unavailable on write; the session is read from the database", exc_info=True)
        return data

    def exists(self, session_key):
        try:
            return super().exists(session_key)
        except Exception:  # an unreachable cache: the rows alone say which keys are taken
            log.warning("session cache unavailable; checking the key in the database", exc_info=True)
            return DBStore.exists(self, session_key)

    def delete(self, session_key=None):
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        self._cache.delete(self.cache_key_prefix + session_key)  # first: a failure keeps the row (see above)
        DBStore.delete(self, session_key)
