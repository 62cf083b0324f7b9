"""Reading a feed file (feeds.md): encoding, header and framing checks, streamed. Pure: no ORM.

The file-level problems — not UTF-8, a missing or repeated column, a truncated last line, a NUL character, a
field longer than :data:`FIELD_LIMIT` — raise :class:`FeedFileError`. They may surface only when the reader reaches
them (a bad byte in line 900,000), so the caller must run the whole import in one transaction and roll back on this
error: the file is refused as a whole.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import compress, repeat
from pathlib import Path

from core.errors import DomainError
from feeds.rows import KindSpec

# The longest field a feed may have (the csv module's limit, set here; the real columns are far shorter). A longer
# one, or a NUL character (which PostgreSQL cannot store in text), means the file is not what the sender meant.
FIELD_LIMIT = 1 << 20
csv.field_size_limit(FIELD_LIMIT)


class FeedFileError(DomainError):
    """The file itself is unusable; nothing of it may be imported. ``message`` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="file")


def _nul_error(line: int) -> FeedFileError:
    return FeedFileError(f"第{line}行含有 NUL 字符（\\x00），文件可能已损坏，整个文件未导入")


def _too_long_error(line: int) -> FeedFileError:
    return FeedFileError(f"第{line}行有字段超过 {FIELD_LIMIT:,} 个字符，文件可能已损坏，整个文件未导入")


def _check_text(text: str, first_line: int) -> None:
    """NUL anywhere in ``text`` (lines from ``first_line`` on) refuses the file, naming the line."""
    at = text.find("\x00")
    if at >= 0:
        raise _nul_error(first_line + text.count("\n", 0, at))


def _check_lengths(lines: Sequence[str], numbers: Sequence[int]) -> None:
    """Plain lines (no quotes): a field longer than FIELD_LIMIT refuses the file."""
    if max(map(len, lines), default=0) <= FIELD_LIMIT:  # the usual case, in C
        return
    for number, text_line in zip(numbers, lines, strict=True):
        if len(text_line) > FIELD_LIMIT and any(len(f) > FIELD_LIMIT for f in text_line.split(",")):
            raise _too_long_error(number)


# A data record: (line where it starts — the header is line 1 —, its fields, a CSV framing error confined to it).
Record = tuple[int, Sequence[str], str | None]

BLOCK_CHARS = 1 << 20
CSV_BATCH = 8192
# Runs of lines (feeds.staging.KnownRuns: the COPY path recognises the runs the previous import read). Their
# boundaries depend only on the lines around them (content-defined), so that a line added, removed or changed moves
# no boundary but its neighbours': a run starts on a line whose first field ends with one of RUN_ENDINGS when the
# line before it does not (for a file grouped by person, the first line of ~1 person in 37), at least MIN_RUN_ROWS
# lines after the previous start, and at most MAX_RUN_ROWS lines after it. A block of plain lines ends before the
# last such line it holds, so runs do not straddle blocks.
RUN_ENDINGS = ("00", "37", "74")
MIN_RUN_ROWS = 64
MAX_RUN_ROWS = 4096


def run_starts(first_fields: Sequence[str]) -> list[int]:
    """The indexes where runs start in a block whose lines' first fields are ``first_fields`` (0 first)."""
    marks = map(str.endswith, first_fields, repeat(RUN_ENDINGS, len(first_fields)))
    return run_starts_at(list(compress(range(len(first_fields)), marks)), len(first_fields))


def run_starts_at(marked: Sequence[int], count: int) -> list[int]:
    """:func:`run_starts` from the indexes (ascending) of the ``count`` lines whose first field is marked."""
    previous = set(marked)
    starts = [0]
    for cut in [*(i for i in marked if i and i - 1 not in previous), count]:
        while cut - starts[-1] > MAX_RUN_ROWS:
            starts.append(starts[-1] + MAX_RUN_ROWS)
        if cut < count and cut - starts[-1] >= MIN_RUN_ROWS:
            starts.append(cut)
    return starts


def _last_run_start(lines: Sequence[str], field: int = 0) -> int:
    """The last line (not the first) on which a run starts whatever lines came before it, or 0: the first of a group
    of lines marked in their field ``field`` (see RUN_ENDINGS) with no other such line in the MIN_RUN_ROWS lines
    before it, so that :func:`run_starts_at` starts a run there however the file was cut into blocks (a block ending
    there gives the runs of the file read in other blocks: CRLF and LF, a line longer or shorter before it)."""
    candidate = 0  # the latest group start found (scanning backwards) that may be the answer
    after = None  # whether the line after the one looked at is marked
    for index in range(len(lines) - 1, max(0, len(lines) - 2 * MAX_RUN_ROWS) - 1, -1):
        text = lines[index]
        fields = text.split(",", field + 1)
        marked = len(fields) > field and fields[field].rstrip('"').endswith(RUN_ENDINGS)  # (a quoted file's too)
        if after and not marked:  # the next line starts a group
            if candidate and candidate - (index + 1) >= MIN_RUN_ROWS:
                return candidate
            candidate = index + 1
        elif candidate and candidate - index > MIN_RUN_ROWS:
            return candidate  # no group starts in the MIN_RUN_ROWS lines before it
        after = marked
    return 0


