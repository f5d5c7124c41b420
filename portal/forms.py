from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from registry import selectors
from registry.names import DomainName, parse_domain_name
from workflows.queues import MAX_AGE_DAYS


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


class QueueFilterForm(forms.Form):
    """The team queue's filters; read by workflows.queues.parse_filters."""

    type = forms.ChoiceField(label=_("Task type"), required=False)
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("new", _("Waiting")), ("assigned", _("Held by someone")), ("all", _("All"))],
    )
    older_than = forms.IntegerField(
        label=_("Older than (days)"), required=False, min_value=0, max_value=MAX_AGE_DAYS
    )
    deadline = forms.ChoiceField(
        label=_("Deadline"),
        required=False,
        choices=[("", _("All")), ("warning", _("Due soon")), ("overdue", _("Overdue"))],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        from workflows.models import TaskDeadline
        from workflows.queues import ensure_default_deadlines, task_type_label

        ensure_default_deadlines()
        self.fields["type"].choices = [("", _("All"))] + [
            (row.flow_task, task_type_label(row)) for row in TaskDeadline.objects.all()
        ]
