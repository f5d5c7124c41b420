from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from registry.names import DomainName, parse_domain_name
from workflows.models import Channel, EventType

from . import selectors


class DomainCheckForm(forms.Form):
    name = forms.CharField(
        label=_("Domain name"),
        max_length=300,
        widget=forms.TextInput(
            attrs={"placeholder": _("e.g. example.pl"), "autocomplete": "off", "spellcheck": "false"}
        ),
    )

    def clean_name(self) -> DomainName:
        parsed = parse_domain_name(self.cleaned_data["name"])
        if selectors.served_tld(parsed.tld) is None:
            raise forms.ValidationError(
                _("We do not serve .%(tld)s domains."), code="tld_not_served", params={"tld": parsed.tld}
            )
        return parsed


class HistorySearchForm(forms.Form):
    domain = forms.CharField(label=_("Domain"), required=False, max_length=253)
    actor = forms.CharField(
        label=_("Who"), required=False, max_length=150, help_text=_("User name, or “system”.")
    )
    event_type = forms.ChoiceField(
        label=_("Event"), required=False, choices=[("", _("any"))] + list(EventType.choices)
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("any"))] + list(Channel.choices)
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end of the period is before its start."))
        return cleaned

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


class QueueFilterForm(forms.Form):
    """The team queue's filters; read by workflows.queues.parse_filters."""

    type = forms.ChoiceField(label=_("Task type"), required=False)
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("new", _("Waiting")), ("assigned", _("Held by someone")), ("all", _("All"))],
    )
    older_than = forms.IntegerField(label=_("Older than (days)"), required=False, min_value=0)
    deadline = forms.ChoiceField(
        label=_("Deadline"),
        required=False,
        choices=[("", _("All")), ("warning", _("Due soon")), ("overdue", _("Overdue"))],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from workflows.models import TaskDeadline
        from workflows.queues import ensure_default_deadlines

        ensure_default_deadlines()
        self.fields["type"].choices = [("", _("All"))] + [
            (row.flow_task, row.label or row.flow_task) for row in TaskDeadline.objects.all()
        ]
