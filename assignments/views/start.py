"""A customer starts a cesja: gives domains away, or asks to take one over."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import selectors as account_selectors
from registry.models import Domain
from workflows.access import role_required
from workflows.decisions import refusal_text
from workflows.errors import Refused
from workflows.models import Channel
from workflows.roles import Role

from .. import services
from ..forms import StartCesjaForm
from ..models import Side


@role_required(Role.CUSTOMER)
@require_http_methods(["GET", "HEAD", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """Give domains away (choose them among one's own) or take one over (name it)."""
    registrants = account_selectors.registrants_of(request.user)
    own_domains = (
        Domain.objects.held_by_us().of_account(request.user).select_related("registrant").order_by("name")
    )
    initial: dict[str, Any] = {}
    chosen = request.GET.get("domain", "")
    if chosen.isdigit() and own_domains.filter(pk=chosen).exists():
        # Linked from a domain row: that domain, and the profile that holds it.
        domain = own_domains.get(pk=chosen)
        initial = {"side": Side.CEDENT, "domains": [domain.pk], "registrant": domain.registrant_id}
    form = StartCesjaForm(request.POST or None, domains=own_domains, registrants=registrants, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        giving = data["side"] == Side.CEDENT
        try:
            cesja = services.start_cesja(
                initiator=request.user,
                side=data["side"],
                domains=list(data["domains"]) if giving else form.names(),
                cedent_registrant=data["registrant"] if giving else None,
                cesjonariusz_registrant=None if giving else data["registrant"],
                other_party_email=data["other_party_email"] if giving else None,
                reason=data["reason"],
                reason_details=data["reason_details"],
                actor=request.user,
                channel=Channel.WEB,
            )
        except Refused as exc:  # a Conflict too: its words say what happened
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(request, _("Cesja %(number)s is recorded.") % {"number": cesja.number})
            return redirect("assignments:detail", pk=cesja.pk)
    return render(
        request,
        "assignments/start.html",
        {"form": form, "has_registrants": registrants.exists(), "has_domains": own_domains.exists()},
    )
