"""One request: its page, for the customer and for the back office, and what its customer
does on it (a new code when the registry refused one, cancelling, letting an outgoing
transfer go early)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from workflows.access import role_required
from workflows.decisions import carry_out, decide
from workflows.forms import CancelForm
from workflows.models import Channel
from workflows.progress import Step, progress
from workflows.roles import Role

from .. import selectors, services
from ..forms import RejectOutgoingForm, ResubmitAuthinfoForm, ReviewForm
from ..models import Transfer
from .common import DECIDERS, READERS, _may_decide, _transfer_or_404

# Why the services flag an incoming request for a staff check, in words.
_REVIEW_REASONS = {
    "registrant_email_from_customer": gettext_lazy(
        "The registry did not give us the registrant's e-mail: the confirmation would go to an address "
        "the customer gave us. Check that this person is the registrant."
    ),
    "high_value_domain": gettext_lazy("The domain is on the list of high-value domains."),
}

_S = Transfer.State
_INCOMING_STAGES = [
    (gettext_lazy("Checked"), {_S.REVIEW}),
    (gettext_lazy("Confirmed by the registrant"), {_S.AWAITING_CONFIRMATION}),
    (gettext_lazy("At the registry"), {_S.SUBMITTING, _S.AUTHINFO_INVALID, _S.PENDING, _S.CANCELLING}),
    (gettext_lazy("Transferred"), set()),
]
_OUTGOING_STAGES = [
    (gettext_lazy("Requested by the other registrar"), set()),
    (gettext_lazy("Waiting period"), {_S.PENDING, _S.APPROVING, _S.REJECTING}),
    (gettext_lazy("Transferred"), set()),
]


def _progress(transfer: Transfer) -> list[Step]:
    """Where the request stands, as a row of stages the customer can read at a glance."""
    stages = _INCOMING_STAGES if transfer.is_incoming else _OUTGOING_STAGES
    labels = [label for label, _states in stages]
    if transfer.state == _S.COMPLETED:
        return progress(labels, len(labels))
    current = next((i for i, (_label, states) in enumerate(stages) if transfer.state in states), None)
    stopped = current is None
    if stopped:
        # Ended without success: the stage it had reached is the one it stopped at.
        if not transfer.is_incoming:
            current = 1
        elif transfer.submitted_at or transfer.confirmed_at:
            current = 2
        elif transfer.review_required and transfer.confirmation_deadline is None:
            current = 0
        else:
            current = 1
    return progress(labels, current, stopped=stopped)


@role_required(*READERS)
@require_safe
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_detail(request, _transfer_or_404(request.user, pk))


def _render_detail(
    request: HttpRequest, transfer: Transfer, *, status: int = 200, **forms: Any
) -> HttpResponse:
    """The request page of a customer or of the back office, with any form that came back
    with errors in place of its empty one."""
    user = request.user
    context: dict[str, Any] = {
        "transfer": transfer,
        "tone": selectors.transfer_tone(transfer.state),
        "next_step": selectors.next_step(transfer),
        "timeline": selectors.timeline(transfer, for_customer=user.role == Role.CUSTOMER),
        "states": Transfer.State,
        "progress": _progress(transfer),
        "registry_asks_registrant": transfer.subscriber_confirms_at_registry,
        "can_resend": transfer.can_resend_confirmation(user),
    }
    if user.role == Role.CUSTOMER:
        context.update(
            can_cancel=transfer.can_cancel(user),
            can_approve=not transfer.is_incoming and transfer.can_decide(user),
            resubmit_form=(
                forms.get("resubmit_form") or ResubmitAuthinfoForm()
                if transfer.state == Transfer.State.AUTHINFO_INVALID
                else None
            ),
        )
        template = "transfers/detail.html"
    else:
        decides = _may_decide(user)
        context.update(
            decides=decides,
            review_reasons=[str(_REVIEW_REASONS.get(code, code)) for code in transfer.review_reasons or []],
            can_cancel=decides and transfer.can_cancel(user),
            review_form=(
                forms.get("review_form") or ReviewForm()
                if decides and transfer.state == Transfer.State.REVIEW
                else None
            ),
            reject_form=(
                forms.get("reject_form") or RejectOutgoingForm(policy=transfer.policy)
                if decides and not transfer.is_incoming and transfer.can_decide(user)
                else None
            ),
        )
        template = "transfers/staff_detail.html"
    return render(request, template, context, status=status)


@role_required(Role.CUSTOMER)
@require_POST
def resubmit(request: HttpRequest, pk: int) -> HttpResponse:
    """The registry refused the code: the customer enters a new one."""
    transfer = _transfer_or_404(request.user, pk)
    form = ResubmitAuthinfoForm(request.POST)
    if transfer.state != Transfer.State.AUTHINFO_INVALID:
        messages.info(request, _("This request is not waiting for a new code any more."))
        return redirect("transfers:detail", pk=transfer.pk)
    return decide(
        request,
        form,
        lambda data: services.resubmit_authinfo(
            transfer=transfer,
            authinfo=data["authinfo"],
            actor=request.user,
            channel=Channel.WEB,
        ),
        success=_("The new code is sent to the registry."),
        done=reverse("transfers:detail", args=[transfer.pk]),
        otherwise=lambda: _render_detail(request, transfer, resubmit_form=form),
    )


@role_required(Role.CUSTOMER, *DECIDERS)
@require_http_methods(["GET", "HEAD", "POST"])
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks first (GET), cancels on the POST of that page."""
    transfer = _transfer_or_404(request.user, pk)
    allowed = transfer.can_cancel(request.user) and (
        request.user.role == Role.CUSTOMER or _may_decide(request.user)
    )
    if not allowed:
        messages.info(request, _("This request can no longer be cancelled."))
        return redirect("transfers:detail", pk=transfer.pk)
    form = CancelForm(request.POST or None)
    return decide(
        request,
        form,
        lambda data: services.cancel_transfer(
            transfer=transfer, actor=request.user, channel=Channel.WEB, reason=data["reason"]
        ),
        success=_("Cancellation of the request is recorded."),
        done=reverse("transfers:detail", args=[transfer.pk]),
        otherwise=lambda: render(
            request,
            "transfers/confirm_action.html",
            {
                "transfer": transfer,
                "form": form,
                "action": "cancel",
                "tone": selectors.transfer_tone(transfer.state),
            },
        ),
    )


