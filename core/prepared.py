"""Querysets compiled once: the same SQL run again with new parameter values (issue 16, the signed-in pages' CPU).

In core so that every app may use it (ADR 0010's layers).

Building a queryset (``filter``, ``select_related``, ``annotate``) and compiling it to SQL costs the ORM 0.3–1.5 ms
of CPU a query on the unit's pages (bench/page_cpu.py), most of a page's own queries' cost; the row and the objects
are cheap. :class:`PreparedQuery` builds and compiles a queryset once per database connection and then runs that
statement with each call's values, turning the rows into objects through the ORM's own iterable, compiler and
converters — so the objects, their ``select_related`` objects and annotations are what the queryset itself gives
(tests/perf/test_prepared_queries.py compares them on realistic data).

``build(*args)`` must be a pure function of its arguments: every value that varies between requests (a unit, a
pk, a time) is an argument. At preparation ``build`` runs with two sets of example values that differ in every
argument; the statement must be the same text for both, and each parameter either the same constant in both or
one argument's value (as given or as the backend adapts a date or time). Otherwise — or for a call with an
argument of another type than the examples', e.g. None, whose SQL may differ (``IS NULL``) — the queryset is built
and run as usual, so a preparation that fails is slower, never wrong.
"""

from __future__ import annotations

import copy
import itertools
import re
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DatabaseError, connections
from django.db.models import QuerySet

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1  # a 32-bit integer column's range: larger values go through the ORM


class _CompiledQuery:
    """The prepared queryset's query, handing out the compiler with this call's parameters."""

    def __init__(self, query, compiler) -> None:
        self._query = query
        self._compiler = compiler

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        return self._compiler

    def __getattr__(self, name: str):
        return getattr(self._query, name)


class _Plan:
    def __init__(self, queryset: QuerySet, compiler, sql: str, slots: list[tuple[int | None, Any]]) -> None:
        self.queryset, self.compiler, self.sql, self.slots = queryset, compiler, sql, slots
        # The columns' converters depend on the compiled columns and the connection only: found once, not on every
        # run (Django asks each column's field and expression again per query: ~20 % of a prepared call's CPU).
        # Keyed by the columns asked for (the compiler's own select, the same objects on every run).
        found: dict[tuple[int, ...], dict] = {}
        get_converters = compiler.get_converters

        def converters(expressions):
            key = tuple(map(id, expressions))
            hit = found.get(key)
            if hit is None:
                hit = found[key] = get_converters(expressions)
            return hit

        compiler.get_converters = converters

    def run(self, args: Sequence) -> list:
        params = tuple(value if i is None else value(args[i]) for i, value in self.slots)
        return run(
            self.compiler.connection, self.sql, params, lambda text: _rows(self.queryset, self.compiler, text, params)
        )


def _rows(queryset: QuerySet, compiler, sql: str, params: tuple) -> list:
    """``list(queryset)`` with its compiler answering ``(sql, params)`` instead of compiling the query again."""
    compiler = copy.copy(compiler)
    compiler.as_sql = lambda *a, **k: (sql, params)
    clone = QuerySet.__new__(type(queryset))
    clone.__dict__ = {**queryset.__dict__, "_result_cache": None, "_query": None}
    clone._query = _CompiledQuery(queryset.query, compiler)
    return list(clone)


def server_list(queryset: QuerySet) -> list:
    """``list(queryset)`` with its statement prepared on the server (:func:`run`): for a query built anew on every
    request whose text nonetheless repeats (the review queue's first page), PostgreSQL's planning is saved, not
    Python's. Each distinct text takes one of the session's :data:`MAX_STATEMENTS`: keep it to a few texts."""
    if queryset._result_cache is not None or queryset._prefetch_related_lookups:
        return list(queryset)
    connection = connections[queryset.db]
    if connection.vendor != "postgresql" or not settings.DB_SERVER_PREPARE:
        return list(queryset)
    compiler = queryset.query.get_compiler(connection=connection)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        return []
    params = tuple(params)
    return run(connection, sql, params, lambda text: _rows(queryset, compiler, text, params))


