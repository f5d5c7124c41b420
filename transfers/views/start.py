"""A customer starts a transfer of a domain to us."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import selectors as account_selectors
from registry.models import Registrar
from workflows.access import role_required
from workflows.decisions import refusal_text
from workflows.errors import Refused
from workflows.models import Channel
from workflows.roles import Role

from .. import services
from ..forms import StartTransferForm


@role_required(Role.CUSTOMER)
@require_http_methods(["GET", "HEAD", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """Transfer a domain to us: its name, the code from the current registrar and, if the
    customer wants, which of their profiles it belongs to."""
    registrants = account_selectors.registrants_of(request.user)
    initial = {"domain_name": request.GET.get("domain", "")[:300]}
    form = StartTransferForm(request.POST or None, registrants=registrants, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            transfer = services.start_incoming_transfer(
                account=request.user,
                domain_name=form.cleaned_data["domain_name"].ascii,
                authinfo=form.cleaned_data["authinfo"],
                registrant=form.cleaned_data["registrant"],
                actor=request.user,
                channel=Channel.WEB,
            )
        except Refused as exc:  # a Conflict too: its words say what happened
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(
                request,
                _("Your request to transfer %(domain)s is recorded.") % {"domain": transfer.display_name},
            )
            return redirect("transfers:detail", pk=transfer.pk)
    return render(
        request,
        "transfers/start.html",
        {
            "form": form,
            "has_registrants": registrants.exists(),
            "us": Registrar.objects.filter(is_us=True).first(),
        },
    )
