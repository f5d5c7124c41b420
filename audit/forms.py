from __future__ import annotations

from datetime import date

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from workflows.models import Channel, EventType

from . import selectors

# The dates a search may name: the product's records begin long after the first and end long
# before the last; outside them a date is a typo, and at the calendar's ends a day more or less
# does not exist.
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


def period_field(label) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[MinValueValidator(EARLIEST), MaxValueValidator(LATEST)],
    )


class PeriodForm(forms.Form):
    """A form with a period (``date_from``, ``date_to``) whose end is not before its start."""

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the period is before its start."))
        return cleaned


class RequestSearchForm(PeriodForm):
    # Who and what first, as an auditor asks; then kind, state, channel and the period.
    field_order = [
        "domain",
        "party",
        "identifier",
        "staff",
        "kind",
        "state",
        "channel",
        "date_from",
        "date_to",
    ]

    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("any")), (selectors.TRANSFER, _("Transfer")), (selectors.CESJA, _("Cesja"))],
    )
    domain = forms.CharField(label=_("Domain"), required=False, max_length=253)
    party = forms.CharField(
        label=_("Party"), required=False, max_length=200, help_text=_("Name of either party.")
    )
    identifier = forms.CharField(
        label=_("PESEL / NIP / REGON / KRS"), required=False, max_length=20, help_text=_("Of either party.")
    )
    staff = forms.CharField(
        label=_("Staff member"),
        required=False,
        max_length=150,
        help_text=_("A member of staff who acted on the request: login or name."),
    )
    state = forms.ChoiceField(label=_("State"), required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("any")), *Channel.choices]
    )
    date_from = period_field(_("Started from"))
    date_to = period_field(_("Started until"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = [("", _("any")), *selectors.state_choices()]

    def filters(self) -> selectors.RequestFilters:
        """The filters of a valid form; an invalid one finds nothing rather than everything,
        so that an export never holds more than the auditor asked for."""
        if not self.is_bound:
            return selectors.RequestFilters()
        if not self.is_valid():
            return selectors.RequestFilters(kind="none")
        data = self.cleaned_data
        return selectors.RequestFilters(
            kind=data["kind"],
            domain=data["domain"].strip(),
            party=data["party"].strip(),
            identifier=data["identifier"].strip(),
            staff=data["staff"].strip(),
            state=data["state"],
            channel=data["channel"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )


class HistorySearchForm(PeriodForm):
    domain = forms.CharField(label=_("Domain"), required=False, max_length=253)
    actor = forms.CharField(
        label=_("Who"),
        required=False,
        max_length=150,
        help_text=_("User name, first and last name, or “system”."),
    )
    event_type = forms.ChoiceField(
        label=_("Event"), required=False, choices=[("", _("any"))] + list(EventType.choices)
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("any"))] + list(Channel.choices)
    )
    date_from = period_field(_("From"))
    date_to = period_field(_("To"))

    def filters(self) -> selectors.HistoryFilters:
        """The filters of a valid form; an invalid one filters nothing rather than guessing."""
        if not self.is_valid():
            return selectors.HistoryFilters()
        data = self.cleaned_data
        return selectors.HistoryFilters(
            domain=data["domain"].strip(),
            actor=data["actor"].strip(),
            event_type=data["event_type"],
            channel=data["channel"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
