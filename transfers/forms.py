"""The forms of the transfer pages. They check what a person typed; every rule about
domains, codes and states is the services' to decide."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import Registrant
from registry.names import DomainName, parse_domain_name

from .policy import TransferPolicy

AUTHINFO_MAX_LENGTH = 64  # EPP pwType has no limit; registries accept far less than this


class CodeInput(forms.TextInput):
    """Plain text, so the customer sees what they paste from the e-mail; but a form shown again
    after an error never carries the code back, and the browser does not remember it."""

    def format_value(self, value):
        return None


def _authinfo_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=AUTHINFO_MAX_LENGTH,
        strip=True,
        widget=CodeInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"}),
        help_text=_("The code the current registrar gave you. Letters and digits count: type it exactly."),
    )


class StartTransferForm(forms.Form):
    domain_name = forms.CharField(
        label=_("Domain name"),
        max_length=300,
        widget=forms.TextInput(
            attrs={"placeholder": _("e.g. example.pl"), "autocomplete": "off", "spellcheck": "false"}
        ),
        help_text=_("With its extension, with or without Polish letters."),
    )
    authinfo = _authinfo_field(_("Transfer code (authinfo)"))
    registrant = forms.ModelChoiceField(
        label=_("Registrant profile"),
        queryset=Registrant.objects.none(),
        required=False,
        empty_label=_("— use the registrant data held by the registry —"),
        help_text=_("Optional. Which of your profiles the domain belongs to, if it is one of them."),
    )

    def __init__(self, *args, registrants: QuerySet[Registrant], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["registrant"].queryset = registrants

    def clean_domain_name(self) -> DomainName:
        return parse_domain_name(self.cleaned_data["domain_name"])


class ResubmitAuthinfoForm(forms.Form):
    authinfo = _authinfo_field(_("New transfer code"))


class ReviewForm(forms.Form):
    """Staff's decision on a flagged request; the two submit buttons carry the decision."""

    APPROVE = "approve"
    REFUSE = "refuse"

    decision = forms.ChoiceField(choices=[(APPROVE, _("Approve")), (REFUSE, _("Refuse"))])
    note = forms.CharField(
        label=_("Note for the record"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you checked and how. Kept in the history of the request."),
    )

    @property
    def approved(self) -> bool:
        return self.cleaned_data["decision"] == self.APPROVE


class RejectOutgoingForm(forms.Form):
    reason_code = forms.ChoiceField(label=_("Reason"), widget=forms.RadioSelect)
    explanation = forms.CharField(
        label=_("Explanation"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to the registry and the registrant: say what the reason rests on."),
    )

    def __init__(self, *args, policy: TransferPolicy, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only the grounds this TLD's registry accepts may be offered.
        self.fields["reason_code"].choices = policy.rejection_choices()
