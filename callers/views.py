"""The caller pages: back-office staff find a caller, check the code they read out and act
for them for the rest of that code's hour; auditors and supervisors read the record.

Customers only meet this app in their panel (the code card and "show a new code"). Every
action for a caller goes through the services of transfers and assignments with the
customer's account, the staff member as actor and the channel of the call.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import selectors as account_selectors
from accounts.models import User
from assignments import services as cesja_services
from assignments.forms import StartCesjaForm
from assignments.models import RECEIVING, Cesja, Side
from registry.models import Domain, Registrar
from transfers import services as transfer_services
from transfers.forms import StartTransferForm
from transfers.models import Transfer
from workflows.access import HISTORY_READERS, role_required
from workflows.decisions import refusal_text
from workflows.roles import Role, Team

from . import panel, selectors, services
from .forms import FindCallerForm, VerifyCodeForm
from .models import CallerSession

# Any back-office team takes calls; supervisors stand in for them.
CALL_TAKERS = (Role.STAFF, Role.SUPERVISOR)


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


# --- customer -------------------------------------------------------------------------------


@role_required(Role.CUSTOMER)
@require_POST
def new_code(request: HttpRequest) -> HttpResponse:
    """A new code for this device; any code shown elsewhere stops working."""
    issued = services.issue_code(request.user)
    panel.keep_in_session(request, issued)
    messages.success(
        request, _("Your new authorisation code is shown below; the previous one no longer works.")
    )
    return redirect(reverse("home") + "#caller-code")


# --- staff: finding and verifying the caller ---------------------------------------------------


@never_cache
@role_required(*CALL_TAKERS)
@require_safe
def find(request: HttpRequest) -> HttpResponse:
    form = FindCallerForm(request.GET if "value" in request.GET else None)
    matches = None
    if form.is_bound and form.is_valid():
        matches = selectors.find_callers(form.cleaned_data["by"], form.cleaned_data["value"])
    return render(
        request,
        "callers/find.html",
        {"form": form, "matches": matches, "caller_session": _current(request)},
    )


@never_cache
@role_required(*CALL_TAKERS)
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_or_none(pk)
    if customer is None:
        return render(request, "404.html", status=404)
    form = VerifyCodeForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            session = services.verify_caller(
                staff=request.user,
                customer=customer,
                code=form.cleaned_data["code"],
                channel=form.cleaned_data["channel"],
            )
        except services.CallerRefused as exc:
            error = refusal_text(exc)
        else:
            request.session[panel.SESSION_CALLER_KEY] = session.pk
            messages.success(
                request,
                _("Caller verified: you may act for %(customer)s until %(time)s.")
                % {"customer": customer, "time": _when(session.expires_at)},
            )
            return redirect("callers:acting")
    # The code is never sent back into the form: a wrong one is read out again.
    if form.is_bound:
        form = VerifyCodeForm(
            initial={"channel": request.POST.get("channel") or form.fields["channel"].initial}
        )
    return render(
        request,
        "callers/verify.html",
        {"match": selectors.caller_summary(customer), "form": form, "error": error},
        status=200 if not error else 422,
    )


# --- staff: acting for the verified caller -----------------------------------------------------


def _current(request: HttpRequest) -> CallerSession | None:
    return services.open_session(request.user, request.session.get(panel.SESSION_CALLER_KEY))


def _acting_or_redirect(request: HttpRequest) -> CallerSession | HttpResponse:
    """The open caller session, or a way back to verification saying why there is none."""
    session_id = request.session.get(panel.SESSION_CALLER_KEY)
    session = services.open_session(request.user, session_id)
    if session is not None:
        return session
    request.session.pop(panel.SESSION_CALLER_KEY, None)
    ended = CallerSession.objects.filter(pk=session_id or 0, staff=request.user).first()
    if ended is not None and ended.ended_at is None:
        messages.warning(
            request,
            _("The caller session ended at %(time)s, when the code expired. Verify the caller again.")
            % {"time": _when(ended.expires_at)},
        )
    else:
        messages.info(request, _("Verify the caller with their authorisation code first."))
    return redirect("callers:find")


def _may_register_papers(user: User) -> bool:
    return user.role == Role.STAFF and user.team == Team.DOMAINS


@never_cache
@role_required(*CALL_TAKERS)
@require_safe
def acting(request: HttpRequest) -> HttpResponse:
    session = _acting_or_redirect(request)
    if isinstance(session, HttpResponse):
        return session
    customer = session.customer
    transfers = [
        (transfer, services.transfer_mail_kind(transfer))
        for transfer in Transfer.objects.filter(account=customer).select_related("tld").order_by("-id")[:20]
    ]
    cesje = [
        (cesja, services.cesja_mail_kind(cesja), cesja.state in RECEIVING)
        for cesja in Cesja.objects.of_account(customer).prefetch_related("items").order_by("-id")[:20]
    ]
    return render(
        request,
        "callers/acting.html",
        {
            "caller_session": session,
            "customer": customer,
            "registrants": account_selectors.registrants_of(customer),
            "domains": Domain.objects.of_account(customer).select_related("sponsor").order_by("name"),
            "transfers": transfers,
            "cesje": cesje,
            "registers_papers": _may_register_papers(request.user),
        },
    )


@never_cache
@role_required(*CALL_TAKERS)
@require_http_methods(["GET", "HEAD", "POST"])
def start_transfer(request: HttpRequest) -> HttpResponse:
    """The customer's transfer, started by staff as the caller asks: the same form and the
    same service as the customer's own page."""
    session = _acting_or_redirect(request)
    if isinstance(session, HttpResponse):
        return session
    customer = session.customer
    registrants = account_selectors.registrants_of(customer)
    form = StartTransferForm(request.POST or None, registrants=registrants)
    if request.method == "POST" and form.is_valid():
        try:
            transfer = transfer_services.start_incoming_transfer(
                account=customer,
                domain_name=form.cleaned_data["domain_name"].ascii,
                authinfo=form.cleaned_data["authinfo"],
                registrant=form.cleaned_data["registrant"],
                actor=request.user,
                channel=session.channel,
            )
        except transfer_services.Refused as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(
                request,
                _("The transfer of %(domain)s is requested for %(customer)s.")
                % {"domain": transfer.display_name, "customer": customer},
            )
            return redirect("transfers:detail", pk=transfer.pk)
    return render(
        request,
        "callers/start_transfer.html",
        {
            "caller_session": session,
            "customer": customer,
            "form": form,
            "has_registrants": registrants.exists(),
            "us": Registrar.objects.filter(is_us=True).first(),
        },
    )


