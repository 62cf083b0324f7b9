"""窗口代办: the upload of the unit's signed 承诺书 before 完成申报 (issue 14). Only while a 代办 runs."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.errors import DomainError
from core.uploads import SafeFileField
from employers import proxy as proxies
from employers.access import employer_required
from employers.models import ProxyCommitment


class CommitmentUploadForm(forms.Form):
    file = SafeFileField(label="单位签章的承诺书")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].error_messages["required"] = "请选择单位签章的承诺书扫描件或照片。"


@employer_required
def proxy_commitment(request: HttpRequest, year: int) -> HttpResponse:
    """上传签章承诺书: the staff member acting for the unit uploads the 承诺书 the unit signed (printed from step ①
    of 完成申报), then goes on to 确定."""
    proxy = getattr(request, "proxy_session", None)
    if proxy is None:
        raise PermissionDenied("只有在窗口代办中才需要上传签章承诺书。")
    if not 2000 <= year <= 2100:
        raise PermissionDenied("年度不正确。")
    form = CommitmentUploadForm(request.POST, request.FILES) if request.method == "POST" else CommitmentUploadForm()
    if request.method == "POST" and form.is_valid():
        try:
            proxies.proxy_commitment_upload(proxy=proxy, year=year, file=form.cleaned_data["file"], by=request.user)
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, f"已上传单位签章的{year}年度承诺书，请确认完成申报。")
            return redirect("declarations:declare_confirm", year=year)
    uploaded = list(
        ProxyCommitment.objects.filter(proxy=proxy, year=year).select_related("file").order_by("created_at")
    )
    context = {"title": "上传单位签章的承诺书", "year": year, "form": form, "uploaded": uploaded}
    return render(request, "employers/proxy_commitment.html", context)
