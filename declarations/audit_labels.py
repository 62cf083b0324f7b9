"""Chinese names for 审计记录查询 (declarations.admin_audit): what an action code, an object type and a changed field
mean. The trail keeps its codes (stable, searchable, what ``操作类型`` filters on); the reader shows the name and the
code beneath it. An action not listed here is named by its family (:data:`ACTION_FAMILIES`, also the filter's
choices), an object type by its model's ``verbose_name``, a changed field by the model field's ``verbose_name`` or
:data:`CHANGE_LABELS`; what none of them knows is shown as stored."""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

READ_ACTION = "audit.read"

# The action families offered in the filter (prefixes of AuditEvent.action).
ACTION_FAMILIES = (
    ("placement.", "安置登记与审核"),
    ("declaration.", "年审申报"),
    ("employer.", "单位信息"),
    ("account.", "单位账号"),
    ("related_unit.", "关联单位"),
    ("proxy.", "窗口代办"),
    ("registry.", "残疾人信息查询"),
    ("relief.", "缓减免申请"),
    ("notice", "通知公告"),
    ("file.", "上传文件"),
    (READ_ACTION, "审计记录查询"),
)

ACTION_LABELS = {
    # 安置登记 (placements.writes.audit and the grid, bulk and review services)
    "placement.create": "新增安置人员",
    "placement.update": "修改人员信息",
    "placement.delete": "删除安置人员",
    "placement.import": "导入上一年人员",
    "placement.reregister": "重新登记",
    "placement.finish": "完成登记",
    "placement.submit": "提交登记",
    "placement.recompute": "重新核验",
    "placement.contract_add": "新增合同",
    "placement.contract_update": "修改合同",
    "placement.contract_delete": "删除合同",
    "placement.graduate_add": "新增毕业信息",
    "placement.graduate_delete": "删除毕业信息",
    "placement.hand_certificate_add": "补录残疾证",
    "placement.hand_certificate_delete": "删除补录残疾证",
    "placement.evidence_upload": "上传佐证材料",
    "placement.evidence_withdraw": "撤回佐证材料",
    "placement.evidence_record": "登记佐证材料覆盖的月份",
    "placement.months_select": "勾选安置月份",
    "placement.review_approve": "月份审核通过",
    "placement.review_reject": "月份审核不通过",
    "placement.certificate_approve": "补录残疾证审核通过",
    "placement.certificate_reject": "补录残疾证审核不通过",
    "placement.dispatch_agreement_approve": "劳务派遣协议审核通过",
    "placement.dispatch_agreement_reject": "劳务派遣协议审核不通过",
    "placement.bulk_upload": "批量导入：上传文件",
    "placement.bulk_import": "批量导入",
    "placement.bulk_confirm": "批量导入：确认",
    "placement.export_full_ids": "导出完整身份证号",
    # 年审申报
    "declaration.declare": "提交年审申报",
    "declaration.commitment_issue": "生成承诺书",
    "declaration.certificate_issue": "出具审核认定书",
    "declaration.filing_extended": "延长申报期",
    "declaration.filing_reminder": "发送申报提醒",
    "declaration.send": "发送税务",
    "declaration.send_batch": "批量发送税务",
    "declaration.tax_receipt": "登记税务回执",
    "declaration.withdrawal_request": "申请撤回申报",
    "declaration.withdrawal_approve": "同意撤回申报",
    "declaration.withdrawal_reject": "不同意撤回申报",
    # 单位、账号、关联单位、窗口代办
    "employer.create": "新增用人单位",
    "employer.update": "修改单位信息",
    "employer.open_by_sso": "通过法人登录开通单位",
    "account.add": "新增经办人账号",
    "account.open": "开通单位账号",
    "account.open_by_sso": "通过法人登录开通账号",
    "account.enable": "启用/停用账号",
    "account.make_admin": "设为单位管理员",
    "account.password_reset": "重置密码",
    "account.password_link_mailed": "发送设置密码链接",
    "account.email_change": "修改电子邮箱",
    "account.email_verification_sent": "发送邮箱验证",
    "account.email_verified": "邮箱已验证",
    "sso.bind": "绑定法人账号",
    "sso.unbind": "解除法人账号绑定",
    "related_unit.create": "新增关联单位",
    "related_unit.update": "修改关联单位",
    "related_unit.delete": "删除关联单位",
    "related_unit.supersede": "关联单位信息变更",
    "related_unit.proof_add": "上传关联单位证明材料",
    "related_unit.proof_withdraw": "撤回关联单位证明材料",
    "related_unit.proof_approve": "关联单位证明材料审核通过",
    "related_unit.proof_reject": "关联单位证明材料审核不通过",
    "proxy.start": "开始窗口代办",
    "proxy.end": "结束窗口代办",
    "proxy.commitment_upload": "上传代办签章承诺书",
    # 缓减免、计算器、通知、数据、文件
    "relief.create": "新建缓减免申请",
    "relief.update": "修改缓减免申请",
    "relief.delete_draft": "删除缓减免申请草稿",
    "relief.submit": "提交缓减免申请",
    "relief.approve": "缓减免申请审核通过",
    "relief.reject": "缓减免申请审核不通过",
    "relief.return": "缓减免申请退回补充",
    "levy.staff_figures_saved": "保存在职职工人数与工资总额",
    "notice_published": "发布通知公告",
    "notice_changed": "修改通知公告",
    "notice_deleted": "删除通知公告",
    "notice_sent": "发送单位通知",
    "notice_attachment_added": "添加通知附件",
    "notice_attachment_removed": "删除通知附件",
    "registry.lookup": "查询残疾人信息",
    "registry.bulk_lookup": "批量导入核对残疾人信息",
    "feeds.import": "导入数据",
    "feeds.rejected_rows_download": "下载被拒数据行",
    "calendar.load": "导入工作日历",
    "file.upload": "上传文件",
    "file.sweep": "清理未使用的文件",
    READ_ACTION: "查询审计记录",
}