@never_cache
@role_required(*CALL_TAKERS)
@require_http_methods(["GET", "HEAD", "POST"])
def start_cesja(request: HttpRequest) -> HttpResponse:
    session = _acting_or_redirect(request)
    if isinstance(session, HttpResponse):
        return session
    customer = session.customer
    registrants = account_selectors.registrants_of(customer)
    own_domains = (
        Domain.objects.held_by_us().of_account(customer).select_related("registrant").order_by("name")
    )
    form = StartCesjaForm(request.POST or None, domains=own_domains, registrants=registrants)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        giving = data["side"] == Side.CEDENT
        try:
            cesja = cesja_services.start_cesja(
                initiator=customer,
                side=data["side"],
                domains=list(data["domains"]) if giving else form.names(),
                cedent_registrant=data["registrant"] if giving else None,
                cesjonariusz_registrant=None if giving else data["registrant"],
                other_party_email=data["other_party_email"] if giving else None,
                reason=data["reason"],
                reason_details=data["reason_details"],
                actor=request.user,
                channel=session.channel,
            )
        except cesja_services.Refused as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(
                request,
                _("Cesja %(number)s is recorded for %(customer)s.")
                % {"number": cesja.number, "customer": customer},
            )
            return redirect("assignments:verify", pk=cesja.pk)
    return render(
        request,
        "callers/start_cesja.html",
        {
            "caller_session": session,
            "customer": customer,
            "form": form,
            "has_registrants": registrants.exists(),
        },
    )


@role_required(*CALL_TAKERS)
@require_POST
def resend(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Send the customer the e-mail of a request's current step again."""
    session = _acting_or_redirect(request)
    if isinstance(session, HttpResponse):
        return session
    try:
        if kind == "transfer":
            subject: Any = get_object_or_404(Transfer, pk=pk, account=session.customer)
            services.resend_transfer_email(session=session, transfer=subject)
            label = subject.display_name
        elif kind == "cesja":
            subject = get_object_or_404(Cesja.objects.of_account(session.customer), pk=pk)
            services.resend_cesja_email(session=session, cesja=subject)
            label = subject.number
        else:
            return render(request, "404.html", status=404)
    except services.CallerRefused as exc:
        messages.warning(request, refusal_text(exc))
    else:
        messages.success(
            request,
            _("The e-mail about %(what)s is sent again to %(email)s.")
            % {"what": label, "email": selectors.mask_email(session.customer.email)},
        )
    return redirect("callers:acting")


@role_required(*CALL_TAKERS)
@require_POST
def end(request: HttpRequest) -> HttpResponse:
    session = services.open_session(request.user, request.session.pop(panel.SESSION_CALLER_KEY, None))
    if session is not None:
        services.end_session(session)
        messages.success(request, _("You no longer act for %(customer)s.") % {"customer": session.customer})
    return redirect("callers:find")


# --- auditors and supervisors: the record ---------------------------------------------------


@role_required(*HISTORY_READERS)
@require_safe
def log(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "callers/log.html",
        {"sessions": selectors.recent_sessions(), "attempts": selectors.recent_attempts()},
    )
