"""``field__in_array=[...]``: membership in a list passed as ONE array parameter on PostgreSQL.

Django's ``__in`` prepares every element and writes one placeholder per value; for the engine's batches (thousands
of ID numbers or placement ids per query) that preparation costs more Python time than the query. This lookup
sends ``= ANY(%s)`` with the list as a single array on PostgreSQL and falls back to ``IN (…)`` elsewhere. Values
must already be of the column's Python type (str for CharField, int for ids).

Pass the values as :class:`ArrayValues` (or any iterable that is not a list or tuple): Django's query builder resolves
every element of a list or tuple right-hand side one by one before any lookup sees it (~2.5 µs per element: 0.2 s of a
20,000-placement recompute).
"""

from django.db.models import Field, Lookup


class ArrayValues:
    """The values of an ``__in_array`` lookup, passed through Django's query builder untouched."""

    __slots__ = ("values",)

    def __init__(self, values) -> None:
        self.values = list(values)

    def __iter__(self):
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


@Field.register_lookup
class InArray(Lookup):
    lookup_name = "in_array"
    prepare_rhs = False

    def get_prep_lookup(self):
        return list(self.rhs)

    def get_db_prep_lookup(self, value, connection):
        return "%s", [value]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        if not values:
            return "1 = 0", list(lhs_params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]