def _as_given(value):
    return value


def _adapters(connection, value) -> list[Callable[[Any], Any]]:
    """How a value may reach the statement's parameters: as given, or as the backend adapts a date or a time."""
    ops = connection.ops
    if isinstance(value, datetime):
        return [_as_given, ops.adapt_datetimefield_value]
    if isinstance(value, date):
        return [_as_given, ops.adapt_datefield_value]
    return [_as_given]


class PreparedQuery:
    """``PreparedQuery(build, examples)(*args)`` = ``list(build(*args))``, compiled once per connection (and per
    length of each tuple argument: ``IN (…)`` has one placeholder per element)."""

    def __init__(self, build: Callable[..., QuerySet], examples: tuple[tuple, tuple]) -> None:
        self.build = build
        self.examples = examples
        self._types: dict[tuple, tuple[type, ...]] = {}  # per shape: the examples' argument types

    def __call__(self, *args) -> list:
        flat, shape = _flatten(args)
        types = self._types.get(shape)
        if types is None:
            types = self._types[shape] = tuple(type(e) for e in _flatten(self._examples(shape)[0])[0])
        if any(type(a) is not t for a, t in zip(flat, types, strict=True)):
            return list(self.build(*args))
        if any(type(a) is int and not _INT_MIN <= a <= _INT_MAX for a in flat):
            # Beyond a 32-bit integer column's range the ORM knows the answer without asking the database (an id of
            # 25 digits matches nothing); the driver would refuse the value.
            return list(self.build(*args))
        if settings.DATABASE_ROUTERS:
            # A router may send each read elsewhere (a replica, the primary after a write): the plan's database was
            # chosen once, at its first call, so with routers every call goes through the ORM.
            return list(self.build(*args))
        plan = self._plan(shape)
        if plan is False:
            return list(self.build(*args))
        return plan.run(flat)

    def _examples(self, shape: tuple) -> tuple[tuple, tuple]:
        """The examples for a call whose tuple arguments have the lengths in ``shape`` (an example of a tuple
        argument is one element's value: element k is that value + k, or + str(k) for text)."""
        return tuple(  # type: ignore[return-value]
            tuple(
                value if n is None else tuple(value + (str(k) if isinstance(value, str) else k) for k in range(n))
                for value, n in zip(example, shape, strict=True)
            )
            for example in self.examples
        )

    def _plan(self, shape: tuple):
        alias = getattr(self, "_alias", None)
        if alias is None:
            alias = self._alias = self.build(*self._examples(shape)[0]).db
        connection = connections[alias]
        # The plans live on the connection object itself ({PreparedQuery: {shape: _Plan or False}}), so they go when
        # it goes: a plan's compiler refers to the connection, which a dictionary keyed weakly by the connection
        # would therefore never let go (a threaded or ASGI server makes a connection object per thread or request).
        plans = vars(connection).setdefault("_prepared_plans", {}).setdefault(self, {})
        plan = plans.get(shape)
        if plan is None:
            plan = plans[shape] = self._prepare(connection, self._examples(shape)) or False
        return plan

    def _prepare(self, connection, examples: tuple[tuple, tuple]) -> _Plan | None:
        qa, qb = self.build(*examples[0]), self.build(*examples[1])
        (a, _), (b, _) = _flatten(examples[0]), _flatten(examples[1])
        if qa._known_related_objects or qa._prefetch_related_lookups or qa._result_cache is not None:
            return None  # a related manager's instance or a prefetch would carry the example's objects
        compiler = qa.query.get_compiler(connection=connection)
        try:
            sql, params = compiler.as_sql()
            sql_b, params_b = qb.query.get_compiler(connection=connection).as_sql()
        except EmptyResultSet:  # e.g. ``IN ()``: the ORM runs no query at all
            return None
        if sql != sql_b or len(params) != len(params_b):
            return None
        slots: list[tuple[int | None, Any]] = []
        for pa, pb in zip(params, params_b, strict=True):
            if _same(pa, pb):
                if any(_same(adapt(x), pa) for x in (*a, *b) for adapt in _adapters(connection, x)):
                    return None  # ambiguous: a constant equal to an example value
                slots.append((None, pa))
                continue
            found = [
                (i, adapt)
                for i in range(len(a))
                for adapt in _adapters(connection, a[i])
                if _same(adapt(a[i]), pa) and _same(adapt(b[i]), pb)
            ]
            if len({i for i, _ in found}) != 1:
                return None
            slots.append(found[0])
        return _Plan(qa, compiler, sql, slots)


