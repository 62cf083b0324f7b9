"""Whether a key may occur twice in a feed file: the duplicate probe of the COPY path (ADR 0002). Pure: no ORM.

Each key is reduced to a 64-bit number and the numbers are kept in Arrow arrays, 8 bytes a key. A file with no
repeated key — the usual case — spares the sort that deduplicates the staging table exactly. Conservative: two keys
with the same number, a key that cannot be reduced, or more keys than :data:`DUPLICATE_PROBE_LIMIT` only cost that
sort (``maybe`` true), never a wrong merge.

The monthly facts' keys (ID number, unit, month) are reduced in Arrow, column by column (:class:`MonthlyKeys`): the
same function for the rows sent verbatim, the rows the validator wrote and the rows of known runs, so one key gives
one number whichever way its line went. Other kinds' keys are few and reduced by Python's ``hash``.

Two ways to answer: ``early`` (while segments are merged as the file is read, the producer asks at every segment)
puts the numbers into a ``set`` as well when asked, ~70 bytes a key, up to :data:`EARLY_PROBE_LIMIT`; otherwise
(and at the end of the file) they are sorted and neighbours compared, ~24 bytes a key at that moment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

# Keys followed at all: 8 bytes each while the file is read, 24 at the end (the sort) — at most ~240 MB, a file of
# ~450 MB; a larger file is deduplicated in SQL and uses no known runs (merge_pg), with memory flat in its size.
DUPLICATE_PROBE_LIMIT = 10_000_000
EARLY_PROBE_LIMIT = 5_000_000  # keys followed with an answer at every segment (the set: ~350 MB at this many)
BATCH_ROWS = 65_536
_MASK = (1 << 64) - 1
# Odd 64-bit multipliers (golden ratio, a MurmurHash constant): key number = id17·A + (unit·10⁶ + month)·B mod 2⁶⁴.
_A, _B = 0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F

Hashes = Callable[[Sequence[Sequence[str]]], object]  # key columns → a pyarrow uint64 array, or None: cannot reduce


class MonthlyKeys:
    """A monthly fact's key columns (ID number, unit USCC, month as ``YYYYMM``; canonical text, as Arrow arrays or
    lists of str) → one uint64 a row: the ID number's first 17 digits (they decide its check character), the unit's
    number in the order units are first met in the file, the month. None when a column is not such text."""

    def __init__(self) -> None:
        self._units: dict[str, int] = {}

    def __call__(self, columns: Sequence[Sequence[str]]):
        import pyarrow as pa
        import pyarrow.compute as pc

        ids, units, months = (c if isinstance(c, pa.Array) else pa.array(c, pa.string()) for c in columns)
        u64 = pa.uint64()
        try:
            person = pc.cast(pc.utf8_slice_codeunits(ids, 0, 17), u64)
            month = pc.cast(months, u64)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return None
        encoded = pc.dictionary_encode(units)
        numbers = [self._units.setdefault(unit, len(self._units)) for unit in encoded.dictionary.to_pylist()]
        unit = pc.take(pa.array(numbers, u64), encoded.indices)
        place = pc.add(pc.multiply(unit, pa.scalar(1_000_000, u64)), month)
        # uint64 arithmetic wraps around (pyarrow's unchecked kernels): the number is the key modulo 2⁶⁴
        return pc.add(pc.multiply(person, pa.scalar(_A, u64)), pc.multiply(place, pa.scalar(_B, u64)))


def python_hashes(columns: Sequence[Sequence]):
    """Any key columns (the clean values of other kinds) → their rows' Python ``hash``, as uint64."""
    import pyarrow as pa

    return pa.array([hash(key) & _MASK for key in zip(*columns, strict=True)], pa.uint64())


class DuplicateProbe:
    """``add`` the key columns of every row sent or skipped; ``maybe``: whether some key may have come twice."""

    def __init__(self, hashes: Hashes = python_hashes, limit: int | None = None) -> None:
        self._hashes = hashes
        self.limit = DUPLICATE_PROBE_LIMIT if limit is None else limit
        self.early = False  # answer at every segment (see the module's docstring); off for good once switched off
        self._seen: set[int] = set()
        self._chunks: list = []
        self._count = 0
        self._counted = 0  # keys already counted distinct
        self._in_set = 0  # chunks already in the set
        self._pending: list[list] = []  # key columns gathered from Python lists, not yet reduced
        self._pending_count = 0
        self._maybe = False
        self._settled = False

    def add(self, columns: Sequence[Sequence], count: int) -> None:
        """The key columns of ``count`` rows (in the order of the kind's key). Python lists and tuples are gathered and
        reduced :data:`BATCH_ROWS` at a time (a known run's rows, or the validator's, come a few at a time). After
        :meth:`settle` (the whole file read) nothing more is expected: a key added then switches the probe off."""
        if self._maybe or not count:
            return
        if self._settled:
            self.switch_off()
            return
        if isinstance(columns[0], (list, tuple)):
            if not self._pending:
                self._pending = [[] for _ in columns]
            for gathered, column in zip(self._pending, columns, strict=True):
                gathered.extend(column)
            self._pending_count += count
            if self._pending_count >= BATCH_ROWS:
                self._flush()
            return
        self._reduce(columns, count)

    def _flush(self) -> None:
        if self._pending_count:
            pending, count = self._pending, self._pending_count
            self._pending, self._pending_count = [], 0
            self._reduce(pending, count)

    def _reduce(self, columns: Sequence[Sequence], count: int) -> None:
        numbers = self._hashes(columns)
        self._count += count
        if numbers is None or self._count > self.limit:
            self.switch_off()
            return
        self._chunks.append(numbers)

    def switch_off(self) -> None:
        """Give up: a key may repeat (so the merge deduplicates exactly)."""
        self._maybe, self.early = True, False
        self._seen, self._chunks, self._pending, self._pending_count = set(), [], [], 0

    def settle(self) -> bool:
        """``maybe`` once the whole file is read: the numbers not asked about yet go into the set if one was started
        (a question at a segment), else all of them are counted at once."""
        if not self._seen:
            self.early = False
        answer = self.maybe
        self._settled = True
        self._chunks, self._seen = [], set()  # answered: the numbers are not needed any more
        return answer

    @property
    def off(self) -> bool:
        """Switched off (a key may repeat) — known without counting."""
        return self._maybe

    @property
    def maybe(self) -> bool:
        """Whether some key may have come twice. ``early``: the numbers added since the last question go into the set
        (a question at every segment costs only the new keys); otherwise all of them are counted at once."""
        self._flush()
        if not self._maybe and self._count > self._counted:
            if self.early:
                for chunk in self._chunks[self._in_set :]:
                    self._seen.update(chunk.to_pylist())
                self._in_set = len(self._chunks)
                if len(self._seen) != self._count:
                    self.switch_off()
            else:
                import pyarrow as pa
                import pyarrow.compute as pc

                # Sorted, then neighbours compared: ~0.15 s and 16 bytes a key more at 1,000,000 keys (a hash table
                # — pyarrow.compute.unique — was as fast but took ~180 bytes a key: 1.1 GB at 6,000,000).
                self._seen = set()  # (a set of the segments' questions, if any: not needed for this)
                numbers = pa.concat_arrays(self._chunks)
                self._chunks = []
                ordered = numbers.take(pc.array_sort_indices(numbers))
                del numbers
                size = len(ordered)
                if size > 1 and pc.any(pc.equal(ordered.slice(1), ordered.slice(0, size - 1))).as_py():
                    self.switch_off()
                else:
                    self._chunks, self._seen, self._in_set = [ordered], set(), 0
            self._counted = self._count
        return self._maybe
