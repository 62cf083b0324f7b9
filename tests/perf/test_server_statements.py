"""core.prepared.server_statement / execute: the statements of every signed-in page prepared once per PostgreSQL
session (PREPARE), then executed by name — the same rows as the statement itself, inside a transaction or not, again
after a reconnect, and the plain statement wherever preparing is off or impossible."""

import pytest
from django.db import DatabaseError, connection, transaction

from core import prepared

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side statements are PostgreSQL's"),
]


def _run(sql: str, params: list) -> list:
    with connection.cursor() as cursor:
        prepared.execute(cursor, sql, params)
        return cursor.fetchall()


def _plain(sql: str, params: list) -> list:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _session_statements() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        return dict(cursor.fetchall())


SQL = "SELECT code, name FROM core_region WHERE code = %s OR name LIKE %s ORDER BY code"


def test_a_statement_is_prepared_once_and_gives_the_statements_rows(settings):
    settings.DB_SERVER_PREPARE = True
    from tests.factories import region

    region("110105"), region("110108")
    params = ["110105", "%淀%"]
    assert _run(SQL, params) == _plain(SQL, params) != []
    names = [n for n, text in _session_statements().items() if "WHERE code = $1 OR name LIKE $2 ORDER BY code" in text]
    assert len(names) == 1
    statement = prepared.server_statement(connection, SQL, 2)
    assert statement.startswith(f"EXECUTE {names[0]}(%s, %s) /* SELECT code")
    assert _run(SQL, ["110108", "none"]) == _plain(SQL, ["110108", "none"])
    again = [n for n, text in _session_statements().items() if "WHERE code = $1 OR name LIKE $2 ORDER BY code" in text]
    assert again == names


def test_literal_percent_signs_and_comment_ends_survive(settings):
    settings.DB_SERVER_PREPARE = True
    sql = "SELECT %s::text || '*/ 100%%' WHERE 'a%%' LIKE %s"
    assert _run(sql, ["x", "a%%"]) == _plain(sql, ["x", "a%%"]) == [("x*/ 100%",)]
    no_params = "SELECT '100%%' || '*/' || '/*'"  # formatted by the driver like any statement with parameters
    assert _run(no_params, []) == _plain(no_params, []) == [("100%*//*",)]
    assert prepared.server_statement(connection, no_params, 0).startswith("EXECUTE ")
    nested = "SELECT code FROM core_region WHERE name NOT LIKE '/*%%' AND code = %s"  # comments nest in PostgreSQL
    assert _run(nested, ["110000"]) == _plain(nested, ["110000"])


def test_a_failed_prepare_as_the_first_statement_of_a_transaction_leaves_it_usable(settings):
    settings.DB_SERVER_PREPARE = True
    with transaction.atomic():
        assert _run("SELECT %s IS NULL AND %s::int = 1", [None, 1]) == [(True,)]
        assert _run("SELECT %s::int + 2", [40]) == [(42,)]


def test_a_statement_postgresql_no_longer_has_or_can_use_runs_as_text(settings):
    """A migration that changes a returned column's type (cached plan must not change result type): prepared again.
    A pooler or DISCARD ALL that drops the statements (prepared statement does not exist): off for the session."""
    settings.DB_SERVER_PREPARE = True
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE wb_probe (a varchar(10))")
        cursor.execute("INSERT INTO wb_probe VALUES ('x')")
    try:
        sql = "SELECT a FROM wb_probe WHERE a = %s"
        assert _run(sql, ["x"]) == [("x",)]
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE wb_probe ALTER COLUMN a TYPE varchar(20)")
        assert _run(sql, ["x"]) == [("x",)]  # the old statement refused, the text ran, the name forgotten
        assert _run(sql, ["x"]) == [("x",)]  # prepared again
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE wb_probe ALTER COLUMN a TYPE text")
        with pytest.raises(DatabaseError), transaction.atomic():
            _run(sql, ["x"])  # in a transaction the error stands (the transaction is aborted)
        assert _run(sql, ["x"]) == [("x",)]  # and the next one prepares again
        assert prepared.server_statement(connection, sql, 1) is not None
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")  # as a pooler in transaction mode would make it look
        assert _run(sql, ["x"]) == [("x",)]  # not there any more: the text ran
        assert prepared.server_statement(connection, sql, 1) is None  # and nothing is prepared on this session
        assert _run("SELECT %s::int * 3", [2]) == [(6,)]
        assert not any("* 3" in text for text in _session_statements().values())
        connection.close()
        assert _run(sql, ["x"]) == [("x",)]
        assert prepared.server_statement(connection, sql, 1) is not None  # a new session prepares again
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE wb_probe")


def test_inside_a_transaction_and_after_a_failed_prepare_the_transaction_goes_on(settings):
    settings.DB_SERVER_PREPARE = True
    with transaction.atomic():
        assert _run("SELECT %s::int + 1", [41]) == [(42,)]
        # PostgreSQL cannot tell the parameter's type: not prepared, run as it is, the transaction still usable
        assert prepared.server_statement(connection, "SELECT %s IS NULL", 1) is None
        assert _run("SELECT %s IS NULL", [None]) == [(True,)]
        assert _run("SELECT %s::int + 2", [40]) == [(42,)]


def test_a_new_session_prepares_again(settings):
    settings.DB_SERVER_PREPARE = True
    assert _run("SELECT %s::int * 2", [21]) == [(42,)]
    connection.close()
    assert not any("* 2" in text for text in _session_statements().values())
    assert _run("SELECT %s::int * 2", [4]) == [(8,)]
    assert any("* 2" in text for text in _session_statements().values())


def test_off_means_the_plain_statement(settings):
    settings.DB_SERVER_PREPARE = False
    assert prepared.server_statement(connection, "SELECT %s::int", 1) is None
    assert _run("SELECT %s::int", [7]) == [(7,)]


def test_a_wrong_number_of_parameters_is_left_to_the_driver(settings):
    settings.DB_SERVER_PREPARE = True
    assert prepared.server_statement(connection, "SELECT %s::int, %s::int", 1) is None


def test_server_list_gives_the_querysets_rows_by_a_prepared_statement(settings, django_assert_num_queries):
    settings.DB_SERVER_PREPARE = True
    from django.test.utils import CaptureQueriesContext

    from core.models import Region
    from tests.factories import region

    region("110105"), region("110108")
    objects = Region.objects.select_related("parent").filter(code__startswith="1101").order_by("code")
    tuples = Region.objects.filter(code__gte="110100").order_by("-code").values_list("code", "name")[:5]
    for queryset in (objects, tuples):
        with CaptureQueriesContext(connection) as queries:
            first, second = prepared.server_list(queryset), prepared.server_list(queryset.all())
        assert first == second == list(queryset.all()) != []
        assert [q["sql"].split("(", 1)[0].split()[0] for q in queries] == ["EXECUTE", "EXECUTE"]
    assert [r.parent.code for r in prepared.server_list(objects)] == [r.parent.code for r in objects.all()]
    with django_assert_num_queries(0):
        assert prepared.server_list(Region.objects.filter(code__in=[])) == []
    settings.DB_SERVER_PREPARE = False
    with CaptureQueriesContext(connection) as queries:
        assert prepared.server_list(tuples.all()) == list(tuples.all())
    assert not any(q["sql"].startswith("EXECUTE") for q in queries)
