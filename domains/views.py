"""The customer's domains held by us: a transfer code to take one elsewhere, and the lock
that keeps other registrars from taking it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import Registrant, User
from registry.models import Domain
from transfers import poll
from transfers.models import UnprocessedPollMessage
from transfers.selectors import unprocessed_poll_messages
from workflows import sealing
from workflows.access import role_required
from workflows.decisions import carry_out, decide, refusal_text
from workflows.errors import Conflict, Refused
from workflows.models import Channel
from workflows.roles import Role, Team, team_permission
from workflows.selectors import timeline

from . import comparison, differences, registrants, services
from .forms import DifferenceCheckedForm, RegistryMessageHandledForm, RepresentativeForm, TransferLockForm
from .models import AuthInfoCode, RegistryDifference

# The issued code waits in the session, sealed, between the POST that issues it and the
# one page that shows it; that page takes it out, so a reload cannot show it again.
_ISSUED_CODE_KEY = "domains.issued_authinfo.{pk}"


def _own_domain_or_404(user: User, pk: int) -> Domain:
    return get_object_or_404(
        # the owner check reads the sponsor and the registrant's account: one query, not three
        Domain.objects.held_by_us().of_account(user).select_related("registrant__account", "tld", "sponsor"),
        pk=pk,
    )


@role_required(Role.CUSTOMER)
@require_http_methods(["GET", "HEAD", "POST"])
def authinfo(request: HttpRequest, pk: int) -> HttpResponse:
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
            return redirect("domains:authinfo_issued", pk=domain.pk)
    return render(
        request,
        "domains/authinfo.html",
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
def authinfo_issued(request: HttpRequest, pk: int) -> HttpResponse:
    """Shows a code just issued, once: it is taken out of the session as it is shown."""
    domain = _own_domain_or_404(request.user, pk)
    sealed = request.session.pop(_ISSUED_CODE_KEY.format(pk=domain.pk), "")
    code = sealing.unseal(sealed) if sealed else None
    response = render(
        request,
        "domains/authinfo_issued.html",
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
def lock(request: HttpRequest, pk: int) -> HttpResponse:
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
    return carry_out(
        request,
        lambda: services.set_transfer_lock(
            domain=domain, locked=locked, actor=request.user, channel=Channel.WEB
        ),
        refusals=Refused,
        conflicts=Conflict,
        success=success % {"domain": domain.display_name},
        done=reverse("home") + "#domains",
    )


@role_required(Role.CUSTOMER)
@require_POST
def ask_confirmation(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the registrant's confirmation link to their e-mail at the registry."""
    domain = _own_domain_or_404(request.user, pk)
    try:
        email = registrants.ask_registrant_to_confirm(domain=domain, actor=request.user, channel=Channel.WEB)
    except Refused as exc:
        messages.error(request, refusal_text(exc))
    else:
        messages.success(
            request,
            _("We sent the confirmation link to %(email)s, the registrant's e-mail at the registry.")
            % {"email": email},
        )
    return redirect("domains:authinfo", pk=domain.pk)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm_registrant(request: HttpRequest, token: str) -> HttpResponse:
    """Open to anyone with the link. A GET only shows what is confirmed (mail scanners follow
    links); the POST confirms."""
    link = registrants.find_confirmation(token)
    if link is None or not link.usable:
        return render(
            request,
            "domains/confirm_registrant.html",
            {"link": link, "unusable": True},
            status=404 if link is None else 410,
        )
    for_organisation = link.registrant.kind == Registrant.Kind.ORGANISATION
    form = RepresentativeForm(request.POST or None) if for_organisation else None
    if request.method == "POST":
        if form is not None and not form.is_valid():
            return render(request, "domains/confirm_registrant.html", {"link": link, "form": form})
        try:
            domain = registrants.confirm_registrant(
                token=token, representative=form.representative() if form is not None else ""
            )
        except Refused as exc:
            return render(
                request,
                "domains/confirm_registrant.html",
                {"link": link, "unusable": True, "error": refusal_text(exc)},
                status=410,
            )
        return render(
            request, "domains/confirm_registrant.html", {"link": link, "done": True, "domain": domain}
        )
    return render(request, "domains/confirm_registrant.html", {"link": link, "form": form})


