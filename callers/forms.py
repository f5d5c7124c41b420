"""The forms of the caller pages: finding the customer and checking the code they read out."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.identifiers import validate_nip, validate_pesel, validate_regon
from registry.names import parse_domain_name

from .models import CALLER_CHANNELS


class FindCallerForm(forms.Form):
    DOMAIN = "domain"
    PESEL = "pesel"
    NIP = "nip"
    REGON = "regon"

    by = forms.ChoiceField(
        label=_("Find by"),
        choices=[
            (DOMAIN, _("Domain name")),
            (PESEL, "PESEL"),
            (NIP, "NIP"),
            (REGON, "REGON"),
        ],
        initial=DOMAIN,
    )
    value = forms.CharField(
        label=_("What the caller gives"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=_("A domain they hold (with or without Polish letters), or their PESEL, NIP or REGON."),
    )

    _VALIDATORS = {PESEL: validate_pesel, NIP: validate_nip, REGON: validate_regon}

    def clean(self) -> dict:
        data = super().clean()
        by, value = data.get("by"), data.get("value")
        if not by or not value:
            return data
        try:
            # The checksums catch a misheard digit before we search for the wrong person.
            if by == self.DOMAIN:
                data["value"] = parse_domain_name(value).ascii
            else:
                data["value"] = self._VALIDATORS[by]("".join(value.split()))
        except ValidationError as exc:
            self.add_error("value", exc)
        return data


class VerifyCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Authorisation code read out by the caller"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false", "class": "mono"}
        ),
        help_text=_("Eight digits from the customer's panel; dashes and spaces do not matter."),
    )
    channel = forms.ChoiceField(
        label=_("The caller is on"),
        choices=[(channel.value, channel.label) for channel in CALLER_CHANNELS],
        widget=forms.RadioSelect,
        initial=CALLER_CHANNELS[0].value,
    )
