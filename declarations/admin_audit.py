"""审计记录查询 (admin): reviewers read the audit trail of their region (``declarations.audit_reader``) — who, when,
what, before/after — filtered by unit, person, actor and action; 50 events a page, newest first, never a COUNT of
the table nor an OFFSET (the next page starts after the last row shown: ``before``). Reached from the 年审申报 list
(``admin/declarations/declaration/audit/``; one unit's trail: ``?uscc=<统一社会信用代码>``). Each read is itself
recorded (``audit.read``)."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from core.idnumbers import normalize as normalise_id
from declarations.audit_reader import ACTION_FAMILIES, AuditFilters, audit_events
from employers.access import reviewer_region_prefix

FULL_ID = re.compile(r"[0-9]{17}[0-9X]")


class AuditFilterForm(forms.Form):
    uscc = forms.CharField(label="单位（统一社会信用代码）", max_length=18, required=False)
    id_number = forms.CharField(
        label="人员（身份证号，精确匹配）", max_length=18, required=False, help_text="输入完整的18位身份证号"
    )
    actor = forms.CharField(label="操作人（登录账号）", max_length=150, required=False)
    action = forms.ChoiceField(label="操作类型", required=False, choices=[("", "全部"), *ACTION_FAMILIES])
    page = forms.IntegerField(min_value=1, max_value=1_000_000, required=False, widget=forms.HiddenInput)
    before = forms.CharField(max_length=40, required=False, widget=forms.HiddenInput)

    def clean_uscc(self) -> str:
        return self.cleaned_data["uscc"].strip().upper()

    def clean_id_number(self) -> str:
        value = normalise_id(self.cleaned_data["id_number"])
        if value and not FULL_ID.fullmatch(value):
            raise forms.ValidationError("请输入完整的18位身份证号（精确匹配）。")
        return value

    def clean_actor(self) -> str:
        return self.cleaned_data["actor"].strip()


def audit_view(request, *, model_admin):
    if reviewer_region_prefix(request.user) is None:
        raise PermissionDenied
    form = AuditFilterForm(request.GET or None)
    filters, page, before = AuditFilters(), 1, ""
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = AuditFilters(
            uscc=data["uscc"], id_number=data["id_number"], actor=data["actor"], action=data["action"]
        )
        page, before = data["page"] or 1, data["before"]
    result = audit_events(by=request.user, filters=filters, page=page, before=before) if not form.errors else None
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("before", None)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "审计记录查询",
        "opts": model_admin.model._meta,
        "form": form,
        "result": result,
        "query": query.urlencode(),
        "masked": not request.user.is_superuser,
    }
    return TemplateResponse(request, "admin/core/auditevent_reader.html", context)
