"""The domains team's decisions on a request: the check of a flagged incoming transfer, and
the rejection of an outgoing one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from workflows.access import role_required
from workflows.decisions import decide
from workflows.models import Channel

from .. import services
from ..forms import RejectOutgoingForm, ReviewForm
from ..models import Transfer
from .common import DECIDERS, _may_decide, _transfer_or_404
from .detail import _render_detail


@role_required(*DECIDERS)
@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff's decision on an incoming request that was flagged for a check."""
    transfer = _transfer_or_404(request.user, pk)
    if not _may_decide(request.user):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if transfer.state != Transfer.State.REVIEW:
        messages.info(request, _("This request is not waiting for a review any more."))
        return redirect("transfers:detail", pk=transfer.pk)
    return decide(
        request,
        form,
        lambda data: services.review_transfer(
            transfer=transfer,
            approved=form.approved,
            note=data["note"],
            actor=request.user,
            channel=Channel.WEB,
        ),
        success=lambda _done: (
            _("Approved: the registrant is asked to confirm the transfer.")
            if form.approved
            else _("Refused: the customer is told why.")
        ),
        done=reverse("transfers:detail", args=[transfer.pk]),
        otherwise=lambda: _render_detail(request, transfer, review_form=form),
    )


@role_required(*DECIDERS)
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    """Reject an outgoing transfer, on one of the grounds the TLD's registry accepts."""
    transfer = _transfer_or_404(request.user, pk)
    if not _may_decide(request.user):
        raise PermissionDenied
    if transfer.is_incoming or not transfer.can_decide(request.user):
        messages.info(request, _("This transfer is not waiting for a decision any more."))
        return redirect("transfers:detail", pk=transfer.pk)
    form = RejectOutgoingForm(request.POST, policy=transfer.policy)
    return decide(
        request,
        form,
        lambda data: services.reject_outgoing(
            transfer=transfer,
            reason_code=data["reason_code"],
            explanation=data["explanation"],
            actor=request.user,
            channel=Channel.WEB,
        ),
        success=_("The rejection is being sent to the registry."),
        done=reverse("transfers:detail", args=[transfer.pk]),
        otherwise=lambda: _render_detail(request, transfer, reject_form=form),
    )
