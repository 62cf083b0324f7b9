"""A plain block split by the Python reader (:meth:`feeds.reader.FeedFile.split`), seen through the same methods as
a block Arrow parsed (:class:`feeds.columnar.ArrowBlock`), so that :class:`feeds.staging.CopyStream` treats both
alike: the distinct values of a column, the rows holding some values, a part of the rows, the text of a span of
lines, the fields of some rows, the runs' texts. Pure: no ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import chain, compress

from feeds.reader import Batch

FEW_BAD_VALUES = 2  # up to this many bad values in a column of a block, their rows are found by list.index


def rows_holding(columns: list[list[str]], position: int, values: set[str]) -> Iterable[int]:
    """The rows of plain ``columns`` whose field ``position`` is one of ``values``."""
    column = columns[position]
    if len(values) > FEW_BAD_VALUES:  # one pass in C over the column, whatever the number of values
        return compress(range(len(column)), map(values.__contains__, column))
    # a scan in C per value (list.index: no call per row), several times cheaper than the above
    return chain.from_iterable(_indexes(column, value) for value in values)


def _indexes(column: list[str], value: str) -> Iterator[int]:
    """Where ``value`` occurs in ``column``."""
    index = column.index(value)
    try:
        while True:
            yield index
            index = column.index(value, index + 1)
    except ValueError:
        return


class SplitBlock:
    """A plain block's columns (lists of str, file order), its text and lines (None in a :meth:`subset`: only
    ``columns`` are used), where its runs start."""

    def __init__(
        self, columns: list[list[str]], text: str | None = None, texts: list[str] | None = None, starts=None
    ) -> None:
        self.columns = columns
        self.text = text
        self.texts = texts
        self.starts: list[int] | None = starts

    @classmethod
    def of(cls, batch: Batch) -> SplitBlock:
        """A plain block with its text (no blank line: see :meth:`feeds.reader.FeedFile.split`)."""
        assert batch.columns is not None and batch.text is not None and batch.texts is not None
        return cls(batch.columns, batch.text, batch.texts, batch.starts)

    def unique(self, position: int) -> list[str]:
        """The values of field ``position`` (repeated: ``CanonicalCache.bad_values`` takes their set)."""
        return self.columns[position]

    def rows_holding(self, position: int, values: set[str]) -> Iterable[int]:
        return rows_holding(self.columns, position, values)

    def subset(self, spans: Sequence[tuple[int, int]]) -> SplitBlock:
        """Rows ``start:stop`` of each span, in order (their columns only)."""
        return SplitBlock([list(chain.from_iterable(c[a:b] for a, b in spans)) for c in self.columns])

    def column(self, position: int, excluding: Sequence[int] = ()) -> list[str]:
        """Field ``position`` of every row but ``excluding``."""
        column = self.columns[position]
        if not excluding:
            return column
        kept: list[str] = []
        start = 0
        for row in sorted(set(excluding)):  # the slices between the excluded rows (copied in C, not row by row)
            kept.extend(column[start:row])
            start = row + 1
        kept.extend(column[start:])
        return kept

    def values(self, position: int, start: int, stop: int) -> list[str]:
        return self.columns[position][start:stop]

    def span(self, start: int, stop: int) -> str:
        """Lines ``start:stop`` as COPY text (each ending in a newline)."""
        assert self.texts is not None and self.text is not None
        if start == 0 and stop == len(self.texts):
            return self.text + "\n"
        return "\n".join(self.texts[start:stop]) + "\n"

    def fields(self, rows: Sequence[int]) -> list[list[str]]:
        columns = self.columns
        return [[column[i] for column in columns] for i in rows]

    def run_texts(self) -> Iterator[str]:
        """Each run's lines joined by newlines (the text its digest covers)."""
        texts, starts = self.texts, self.starts
        assert texts is not None and starts is not None
        for start, stop in zip(starts, [*starts[1:], len(texts)], strict=True):
            yield "\n".join(texts[start:stop])