# Keys of an event's changes that are not a field of its object's model.
CHANGE_LABELS = {
    "months": "月份",
    "selected": "勾选的月份",
    "via": "审核方式",
    "kind": "类型",
    "file": "文件",
    "files": "文件",
    "employer": "单位",
    "reason": "原因",
    "review_state": "审核状态",
    "certificate": "残疾证",
    "dispatch_agreement": "劳务派遣协议",
    "page": "页码",
    "uscc": "统一社会信用代码",
    "id_number": "身份证号",
    "actor": "操作人",
    "action": "操作类型",
}


def action_label(code: str) -> str:
    """The Chinese name of an action code: its own, else its family's, else the code."""
    if code in ACTION_LABELS:
        return ACTION_LABELS[code]
    for prefix, label in ACTION_FAMILIES:
        if code.startswith(prefix):
            return label
    return code


def _model(object_type: str):
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    """``app_label.model`` → the model's verbose name (e.g. ``placements.placement`` → 安置人员)."""
    model = _model(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def value_label(object_type: str, key: str, value):
    """A changed field's value in words when the model field has choices (e.g. a file's 用途), else the value."""
    model = _model(object_type)
    if model is None or not isinstance(value, (str, int)) or isinstance(value, bool):
        return value
    try:
        choices = model._meta.get_field(key).flatchoices
    except (FieldDoesNotExist, AttributeError):
        return value
    return next((str(label) for choice, label in choices or () if choice == value), value)


def field_label(object_type: str, key: str) -> str:
    """A changed field's name: the model field's verbose name, a known key's, or the key."""
    model = _model(object_type)
    if model is not None:
        try:
            return str(model._meta.get_field(key).verbose_name)
        except (FieldDoesNotExist, AttributeError):
            pass
    return CHANGE_LABELS.get(key, key)
