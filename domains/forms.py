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


class RegistryMessageHandledForm(forms.Form):
    note = forms.CharField(
        label=_("What was done"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example: the transfer was checked at the registry and completed by hand."),
    )


class RepresentativeForm(forms.Form):
    """Who confirms for an organisation: one of its representatives, named as the registrar's
    records or the KRS know them."""

    name = forms.CharField(label=_("Your first name and last name"), max_length=200)
    function = forms.CharField(
        label=_("Your function in the organisation"),
        max_length=100,
        help_text=_("e.g. President of the Board, partner, proxy"),
    )

    def representative(self) -> str:
        return f"{self.cleaned_data['name'].strip()}, {self.cleaned_data['function'].strip()}"
