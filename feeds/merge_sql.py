"""The SQL of the PostgreSQL path (:mod:`feeds.merge_pg`): the staging table's merges, the compare apart from its
writes, the repeated keys of an initial load. Built once per import from the kind's spec and model; the statements
take ``%(lo)s`` / ``%(hi)s``, the staging rows' numbers (ADR 0002)."""

from __future__ import annotations

from django.db import connection, models

from feeds.merge import first_changed_field, has_imported_at
from feeds.rows import KindSpec


class Statements:
    def __init__(self, spec: KindSpec, model: type[models.Model], backend: int = 0) -> None:
        q = connection.ops.quote_name
        self.spec = spec
        # An UNLOGGED table, not a temporary one: parallel workers may scan it (a temporary table is private to its
        # backend), so a re-import's compare uses both cores. Created and dropped inside the import's transaction (a
        # failed import rolls its creation back); named after the backend, so concurrent imports never share one.
        self.stage = f"feed_stage_{spec.name}_{backend}"
        self.changed = f"feed_changed_{spec.name}"
        self.table = q(model._meta.db_table)
        fields = {f.name: f for f in model._meta.concrete_fields}
        # The staging columns have the database's default collation; a join with the table's identifier columns
        # (COLLATE "C", feeds.models.AsciiKeyField) takes the table's, so it may use the unique index. The sorts that
        # deduplicate compare byte-wise (COLLATE "C": the values are ASCII identifiers or text compared for equality
        # only, so the result does not depend on it).
        self.stage_columns = ", ".join(f"{q(c)} {fields[c].db_type(connection)}" for c in spec.columns)
        self.sort_key = ", ".join(
            q(c) + (' COLLATE "C"' if isinstance(fields[c], models.CharField) else "") for c in spec.key
        )
        stamp = has_imported_at(model)
        self.all_list = ", ".join(q(c) for c in spec.columns)
        self.key_list = ", ".join(q(c) for c in spec.key)
        self.join_on = " AND ".join(f"t.{q(c)} = s.{q(c)}" for c in spec.key)
        target_values = ", ".join(f"t.{q(c)}" for c in spec.values)
        source_values = ", ".join(f"s.{q(c)}" for c in spec.values)
        self.differs = f"ROW({target_values}) IS DISTINCT FROM ROW({source_values})"
        self.set_list = ", ".join(f"{q(c)} = c.{q(c)}" for c in spec.values) + (
            ", imported_at = now()" if stamp else ""
        )
        self.insert_columns = self.all_list + (", imported_at" if stamp else "")
        self.insert_values = self.all_list + (", now()" if stamp else "")
        if spec.person_field:
            # DISTINCT in a subquery may hash; array_agg(DISTINCT …) always sorts.
            self.touched = f"(SELECT array_agg(p) FROM (SELECT DISTINCT {q(spec.person_field)} AS p FROM chg) d)"
        elif first_field := first_changed_field(spec):
            self.touched = f"(SELECT min({q(first_field)}) FROM chg)"
        else:
            self.touched = "NULL"

    def statistics_target(self, target: int) -> str:
        q = connection.ops.quote_name
        return ", ".join(f"ALTER COLUMN {q(c)} SET STATISTICS {target}" for c in ("seq", *self.spec.columns))

    def _source(self, deduplicate: bool) -> str:
        """The staged rows with %(lo)s < seq <= %(hi)s, deduplicated (the later line wins) when a key may repeat."""
        rows = f"FROM {self.stage} WHERE seq > %(lo)s AND seq <= %(hi)s"
        if deduplicate:
            return (
                f"MATERIALIZED (SELECT DISTINCT ON ({self.sort_key}) {self.all_list} {rows} "
                f"ORDER BY {self.sort_key}, seq DESC)"
            )
        return f"NOT MATERIALIZED (SELECT {self.all_list} {rows})"  # no key twice: the staging table as it is

    def merge(self, deduplicate: bool) -> str:
        """Merge the staged rows with %(lo)s < seq <= %(hi)s in one statement; returns (distinct, inserted, updated,
        touched). With ``deduplicate`` false, :meth:`compare` and then :meth:`write` do the same."""
        source = self._source(deduplicate)
        distinct = "(SELECT count(*) FROM src)" if deduplicate else "%(hi)s - %(lo)s"
        return self._writes(f"src AS {source}, chg AS MATERIALIZED ({self._changed_rows()})", distinct)

    def compare(self) -> str:
        """The staged rows with %(lo)s < seq <= %(hi)s (no key twice) that are new or differ from the stored row, with
        the stored row's id, into the temporary table ``changed``. Read-only, so PostgreSQL may run it in parallel (a
        statement that writes the table is never parallel); ``changed`` is as small as the change."""
        return f"""
            CREATE TEMPORARY TABLE {self.changed} ON COMMIT DROP AS
            WITH src AS {self._source(False)} {self._changed_rows()}
        """

    def write(self) -> str:
        """Write the rows :meth:`compare` found; returns (distinct, inserted, updated, touched) as :meth:`merge`."""
        return self._writes(f"chg AS NOT MATERIALIZED (SELECT * FROM {self.changed})", "%(hi)s - %(lo)s")

    def _changed_rows(self) -> str:
        return f"""
            SELECT s.*, t.id AS feed_target_id
            FROM src s LEFT JOIN {self.table} t ON {self.join_on}
            WHERE t.id IS NULL OR {self.differs}
        """

    def _writes(self, changed: str, distinct: str) -> str:
        return f"""
            WITH {changed},
            upd AS (
                UPDATE {self.table} t SET {self.set_list} FROM chg c
                WHERE c.feed_target_id IS NOT NULL AND t.id = c.feed_target_id
                RETURNING 1
            ),
            ins AS (
                INSERT INTO {self.table} ({self.insert_columns})
                SELECT {self.insert_values} FROM chg WHERE feed_target_id IS NULL
                RETURNING 1
            )
            SELECT {distinct}, (SELECT count(*) FROM ins), (SELECT count(*) FROM upd), {self.touched}
        """

    def initial_superseded(self) -> str:
        """After an initial load straight into the table (ids follow the COPY order): delete every row whose key a
        later row repeats; returns (staging number, staging number of the row that won) of the deleted rows."""
        return f"""
            WITH numbered AS (
                SELECT id, row_number() OVER (ORDER BY id) AS seq, {self.key_list} FROM {self.table}
            ),
            ranked AS (
                SELECT id, seq, first_value(seq) OVER w AS winner, row_number() OVER w AS rn FROM numbered
                WINDOW w AS (PARTITION BY {self.sort_key} ORDER BY seq DESC)
            ),
            gone AS (DELETE FROM {self.table} t USING ranked r WHERE t.id = r.id AND r.rn > 1 RETURNING r.seq, r.winner)
            SELECT seq, winner FROM gone ORDER BY seq
        """

    def initial_touched(self) -> str:
        """The ``touched`` value of :meth:`merge` after an initial load: every row of the table is new."""
        return f"SELECT {self.touched.replace('FROM chg', f'FROM {self.table}')}"

    def known_sample(self) -> str:
        """(stored keys, sampled rows) among %(n)s staged rows; a correlated EXISTS probes the unique index."""
        return f"""
            SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM {self.table} t WHERE {self.join_on})), count(*)
            FROM (SELECT * FROM {self.stage} LIMIT %(n)s) s
        """

    def superseded(self) -> str:
        return f"""
            SELECT seq, winner FROM (
                SELECT seq, first_value(seq) OVER w AS winner, row_number() OVER w AS rn FROM {self.stage}
                WINDOW w AS (PARTITION BY {self.sort_key} ORDER BY seq DESC)
            ) x WHERE rn > 1 ORDER BY seq
        """
