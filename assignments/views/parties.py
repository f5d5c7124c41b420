"""One cesja, as its parties see it: the page, joining with a profile, and cancelling (which
the domains team may do too)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import selectors as account_selectors
from workflows.access import role_required
from workflows.decisions import decide
from workflows.forms import CancelForm
from workflows.models import Channel
from workflows.roles import Role

from .. import services
from ..forms import JoinForm, UploadForm
from ..models import RECEIVING, Cesja, Side
from .common import DECIDERS, READERS, _base_context, _cesja_or_404, _may_decide, tone


@role_required(*READERS)
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    cesja = _cesja_or_404(request.user, pk)
    if request.user.role != Role.CUSTOMER:
        return redirect("assignments:verify", pk=cesja.pk)
    return _render_detail(request, cesja)


def _render_detail(request: HttpRequest, cesja: Cesja, **forms: Any) -> HttpResponse:
    """The party's page, with any form that came back with errors in place of its empty one."""
    user = request.user
    side = cesja.side_of(user)
    context = _base_context(request, cesja)
    joining = bool(side) and cesja.waiting_for == side
    context.update(
        side=side,
        side_label=Side(side).label if side else "",
        can_cancel=cesja.can_cancel(user),
        join_form=(
            forms.get("join_form") or JoinForm(registrants=account_selectors.registrants_of(user))
            if joining
            else None
        ),
        has_registrants=account_selectors.registrants_of(user).exists(),
        other_language=("en" if cesja.language == "pl" else "pl")
        if side and cesja.state in RECEIVING
        else "",
        upload_form=(forms.get("upload_form") or UploadForm() if side and cesja.state in RECEIVING else None),
    )
    return render(request, "assignments/detail.html", context)


@role_required(Role.CUSTOMER)
@require_POST
def join(request: HttpRequest, pk: int) -> HttpResponse:
    """The party the cesja waits for takes part with one of their profiles."""
    cesja = _cesja_or_404(request.user, pk)
    side = cesja.side_of(request.user)
    if not side or cesja.waiting_for != side:
        messages.info(request, _("This cesja is not waiting for you to join."))
        return redirect("assignments:detail", pk=cesja.pk)
    form = JoinForm(request.POST, registrants=account_selectors.registrants_of(request.user))
    return decide(
        request,
        form,
        lambda data: services.join_cesja(
            cesja=cesja,
            registrant=data["registrant"],
            actor=request.user,
            channel=Channel.WEB,
        ),
        success=_(
            "You have joined the cesja: the form is being prepared and will be ready to download in a moment."
        ),
        done=reverse("assignments:detail", args=[cesja.pk]),
        otherwise=lambda: _render_detail(request, cesja, join_form=form),
    )


@role_required(Role.CUSTOMER, *DECIDERS)
@require_http_methods(["GET", "HEAD", "POST"])
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks first (GET), cancels on the POST of that page."""
    cesja = _cesja_or_404(request.user, pk)
    back = "assignments:detail" if request.user.role == Role.CUSTOMER else "assignments:verify"
    allowed = cesja.can_cancel(request.user) and (
        request.user.role == Role.CUSTOMER or _may_decide(request.user)
    )
    if not allowed:
        messages.info(request, _("This cesja can no longer be cancelled."))
        return redirect(back, pk=cesja.pk)
    form = CancelForm(request.POST or None)
    return decide(
        request,
        form,
        lambda data: services.cancel_cesja(
            cesja=cesja, actor=request.user, channel=Channel.WEB, reason=data["reason"]
        ),
        success=_("The cesja is cancelled; both parties are told."),
        done=reverse(back, args=[cesja.pk]),
        otherwise=lambda: render(
            request,
            "assignments/cancel.html",
            {
                "cesja": cesja,
                "form": form,
                "tone": tone(cesja.state),
                "back": back,
                "cesja_domains": list(cesja.items.all()),
            },
        ),
    )