def _plain_text(block: str, width: int, cut: bool = True) -> str | None:
    """``block`` (whole lines, the last without its line end; ``cut``: cut at an LF, so a last ``\r`` was that line
    end's) as plain text — LF line ends, no quotes — when that gives the very records the csv module reads from it,
    else None (the csv module must read it):

    - CRLF line ends (RFC 4180; Windows and Excel exports) read as LF; any other carriage return (in a field, a line
      ended by one alone) needs the csv module;
    - a block whose every field is quoted (``"…","…"``: some exporters quote everything) and holds no quote, comma or
      line end inside a field, without its quotes. Told by counting: as many ``","`` as commas, as many ``"\\n"`` as
      line ends, and no quote left once those and the first and the last are taken away.
    """
    text = block
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if cut and text.endswith("\r"):  # the "\r" of the line end the block was cut at (not the file's last line)
            text = text[:-1]
        if "\r" in text:
            return None
    if '"' in text:
        lines = text.count("\n") + 1
        if not (text.startswith('"') and text.endswith('"') and text.count('"') == 2 * width * lines):
            return None
        if text.count(",") != (width - 1) * lines or text.count('","') != (width - 1) * lines:
            return None
        if text.count('"\n"') != lines - 1:
            return None
        text = text[1:-1].replace('","', ",").replace('"\n"', "\n")
        if '"' in text:
            return None
        if not text or text.startswith("\n") or text.endswith("\n") or "\n\n" in text:
            return None  # a line ``""`` is a record of one empty field for the csv module, not a blank line
    return text


class Batch:
    """Consecutive records of a feed file.

    Plain blocks (no quotes, ``\n`` or ``\r\n`` line ends — the text keeps ``\n`` —, every record with exactly
    ``width`` fields) come column-major in ``columns`` and keep their ``text`` (without blank lines) so that a
    consumer may hand them to COPY as they are;
    a plain block without blank lines also keeps its lines' texts (``texts``, the text split at ``\n``) and where
    its runs of lines start (``starts``; see :data:`RUN_ENDINGS`).
    Other blocks come as ``rows``. ``errors`` maps an index in the batch to a CSV framing error of that record.
    """

    __slots__ = ("_rows", "columns", "errors", "lines", "raw", "starts", "text", "texts")

    def __init__(
        self,
        lines: Sequence[int],
        *,
        rows: list[Sequence[str]] | None = None,
        columns: list[list[str]] | None = None,
        text: str | None = None,
        texts: list[str] | None = None,
        starts: list[int] | None = None,
        errors: dict[int, str] | None = None,
        raw: bool = False,
    ) -> None:
        self.lines = lines
        self.raw = raw  # a block of unquoted lines, not split yet (FeedFile.batches(split=False); FeedFile.split)
        self._rows = rows
        self.columns = columns
        self.text = text
        self.texts = texts
        self.starts = starts
        self.errors = errors or {}

    def __len__(self) -> int:
        return len(self.lines)

    @property
    def rows(self) -> list[Sequence[str]]:
        if self._rows is None:
            assert self.columns is not None
            self._rows = list(zip(*self.columns, strict=True))
        return self._rows

    def records(self) -> Iterator[Record]:
        errors = self.errors
        for index, (line, fields) in enumerate(zip(self.lines, self.rows, strict=True)):
            yield line, fields, errors.get(index)


