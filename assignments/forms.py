"""The forms of the cesja pages. They check what a person typed or chose; every rule about
domains, parties, documents and states is the services' to decide."""

from __future__ import annotations

import re

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Registrant, User
from documents.models import ReceivedDocument
from registry.models import Domain
from workflows.models import Channel

from .models import ChecklistItem, Reason, Side

# What the browser offers in its file picker; the content decides what a file really is.
UPLOAD_ACCEPT = ".pdf,.jpg,.jpeg,.png"
PAPER_CHANNELS = [
    (Channel.POST.value, Channel.POST.label),
    (Channel.FAX.value, Channel.FAX.label),
    (Channel.IN_PERSON.value, Channel.IN_PERSON.label),
]
_NAME_SEPARATORS = re.compile(r"[\s,;]+")


class DomainChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Domain) -> str:
        return obj.display_name


class StartCesjaForm(forms.Form):
    side = forms.ChoiceField(
        label=_("What do you want to do?"),
        choices=[
            (Side.CEDENT.value, _("Give my domain(s) to someone else")),
            (Side.CESJONARIUSZ.value, _("Take over a domain from its current registrant")),
        ],
        widget=forms.RadioSelect,
        initial=Side.CEDENT.value,
    )
    domains = DomainChoiceField(
        label=_("Your domains to give away"),
        queryset=Domain.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    domain_names = forms.CharField(
        label=_("Domains to take over"),
        required=False,
        max_length=2000,
        widget=forms.TextInput(
            attrs={"placeholder": _("e.g. example.pl"), "autocomplete": "off", "spellcheck": "false"}
        ),
        help_text=_("The names, separated by commas. They must be held with us by one registrant."),
    )
    registrant = forms.ModelChoiceField(
        label=_("Your registrant profile"),
        queryset=Registrant.objects.none(),
        empty_label=None,
        help_text=_(
            "Giving away: the profile that holds the domains. Taking over: the profile to receive them."
        ),
    )
    other_party_email = forms.EmailField(
        label=_("The other party's e-mail address"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text=_(
            "Giving away: the new registrant's address. If they are our customer they find the cesja in "
            "their account; otherwise we invite them."
        ),
    )
    reason = forms.ChoiceField(label=_("Reason for the cesja"), choices=Reason.choices)
    reason_details = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the reason is “Other”. Kept in the history of the cesja."),
    )

    def __init__(self, *args, domains: QuerySet[Domain], registrants: QuerySet[Registrant], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["domains"].queryset = domains
        self.fields["registrant"].queryset = registrants

    def clean(self) -> dict:
        data = super().clean()
        side = data.get("side")
        if side == Side.CEDENT:
            if "domains" in data and not data["domains"]:
                self.add_error("domains", _("Choose at least one of your domains."))
            if "other_party_email" in data and not data["other_party_email"]:
                self.add_error("other_party_email", _("Enter the e-mail address of the new registrant."))
        elif side == Side.CESJONARIUSZ and not self.names():
            self.add_error("domain_names", _("Enter the name of the domain you take over."))
        return data

    def names(self) -> list[str]:
        text = self.cleaned_data.get("domain_names") or ""
        return [name for name in _NAME_SEPARATORS.split(text) if name]


class JoinForm(forms.Form):
    registrant = forms.ModelChoiceField(
        label=_("Your registrant profile"),
        queryset=Registrant.objects.none(),
        empty_label=None,
        help_text=_("The person or firm that takes part in the cesja; its data goes on the form."),
    )

    def __init__(self, *args, registrants: QuerySet[Registrant], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["registrant"].queryset = registrants


class RegenerateForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language of the form"), choices=[("pl", _("Polish")), ("en", _("English"))]
    )


def _file_field(label: str) -> forms.FileField:
    return forms.FileField(
        label=label,
        widget=forms.ClearableFileInput(attrs={"accept": UPLOAD_ACCEPT}),
        help_text=_("PDF, JPEG or PNG. A scan or a clear photo of every page."),
    )


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What it is"),
        choices=ReceivedDocument.Kind.choices,
        initial=ReceivedDocument.Kind.SIGNED_FORM,
    )
    file = _file_field(_("File"))


class PaperDocumentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What it is"),
        choices=ReceivedDocument.Kind.choices,
        initial=ReceivedDocument.Kind.SIGNED_FORM,
    )
    channel = forms.ChoiceField(label=_("Came by"), choices=PAPER_CHANNELS, widget=forms.RadioSelect)
    received_on = forms.DateField(
        label=_("Received on"),
        # An HTML date input takes only ISO dates, whatever the page's language.
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    received_by = forms.ModelChoiceField(
        label=_("Received by"), queryset=User.objects.none(), empty_label=None
    )
    form_number = forms.CharField(
        label=_("Form number on the paper"),
        required=False,
        max_length=40,
        help_text=_("Optional. When given, it must be the number of the current form version."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    file = _file_field(_("Scan"))

    def __init__(self, *args, receivers: QuerySet[User], me: User, **kwargs) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("received_on", timezone.localdate())
        kwargs["initial"].setdefault("received_by", me.pk)
        super().__init__(*args, **kwargs)
        self.fields["received_by"].queryset = receivers

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The day cannot be in the future."))
        return day


class TickForm(forms.Form):
    item = forms.ChoiceField(choices=ChecklistItem.choices, widget=forms.HiddenInput)
    checked = forms.TypedChoiceField(
        choices=[("1", _("Tick")), ("0", _("Untick"))],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


class ApproveForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the record"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class RejectForm(forms.Form):
    reasons = forms.CharField(
        label=_("Why the cesja is rejected"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The parties read this: say what the decision rests on."),
    )


class CorrectionForm(forms.Form):
    what_to_fix = forms.CharField(
        label=_("What the parties must fix"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Exactly what is wrong and what to send again; the parties get it by e-mail."),
    )