@role_required(Role.CUSTOMER)
@require_http_methods(["GET", "HEAD", "POST"])
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    """The registrant lets an outgoing transfer go now instead of waiting out the window."""
    transfer = _transfer_or_404(request.user, pk)
    if transfer.is_incoming or not transfer.can_decide(request.user):
        messages.info(request, _("This transfer is not waiting for your approval."))
        return redirect("transfers:detail", pk=transfer.pk)
    form = CancelForm()  # nothing to fill in; the page only carries the CSRF token
    if request.method == "POST":
        response = carry_out(
            request,
            lambda: services.approve_outgoing(transfer=transfer, actor=request.user, channel=Channel.WEB),
            # Nothing to answer on this page: a refusal goes back to the request as a message.
            success=_("Your approval is being sent to the registry."),
            done=reverse("transfers:detail", args=[transfer.pk]),
        )
        if response is not None:
            return response
    return render(
        request,
        "transfers/confirm_action.html",
        {
            "transfer": transfer,
            "form": form,
            "action": "approve",
            "tone": selectors.transfer_tone(transfer.state),
        },
    )


@role_required(Role.CUSTOMER, *DECIDERS)
@require_POST
def resend_confirmation(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask the registry (NASK) to e-mail the registrant its confirmation link again."""
    transfer = _transfer_or_404(request.user, pk)
    response = carry_out(
        request,
        lambda: services.ask_registry_to_resend(transfer=transfer, actor=request.user, channel=Channel.WEB),
        success=_("We asked the registry to send the confirmation e-mail again."),
        done=reverse("transfers:detail", args=[transfer.pk]),
    )
    return response or redirect("transfers:detail", pk=transfer.pk)