@dataclass
class FeedFile:
    """An open feed file whose header has been checked. Iterate :meth:`batches` (or :meth:`records`) once."""

    path: Path
    spec: KindSpec
    header: list[str]
    positions: dict[str, int]
    warnings: list[str] = field(default_factory=list)
    _text: io.TextIOWrapper | None = None
    _ends_with_newline: bool = True

    @property
    def width(self) -> int:
        return len(self.header)

    @property
    def kind_columns(self) -> tuple[str, ...]:
        """The kind's columns in the file's order (without the columns the import ignores)."""
        return tuple(sorted(self.spec.columns, key=self.positions.__getitem__))

    def close(self) -> None:
        if self._text is not None:
            self._text.close()

    def __enter__(self) -> FeedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def records(self) -> Iterator[Record]:
        """Data records in file order (empty lines skipped). Raises FeedFileError for file-level problems."""
        for batch in self.batches():
            yield from batch.records()

    def batches(self, split: bool = True) -> Iterator[Batch]:
        """The records in batches, in file order. Raises FeedFileError for file-level problems.

        Reads blocks of about a megabyte. While the text is plain CSV (no quote character, no ``\r``; or a block
        :func:`_plain_text` makes so: CRLF line ends, every field quoted), a block is split with string methods — a
        million rows cost a few C calls, not a million Python iterations. From the first block that is not plain,
        the rest of the file goes through the ``csv`` module. ``split=False``:
        such a block comes unsplit (``Batch.raw``, its text and its lines' numbers), for a consumer that parses it
        itself and hands it to :meth:`split` when it cannot.
        """
        assert self._text is not None
        text = self._text
        line = 2  # where the next record starts
        pending = ""  # an incomplete last line of the previous block
        while True:
            try:
                chunk = text.read(BLOCK_CHARS)
            except UnicodeDecodeError as exc:
                raise FeedFileError(f"文件不是 UTF-8 编码（第{line}行之后无法解码），整个文件未导入") from exc
            if not chunk and "\n" not in pending:
                break
            buffer = pending + chunk
            cut = buffer.rfind("\n")
            if cut < 0:
                pending = buffer
                continue
            block, pending = buffer[:cut], buffer[cut + 1 :]
            # Only the last lines decide where the block ends (see RUN_ENDINGS): split those, not the whole block.
            tail = block.rsplit("\n", 2 * MAX_RUN_ROWS)
            whole = len(tail) <= 2 * MAX_RUN_ROWS  # the block has no more lines than that: tail is every line
            # (marked by the first of the kind's columns: the one the runs' starts are read from, see feeds.staging)
            mark = self.positions[self.kind_columns[0]]
            last = _last_run_start(tail if whole else tail[1:], mark) if chunk else 0
            if last:
                # The block ends before the last line a run may start on; that line starts the next block.
                moved = "\n".join(tail[last if whole else last + 1 :])
                pending = moved + "\n" + pending
                block = block[: len(block) - len(moved) - 1]
            _check_text(block, line)
            plain = _plain_text(block, self.width)
            if plain is None:
                yield from self._csv_batches(self._rest(block, pending), line)
                return
            block = plain
            count = block.count("\n") + 1
            numbers: Sequence[int] = range(line, line + count)
            line += count
            if split:
                batch = self.split(Batch(numbers, text=block, raw=True))
                if batch is not None:
                    yield batch
            else:
                yield Batch(numbers, text=block, raw=True)
        if pending:  # the last line has no line end
            _check_text(pending, line)
            plain = _plain_text(pending, self.width, cut=False)
            if plain is None:
                yield from self._csv_batches(io.StringIO(pending, newline=""), line)
                return
            fields = plain.split(",")
            _check_lengths([plain], [line])  # (the fields without their quotes, as the csv module counts them)
            self._check_last(line, fields)
            yield Batch([line], rows=[fields])

    def split(self, batch: Batch) -> Batch | None:
        """An unsplit block (``Batch.raw``) split into its records; None when it holds only blank lines. Raises
        FeedFileError for a field longer than FIELD_LIMIT."""
        block, numbers, width = batch.text, batch.lines, self.width
        assert batch.raw and block is not None
        lines = block.split("\n")
        if len(block) > FIELD_LIMIT:
            _check_lengths(lines, numbers)
        plain = "" not in lines
        if not plain:
            kept = [(n, text_line) for n, text_line in zip(numbers, lines, strict=True) if text_line]
            numbers, lines = [n for n, _ in kept], [text_line for _, text_line in kept]
            if not lines:
                return None
        if set(map(str.count, lines, repeat(",", len(lines)))) == {width - 1}:
            flat = ",".join(lines).split(",")
            columns = [flat[i::width] for i in range(width)]
            if plain:
                return Batch(numbers, columns=columns, text=block, texts=lines, starts=run_starts(columns[0]))
            return Batch(numbers, columns=columns)
        return Batch(numbers, rows=[text_line.split(",") for text_line in lines])

    def _rest(self, head: str, pending: str) -> Iterator[str]:
        """``head`` (complete lines), then the partial line ``pending`` completed, then the rest of the file."""
        assert self._text is not None
        yield from io.StringIO(head + "\n", newline="")
        # ``pending`` may hold whole lines (the rest of an aligned block) before the partial one.
        yield from io.StringIO(pending + self._text.readline(), newline="")
        yield from self._text

    def _check_last(self, line: int, fields: Sequence[str]) -> None:
        if not self._ends_with_newline and len(fields) < self.width:
            raise FeedFileError(
                f"文件最后一行（第{line}行）只有{len(fields)}个字段（表头{self.width}个）且没有换行符，"
                "文件可能被截断，整个文件未导入"
            )

    def _csv_batches(self, source: Iterable[str], first_line: int) -> Iterator[Batch]:
        lines: list[int] = []
        rows: list[Sequence[str]] = []
        errors: dict[int, str] = {}
        for line, fields, error in self._csv_records(source, first_line):
            if error is not None:
                errors[len(rows)] = error
            lines.append(line)
            rows.append(fields)
            if len(rows) >= CSV_BATCH:
                yield Batch(lines, rows=rows, errors=errors)
                lines, rows, errors = [], [], {}
        if rows:
            yield Batch(lines, rows=rows, errors=errors)

    def _csv_records(self, source: Iterable[str], first_line: int) -> Iterator[Record]:
        """Records parsed by the csv module, with one record of look-ahead to recognise the last one."""
        reader = csv.reader(_without_nul(source, first_line), strict=True)
        offset = first_line - 1  # reader.line_num counts from 1 within ``source``
        previous: Record | None = None
        line = first_line
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except UnicodeDecodeError as exc:
                raise FeedFileError(
                    f"文件不是 UTF-8 编码（第{reader.line_num + offset + 1}行附近无法解码），整个文件未导入"
                ) from exc
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    raise _too_long_error(line) from exc
                if "unexpected end of data" in str(exc):
                    raise FeedFileError(
                        f"文件最后一行（第{line}行）不完整（引号未闭合），文件可能被截断，整个文件未导入"
                    ) from exc
                record: Record = (line, [], f"CSV格式错误：{exc}")
            else:
                if not fields:
                    line = reader.line_num + offset + 1
                    continue
                record = (line, fields, None)
            line = reader.line_num + offset + 1
            if previous is not None:
                yield previous
            previous = record
        if previous is not None:
            self._check_last(previous[0], previous[1])
            yield previous

    def raw_lines(self, wanted: set[int]) -> dict[int, list[str]]:
        """A second pass: the fields of the records starting on the ``wanted`` lines (for the rejects report)."""
        found: dict[int, list[str]] = {}
        with open_feed(self.path, self.spec) as again:
            for line, fields, _ in again.records():
                if line in wanted:
                    found[line] = list(fields)
        return found


