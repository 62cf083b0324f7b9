"""Set-up shared by the benchmarks: the database (created if missing), Django, the migrations, quiet task logs.

    DB_URL = _common.configure("dev_engine_bench")  # at import time, before Django is imported
    ...
    _common.setup(DB_URL)  # in main(), after the arguments are parsed

Importing this module puts the project root on ``sys.path``.
"""

import io
import logging
import os
import sys
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def configure(default_database: str) -> str:
    """Point Django at ``BENCH_DATABASE_URL``, else at ``default_database`` on the local PostgreSQL; the URL."""
    url = os.environ.get("BENCH_DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{default_database}")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Pages are rendered without a collectstatic run (as under pytest): the plain static storage, not the manifest.
    os.environ.setdefault("STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage")
    return url


def database_name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database of ``url`` if it does not exist (through the ``postgres`` database); True if
    it was created."""
    import psycopg2

    name = database_name(url)
    conn = psycopg2.connect(urlunparse(urlparse(url)._replace(path="/postgres")))
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cur.fetchone():
                return False
            cur.execute(f'CREATE DATABASE "{name}"')
            return True
    finally:
        conn.close()


def django_setup() -> None:
    """``django.setup()``, PostgreSQL required, migrations applied; django.tasks' per-task INFO lines ("Task id=…
    state=RUNNING") silenced so that they do not interleave with the figures."""
    import django

    django.setup()
    logging.getLogger("django.tasks").setLevel(logging.WARNING)
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit(f"bench/{Path(sys.argv[0]).name} needs PostgreSQL")
    call_command("migrate", verbosity=0)


def setup(url: str) -> None:
    """The database of ``url`` created if missing, then :func:`django_setup`."""
    ensure_database(url)
    django_setup()


def server_version() -> str:
    """PostgreSQL's ``SELECT version()``."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        return cur.fetchone()[0]


def mark_held() -> int:
    """Set PlacementMonth.held on the generated months as the services would (selected, not rejected, placement
    submitted), so the benchmarks read the cross-employer index as it is in production. Returns the rows marked."""
    from django.db import connection

    from placements.models import Placement, PlacementMonth

    months, placements = PlacementMonth._meta.db_table, Placement._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {months} SET held = TRUE WHERE selected AND review_state <> 'rejected' AND NOT held "
            f"AND placement_id IN (SELECT id FROM {placements} WHERE wizard_completed OR submitted_at IS NOT NULL)"
        )
        return cursor.rowcount


# Chinese names for generated persons (surname + one or two given characters).
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华建国志红玉文博宇浩然欣怡子涵梓轩雨桐"


def random_person(rng, region: str, taken: set[str]):
    """A new person of ``region`` born 1966–2003: (valid ID number not in ``taken`` — added to it —, birth date,
    name)."""
    from datetime import date

    from devdata.generator import id_number

    while True:
        birth = date(rng.randint(1966, 2003), rng.randint(1, 12), rng.randint(1, 28))
        number = id_number(region, birth, rng.randrange(1, 999))
        if number not in taken:
            taken.add(number)
            break
    return number, birth, rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def copy_rows(cursor, table: str, columns: list[str], rows) -> int:
    """``COPY table (columns) FROM STDIN`` of ``rows`` (tuples; None → NULL) in text format; the row count."""
    buf = io.StringIO()
    n = 0
    for row in rows:
        buf.write("\t".join(r"\N" if v is None else str(v) for v in row))
        buf.write("\n")
        n += 1
    buf.seek(0)
    quoted = ", ".join(f'"{c}"' for c in columns)
    cursor.copy_expert(f"COPY {table} ({quoted}) FROM STDIN", buf)
    return n


def bench_employer(number: int, *, prefix: str, name: str, region: str):
    """An unsaved Employer for bulk_create: a valid USCC ``prefix`` + ``number``, every field the model requires
    filled, the three regions ``region``. Call after :func:`setup`."""
    from stdnum.cn import uscc

    from employers.models import Employer

    body = f"{prefix}{number:013d}"[:17]
    return Employer(
        name=name,
        uscc=body + uscc.calc_check_digit(body),
        unit_kind="企业",
        economic_kind="私有",
        industry="C",
        federation_region_id=region,
        tax_region_id=region,
        registration_region_id=region,
        legal_rep_name="张伟",
        legal_rep_id_number="110101197001010011",
        legal_rep_phone="13800000000",
        contact_name="李娜",
        contact_phone="13900000000",
        business_address="测试路1号",
        registered_address="测试路1号",
    )


def backend_cpu(connection=None) -> float:
    """CPU seconds (user + system) used so far by the PostgreSQL backend of ``connection`` (default: Django's), read
    from /proc on this machine; NaN where it cannot be read."""
    if connection is None:
        from django.db import connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def calibration() -> str:
    """The CPU time of a fixed pure-Python loop (best of three), to print beside a benchmark's figures: the same code
    ran at 0.24–0.51 s on one machine from one minute to the next, and machines differ, so figures compare across
    runs only together with this."""
    import time

    best = float("inf")
    for _ in range(3):
        started, total = time.process_time(), 0
        for i in range(2_000_000):
            total += i * i % 7
        best = min(best, time.process_time() - started)
    return f"calibration loop {best:.3f} s (lower is a faster CPU)"
