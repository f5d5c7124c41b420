from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TransferLockForm(forms.Form):
    locked = forms.TypedChoiceField(
        choices=[("1", _("Lock")), ("0", _("Unlock"))], coerce=lambda value: value == "1"
    )


class DifferenceCheckedForm(forms.Form):
    resolution = forms.CharField(
        label=_("What was done"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: the customer confirmed a change made at the previous registrar."),
    )
