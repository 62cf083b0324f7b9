"""The import template (.xlsx): 填写说明 with the year and one filled example row, 人员信息 and 合同信息 with Chinese
headers (required ones marked *), text-formatted ID columns and a drop-down list on every choice column; the lists
live on the hidden sheet 选项 (the unit's related units included, so the paying-unit columns offer them)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from employers.constants import Relation
from employers.models import Employer, RelatedUnit
from placements.bulk.layout import (
    CONTRACT_COLUMNS,
    CONTRACTS,
    INSTRUCTIONS,
    OPTIONS,
    PERSON_COLUMNS,
    PERSONS,
    THIS_UNIT,
    YEAR_KEYWORD,
    Column,
)

DATA_ROWS = 2000  # rows the drop-down lists and text formats cover in the template
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
REQUIRED_FONT = Font(bold=True, color="C00000")


def _lists(employer: Employer) -> dict[str, list[str]]:
    units = list(
        RelatedUnit.objects.filter(employer=employer, is_active=True).order_by("name").values("name", "relation")
    )
    lists = {}
    for column in (*PERSON_COLUMNS, *CONTRACT_COLUMNS):
        if column.choices:
            lists[column.key] = list(column.choices)
    lists["unit"] = [THIS_UNIT, *[u["name"] for u in units]]
    lists["dispatch_unit"] = [u["name"] for u in units if u["relation"] == Relation.DISPATCH_FIRM]
    return lists


def _data_sheet(wb: Workbook, title: str, columns: tuple[Column, ...], ranges: dict[str, str]) -> None:
    ws = wb.create_sheet(title)
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=index, value=column.title)
        cell.fill = HEADER_FILL
        cell.font = REQUIRED_FONT if column.required else Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        if column.note:
            cell.comment = Comment(column.note, "按比例就业网报系统")
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = column.width
        if column.kind in ("id", "region", "phone") or column.key in ("name", "household_address"):
            ws.column_dimensions[letter].number_format = "@"  # text: Excel keeps all 18 digits of an ID number
        elif column.kind == "date":
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
        source = ranges.get("unit" if column.kind == "unit" else column.key)
        if source:
            dv = DataValidation(
                type="list",
                formula1=source,
                allow_blank=not column.required,
                showErrorMessage=True,
                errorTitle=column.header,
                error=f"请从下拉列表中选择{column.header}。",
                showInputMessage=bool(column.note),
                prompt=column.note[:250] or None,
            )
            dv.add(f"{letter}2:{letter}{DATA_ROWS + 1}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"


def _instructions(wb: Workbook, employer: Employer, year: int) -> None:
    ws = wb.active
    ws.title = INSTRUCTIONS
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 90
    lines = [
        ("业务年度", f"{year}"),
        ("用人单位", employer.name),
        (
            "说明",
            f"每名残疾人在“{PERSONS}”表中填写一行；其合同填写在“{CONTRACTS}”表中（一人可有多份合同，按身份证号对应）。",
        ),
        ("", "带 * 的列必须填写；有下拉列表的列请从列表中选择。列的顺序可以调整，但请勿修改表头文字和工作表名称。"),
        (
            "",
            "身份证号请以文本格式填写完整的 18 位（模板中该列已设为文本）；"
            "日期可填写 2025-03-01、2025/3/1 或 2025年3月1日。",
        ),
        ("", "残疾人基础库中已有的姓名、户籍地、户籍地址以基础库为准；检查报告会列出与表格不一致之处。"),
        (
            "",
            f"社保参保单位、医保参保单位、工资发放单位填写“{THIS_UNIT}”或已在“单位信息维护管理”中登记的关联单位名称。",
        ),
        ("", "合同附件、证明材料请在导入后于各人员的登记页面上传；劳务派遣人员导入后需在“信息校验”中选择登记月份。"),
        ("", "请不要使用公式、宏、外部链接或合并单元格；公式只读取 Excel 保存时的结果，不会重新计算。"),
    ]
    for row, (label, text) in enumerate(lines, start=1):
        ws.cell(row=row, column=1, value=label).font = Font(bold=True)
        ws.cell(row=row, column=2, value=text).alignment = Alignment(wrap_text=True)
    row = len(lines) + 2
    for title, columns in ((PERSONS, PERSON_COLUMNS), (CONTRACTS, CONTRACT_COLUMNS)):
        ws.cell(row=row, column=1, value=f"示例：{title}").font = Font(bold=True)
        row += 1
        for index, column in enumerate(columns, start=1):
            ws.cell(row=row, column=index, value=column.title).fill = HEADER_FILL
            ws.cell(row=row + 1, column=index, value=column.example or None).number_format = "@"
        row += 3


def template_workbook(*, employer: Employer, year: int) -> bytes:
    """The template of ``employer`` for business ``year`` (one query: the related units)."""
    wb = Workbook()
    wb.properties.keywords = f"{YEAR_KEYWORD} {year}"
    wb.properties.title = f"{year}年度残疾人安置批量导入模板"
    _instructions(wb, employer, year)
    options = wb.create_sheet(OPTIONS)
    ranges: dict[str, str] = {}
    for index, (key, values) in enumerate(_lists(employer).items(), start=1):
        letter = get_column_letter(index)
        options.cell(row=1, column=index, value=key)
        for row, value in enumerate(values, start=2):
            options.cell(row=row, column=index, value=value)
        if values:
            ranges[key] = f"{quote_sheetname(OPTIONS)}!${letter}$2:${letter}${len(values) + 1}"
    _data_sheet(wb, PERSONS, PERSON_COLUMNS, ranges)
    _data_sheet(wb, CONTRACTS, CONTRACT_COLUMNS, ranges)
    options.sheet_state = "hidden"
    wb.move_sheet(OPTIONS, offset=len(wb.sheetnames))
    wb.active = 1
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