@role_required(Role.STAFF, Role.SUPERVISOR, Role.AUDITOR)
@require_http_methods(["GET", "HEAD", "POST"])
def difference(request: HttpRequest, pk: int) -> HttpResponse:
    """A registry difference before the domains team: what differs, and what was done."""
    found = get_object_or_404(
        RegistryDifference.objects.select_related("domain__registrant__account", "resolved_by"), pk=pk
    )
    may_check = request.user.role == Role.STAFF and request.user.has_perm(team_permission(Team.DOMAINS))
    form = DifferenceCheckedForm(request.POST or None) if may_check and found.resolved_at is None else None
    if request.method == "POST":
        if form is None:
            return HttpResponseForbidden(_("Only the domains team checks registry differences."))
        return decide(
            request,
            form,
            lambda data: differences.resolve(
                difference_id=found.pk, actor=request.user, channel=Channel.WEB, resolution=data["resolution"]
            ),
            otherwise=lambda: _difference_page(request, found, form),
            success=_("The difference is marked as checked."),
            done=reverse("domains:difference", args=[found.pk]),
        )
    return _difference_page(request, found, form)


def _difference_page(request: HttpRequest, found: RegistryDifference, form) -> HttpResponse:
    rows = [
        {"label": comparison.FIELD_LABELS.get(field, field), "ours": values[0], "registry": values[1]}
        for field, values in sorted(found.changes.items())
    ]
    return render(
        request,
        "domains/difference.html",
        {
            "found": found,
            "domain": found.domain,
            "rows": rows,
            "form": form,
            "timeline": timeline(found.domain),
        },
    )


def _sees_registry_messages(user: User) -> bool:
    """The domains team, supervisors and auditors; staff of other teams do not."""
    return user.role in (Role.SUPERVISOR, Role.AUDITOR) or user.has_perm(team_permission(Team.DOMAINS))


@role_required(Role.STAFF, Role.SUPERVISOR, Role.AUDITOR)
@require_safe
def registry_messages(request: HttpRequest) -> HttpResponse:
    """Registry messages that could not be processed: the open ones, then those handled."""
    if not _sees_registry_messages(request.user):
        raise PermissionDenied
    found = UnprocessedPollMessage.objects.select_related("handled_by")
    handled = Paginator(found.filter(handled_at__isnull=False).order_by("-handled_at", "-pk"), 25)
    return render(
        request,
        "domains/registry_messages.html",
        {
            "open_messages": list(
                unprocessed_poll_messages().select_related("handled_by").order_by("received_at", "pk")
            ),
            "handled_page": handled.get_page(request.GET.get("page")),
        },
    )


@role_required(Role.STAFF, Role.SUPERVISOR, Role.AUDITOR)
@require_http_methods(["GET", "HEAD", "POST"])
def registry_message(request: HttpRequest, pk: int) -> HttpResponse:
    """One registry message that could not be processed: as it came, why, and what was done."""
    if not _sees_registry_messages(request.user):
        raise PermissionDenied
    found = get_object_or_404(UnprocessedPollMessage.objects.select_related("handled_by"), pk=pk)
    may_handle = request.user.role == Role.STAFF and request.user.has_perm(team_permission(Team.DOMAINS))
    form = (
        RegistryMessageHandledForm(request.POST or None) if may_handle and found.handled_at is None else None
    )

    def page() -> HttpResponse:
        return render(request, "domains/registry_message.html", {"found": found, "form": form})

    if request.method == "POST":
        if form is None:
            return HttpResponseForbidden(_("Only the domains team handles registry messages."))
        return decide(
            request,
            form,
            lambda data: poll.mark_handled(
                message_id=found.pk, actor=request.user, channel=Channel.WEB, note=data["note"]
            ),
            otherwise=page,
            success=_("The message is marked as handled."),
            done=reverse("domains:registry_message", args=[found.pk]),
        )
    return page()