def _without_nul(source: Iterable[str], first_line: int) -> Iterator[str]:
    """The lines of ``source`` (counted as csv counts them), refusing the file at the first NUL."""
    for number, text_line in enumerate(source, first_line):
        if "\x00" in text_line:
            raise _nul_error(number)
        yield text_line


def open_feed(path: str | os.PathLike, spec: KindSpec) -> FeedFile:
    """Open ``path`` as a feed of ``spec`` and check its header. Raises FeedFileError when unusable."""
    path = Path(path)
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise FeedFileError(f"无法读取文件 {path}：{exc.strerror or exc}") from exc
    try:
        size = os.fstat(raw.fileno()).st_size
        ends_with_newline = True
        if size:
            raw.seek(size - 1)
            ends_with_newline = raw.read(1) in (b"\n", b"\r")
            raw.seek(0)
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
        try:
            header_line = text.readline()
        except UnicodeDecodeError as exc:
            raise FeedFileError("文件不是 UTF-8 编码（表头无法解码），整个文件未导入") from exc
        _check_text(header_line, 1)
        try:
            header = [h.strip() for h in next(csv.reader([header_line]), [])]
        except csv.Error as exc:
            raise FeedFileError(f"表头（第1行）无法解析：{exc}，整个文件未导入") from exc
        if not any(header):
            raise FeedFileError("文件为空或缺少表头行，整个文件未导入")
        repeated = sorted({h for h in header if header.count(h) > 1})
        if repeated:
            raise FeedFileError(f"表头中的列重复：{', '.join(repeated)}，整个文件未导入")
        missing = [c for c in spec.columns if c not in header]
        if missing:
            raise FeedFileError(
                f"表头缺少必需的列：{', '.join(missing)}（{spec.name} 需要：{', '.join(spec.columns)}），整个文件未导入"
            )
        extra = [h for h in header if h not in spec.columns]
        warnings = [f"忽略多余的列：{', '.join(extra)}"] if extra else []
        positions = {c: header.index(c) for c in spec.columns}
    except BaseException:
        raw.close()
        raise
    return FeedFile(path, spec, header, positions, warnings, text, ends_with_newline)
