"""Forms of the placement list and the registration wizard: they check the shape of the input (and show the rules'
Chinese messages beside the field); ``placements.registration`` enforces the rules again on save.

Every form that changes a placement carries ``version`` (the placement's version when the page was loaded: a later
save from another tab is refused) and ``token`` (a one-time id: the same form submitted twice is saved once).
"""

from __future__ import annotations

from django import forms

from placements.forms import VersionedForm

# --- step 2: months ----------------------------------------------------------------------------------------------


class MonthsForm(VersionedForm):
    months = forms.TypedMultipleChoiceField(label="安置登记月份", coerce=int, required=False)

    def __init__(self, *args, year: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["months"].choices = [(year * 100 + m, f"{year}年{m}月") for m in range(1, 13)]
