"""The valid rows of a feed file as ``COPY … FROM STDIN (FORMAT csv)`` text, for the PostgreSQL path. Pure: no ORM.

For the big monthly feeds a plain block (see :class:`feeds.reader.Batch`) whose every value is already valid and
written canonically is passed to COPY as the very text that was read: the checks run once per distinct value of a
column (``set`` operations), not once per row. Any other block — a bad value, a lower-case ``x``, spaces, quotes —
is validated row by row with the same validator the portable path uses, so both paths accept exactly the same rows
with the same values.

The staging table numbers the rows itself (a serial column, in COPY order); :meth:`CopyStream.line_of` maps that
number back to the line of the file, for the report of superseded rows.

Runs already known (:class:`KnownRuns`, ADR 0002 "runs of lines known from the previous import"): a plain block is
cut into runs of lines (where they start depends only on the lines around them: :data:`feeds.reader.RUN_ENDINGS`),
each with a digest. The import log keeps, per run, its digest and which of its rows went through the row validator
(rejected or rewritten); the other rows were sent verbatim and stored as they are. When the table is as the previous
import left it, a run with a digest of that import is not checked or staged again: only its recorded rows are
validated again (so a rejected row is reported again with its new line number); the keys of all its rows still go
through the duplicate probe.
"""

from __future__ import annotations

import csv
import hashlib
import io
import struct
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain
from operator import itemgetter

import stdnum

from feeds import columnar
from feeds.blocks import SplitBlock
from feeds.canonical import monthly_checks
from feeds.parsing import Bounds
from feeds.probe import EARLY_PROBE_LIMIT, DuplicateProbe, MonthlyKeys, python_hashes
from feeds.reader import Batch, FeedFile
from feeds.rows import MONTHLY_KINDS, KindSpec, RowValidator

Reject = Callable[[int, str, Sequence[str]], None]
Block = SplitBlock | columnar.ArrowBlock
MIN_ROW_BYTES = 45  # the shortest plausible row (a monthly fact with a one-digit amount: 18+18+6+1 characters)
# Part of every run digest: change it when a rule of feeds.rows / feeds.parsing changes which monthly rows are valid or
# how they are written, so that no run checked under the old rules is taken as known.
RUN_RULES = "monthly-1"
_DIGEST = 16  # bytes of SHA-256 kept per run
_RUN_HEAD = struct.Struct("<16sH")  # digest, number of recorded rows (then that many uint16 indexes)


def _without_blank_end(batch: Batch) -> Batch | None:
    """An unsplit block without the blank lines it ends with (None: it has only blank lines)."""
    assert batch.text is not None
    text = batch.text.rstrip("\n")
    if not text:
        return None
    return Batch(batch.lines[: text.count("\n") + 1], text=text, raw=True)


