"""Reading a feed file (feeds.md): encoding, header and framing checks, streamed. Pure: no ORM.

The file-level problems — not UTF-8, a missing or repeated column, a truncated last line — raise
:class:`FeedFileError`. They may surface only when the reader reaches them (a bad byte in line 900,000), so the
caller must run the whole import in one transaction and roll back on this error: the file is refused as a whole.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from feeds.parsing import KindSpec

csv.field_size_limit(1 << 20)


class FeedFileError(Exception):
    """The file itself is unusable; nothing of it may be imported. ``message`` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# A data record: (line where it starts — the header is line 1 —, its fields, a CSV framing error confined to it).
Record = tuple[int, list[str], str | None]


@dataclass
class FeedFile:
    """An open feed file whose header has been checked. Iterate :meth:`records` once."""

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

    def close(self) -> None:
        if self._text is not None:
            self._text.close()

    def __enter__(self) -> FeedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def records(self) -> Iterator[Record]:
        """Data records in file order (blank lines skipped). Raises FeedFileError for file-level problems.

        One record of look-ahead, to know which one is the last (a short last line without a newline means the
        file was cut off).
        """
        assert self._text is not None
        reader = csv.reader(self._text, strict=True)
        previous: Record | None = None
        line = 2  # where the next record starts
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                break
            except UnicodeDecodeError as exc:
                raise FeedFileError(
                    f"文件不是 UTF-8 编码（第{reader.line_num + 2}行附近无法解码），整个文件未导入"
                ) from exc
            except csv.Error as exc:
                if "unexpected end of data" in str(exc):
                    raise FeedFileError(
                        f"文件最后一行（第{line}行）不完整（引号未闭合），文件可能被截断，整个文件未导入"
                    ) from exc
                record = (line, [], f"CSV格式错误：{exc}")
            else:
                if not fields or (len(fields) == 1 and not fields[0].strip()):
                    line = reader.line_num + 2
                    continue
                record = (line, fields, None)
            line = reader.line_num + 2
            if previous is not None:
                yield previous
            previous = record
        if previous is not None:
            if not self._ends_with_newline and len(previous[1]) < self.width:
                raise FeedFileError(
                    f"文件最后一行（第{previous[0]}行）只有{len(previous[1])}个字段（表头{self.width}个）且没有换行符，"
                    "文件可能被截断，整个文件未导入"
                )
            yield previous

    def raw_lines(self, wanted: set[int]) -> dict[int, list[str]]:
        """A second pass: the fields of the records starting on the ``wanted`` lines (for the rejects report)."""
        found: dict[int, list[str]] = {}
        with open_feed(self.path, self.spec) as again:
            for line, fields, _ in again.records():
                if line in wanted:
                    found[line] = fields
        return found


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
        header = [h.strip() for h in next(csv.reader([header_line]), [])]
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
