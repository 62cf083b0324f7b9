"""The workbook's layout: its sheets and columns (Chinese headers), shared by the template, the reader and the marked
copy of an uploaded file. Choice columns take the labels the wizard shows (placements.constants)."""

from __future__ import annotations

from dataclasses import dataclass, field

from placements.constants import ContractRelation, ContractType, Degree, Education, RetirementBaseline

PERSONS = "人员信息"
CONTRACTS = "合同信息"
INSTRUCTIONS = "填写说明"
OPTIONS = "选项"  # the lists behind the data validations (hidden)
ERROR_COLUMN = "错误说明"
YEAR_KEYWORD = "wangbao-bulk-import"  # workbook keywords: "wangbao-bulk-import 2025"
THIS_UNIT = "本单位"
YES, NO = "是", "否"
MAX_ROWS = 100_000  # data rows per sheet
MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    choices: dict[str, str] = field(default_factory=dict)  # label → stored value
    kind: str = "text"  # text | id | date | money | yesno | unit | dispatch_unit | region | phone
    width: int = 14
    example: str = ""
    note: str = ""

    @property
    def title(self) -> str:
        return f"{self.header}*" if self.required else self.header


def _labels(choices) -> dict[str, str]:
    return {label: value for value, label in choices}


YES_NO = {YES: "1", NO: "0"}

PERSON_COLUMNS: tuple[Column, ...] = (
    Column("id_number", "身份证号", True, kind="id", width=22, example="110101199003071234", note="18 位，文本格式"),
    Column("name", "姓名", True, width=10, example="张伟", note="残疾人基础库中有该人员时以基础库为准"),
    Column(
        "household_region",
        "户籍地区划代码",
        True,
        kind="region",
        width=16,
        example="110101",
        note="6 位行政区划代码，如 110101（北京市东城区）",
    ),
    Column("household_address", "户籍地址", True, width=30, example="北京市东城区东华门街道1号"),
    Column("phone", "联系电话", True, kind="phone", width=14, example="13800138000"),
    Column("education", "文化程度", choices=_labels(Education.choices), width=12, example="大学本科"),
    Column("guardian_name", "监护人姓名", width=10),
    Column("guardian_phone", "监护人电话", kind="phone", width=14),
    Column("is_graduate", "是否高校毕业生", True, choices=YES_NO, kind="yesno", width=10, example=NO),
    Column(
        "retirement_baseline",
        "退休年龄基准（女性）",
        choices=_labels(RetirementBaseline.choices),
        width=18,
        note="仅女性填写",
    ),
    Column("school", "毕业院校", width=18, note="高校毕业生填写"),
    Column("degree", "学历", choices=_labels(Degree.choices), width=12, note="高校毕业生填写"),
    Column("graduation_date", "毕业时间", kind="date", width=12, note="高校毕业生填写，如 2015-07-01"),
)

CONTRACT_COLUMNS: tuple[Column, ...] = (
    Column(
        "id_number",
        "身份证号",
        True,
        kind="id",
        width=22,
        example="110101199003071234",
        note="须与“人员信息”表中的身份证号一致；一人可有多行合同",
    ),
    Column("is_dispatched", "是否劳务派遣", True, choices=YES_NO, kind="yesno", width=10, example=NO),
    Column("relation", "关联单位关系", True, choices=_labels(ContractRelation.choices), width=14, example="本单位"),
    Column("contract_type", "合同类型", True, choices=_labels(ContractType.choices), width=22, example="无固定期限"),
    Column(
        "start",
        "合同开始日期",
        True,
        kind="date",
        width=14,
        example="2024-01-01",
        note="日期，如 2025-03-01、2025/3/1、2025年3月1日",
    ),
    Column("end", "合同结束日期", kind="date", width=14, note="无固定期限合同不填写"),
    Column("job", "岗位工种", True, width=12, example="装配工"),
    Column("monthly_salary", "合同月薪（元）", True, kind="money", width=12, example="5000"),
    Column(
        "dispatch_unit",
        "劳务派遣单位",
        kind="dispatch_unit",
        width=24,
        note="劳务派遣人员必填：关系为“劳务派遣单位”的关联单位名称",
    ),
    Column(
        "pension_unit",
        "社保参保单位",
        True,
        kind="unit",
        width=24,
        example=THIS_UNIT,
        note="“本单位”或已登记的关联单位名称",
    ),
    Column("medical_unit", "医保参保单位", True, kind="unit", width=24, example=THIS_UNIT),
    Column("wage_unit", "工资发放单位", True, kind="unit", width=24, example=THIS_UNIT),
)

SHEETS: dict[str, tuple[Column, ...]] = {PERSONS: PERSON_COLUMNS, CONTRACTS: CONTRACT_COLUMNS}