class KnownRuns:
    """The runs of lines of the plain blocks of a file (``Batch.starts``): this import's (``seen``:
    digest → the indexes, within the run, of the rows that went through the row validator) and the previous
    import's (``known``, the same; empty when it may not be trusted). A digest covers the rule version, the kind, the
    accepted range, the header and the run's text."""

    def __init__(
        self,
        kind: str,
        header: Sequence[str],
        bounds: Bounds,
        known: Sequence[tuple[bytes, frozenset[str] | None]] = (),
    ) -> None:
        # The ID-number rule reads python-stdnum's region table: a new release of it may retire or add codes.
        context = (
            f"{RUN_RULES}|stdnum {stdnum.__version__}|{kind}|{bounds.first_year}|{bounds.last_year}|"
            f"{','.join(header)}\n"
        )
        self._prefix = hashlib.sha256(context.encode())
        # ``known`` (feeds.import_log.previous_runs): packed runs, the latest import's first, each with the ID numbers
        # changed since (None: none). A run of an older import is trusted only if none of those is among its ID
        # numbers (``guards``, checked by CopyStream); the latest import that recorded a digest decides.
        self.known: dict[bytes, tuple[int, ...]] = {}
        self.guards: dict[bytes, frozenset[str]] = {}
        for data, changed in reversed(known):
            for digest, rows in self.unpack(data).items():
                self.known[digest] = rows
                if changed:
                    self.guards[digest] = changed
                else:
                    self.guards.pop(digest, None)
        self.seen: dict[bytes, tuple[int, ...]] = {}

    def digest(self, run: str) -> bytes:
        """A run's digest: the context above, then the run's lines joined by newlines."""
        h = self._prefix.copy()
        h.update(run.encode())
        return h.digest()[:_DIGEST]

    def pack(self) -> bytes:
        parts = []
        for digest, rows in self.seen.items():
            parts.append(_RUN_HEAD.pack(digest, len(rows)))
            parts.append(struct.pack(f"<{len(rows)}H", *rows))
        return b"".join(parts)

    @staticmethod
    def unpack(data: bytes) -> dict[bytes, tuple[int, ...]]:
        known, at, data = {}, 0, bytes(data)
        while at < len(data):
            digest, count = _RUN_HEAD.unpack_from(data, at)
            at += _RUN_HEAD.size
            known[digest] = struct.unpack_from(f"<{count}H", data, at)
            at += 2 * count
        return known


