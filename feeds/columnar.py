"""A block of plain feed lines parsed by Apache Arrow's CSV reader (C++), for the COPY stream (ADR 0024).

Splitting a million lines into fields and building each column's set of distinct values cost the Python producer
~0.9 s of its ~1.2 s; Arrow does both in ~0.2 s. Used only for blocks it reads exactly as :meth:`FeedFile.split`
would: ASCII, no blank line, every line with the header's number of fields, no field over the reader's limit —
anything else is left to the Python path (``None``). Pure: no ORM.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from itertools import pairwise

from feeds.reader import FIELD_LIMIT, RUN_ENDINGS, run_starts_at


class ArrowBlock:
    """The columns (file order) of a plain block, where its lines start, and the runs' starts (``run_starts``); the
    methods of :class:`feeds.blocks.SplitBlock`, for the same block read by the Python reader."""

    def __init__(self, text: str, columns: list, ends, starts: list[int]) -> None:
        self.text = text
        self.columns = columns  # pyarrow string arrays
        self._ends = ends  # character offset just past each line's newline (the last: len(text) + 1), int64 array
        self.starts = starts

    def offset(self, row: int) -> int:
        """Where line ``row`` starts in the text (``row == len``: one past the end, as if it ended in a newline)."""
        return self._ends[row - 1].as_py() if row else 0

    def unique(self, position: int) -> list[str]:
        """The distinct values of field ``position``."""
        import pyarrow.compute as pc

        return pc.unique(self.columns[position]).to_pylist()

    def values(self, position: int, start: int, stop: int) -> list[str]:
        """Field ``position`` of rows ``start:stop``."""
        return self.columns[position].slice(start, stop - start).to_pylist()

    def rows_holding(self, position: int, values: set[str]) -> list[int]:
        """The rows whose field ``position`` is one of ``values``, ascending."""
        import pyarrow as pa
        import pyarrow.compute as pc

        mask = pc.is_in(self.columns[position], value_set=pa.array(sorted(values), pa.string()))
        return pc.indices_nonzero(mask).to_pylist()

    def subset(self, spans: Sequence[tuple[int, int]]) -> ArrowBlock:
        """Rows ``start:stop`` of each span, in order (their columns only)."""
        import pyarrow as pa

        columns = [pa.concat_arrays([column.slice(a, b - a) for a, b in spans]) for column in self.columns]
        return ArrowBlock("", columns, [], [])

    def span(self, start: int, stop: int) -> str:
        """Lines ``start:stop`` as COPY text (each ending in a newline)."""
        text = self.text[self.offset(start) : self.offset(stop)]
        return text if stop < len(self.columns[0]) else text + "\n"

    def run_texts(self) -> Iterator[str]:
        """Each run's lines joined by newlines (the text its digest covers)."""
        offsets = [*map(self.offset, self.starts), self.offset(len(self.columns[0]))]
        for start, stop in pairwise(offsets):
            yield self.text[start : stop - 1]

    def fields(self, rows: Sequence[int]) -> list[list[str]]:
        """The fields of ``rows``, in file order."""
        import pyarrow as pa

        if not rows:
            return []
        indices = pa.array(rows, pa.int64())
        return [list(row) for row in zip(*(column.take(indices).to_pylist() for column in self.columns), strict=True)]

    def column(self, position: int, excluding: Sequence[int] = ()):
        """Field ``position`` of every row but ``excluding``, as a pyarrow string array."""
        import pyarrow as pa
        import pyarrow.compute as pc

        column = self.columns[position]
        if not excluding:
            return column
        keep = [True] * len(column)
        for row in excluding:
            keep[row] = False
        return pc.filter(column, pa.array(keep, pa.bool_()))


def parse(text: str, header: Sequence[str], count: int) -> ArrowBlock | None:
    """``text`` (``count`` lines, no final newline) parsed, or None when the Python path must read it."""
    if not text or not text.isascii() or text.startswith("\n") or text.endswith("\n") or "\n\n" in text:
        return None
    columns = _read(text.encode("ascii"), len(header), count)
    return None if columns is None else _block(text, columns, count)


def project(text: str, width: int, keep: Sequence[int], count: int) -> ArrowBlock | None:
    """The fields ``keep`` (in that order) of ``text``'s ``count`` lines of ``width`` plain fields, as the block of
    those fields alone (a file with columns the import ignores: ``id_number,unit_uscc,month,base_amount,姓名``); None
    when Arrow cannot read it so (the Python path reads the block instead, and refuses a field over its limit)."""
    # (Arrow's reader skips a byte-order mark at the start of its input: a line beginning with one is the Python
    # path's, which reads it as part of the first field — an ID number then too long — as the portable path does.)
    if not text or text.startswith(("\n", "\ufeff")) or text.endswith("\n") or "\n\n" in text:
        return None
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = _read(text.encode(), width, count)
    if columns is None:
        return None
    ignored = (column for i, column in enumerate(columns) if i not in keep)  # (the kept ones: _block checks them)
    if any((pc.max(pc.binary_length(column)).as_py() or 0) > FIELD_LIMIT for column in ignored):
        return None
    kept = [columns[i] for i in keep]
    lines = pc.binary_join_element_wise(pc.binary_join_element_wise(*kept, ","), pa.scalar(""), "\n")
    # The lines' bytes lie one after another in the array's data buffer: the whole text without a copy per line.
    offsets = pa.Array.from_buffers(pa.int32(), len(lines) + 1, [None, lines.buffers()[1]])
    data = lines.buffers()[2].to_pybytes()[offsets[0].as_py() : offsets[-1].as_py() - 1]
    if not data.isascii():
        return None
    return _block(data.decode("ascii"), kept, count)


def _read(data: bytes, width: int, count: int) -> list | None:
    """The ``width`` columns of ``count`` lines of plain CSV, or None."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False, block_size=len(data) + 1),
            parse_options=pacsv.ParseOptions(quote_char=False, escape_char=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # a line with another number of fields, …
    if table.num_rows != count:
        return None
    return [table.column(i).combine_chunks() for i in range(width)]


def _block(text: str, columns: list, count: int) -> ArrowBlock | None:
    """The block of ASCII ``text`` whose fields are ``columns``; None when a field is over the reader's limit."""
    import pyarrow.compute as pc

    widths = [pc.binary_length(column) for column in columns]
    if any((pc.max(width).as_py() or 0) > FIELD_LIMIT for width in widths):
        return None  # the Python path refuses the file, naming the line
    length = widths[0]
    for width in widths[1:]:
        length = pc.add(length, width)
    ends = pc.cumulative_sum(pc.add(length, len(columns)))  # + the commas and the newline
    if ends[-1].as_py() != len(text) + 1:
        return None
    marked = pc.indices_nonzero(_ends_in(columns[0], RUN_ENDINGS)).to_pylist()
    return ArrowBlock(text, columns, ends, run_starts_at(marked, count))


def _ends_in(column, endings: Sequence[str]):
    """Whether each value of ``column`` ends in one of ``endings`` (a slice and a lookup per length: several times
    cheaper than a regular expression)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    mask = None
    for size in sorted(set(map(len, endings))):
        tails = pc.utf8_slice_codeunits(column, -size)
        found = pc.is_in(tails, value_set=pa.array([e for e in endings if len(e) == size], pa.string()))
        mask = found if mask is None else pc.or_(mask, found)
    return mask
