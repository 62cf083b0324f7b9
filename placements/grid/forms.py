"""The form of 信息校验 (the ticked months)."""

from __future__ import annotations

from django import forms

from core.months import months_of_year
from placements.forms import VersionedForm

# --- step 2: months ----------------------------------------------------------------------------------------------


class MonthsForm(VersionedForm):
    months = forms.TypedMultipleChoiceField(label="安置登记月份", coerce=int, required=False)

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["months"].choices = [(ym.key, str(ym)) for ym in months_of_year(year)]