class CopyStream:
    """Feeds ``merge_copy``: CSV chunks for COPY, the count of staged rows, the duplicate probe, the line map."""

    def __init__(
        self,
        feed: FeedFile,
        spec: KindSpec,
        validate: RowValidator,
        reject: Reject,
        bounds: Bounds,
        runs: KnownRuns | None = None,
    ) -> None:
        self.feed, self.spec, self.validate, self.reject = feed, spec, validate, reject
        # COPY columns in the file's order, so plain blocks can be sent verbatim.
        self.columns = feed.kind_columns
        self._order = [spec.columns.index(c) for c in self.columns]
        # Probe keys as the text COPY receives for the key columns (the month stays "202501" on both routes).
        width = len(spec.key)  # the key columns come first in a clean row
        self._key = (lambda c: (c[0], c[1], str(c[2]))) if spec.name in MONTHLY_KINDS else (lambda c: c[:width])
        self.read = 0
        self.staged = 0
        self.skipped = 0  # rows of known runs, neither checked nor staged (stored as they are, unchanged)
        self.probe = DuplicateProbe(MonthlyKeys() if spec.name in MONTHLY_KINDS else python_hashes)
        self.persons: set[str] | None = None  # the staged rows' ID numbers, when collect_persons() asked for them
        self._person = spec.columns.index(spec.person_field) if spec.person_field else None
        self._starts: list[int] = []  # first staging number of each segment
        self._segments: list[Sequence[int]] = []  # the file lines of each segment
        # A file with columns the import ignores (a name, say): its plain blocks are cut down to the kind's columns by
        # Arrow (columnar.project), so they may go to COPY as that text; ``p`` then counts in those columns.
        self._project = [feed.positions[c] for c in self.columns] if feed.width > len(spec.columns) else None
        self._checks = monthly_checks(bounds) if spec.name in MONTHLY_KINDS else None
        if self._checks is not None:
            p = feed.positions if self._project is None else {c: i for i, c in enumerate(self.columns)}
            self._check_columns = [p[c] for c in ("id_number", "unit_uscc", "month", spec.columns[3])]
            self._key_columns = [p[c] for c in spec.key]
            self._id_column = p["id_number"]
        self.runs = runs if self._checks is not None else None
        # Plain blocks parsed by Arrow (feeds.columnar, ADR 0024); what it cannot read goes to the Python reader.
        self.arrow = self._checks is not None

    def forget_known(self) -> None:
        """Check and stage every row (a restart; a file past the duplicate probe's cap)."""
        if self.runs is not None:
            self.runs.known, self.runs.guards = {}, {}

    def collect_persons(self) -> None:
        """Keep the distinct ID numbers of the staged rows (the initial load: every staged row is new, so these are
        the touched persons; a set in the producer thread costs less than a ``SELECT DISTINCT`` afterwards)."""
        if self._person is not None:
            self.persons = set()

    def fits_probe(self, early: bool = False) -> bool:
        """Whether the file may hold no more keys than the duplicate probe follows (``early``: with an answer at every
        segment; see :mod:`feeds.probe`), from its size and the shortest plausible row."""
        limit = min(self.probe.limit, EARLY_PROBE_LIMIT) if early else self.probe.limit
        try:
            size = self.feed.path.stat().st_size
        except OSError:
            return True
        return size // MIN_ROW_BYTES <= limit

    def chunks(self) -> Iterator[str]:
        for batch in self.feed.batches(split=not self.arrow):
            if batch.raw and batch.text is not None and batch.text.endswith("\n"):
                batch = _without_blank_end(batch)  # blank lines at the block's end (not records): dropped
                if batch is None:
                    continue
            if batch.raw:
                parsed = self._parsed(batch) if self.arrow else None
                text = self._plain(batch, parsed) if parsed is not None else None
                if text is not None:
                    self.read += len(batch)
                    if text:
                        yield text
                    continue
                batch = self.feed.split(batch)  # read by the Python path (mostly bad rows, non-ASCII, quotes, …)
                if batch is None:
                    continue
            self.read += len(batch)
            if self._checks is None or batch.text is None or self._project is not None:
                text = self._validated(batch.records())
            else:
                text = self._plain(batch, SplitBlock.of(batch))
                if text is None:
                    text = self._validated(batch.records())  # mostly bad rows: row by row
            if text:
                yield text

    def _parsed(self, batch: Batch) -> columnar.ArrowBlock | None:
        """An unsplit block parsed by Arrow — cut down to the kind's columns if the file has others —, or None."""
        assert batch.text is not None
        if self._project is None:
            return columnar.parse(batch.text, self.feed.header, len(batch))
        return columnar.project(batch.text, self.feed.width, self._project, len(batch))

    def _plain(self, batch: Batch, block: Block) -> str | None:
        """A plain block: verbatim spans of valid-and-canonical rows, the validator for the others, known runs skipped
        (but for their recorded rows), in file order (the later row wins). None: mostly bad rows (row by row)."""
        n, runs = len(batch), self.runs
        digests = [runs.digest(text) for text in block.run_texts()] if runs is not None else []
        known = runs.known if runs is not None else {}
        matched = [known.get(digest) for digest in digests] if known else []
        if runs is not None and runs.guards and any(rows is not None for rows in matched):
            self._guard(runs.guards, digests, matched, block, n)
        if not any(rows is not None for rows in matched):
            bad = self._bad_rows(block.unique, block.rows_holding)
            if runs is not None:
                self._record(runs, digests, block.starts, bad)
            if len(bad) > n // 8:
                return None
            events = [(index, "v") for index in sorted(bad)]
        else:
            # Some runs known: check only the others; validate again the recorded rows of the known ones.
            assert runs is not None
            spans = list(zip(block.starts, [*block.starts[1:], n], strict=True))
            unknown = [spans[j] for j, rows in enumerate(matched) if rows is None]
            bad: set[int] = set()
            if unknown:
                index = list(chain.from_iterable(range(a, b) for a, b in unknown))
                sub = block.subset(unknown)
                bad = {index[i] for i in self._bad_rows(sub.unique, sub.rows_holding)}
            events = [(i, "v") for i in bad]
            for (start, stop), rows in zip(spans, matched, strict=True):
                if rows is not None:
                    events.append((start, "s"))  # skip from here
                    events.extend((start + i, "v") for i in rows)
                    events.append((stop, "e"))  # end of the skipped run
                    bad.update(start + i for i in rows)
            self._record(runs, digests, block.starts, bad)
            events.sort()
        if not self.probe.off:
            # every key but the validator's rows' (they add their own) at once, skipped rows included
            rows = [index for index, event in events if event == "v"]
            self.probe.add([block.column(p, excluding=rows) for p in self._key_columns], n - len(rows))
        return self._emit(batch, block, events, n)

    def _guard(
        self,
        guards: dict[bytes, frozenset[str]],
        digests: list[bytes],
        matched: list[tuple[int, ...] | None],
        block: Block,
        n: int,
    ) -> None:
        """Forget the matches of runs from an older import that hold the ID number of a person whose facts a later
        import changed: such a run's rows may no longer be what is stored. (A skipped row's ID number is canonical,
        as stored; the run's rows with another spelling are validated and staged anyway.)"""
        starts = block.starts
        for j, (digest, stop) in enumerate(zip(digests, [*starts[1:], n], strict=True)):
            if matched[j] is not None:
                changed = guards.get(digest)
                if changed is not None and not changed.isdisjoint(block.values(self._id_column, starts[j], stop)):
                    matched[j] = None

    @staticmethod
    def _record(runs: KnownRuns, digests: list[bytes], starts: list[int], bad: set[int]) -> None:
        """This import's runs of the block: digest → the rows (from the run's start) that went through the row
        validator."""
        by_run: dict[int, list[int]] = {}
        for index in bad:
            j = bisect_right(starts, index) - 1
            by_run.setdefault(j, []).append(index - starts[j])
        for j, digest in enumerate(digests):
            runs.seen[digest] = tuple(sorted(by_run.get(j, ())))

    def _emit(self, batch: Batch, block: Block, events: list[tuple[int, str]], n: int) -> str:
        """The block's COPY text. ``events`` (sorted by row): ``v`` a row for the validator, ``s``/``e`` the start
        and the end of a skipped run (rows neither checked nor staged, but probed); other rows go verbatim."""
        parts: list[str] = []
        pending: list[int] = []  # consecutive rows for the validator
        start, skipping = 0, False  # rows start..(next event) are verbatim, or skipped

        validated = [index for index, event in events if event == "v"]
        if self._project is None:
            fields = dict(zip(validated, block.fields(validated), strict=True))  # one call for the block's rows
        else:  # the row as read, with the columns the import ignores (the validator and the report want them)
            texts = batch.text.split("\n") if validated else []
            fields = {index: texts[index].split(",") for index in validated}

        def flush() -> None:
            if pending:
                parts.append(self._validated([(batch.lines[i], fields[i], None) for i in pending]))
                pending.clear()

        for index, event in chain(events, [(n, "x")]):
            if index > start:
                flush()
                if skipping:
                    self.skipped += index - start  # a known run: neither checked nor staged (keys probed in _plain)
                else:
                    self._verbatim(batch, block, start, index)
                    parts.append(block.span(start, index))
            start = max(start, index)
            if event == "v":
                pending.append(index)
                start = index + 1
            elif event == "s":
                skipping = True
            elif event == "e":
                skipping = False
        flush()
        return "".join(parts)

    def _bad_rows(
        self, values_of: Callable[[int], Iterable[str]], rows_holding: Callable[[int, set[str]], Iterable[int]]
    ) -> set[int]:
        """Indexes of a block's rows holding a value that is not valid-and-canonical: ``values_of(position)`` gives
        the values (or the distinct values) of a column of the block, ``rows_holding(position, values)`` the rows
        holding one of ``values`` there."""
        assert self._checks is not None
        rows: set[int] = set()
        for check, position in zip(self._checks, self._check_columns, strict=True):
            bad = check.bad_values(values_of(position))
            if bad:
                rows.update(rows_holding(position, bad))
        return rows

    def _verbatim(self, batch: Batch, block: Block, start: int, stop: int) -> None:
        """Book rows ``start:stop`` of a plain block as staged verbatim."""
        if self.persons is not None:  # verbatim: the raw ID number is the canonical one
            self.persons.update(block.values(self._id_column, start, stop))
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
            self.probe.add(list(zip(*keys, strict=True)), len(keys))
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
