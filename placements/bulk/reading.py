"""Streaming an uploaded workbook: the two data sheets found by name, their columns by header (any order), their
rows as raw cell values. openpyxl reads it read-only with the cached values of formulas (a formula is never
evaluated; one Excel never calculated reads empty). Pure: imports no Django."""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
from collections.abc import Iterator
from dataclasses import dataclass

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from placements.bulk.layout import CONTRACTS, ERROR_COLUMN, MAX_ROWS, OPTIONS, PERSONS, SHEETS, YEAR_KEYWORD, Column
from placements.bulk.package import NotAWorkbook, Package


def _norm(header: object) -> str:
    text = unicodedata.normalize("NFKC", str(header or ""))
    return re.sub(r"[\s*＊:：]", "", text)


@dataclass
class SheetReader:
    title: str
    columns: dict[str, int]  # column key → 0-based index
    headers: list[str]  # as typed in row 1
    rows_hint: int  # the sheet's declared last row (for the progress bar); 0 when unknown
    _ws: object

    def letter(self, key: str) -> str:
        return get_column_letter(self.columns[key] + 1)

    def rows(self) -> Iterator[tuple[int, dict[str, object]]]:
        """(Excel row number, {key: raw value}) of each row with any value; raises NotAWorkbook past MAX_ROWS."""
        seen = 0
        index = self.columns
        for number, values in enumerate(self._ws.iter_rows(min_row=2, values_only=True), start=2):
            if not values or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
                continue
            seen += 1
            if seen > MAX_ROWS:
                raise NotAWorkbook(
                    f"“{self.title}”表超过 {MAX_ROWS} 行，每次最多导入 {MAX_ROWS} 行，请分成几个文件导入。"
                )
            yield number, {key: (values[i] if i < len(values) else None) for key, i in index.items()}


@dataclass
class Opened:
    year: int | None  # the year written into the template, when the file came from one
    sheets: dict[str, SheetReader]
    notes: list[str]  # ignored hidden sheets and the like

    def close(self) -> None:
        for sheet in self.sheets.values():
            sheet._ws.parent.close()
            break


def _header_error(title: str, columns: tuple[Column, ...], missing: list[str], unknown: list[str]) -> str:
    parts = []
    if missing:
        parts.append("缺少列：" + "、".join(f"“{m}”" for m in missing))
    if unknown:
        parts.append("无法识别的列：" + "、".join(f"“{u}”" for u in unknown))
    names = "、".join(c.header for c in columns)
    return (
        f"“{title}”表的表头与模板不一致（{'；'.join(parts)}）。列的顺序可以调整，但列名须与模板相同："
        f"{names}。请勿修改表头，或重新下载模板。"
    )


def _year_of(keywords: str | None) -> int | None:
    match = re.search(rf"{YEAR_KEYWORD}\s+(\d{{4}})", keywords or "")
    return int(match[1]) if match else None


def open_workbook(package: Package) -> Opened:
    """Open the checked package; find the data sheets and their columns. Raises :class:`NotAWorkbook`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about data validation / unknown extensions
            wb = load_workbook(io.BytesIO(package.data), read_only=True, data_only=True, keep_links=False)
    except Exception as error:  # openpyxl raises many kinds on a damaged file  # noqa: BLE001
        raise NotAWorkbook(
            f"文件无法作为 Excel 工作簿打开（{type(error).__name__}）。请在 Excel 中重新保存后上传。"
        ) from None
    by_name = {_norm(ws.title): ws for ws in wb.worksheets}
    notes = [
        f"已忽略隐藏的工作表“{ws.title}”。"
        for ws in wb.worksheets
        if ws.sheet_state != "visible" and _norm(ws.title) not in (PERSONS, CONTRACTS, OPTIONS)
    ]
    sheets: dict[str, SheetReader] = {}
    for title, columns in SHEETS.items():
        ws = by_name.get(title)
        if ws is None:
            wb.close()
            raise NotAWorkbook(f"找不到工作表“{title}”。请使用导入模板，不要修改工作表名称。")
        if ws.sheet_state != "visible":
            wb.close()
            raise NotAWorkbook(f"工作表“{title}”被隐藏了。请在 Excel 中取消隐藏，核对内容后重新上传。")
        merged = package.merged.get(getattr(ws, "_worksheet_path", ""), [])
        if merged:
            wb.close()
            shown = "、".join(merged[:5]) + ("等" if len(merged) > 5 else "")
            raise NotAWorkbook(
                f"“{title}”表中有合并单元格（{shown}），无法逐行读取。请取消合并，每行填写一条记录后重新上传。"
            )
        header_row = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
        headers = ["" if h is None else str(h) for h in header_row]
        known = {_norm(c.header): c for c in columns}
        index: dict[str, int] = {}
        unknown: list[str] = []
        for i, h in enumerate(headers):
            name = _norm(h)
            if not name or name == ERROR_COLUMN:
                continue
            column = known.get(name)
            if column is None:
                unknown.append(h.strip())
            elif column.key in index:
                unknown.append(f"{h.strip()}（重复）")
            else:
                index[column.key] = i
        missing = [c.header for c in columns if c.key not in index and c.required]
        if missing or unknown:
            wb.close()
            raise NotAWorkbook(_header_error(title, columns, missing, unknown))
        for c in columns:  # optional columns left out read as empty
            index.setdefault(c.key, 10_000 + len(index))
        sheets[title] = SheetReader(title, index, headers, max(int(ws.max_row or 0) - 1, 0), ws)
    return Opened(_year_of(wb.properties.keywords), sheets, notes)