def _flatten(args: Sequence) -> tuple[list, tuple]:
    """The arguments with each tuple's elements in its place, and the tuples' lengths (None for a scalar)."""
    flat: list = []
    shape = []
    for arg in args:
        if isinstance(arg, tuple):
            flat.extend(arg)
            shape.append(len(arg))
        else:
            flat.append(arg)
            shape.append(None)
    return flat, tuple(shape)


def _same(x, y) -> bool:
    return type(x) is type(y) and x == y


# --- server-side prepared statements (PostgreSQL) ------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"%(%|s)")
_numbers = itertools.count()
# Per session. Each prepared statement holds ~0.2 MB of the backend's memory with its plans; the pages use a few
# dozen (the list's pages and filters each one of their own). Past this, statements run as text.
MAX_STATEMENTS = 100
_RETYPED, _MISSING = "0A000", "26000"  # cached plan must not change result type; prepared statement does not exist
_OFF: dict = {}  # a session's names when its statements vanish: nothing is prepared on it any more


def server_statement(connection, sql: str, n_params: int) -> str | None:
    """``EXECUTE name(%s, …) /* sql */`` for ``sql`` prepared on the connection's current PostgreSQL session (PREPARE
    once per session), or None: another backend or driver, ``DB_SERVER_PREPARE`` off, or a statement PostgreSQL will
    not prepare. Like ``sql``, the statement is formatted by the driver with the parameters (``%%`` for a ``%``).

    PostgreSQL then plans the statement once per session, not on every request: on the unit's pages planning was
    most of the server's time for their hand-written and prepared statements (the unit with its regions: 0.33 ms to
    plan, 0.05 ms to run). The names are kept per session (the driver's connection object): a reconnect, after a
    restart of the database for one, prepares again. A parameter takes the type its place in the statement gives
    it (text mode sends each value with its own type): cast in the SQL where that matters. Run it through
    :func:`run`, which copes with a prepared statement PostgreSQL no longer has or can no longer use.
    """
    if connection.vendor != "postgresql" or not settings.DB_SERVER_PREPARE:
        return None
    if connection.Database.__name__ != "psycopg2":  # the savepoints below speak psycopg2
        return None
    connection.ensure_connection()
    session = connection.connection
    known = getattr(connection, "_server_statements", None)  # getattr: django.db.connection is a proxy
    if known is None or known[0] is not session:
        known = connection._server_statements = (session, {})
    statements = known[1]  # sql → its EXECUTE statement, "" when PostgreSQL will not prepare it
    statement = statements.get(sql)
    if statement is None:
        if statements is _OFF or len(statements) >= MAX_STATEMENTS:
            return None
        statement = ""
        if sum(m.group(1) == "s" for m in _PLACEHOLDER.finditer(sql)) == n_params:  # else the driver will object
            name = f"wb_{next(_numbers)}"  # unique in the process, so never one the session already has
            numbers = iter(range(1, n_params + 1))
            text = _PLACEHOLDER.sub(lambda m: "%" if m.group(1) == "%" else f"${next(numbers)}", sql)
            prepared = _prepare(connection, session, name, text)
            if prepared is None:  # not now (a failed transaction, a lost connection, a timeout): another time
                return None
            if prepared:
                statement = _execute_statement(name, sql, n_params)
        statements[sql] = statement
    return statement or None


