"""Forms every kind of case shares."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class CancelForm(forms.Form):
    """Withdrawing a case: the person may say why."""

    reason = forms.CharField(
        label=_("Why (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
