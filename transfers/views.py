"""The transfer pages: a customer's requests and domain actions, the registrant's
confirmation link, and the back office's view of a request.

The views are thin: they check who is asking and for what, read through the selectors and
change things only through ``transfers.services``. Every change is a POST.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import selectors as account_selectors
from accounts.models import User
from registry.models import Domain, Registrar
from workflows import sealing
from workflows.access import role_required
from workflows.decisions import carry_out, refusal_text
from workflows.errors import Conflict, Refused
from workflows.models import Channel
from workflows.roles import Role, Team

from . import selectors, services
from .forms import (
    CancelForm,
    RejectOutgoingForm,
    ResubmitAuthinfoForm,
    ReviewForm,
    StartTransferForm,
    TransferLockForm,
)
from .models import AuthInfoCode, ConfirmationToken, Transfer

# Everyone who may look at a request: its customer, and the back office and auditors.
READERS = (Role.CUSTOMER, Role.STAFF, Role.SUPERVISOR, Role.AUDITOR)
# Supervisors and auditors read; deciding on a request is the domains team's work.
DECIDERS = (Role.STAFF,)

# The issued code waits in the session, sealed, between the POST that issues it and the
# one page that shows it; that page takes it out, so a reload cannot show it again.
_ISSUED_CODE_KEY = "transfers.issued_authinfo.{pk}"


_carry_out = partial(carry_out, refusals=Refused, conflicts=Conflict)


def _transfer_or_404(user: User, pk: int) -> Transfer:
    # Another customer's request is "not found", not "forbidden": we do not confirm it exists.
    return selectors.transfer_for_user(user, pk)


@dataclass(frozen=True)
class Step:
    label: str
    # "done", "current", "todo" or "stopped" (where a request that ended without success stopped)
    status: str


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
    if transfer.state == _S.COMPLETED:
        return [Step(str(label), "done") for label, _states in stages]
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
    steps = []
    for index, (label, _states) in enumerate(stages):
        if index < current:
            status = "done"
        elif index == current:
            status = "stopped" if stopped else "current"
        else:
            status = "todo"
        steps.append(Step(str(label), status))
    return steps


def _may_decide(user: User) -> bool:
    return user.role in DECIDERS and user.team == Team.DOMAINS


def _own_domain_or_404(user: User, pk: int) -> Domain:
    return get_object_or_404(
        Domain.objects.held_by_us().of_account(user).select_related("registrant", "tld"), pk=pk
    )


# --- customer: start a transfer ---------------------------------------------------------------


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


# --- one request --------------------------------------------------------------------------------


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
    if form.is_valid():
        response = _carry_out(
            request,
            lambda: services.resubmit_authinfo(
                transfer=transfer,
                authinfo=form.cleaned_data["authinfo"],
                actor=request.user,
                channel=Channel.WEB,
            ),
            form=form,
            success=_("The new code is sent to the registry."),
            done=reverse("transfers:detail", args=[transfer.pk]),
        )
        if response is not None:
            return response
    return _render_detail(request, transfer, resubmit_form=form)


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
    if request.method == "POST" and form.is_valid():
        response = _carry_out(
            request,
            lambda: services.cancel_transfer(
                transfer=transfer, actor=request.user, channel=Channel.WEB, reason=form.cleaned_data["reason"]
            ),
            form=form,
            success=_("Cancellation of the request is recorded."),
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
            "action": "cancel",
            "tone": selectors.transfer_tone(transfer.state),
        },
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
        response = _carry_out(
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


# --- back office ----------------------------------------------------------------------------


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
    if form.is_valid():
        response = _carry_out(
            request,
            lambda: services.review_transfer(
                transfer=transfer,
                approved=form.approved,
                note=form.cleaned_data["note"],
                actor=request.user,
                channel=Channel.WEB,
            ),
            form=form,
            success=(
                _("Approved: the registrant is asked to confirm the transfer.")
                if form.approved
                else _("Refused: the customer is told why.")
            ),
            done=reverse("transfers:detail", args=[transfer.pk]),
        )
        if response is not None:
            return response
    return _render_detail(request, transfer, review_form=form)


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
    if form.is_valid():
        response = _carry_out(
            request,
            lambda: services.reject_outgoing(
                transfer=transfer,
                reason_code=form.cleaned_data["reason_code"],
                explanation=form.cleaned_data["explanation"],
                actor=request.user,
                channel=Channel.WEB,
            ),
            form=form,
            success=_("The rejection is being sent to the registry."),
            done=reverse("transfers:detail", args=[transfer.pk]),
        )
        if response is not None:
            return response
    return _render_detail(request, transfer, reject_form=form)


# --- the registrant's confirmation link -----------------------------------------------------


@dataclass(frozen=True)
class FoundLink:
    """A confirmation link and why it can or cannot be used now."""

    link: ConfirmationToken
    transfer: Transfer
    # "" when it can be used; else "used", "expired" or "closed" (the request moved on).
    problem: str

    @property
    def usable(self) -> bool:
        return not self.problem


def _find_link(token: str) -> FoundLink | None:
    # Read only: the link is looked up by its digest, as the service does, and nothing is
    # marked; only the POST of the page confirms.
    if not token or len(token) > 200:
        return None
    link = (
        ConfirmationToken.objects.select_related(
            "transfer__account", "transfer__registrant", "transfer__other_registrar"
        )
        .filter(token_digest=sealing.token_digest(token))
        .first()
    )
    if link is None:
        return None
    transfer = link.transfer
    if link.used_at is not None:
        problem = "used"
    elif transfer.state != Transfer.State.AWAITING_CONFIRMATION:
        problem = "closed"
    elif link.expires_at <= timezone.now():
        problem = "expired"
    else:
        problem = ""
    return FoundLink(link=link, transfer=transfer, problem=problem)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Open to anyone with the link: the registrant may have no account with us. A GET only
    shows what is to be confirmed, because mail scanners follow links."""
    found = _find_link(token)
    if found is None:
        return _confirmation_unusable(request, None)
    if not found.usable:
        return _confirmation_unusable(request, found)
    if request.method == "POST":
        try:
            transfer = services.confirm_transfer(token=token)
        except Conflict:
            # Cancelled or settled while the page was open: say where it stands now.
            return _confirmation_unusable(request, _find_link(token))
        except Refused as exc:
            return _confirmation_unusable(request, found, refusal_text(exc))
        return render(request, "transfers/confirm_done.html", {"transfer": transfer, "link": found.link})
    return render(
        request,
        "transfers/confirm.html",
        {"found": found, "transfer": found.transfer, "us": Registrar.objects.filter(is_us=True).first()},
    )