def _execute_statement(name: str, sql: str, n_params: int) -> str:
    """The statement's text rides along as a comment, for whoever reads the query (a test's captured queries, a log);
    comments nest in PostgreSQL, so neither an opening nor a closing mark of the text may stay as it is."""
    comment = sql.replace("/*", "/ *").replace("*/", "* /").replace("%", "%%")
    arguments = f"({', '.join(['%s'] * n_params)})" if n_params else ""
    return f"EXECUTE {name}{arguments} /* {comment} */"


def _prepare(connection, session, name: str, text: str) -> bool | None:
    """PREPARE on the driver's connection itself: once per session, it is not one of the request's queries (a
    test's query count, the query log). True when prepared, False when PostgreSQL will not prepare it (e.g. a
    parameter whose type it cannot tell: ``%s IS NULL``, Django's ``EXISTS(SELECT %s AS "a" …)``), None when it
    cannot be tried now. A prepared statement outlives a rolled-back transaction; within a transaction — or at the
    start of one: psycopg2 sends BEGIN first — a savepoint undoes a PREPARE that fails, so the transaction goes on
    as if nothing was tried."""
    import psycopg2  # only here: the PostgreSQL backend's driver

    extensions = psycopg2.extensions
    if session.get_transaction_status() not in (
        extensions.TRANSACTION_STATUS_IDLE,
        extensions.TRANSACTION_STATUS_INTRANS,
    ):
        return None  # a failed transaction (the statement itself will report it), or a command in progress
    guarded = not session.autocommit
    with session.cursor() as cursor:
        try:
            cursor.execute(
                f"SAVEPOINT wb_prepare; PREPARE {name} AS {text}; RELEASE SAVEPOINT wb_prepare"
                if guarded
                else f"PREPARE {name} AS {text}"
            )
        except psycopg2.Error as error:
            if guarded:
                try:
                    cursor.execute("ROLLBACK TO SAVEPOINT wb_prepare; RELEASE SAVEPOINT wb_prepare")
                except psycopg2.Error:
                    connection.errors_occurred = True  # the connection is gone: Django drops it after the request
                    return None
            if isinstance(error, psycopg2.OperationalError):  # a lost connection, a lock or statement timeout
                connection.errors_occurred = True
                return None
            return False
    return True


def run(connection, sql: str, params: Sequence, execute_text: Callable[[str], Any]) -> Any:
    """``execute_text(statement)`` with ``sql``'s prepared statement where there is one, else with ``sql``.

    A prepared statement PostgreSQL can no longer use (a migration changed the type of a column it returns — "cached
    plan must not change result type": 0A000) is forgotten, so that the next call prepares it again. One it no longer
    has (26000: a pooler in transaction mode sent the EXECUTE to another server connection, or DISCARD ALL dropped
    it) turns preparing off for the session: nothing is prepared on it any more. Either way, outside a transaction
    ``sql`` runs at once instead; in a transaction the error stands, as for any failed statement (the transaction is
    aborted), once per session at most for a pooler.
    """
    statement = server_statement(connection, sql, len(params))
    if statement is None:
        return execute_text(sql)
    try:
        return execute_text(statement)
    except DatabaseError as error:
        code = getattr(error.__cause__, "pgcode", None)
        if code not in (_RETYPED, _MISSING):
            raise
        known = getattr(connection, "_server_statements", None)
        if known is not None and code == _MISSING:
            connection._server_statements = (known[0], _OFF)
        elif known is not None and known[1] is not _OFF:
            known[1].pop(sql, None)
        if connection.in_atomic_block:
            raise
        return execute_text(sql)


def execute(cursor, sql: str, params: Sequence = ()) -> None:
    """``cursor.execute(sql, params)`` (a Django cursor) through :func:`run`."""
    run(cursor.db, sql, params, lambda text: cursor.execute(text, params))
