from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class TransferLockForm(forms.Form):
    locked = forms.TypedChoiceField(
        choices=[("1", _("Lock")), ("0", _("Unlock"))], coerce=lambda value: value == "1"
    )
