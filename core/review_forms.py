"""The decision form of every review page (a placement's document, a related unit's proof): approve or reject, and a
standard reason when rejecting. It checks the shape of the decision (``core.review.decision_errors``); the review
services check the rules and apply it. Works without JavaScript: the decision comes from the submit button pressed.
"""

from django import forms

from core.review import APPROVE, REASON_TEXT_MAX, REASONS, REJECT, decision_errors

REASON_CHOICES = [("", "——请选择——"), *REASONS]


class DecisionForm(forms.Form):
    """Approve or reject one document (a piece of evidence, a hand-added certificate, a dispatch agreement, a
    related unit's proof)."""

    decision = forms.ChoiceField(
        label="审核结果",
        choices=[(APPROVE, "通过"), (REJECT, "不通过")],
        widget=forms.HiddenInput,
        error_messages={"required": "请点击“通过”或“不通过”。", "invalid_choice": "请点击“通过”或“不通过”。"},
    )
    reason_code = forms.ChoiceField(
        label="不通过原因", choices=REASON_CHOICES, required=False, help_text="审核不通过时必选"
    )
    reason_text = forms.CharField(
        label="审核意见",
        required=False,
        max_length=REASON_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 50}),
        help_text="选择“其他”时必填",
    )

    def full_clean(self):
        """After validation the invalid fields carry ``aria-invalid`` and point at their message
        (``<id>_error``, rendered by the review templates), and the first one takes the focus when the page
        comes back (``autofocus``): a refused rejection lands the reviewer on 不通过原因, not on the page top."""
        super().full_clean()
        first = True
        for name in self.errors:
            if name not in self.fields or self.fields[name].widget.is_hidden:
                continue
            attrs = self.fields[name].widget.attrs
            attrs.update({"aria-invalid": "true", "aria-describedby": f"{self[name].auto_id}_error"})
            if first:
                attrs["autofocus"] = True
                first = False

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        errors = decision_errors(data.get("decision", ""), data.get("reason_code", ""), data.get("reason_text", ""))
        for name, message in errors.items():
            self.add_error(name if name in self.fields else None, message)
        return data
