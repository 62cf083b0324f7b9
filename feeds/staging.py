"""The valid rows of a feed file as ``COPY … FROM STDIN (FORMAT csv)`` text, for the PostgreSQL path. Pure: no ORM.

For the big monthly feeds a plain block (see :class:`feeds.reader.Batch`) whose every value is already valid and
written canonically is passed to COPY as the very text that was read: the checks run once per distinct value of a
column (``set`` operations), not once per row. Any other block — a bad value, a lower-case ``x``, spaces, quotes —
is validated row by row with the same validator the portable path uses, so both paths accept exactly the same rows
with the same values.

The staging table numbers the rows itself (a serial column, in COPY order); :meth:`CopyStream.line_of` maps that
number back to the line of the file, for the report of superseded rows.
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal
from itertools import compress
from operator import itemgetter

from core.idnumbers import FIRST_BIRTH_YEAR, LENGTH, birth_date, check_digit
from core.regiontable import stdnum_table
from feeds.parsing import Bounds, check_id_number, check_uscc, parse_money, parse_month
from feeds.reader import Batch, FeedFile
from feeds.rows import MONTHLY_KINDS, KindSpec, RowValidator

Reject = Callable[[int, str, Sequence[str]], None]
CACHE_LIMIT = 500_000
DUPLICATE_PROBE_LIMIT = 5_000_000
LATEST = 9999  # "still in force", for the last year of a region code
MIN_ROW_BYTES = 45  # the shortest plausible row (a monthly fact with a one-digit amount: 18+18+6+1 characters)


class DuplicateProbe:
    """Whether a key may occur twice in the file, from a bounded set of key hashes.

    Conservative: a hash collision (or passing ``limit`` keys) only costs the exact deduplication in SQL; a file
    with no repeated key — the usual case — spares the sort of the whole staging table.
    """

    def __init__(self, limit: int | None = None) -> None:
        self.seen: set[int] = set()
        self.limit = DUPLICATE_PROBE_LIMIT if limit is None else limit
        self.maybe = False

    def add(self, keys: Iterable, count: int) -> None:
        if self.maybe:
            return
        before = len(self.seen)
        self.seen.update(map(hash, keys))
        if len(self.seen) - before != count or len(self.seen) > self.limit:
            self.maybe = True
            self.seen = set()


class _CanonicalCache:
    """raw value → whether it is valid *and* written exactly as it will be stored (so COPY may take it as is)."""

    def __init__(self, check: Callable[[str], bool]) -> None:
        self.check = check
        self.known: dict[str, bool] = {}

    def bad_values(self, column: list[str]) -> set[str]:
        """The values of ``column`` that are not valid-and-canonical (usually none)."""
        values = set(column)
        known = self.known
        new = values.difference(known)
        if new:
            if len(known) > CACHE_LIMIT:
                known.clear()
                new = values
            check = self.check
            for value in new:
                known[value] = check(value)
        if all(map(known.__getitem__, values)):
            return set()
        return {value for value in values if not known[value]}


class _CanonicalIdNumbers:
    """Whether a raw ID number is valid and written canonically — ``check_id_number(raw) == (raw, None)`` — with
    the parts that repeat across persons (the birth date, the region code in a birth year) checked once per distinct
    value. Only a yes is answered here; anything else is asked of ``check_id_number`` (the one rule,
    :func:`core.idnumbers.validate`), so the answers are the same. Costs ~1 µs a number instead of ~8 µs."""

    def __init__(self) -> None:
        self.today = date.today()  # as check_id_number's validate(today=None)
        self.regions = stdnum_table()
        self.birth_years: dict[str, int | None] = {}  # "YYYYMMDD" → the year, None when not an acceptable date
        # region code → the last year it was in force (LATEST: still in force), None when it is not a region code;
        # ``last >= year`` is TableRegion.valid_in_or_after(year).
        self.areas: dict[str, int | None] = {}

    def __call__(self, raw: str) -> bool:
        if len(raw) == LENGTH and raw.isascii() and raw[:17].isdigit() and raw[17] == check_digit(raw):
            born = raw[6:14]
            year = self.birth_years.get(born, False)
            if year is False:
                year = self.birth_years[born] = self._birth_year(raw)
            if year is not None:
                code = raw[:6]
                last = self.areas.get(code, False)
                if last is False:
                    last = self.areas[code] = self._last_year(code)
                if last is not None and last >= year:
                    return True
        return check_id_number(raw) == (raw, None)

    def _last_year(self, code: str) -> int | None:
        region = self.regions.get(code)
        if region is None:
            return None
        return max((LATEST if p.last_year is None else p.last_year for p in region.names), default=None)

    def _birth_year(self, number: str) -> int | None:
        try:
            born = birth_date(number)
        except ValueError:
            return None
        return born.year if born.year >= FIRST_BIRTH_YEAR and born <= self.today else None


def _monthly_checks(bounds: Bounds) -> tuple[_CanonicalCache, ...]:
    id_ok = _CanonicalIdNumbers()

    def unit_ok(raw: str) -> bool:
        return check_uscc(raw) == (raw, None)

    def month_ok(raw: str) -> bool:
        return raw.isascii() and raw.isdigit() and isinstance(parse_month(raw, bounds), int)

    def amount_ok(raw: str) -> bool:
        # PostgreSQL reads "5840.5" into numeric(12,2) as 5840.50, the Decimal the validator returns.
        return raw == raw.strip() and not raw.endswith(".") and isinstance(parse_money(raw), Decimal)

    return tuple(_CanonicalCache(check) for check in (id_ok, unit_ok, month_ok, amount_ok))


class CopyStream:
    """Feeds ``merge_copy``: CSV chunks for COPY, the count of staged rows, the duplicate probe, the line map."""

    def __init__(self, feed: FeedFile, spec: KindSpec, validate: RowValidator, reject: Reject, bounds: Bounds) -> None:
        self.feed, self.spec, self.validate, self.reject = feed, spec, validate, reject
        # COPY columns in the file's order, so plain blocks can be sent verbatim.
        self.columns: tuple[str, ...] = tuple(sorted(spec.columns, key=feed.positions.__getitem__))
        self._order = [spec.columns.index(c) for c in self.columns]
        # Probe keys as the text COPY receives for the key columns (the month stays "202501" on both routes).
        getter = itemgetter(*range(len(spec.key)))
        self._key = (lambda c: (c[0], c[1], str(c[2]))) if spec.name in MONTHLY_KINDS else getter
        self.read = 0
        self.staged = 0
        self.probe = DuplicateProbe()
        self.persons: set[str] | None = None  # the staged rows' ID numbers, when collect_persons() asked for them
        self._person = spec.columns.index(spec.person_field) if spec.person_field else None
        self._starts: list[int] = []  # first staging number of each segment
        self._segments: list[Sequence[int]] = []  # the file lines of each segment
        verbatim = spec.name in MONTHLY_KINDS and feed.width == len(spec.columns)
        self._checks = _monthly_checks(bounds) if verbatim else None
        if self._checks is not None:
            p = feed.positions
            self._check_columns = [p[c] for c in ("id_number", "unit_uscc", "month", spec.columns[3])]
            self._key_columns = [p[c] for c in spec.key]

    def collect_persons(self) -> None:
        """Keep the distinct ID numbers of the staged rows (the initial load: every staged row is new, so these are
        the touched persons; a set in the producer thread costs less than a ``SELECT DISTINCT`` afterwards)."""
        if self._person is not None:
            self.persons = set()

    def fits_probe(self) -> bool:
        """Whether the file may hold no more rows than the duplicate probe can follow (from its size and the
        shortest plausible row). A larger file is merged once at the end: a probe passing its cap after segments
        were merged would mean rolling them back and reading the file again."""
        try:
            size = self.feed.path.stat().st_size
        except OSError:
            return True
        return size // MIN_ROW_BYTES <= self.probe.limit

    def chunks(self) -> Iterator[str]:
        for batch in self.feed.batches():
            self.read += len(batch)
            if self._checks is None or batch.text is None:
                text = self._validated(batch.records())
                if text:
                    yield text
                continue
            bad = self._bad_rows(batch)
            if not bad:
                self._verbatim(batch, 0, len(batch))
                yield batch.text + "\n"
            elif len(bad) > len(batch) // 8:
                yield self._validated(batch.records())
            else:
                # Verbatim runs between the rows that need the validator, in file order (the later row wins).
                lines = batch.text.split("\n")
                columns = batch.columns
                assert columns is not None
                parts, start = [], 0
                for index in sorted(bad):
                    if index > start:
                        self._verbatim(batch, start, index)
                        parts.append("\n".join(lines[start:index]) + "\n")
                    fields = [column[index] for column in columns]
                    parts.append(self._validated([(batch.lines[index], fields, None)]))
                    start = index + 1
                if start < len(batch):
                    self._verbatim(batch, start, len(batch))
                    parts.append("\n".join(lines[start:]) + "\n")
                yield "".join(parts)

    def _bad_rows(self, batch: Batch) -> set[int]:
        """Indexes of the rows of a plain block holding a value that is not valid-and-canonical."""
        columns = batch.columns
        assert columns is not None and self._checks is not None
        rows: set[int] = set()
        for check, position in zip(self._checks, self._check_columns, strict=True):
            column = columns[position]
            bad = check.bad_values(column)
            if bad:  # one pass in C over the column, whatever the number of bad values
                rows.update(compress(range(len(column)), map(bad.__contains__, column)))
        return rows

    def _verbatim(self, batch: Batch, start: int, stop: int) -> None:
        """Book rows ``start:stop`` of a plain block as staged verbatim."""
        columns = batch.columns
        assert columns is not None
        id_col, unit_col, month_col = (columns[i][start:stop] for i in self._key_columns)
        self.probe.add(zip(id_col, unit_col, month_col, strict=True), stop - start)
        if self.persons is not None:
            self.persons.update(id_col)  # verbatim: the raw ID number is the canonical one
        self._segment(batch.lines[start:stop])

    def _validated(self, records: Iterable[tuple[int, Sequence[str], str | None]]) -> str:
        """Row by row: rejects reported, valid rows written as CSV (NULL unquoted, strings quoted)."""
        width, validate, reject, order = self.feed.width, self.validate, self.reject, self._order
        out = io.StringIO()
        writer = csv.writer(out, quoting=csv.QUOTE_NOTNULL, lineterminator="\n")
        lines: list[int] = []
        keys = []
        cleans: list[tuple] = []
        for line, fields, error in records:
            if error is not None:
                reject(line, error, fields)
                continue
            if len(fields) != width:
                reject(line, f"字段数为{len(fields)}，与表头的{width}列不一致", fields)
                continue
            clean = validate(fields)
            if clean.__class__ is str:
                reject(line, clean, fields)
                continue
            lines.append(line)
            keys.append(self._key(clean))
            cleans.append(clean)
            writer.writerow([clean[i] for i in order])
        if lines:
            self._segment(lines)
            self.probe.add(keys, len(keys))
            if self.persons is not None:
                self.persons.update(map(itemgetter(self._person), cleans))
        return out.getvalue()

    def _segment(self, lines: Sequence[int]) -> None:
        self._starts.append(self.staged + 1)
        if lines and lines[-1] - lines[0] == len(lines) - 1:
            lines = range(lines[0], lines[-1] + 1)  # consecutive lines (the usual case): no list kept per row
        self._segments.append(lines)
        self.staged += len(lines)

    def line_of(self, number: int) -> int:
        """The file line of the row the staging table numbered ``number`` (1-based, in COPY order)."""
        index = bisect_right(self._starts, number) - 1
        return self._segments[index][number - self._starts[index]]
