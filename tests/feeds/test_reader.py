"""File-level checks of a feed file (pure, no database): encoding, header, framing, line numbers."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.reader import FeedFileError, open_feed
from feeds.rows import KINDS

PENSION = KINDS["pension"]
HEADER = "id_number,unit_uscc,month,base_amount\n"


def records(path):
    with open_feed(path, PENSION) as feed:
        return [(line, list(fields), error) for line, fields, error in feed.records()]


def write(tmp_path, data: bytes | str):
    path = tmp_path / "feed.csv"
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def test_line_numbers_skip_blank_lines(tmp_path):
    path = write(tmp_path, HEADER + "a,b,202501,1\n\n\nc,d,202502,2\n")
    assert records(path) == [(2, ["a", "b", "202501", "1"], None), (5, ["c", "d", "202502", "2"], None)]


def test_quoted_newline_keeps_the_start_line(tmp_path):
    path = write(tmp_path, HEADER + 'a,"b\nb",202501,1\nc,d,202502,2\n')
    assert [r[0] for r in records(path)] == [2, 4]


def test_bom_and_crlf_accepted(tmp_path):
    path = write(tmp_path, "\ufeff" + HEADER.replace("\n", "\r\n") + "a,b,202501,1\r\n")
    with open_feed(path, PENSION) as feed:
        assert feed.header == list(PENSION.columns)
        assert [(n, list(f), e) for n, f, e in feed.records()] == [(2, ["a", "b", "202501", "1"], None)]


@pytest.mark.parametrize(
    ("body", "fast"),
    [
        ("a,b,202501,1\r\nc,d,202502,2\r\n", True),  # CRLF throughout
        ("a,b,202501,1\r\nc,d,202502,2\n\r\ne,f,202503,3", True),  # mixed, a blank CRLF line, no final line end
        ("a,b,202501,1\r\nc,d,2025\r02,2\r\ne,f,202503,3\r\n", False),  # a lone CR: a line end for the csv module
        ("a,b,202501,1\r\r\nc,d,202502,2\r\n", False),  # CR CR LF
        ("a,b,202501,1\r\n\r", False),  # a lone CR after the last line end: no record
        ("a,b,202501,1\n\r", False),
        ('"a","b","202501","1"\n"c","d","202502","2"\n', True),  # every field quoted
        ('"a","b","202501","1"\r\n"c","","202502","2"', True),  # and CRLF, an empty field, no final line end
        ('"a","b,x","202501","1"\n"c","d","202502","2"\n', False),  # a comma in a field
        ('"a","b""x","202501","1"\n"c","d","202502","2"\n', False),  # a quote in a field
        ('"a","b\nx","202501","1"\n"c","d","202502","2"\n', False),  # a line end in a field
        ('"a","b\r\nx","202501","1"\r\n"c","d","202502","2"\r\n', False),  # a CRLF in a field (kept as it is)
        ('a,"b",202501,1\n"c","d","202502","2"\n', False),  # some fields quoted
        ('"a","b","202501","\n"c","d","202502","2"\n', False),  # a quote shared by two separators
        ('"a","b","202501","1"\n\n"c","d","202502","2"\n', False),  # a blank line
        (' "a","b","202501","1"\n', False),  # a space before a quote
        ('""\n"a","b","202501","1"\n""\n"","",""\n"","","","",""\n', False),  # "" a record, not a blank line
    ],
)
def test_crlf_and_quoted_blocks_give_the_csv_modules_records(tmp_path, body, fast, monkeypatch):
    """A block with CRLF line ends, or with every field quoted, is read as plain text (the fast path): the same
    records and line numbers as the csv module gives, which still reads anything else with a carriage return or a
    quote."""
    from feeds import reader

    path = write(tmp_path, HEADER.replace("\n", "\r\n") + body)
    by_csv_module = []
    original = reader.FeedFile._csv_batches
    monkeypatch.setattr(reader.FeedFile, "_csv_batches", lambda *a: by_csv_module.append(1) or original(*a))
    read = records(path)
    assert bool(by_csv_module) is not fast
    monkeypatch.setattr(reader.FeedFile, "batches", _csv_only)
    assert read == records(path)


def test_a_quoted_last_line_without_a_line_end_counts_its_fields_without_quotes(tmp_path):
    """A field of exactly the reader's limit, quoted, on a last line with no line end: read, as the csv module
    reads it (its quotes are not part of its length)."""
    from feeds.reader import FIELD_LIMIT

    long = "9" * FIELD_LIMIT
    path = write(tmp_path, HEADER + f'"a","b","202501","{long}"')
    assert records(path) == [(2, ["a", "b", "202501", long], None)]


def _csv_only(self, split=True):
    """FeedFile.batches as if every block had a quote in it: the csv module reads the whole file."""
    yield from self._csv_batches(self._text, 2)


def test_header_order_is_free_and_extra_columns_warn(tmp_path):
    path = write(tmp_path, "month, base_amount ,note,unit_uscc,id_number\n202501,1,x,b,a\n")
    with open_feed(path, PENSION) as feed:
        assert feed.positions == {"month": 0, "base_amount": 1, "unit_uscc": 3, "id_number": 4}
        assert feed.warnings == ["忽略多余的列：note"]


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ("id_number,unit_uscc,month\na,b,202501\n", "缺少必需的列：base_amount"),
        ("", "文件为空"),
        ("\n", "文件为空"),
        ("id_number,id_number,unit_uscc,month,base_amount\n", "列重复"),
        ("身份证号,单位,月份,金额\n", "缺少必需的列"),
    ],
)
def test_bad_header_refused(tmp_path, data, fragment):
    with pytest.raises(FeedFileError) as exc:
        open_feed(write(tmp_path, data), PENSION)
    assert fragment in exc.value.message


def test_missing_file_refused(tmp_path):
    with pytest.raises(FeedFileError) as exc:
        open_feed(tmp_path / "nope.csv", PENSION)
    assert "无法读取文件" in exc.value.message


def test_gbk_file_refused_in_the_header(tmp_path):
    path = write(tmp_path, "id_number,unit_uscc,month,base_amount,备注\n".encode("gbk"))
    with pytest.raises(FeedFileError) as exc:
        open_feed(path, PENSION)
    assert "UTF-8" in exc.value.message


def test_gbk_bytes_deep_in_the_file_refused_when_reached(tmp_path):
    body = "".join(f"a,b,2025{m:02d},1\n" for m in range(1, 13)) * 2000
    path = write(tmp_path, HEADER.encode() + body.encode() + "张三,b,202501,1\n".encode("gbk"))
    with pytest.raises(FeedFileError) as exc:
        records(path)
    assert "不是 UTF-8 编码" in exc.value.message


def test_truncated_last_line_refused(tmp_path):
    path = write(tmp_path, HEADER + "a,b,202501,1\nc,d,2025")
    with pytest.raises(FeedFileError) as exc:
        records(path)
    assert "第3行" in exc.value.message and "截断" in exc.value.message


def test_unterminated_quote_at_the_end_refused(tmp_path):
    path = write(tmp_path, HEADER + 'a,b,202501,1\nc,d,202502,"12\n')
    with pytest.raises(FeedFileError) as exc:
        records(path)
    assert "引号未闭合" in exc.value.message


def test_short_last_line_with_newline_is_a_row_problem_not_a_file_problem(tmp_path):
    path = write(tmp_path, HEADER + "a,b,202501,1\nc,d\n")
    assert records(path)[-1] == (3, ["c", "d"], None)


def test_complete_last_line_without_newline_is_fine(tmp_path):
    path = write(tmp_path, HEADER + "a,b,202501,1\nc,d,202502,2")
    assert records(path)[-1] == (3, ["c", "d", "202502", "2"], None)


def test_bad_quoting_in_the_middle_rejects_that_record_only(tmp_path):
    path = write(tmp_path, HEADER + 'a,"b"x,202501,1\nc,d,202502,2\n')
    found = records(path)
    assert found[0][0] == 2 and found[0][2].startswith("CSV格式错误")
    assert found[1] == (3, ["c", "d", "202502", "2"], None)


def test_raw_lines_second_pass(tmp_path):
    path = write(tmp_path, HEADER + "a,b,202501,1\nc,d,202502,2\ne,f,202503,3\n")
    with open_feed(path, PENSION) as feed:
        assert feed.raw_lines({2, 4}) == {2: ["a", "b", "202501", "1"], 4: ["e", "f", "202503", "3"]}


def test_blocks_and_the_csv_module_agree(tmp_path, monkeypatch):
    """Small blocks force plain blocks, a switch to the csv module mid-file and a line split across blocks."""
    from feeds import reader

    body = "".join(f"a{n},b,2025{n % 12 + 1:02d},{n}\n" for n in range(300))
    body += "\n" + 'q,"b",202501,1\n' + "x,y\n" + "".join(f"c{n},d,202501,{n}\n" for n in range(50))
    path = write(tmp_path, HEADER + body)
    expected = records(path)
    monkeypatch.setattr(reader, "BLOCK_CHARS", 97)
    assert records(path) == expected
    assert expected[300] == (303, ["q", "b", "202501", "1"], None)
    assert expected[301] == (304, ["x", "y"], None)
    assert len(expected) == 352


@pytest.mark.parametrize("newline_at_end", [True, False])
def test_plain_blocks_end_where_a_run_of_lines_starts(tmp_path, monkeypatch, newline_at_end):
    """A plain block ends before the last line a run may start on (the runs feeds.staging recognises depend only on
    the lines around them); the records are the same as with one block, the last line too."""
    from feeds import reader

    def first(n):  # every 10th person's first field ends with "37"; 3 lines a person
        return f"p{n // 3:05d}" + ("37" if n // 3 % 10 == 0 else "1")

    body = "".join(f"{first(n)},b{'x' * (n % 7)},2025{n % 12 + 1:02d},{n}\n" for n in range(2000))
    path = write(tmp_path, HEADER + (body if newline_at_end else body.rstrip("\n")))
    expected = records(path)
    monkeypatch.setattr(reader, "BLOCK_CHARS", 3000)
    monkeypatch.setattr(reader, "MIN_RUN_ROWS", 2)
    assert records(path) == expected and len(expected) == 2000
    with open_feed(path, PENSION) as feed:
        batches = list(feed.batches())
    assert len(batches) > 10 and [n for b in batches for n in b.lines] == list(range(2, 2002))
    plain = [b for b in batches if b.text is not None]  # (without a newline at the end, the last line comes alone)
    assert len(plain) >= len(batches) - 1
    for batch in plain:
        assert batch.texts == batch.text.split("\n") and batch.starts[0] == 0
        # every run starts on the first line of a marked person (the block's first line included), but the first
        assert all(batch.columns[0][i].endswith("37") for i in batch.starts if batch.lines[i] > 2)
        assert all(batch.columns[0][i - 1] != batch.columns[0][i] for i in batch.starts[1:])
    assert all(b.columns[0][0].endswith("37") for b in plain[1:])


def test_run_starts_are_bounded_and_content_defined():
    from feeds.reader import MAX_RUN_ROWS, MIN_RUN_ROWS, run_starts

    fields = [f"{n // 12:08d}" for n in range(40_000)]  # persons of 12 lines; "…00" and "…37", "…74" mark a start
    starts = run_starts(fields)
    gaps = [b - a for a, b in zip(starts, [*starts[1:], len(fields)], strict=True)]
    assert starts[0] == 0 and max(gaps) <= MAX_RUN_ROWS and min(gaps[:-1]) >= MIN_RUN_ROWS
    # a line removed near the top moves the starts after it by one line, and no other start
    shifted = run_starts(fields[:100] + fields[101:])
    assert [s - 1 for s in starts if s > 100] == [s for s in shifted if s > 100]


def test_plain_blocks_are_column_major_with_their_text(tmp_path):
    path = write(tmp_path, HEADER + "a,b,202501,1\nc,d,202502,2\n")
    with open_feed(path, PENSION) as feed:
        (batch,) = list(feed.batches())
    assert batch.columns == [["a", "c"], ["b", "d"], ["202501", "202502"], ["1", "2"]]
    assert batch.text == "a,b,202501,1\nc,d,202502,2"
    assert list(batch.lines) == [2, 3]


def test_whitespace_only_line_is_a_short_record(tmp_path):
    path = write(tmp_path, HEADER + "a,b,202501,1\n   \nc,d,202502,2\n")
    assert records(path)[1] == (3, ["   "], None)


_PLAIN = ["1", "0", "3", "7", "X", "a", "张", " "]
_FIELDS = {
    "plain": st.text(alphabet=_PLAIN, max_size=6),
    "nasty": st.text(alphabet=[*_PLAIN, ",", '"', "\n", "\r"], max_size=6),
}


@st.composite
def _feed_files(draw):
    """A header and lines of fields, each field quoted (always, as needed, or never: then malformed on purpose),
    lines ended by LF, CRLF or now and then a lone CR, sometimes blank, sometimes with another number of fields,
    the last one with or without its line end."""
    quoting = draw(st.sampled_from(["all", "needed", "never"]))
    ends = draw(st.sampled_from(["\n", "\r\n", "mixed"]))
    field = _FIELDS[draw(st.sampled_from(["plain", "plain", "nasty"]))]
    lines = []
    for fields in draw(st.lists(st.lists(field, min_size=1, max_size=6), max_size=25)):
        if quoting == "all" or (quoting == "needed" and any(c in f for f in fields for c in ',"\r\n')):
            fields = ['"' + f.replace('"', '""') + '"' for f in fields]
        lines.append(",".join(fields))
    end = (lambda: draw(st.sampled_from(["\n", "\r\n", "\r\n", "\r"]))) if ends == "mixed" else (lambda: ends)
    body = "".join(line + end() for line in lines)
    if body and draw(st.booleans()):
        body = body.rstrip("\r\n")
    return HEADER.replace("\n", end()) + body


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_feed_files(), block=st.sampled_from([16, 64, 256, 4096]))
def test_the_fast_path_reads_any_file_as_the_csv_module_does(tmp_path, data, block):
    """Whatever the line ends, the quoting and where the blocks end: the records and line numbers of the csv module
    (or the same file-level refusal)."""
    from feeds import reader

    path = write(tmp_path, data)
    original = reader.BLOCK_CHARS, reader.FeedFile.batches
    try:
        reader.BLOCK_CHARS = block
        fast = _records_or_refusal(path)
        reader.FeedFile.batches = _csv_only
        assert fast == _records_or_refusal(path)
    finally:
        reader.BLOCK_CHARS, reader.FeedFile.batches = original


def _records_or_refusal(path):
    try:
        return records(path)
    except FeedFileError as error:
        return error.message
