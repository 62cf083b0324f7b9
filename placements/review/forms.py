"""Forms of the review page: they check the shape of a decision (which rows, approve or reject, a reason when
rejecting); ``placements.review`` checks the rules and applies it. Each form works without JavaScript: the
decision comes from the submit button pressed. One document's decision is ``core.review_forms.DecisionForm``."""

from django import forms

from core.numbers import ascii_int
from core.review import APPROVE, REJECT, decision_errors
from core.review_forms import DecisionForm
from feeds.certificates import CERT_TYPES, GRADE_NAMES

_DECISIONS = (APPROVE, REJECT)


class MonthsDecisionForm(DecisionForm):
    """Months of one placement: per month (the row's buttons), the ticked ones, or all pending months shown.

    Month ids come from the page as posted: the ticked ``months``, the ``shown`` ones (hidden fields listing what
    the page showed as awaiting review: "all" means exactly those) or the row button's ``only``. Whether they are
    still pending is the service's to say, so a month another reviewer decided meanwhile is reported as such
    (:class:`placements.review.AlreadyDecidedError`) rather than silently skipped or included.
    """

    decision = forms.CharField(required=False, widget=forms.HiddenInput)
    only = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)  # "<month id>:<decision>"
    every = forms.ChoiceField(required=False, choices=[("", ""), (APPROVE, APPROVE), (REJECT, REJECT)])
    # Issue 17: the certificate read on the evidence, for approved months with no certificate known (cert_none).
    cert_type = forms.ChoiceField(
        label="残疾证类型",
        required=False,
        choices=[("", "——请选择——"), *((t, t) for t in CERT_TYPES)],
        help_text="通过“无残疾证信息”的月份时必填（按证明材料）",
    )
    cert_grade = forms.TypedChoiceField(
        label="残疾等级",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "——请选择——"), *GRADE_NAMES.items()],
        help_text="通过“无残疾证信息”的月份时必填（按证明材料）",
    )

    def __init__(self, *args, pending: list[tuple[int, str]], needs_cert: frozenset[int] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.pending = pending
        self.needs_cert = needs_cert  # ids of the pending months with no certificate known (reason cert_none)

    def _ids(self, name: str) -> list[int] | None:
        values = self.data.getlist(self.add_prefix(name)) if hasattr(self.data, "getlist") else []
        if len(values) > 12 or not all(v.isdigit() for v in values):
            return None
        return [int(v) for v in values]

    def clean(self):
        data = forms.Form.clean(self)
        if self.errors:
            return data
        only, every, decision = data.get("only") or "", data.get("every") or "", data.get("decision") or ""
        if only:
            month_id, _, decision = only.partition(":")
            ids = [pk] if (pk := ascii_int(month_id)) is not None else None
        elif every:
            decision, ids = every, self._ids("shown")
        else:
            ids = self._ids("months")
            if ids == []:
                raise forms.ValidationError("请先勾选要审核的月份，或使用“全部待审核月份”按钮。", code="no_months")
        if not ids:
            raise forms.ValidationError("提交的月份无效，请刷新页面后重试。", code="invalid_months")
        if decision not in _DECISIONS:
            raise forms.ValidationError("请点击“通过”或“不通过”按钮。", code="no_decision")
        data["decision"], data["month_ids"] = decision, ids
        if decision == APPROVE and self.needs_cert.intersection(ids):
            if not data.get("cert_type"):
                self.add_error("cert_type", "所选月份无残疾证信息，通过前请按证明材料选择残疾证类型。")
            if data.get("cert_grade") is None:
                self.add_error("cert_grade", "所选月份无残疾证信息，通过前请按证明材料选择残疾等级。")
        for name, message in decision_errors(
            decision, data.get("reason_code", ""), data.get("reason_text", "")
        ).items():
            self.add_error(name if name in self.fields else None, message)
        return data