def _confirmation_unusable(request: HttpRequest, found: FoundLink | None, message: str = "") -> HttpResponse:
    # An unknown link is 404 and one that was valid once is 410, so that nothing caches or
    # indexes either; the text says in each case what the registrant can do.
    status = 404 if found is None else 410
    return render(
        request, "transfers/confirm_unusable.html", {"found": found, "message": message}, status=status
    )


# --- the customer's domains held by us ------------------------------------------------------


@role_required(Role.CUSTOMER)
@require_http_methods(["GET", "HEAD", "POST"])
def domain_authinfo(request: HttpRequest, pk: int) -> HttpResponse:
    """What getting a transfer code means (GET); the POST issues one."""
    domain = _own_domain_or_404(request.user, pk)
    error = ""
    if request.method == "POST":
        try:
            code = services.issue_authinfo(domain=domain, actor=request.user, channel=Channel.WEB)
        except Refused as exc:  # a Conflict too: its words say what happened
            error = refusal_text(exc)
        else:
            request.session[_ISSUED_CODE_KEY.format(pk=domain.pk)] = sealing.seal(code)
            return redirect("transfers:domain_authinfo_issued", pk=domain.pk)
    return render(
        request,
        "transfers/domain_authinfo.html",
        {
            "domain": domain,
            "error": error,
            "current_code": _current_code(domain),
            "locked": "clientTransferProhibited" in (domain.statuses or []),
        },
    )


@never_cache
@role_required(Role.CUSTOMER)
@require_safe
def domain_authinfo_issued(request: HttpRequest, pk: int) -> HttpResponse:
    """Shows a code just issued, once: it is taken out of the session as it is shown."""
    domain = _own_domain_or_404(request.user, pk)
    sealed = request.session.pop(_ISSUED_CODE_KEY.format(pk=domain.pk), "")
    code = sealing.unseal(sealed) if sealed else None
    response = render(
        request,
        "transfers/domain_authinfo_issued.html",
        {"domain": domain, "code": code, "current_code": _current_code(domain)},
    )
    # never_cache already says no-store; proxies and the back button must not keep it either.
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
    response["Pragma"] = "no-cache"
    return response


def _current_code(domain: Domain) -> AuthInfoCode | None:
    code = AuthInfoCode.objects.filter(domain=domain).order_by("-issued_at").first()
    return code if code is not None and code.is_valid else None


@role_required(Role.CUSTOMER)
@require_POST
def domain_lock(request: HttpRequest, pk: int) -> HttpResponse:
    """Lock or unlock transfers of a domain (clientTransferProhibited)."""
    domain = _own_domain_or_404(request.user, pk)
    form = TransferLockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose whether to lock or unlock transfers of the domain."))
        return redirect(reverse("home") + "#domains")
    locked = form.cleaned_data["locked"]
    if locked:
        success = _("Transfers of %(domain)s are locked: no other registrar can take it over.")
    else:
        success = _("Transfers of %(domain)s are unlocked: it can be transferred with its transfer code.")
    return _carry_out(
        request,
        lambda: services.set_transfer_lock(
            domain=domain, locked=locked, actor=request.user, channel=Channel.WEB
        ),
        success=success % {"domain": domain.display_name},
        done=reverse("home") + "#domains",
    )
