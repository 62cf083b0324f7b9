"""Django's session middleware with its database store reading the session row by a statement written once (issue
16: the signed-in pages' floor).

Sessions stay what ``SESSION_ENGINE`` says — rows of ``django_session``, signed and expiring as before, written by
Django's own code; only the read of a request's session changes: ``Session.objects.get(session_key=…,
expire_date__gt=now)`` compiled the same short statement on every signed-in request (~0.14 ms CPU of ~0.23). The
statement here is that query's, from the model's ``_meta``, built once per database connection; the row not found
(unknown or expired key) ends as Django's does: no session, the key forgotten. Nothing is cached between requests
(a cache of sessions was tried and taken out: docs/deploy.md).
"""

from __future__ import annotations

import weakref

from django.contrib.sessions.backends import db
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.utils import timezone

_statements: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # connection → SQL


def _statement(connection, model) -> str:
    sql = _statements.get(connection)
    if sql is None:
        qn, meta = connection.ops.quote_name, model._meta
        names = ("session_key", "session_data", "expire_date")
        key, data, expires = (qn(meta.get_field(name).column) for name in names)
        sql = _statements[connection] = (
            f"SELECT {key}, {data} FROM {qn(meta.db_table)} WHERE {key} = %s AND {expires} > %s LIMIT 21"
        )
    return sql


class SessionStore(db.SessionStore):
    """The database session store; its row read as ``_get_session_from_db`` reads it, by a statement built once."""

    def _get_session_from_db(self):
        alias = router.db_for_read(self.model) or DEFAULT_DB_ALIAS
        connection = connections[alias]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(_statement(connection, self.model), [self.session_key, now])
            row = cursor.fetchone()  # at most one: the key is the primary key
        if row is None:
            self._session_key = None
            return None
        return self.model.from_db(alias, ["session_key", "session_data"], row)


class SessionMiddleware(DjangoSessionMiddleware):
    """``django.contrib.sessions.middleware.SessionMiddleware`` with :class:`SessionStore` when ``SESSION_ENGINE`` is
    the database backend."""

    def __init__(self, get_response):
        super().__init__(get_response)
        if self.SessionStore is db.SessionStore:  # another engine (a test's settings) is left as it is
            self.SessionStore = SessionStore
