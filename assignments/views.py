"""The cesja pages: a customer starts one, the invited party joins, both parties follow the
case and send the signed form; the domains team verifies and decides; auditors and
supervisors read the same page without its buttons.

The views are thin: they check who is asking and for which cesja, read through the
selectors and change things only through ``assignments.services``. Every change is a POST.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.forms import InvitedSignUpForm, email_taken
from accounts.models import User
from documents.sanitize import DocumentRefused
from registry.models import Domain
from workflows import sealing
from workflows.access import role_required
from workflows.decisions import carry_out, refusal_text
from workflows.errors import Conflict, Refused
from workflows.history import history_text
from workflows.models import Channel
from workflows.roles import Role, Team

from . import selectors, services
from .forms import (
    ApproveForm,
    CancelForm,
    CorrectionForm,
    JoinForm,
    PaperDocumentForm,
    RegenerateForm,
    RejectForm,
    StartCesjaForm,
    TickForm,
    UploadForm,
)
from .models import (
    DOCUMENT_STATES,
    RECEIVING,
    VERIFICATION_STATES,
    Cesja,
    CesjaInvitation,
    ChecklistItem,
    Side,
    State,
)

# Everyone who may look at a cesja: its parties, and the back office and auditors.
READERS = (Role.CUSTOMER, Role.STAFF, Role.SUPERVISOR, Role.AUDITOR)
BACK_OFFICE_READERS = (Role.STAFF, Role.SUPERVISOR, Role.AUDITOR)
# Supervisors and auditors read; deciding on a cesja is the domains team's work.
DECIDERS = (Role.STAFF,)


_carry_out = partial(carry_out, refusals=Refused, conflicts=Conflict)


def _may_decide(user: User) -> bool:
    return user.role in DECIDERS and user.team == Team.DOMAINS


def _cesja_or_404(user: User, pk: int) -> Cesja:
    # Another customer's cesja is "not found", not "forbidden": we do not confirm it exists.
    return selectors.cesja_for_user(user, pk)


def tone(state: str) -> str:
    return selectors.cesja_tone(state)


@dataclass(frozen=True)
class Step:
    label: str
    # "done", "current", "todo" or "stopped"
    status: str


_STAGES = [
    (gettext_lazy("Both parties joined"), {State.AWAITING_PARTY}),
    (gettext_lazy("Signed form sent"), {State.AWAITING_DOCUMENTS, State.CORRECTION_REQUESTED}),
    (gettext_lazy("Verified by our staff"), {State.IN_VERIFICATION, State.AWAITING_SECOND_APPROVAL}),
    (gettext_lazy("Changed at the registry"), {State.EXECUTING}),
]


def _progress(cesja: Cesja) -> list[Step]:
    """Where the cesja stands, as a row of stages a party can read at a glance."""
    if cesja.state == State.COMPLETED:
        return [Step(str(label), "done") for label, _states in _STAGES]
    current = next((i for i, (_label, states) in enumerate(_STAGES) if cesja.state in states), None)
    stopped = current is None
    if stopped:
        # Ended without success: the stage it had reached is where it stopped.
        if cesja.approved_at is not None:
            current = 3
        elif cesja.documents_received_at is not None:
            current = 2
        elif cesja.cedent_joined_at and cesja.cesjonariusz_joined_at:
            current = 1
        else:
            current = 0
    steps = []
    for index, (label, _states) in enumerate(_STAGES):
        if index < current:
            status = "done"
        elif index == current:
            status = "stopped" if stopped else "current"
        else:
            status = "todo"
        steps.append(Step(str(label), status))
    return steps


def _base_context(request: HttpRequest, cesja: Cesja) -> dict[str, Any]:
    sheet = selectors.verification_sheet(cesja)
    return {
        "cesja": cesja,
        "sheet": sheet,
        "parties": [
            (Side.CEDENT.label, sheet.parties[Side.CEDENT], cesja.cedent_account),
            (Side.CESJONARIUSZ.label, sheet.parties[Side.CESJONARIUSZ], cesja.cesjonariusz_account),
        ],
        "cesja_domains": list(cesja.items.all()),
        "tone": tone(cesja.state),
        "next_step": selectors.next_step(cesja, request.user),
        "timeline": selectors.timeline(cesja),
        "progress": _progress(cesja),
        "states": State,
        "document_states": DOCUMENT_STATES,
        "verification_states": VERIFICATION_STATES,
    }


# --- customer: start a cesja ------------------------------------------------------------------


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


# --- one cesja, as its parties see it -------------------------------------------------------


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
    if form.is_valid():
        response = _carry_out(
            request,
            lambda: services.join_cesja(
                cesja=cesja,
                registrant=form.cleaned_data["registrant"],
                actor=request.user,
                channel=Channel.WEB,
            ),
            form=form,
            success=_("You have joined the cesja: the form is ready to download."),
            done=reverse("assignments:detail", args=[cesja.pk]),
        )
        if response is not None:
            return response
    return _render_detail(request, cesja, join_form=form)


@role_required(*READERS)
@require_safe
def current_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The link in the e-mails: the current version of the form, as a download."""
    cesja = _cesja_or_404(request.user, pk)
    form = selectors.verification_sheet(cesja).current_form
    if form is None:
        messages.info(request, _("The form is generated once both parties have joined."))
        return redirect("assignments:detail", pk=cesja.pk)
    return redirect("documents:download_generated", pk=form.pk)


@role_required(Role.CUSTOMER)
@require_POST
def regenerate(request: HttpRequest, pk: int) -> HttpResponse:
    """A new version of the form in the language a party asks for; the old one is superseded."""
    cesja = _cesja_or_404(request.user, pk)
    form = RegenerateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose Polish or English."))
        return redirect(reverse("assignments:detail", args=[cesja.pk]) + "#form")
    return _carry_out(
        request,
        lambda: services.regenerate_form(
            cesja=cesja, actor=request.user, channel=Channel.WEB, language=form.cleaned_data["language"]
        ),
        success=lambda document: (
            _("Form %(number)s is ready; sign this version, not an earlier one.")
            % {"number": document.number}
        ),
        done=reverse("assignments:detail", args=[cesja.pk]) + "#form",
    )


@role_required(Role.CUSTOMER)
@require_http_methods(["GET", "HEAD", "POST"])
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    """A party sends the signed form (or a document that supports it). A GET, from the
    e-mail's link, shows the page with the upload form."""
    cesja = _cesja_or_404(request.user, pk)
    if request.method != "POST":
        return redirect(reverse("assignments:detail", args=[cesja.pk]) + "#upload")
    if cesja.state not in RECEIVING:
        messages.info(request, _("This cesja is not waiting for documents."))
        return redirect("assignments:detail", pk=cesja.pk)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        response = _carry_out(
            request,
            lambda: services.submit_signed_document(
                cesja=cesja,
                uploaded_file=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
                actor=request.user,
                channel=Channel.WEB,
            ),
            refusals=(Refused, DocumentRefused),
            form=form,
            field="file",
            success=lambda document: (
                _("%(name)s is received (SHA-256 %(sha)s).")
                % {"name": document.original_name, "sha": document.sha256}
            ),
            done=reverse("assignments:detail", args=[cesja.pk]),
        )
        if response is not None:
            return response
    return _render_detail(request, cesja, upload_form=form)


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
    if request.method == "POST" and form.is_valid():
        response = _carry_out(
            request,
            lambda: services.cancel_cesja(
                cesja=cesja, actor=request.user, channel=Channel.WEB, reason=form.cleaned_data["reason"]
            ),
            form=form,
            success=_("The cesja is cancelled; both parties are told."),
            done=reverse(back, args=[cesja.pk]),
        )
        if response is not None:
            return response
    return render(
        request,
        "assignments/cancel.html",
        {
            "cesja": cesja,
            "form": form,
            "tone": tone(cesja.state),
            "back": back,
            "cesja_domains": list(cesja.items.all()),
        },
    )


# --- the invitation link ----------------------------------------------------------------------


def _invitation(token: str) -> CesjaInvitation | None:
    # Read only, by the digest the service keys it by; only the POST claims it.
    if not token or len(token) > 200:
        return None
    return (
        CesjaInvitation.objects.select_related("cesja", "cesja__cedent", "cesja__cesjonariusz")
        .filter(token_digest=sealing.token_digest(f"cesja:{token}"))
        .first()
    )


def _invitation_problem(found: CesjaInvitation | None) -> str:
    """Why the link can no longer bring anyone in, or ""."""
    if found is None:
        return _("This invitation link is not valid.")
    if found.used_at is not None:
        return _("This invitation has already been used.")
    if found.cesja.state != State.AWAITING_PARTY or found.expires_at <= timezone.now():
        return _("This invitation has expired or the cesja has moved on.")
    return ""


def _invitation_context(found: CesjaInvitation | None) -> dict[str, Any]:
    cesja = found.cesja if found is not None else None
    return {
        "invitation": found,
        "cesja": cesja,
        "cesja_domains": list(cesja.items.all()) if cesja is not None else [],
    }


def _login_then(path: str) -> str:
    """The login page, coming back to ``path`` afterwards (as login_required sends people)."""
    return redirect_to_login(path)["Location"]


def _may_sign_up(found: CesjaInvitation | None) -> bool:
    """Whether the invited person should create an account: the invitation is still good
    and nobody has an account at its address (or holds that side already)."""
    if found is None or _invitation_problem(found):
        return False
    cesja = found.cesja
    side_account = cesja.cedent_account_id if found.side == Side.CEDENT else cesja.cesjonariusz_account_id
    return side_account is None and not email_taken(found.email)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invited party's e-mail. Someone invited who has no account yet is
    offered one (only an invitation lets one be created); anyone else logs in first and
    comes back. The GET only shows what the cesja is, because mail scanners follow links;
    the POST joins with the chosen profile. Only the account of the invited address may."""
    found = _invitation(token)
    if not request.user.is_authenticated:
        if request.method != "POST" and _may_sign_up(found):
            return redirect("assignments:invitation_signup", token=token)
        return redirect_to_login(request.get_full_path())
    if request.user.role != Role.CUSTOMER:
        raise PermissionDenied
    cesja = found.cesja if found is not None else None
    if cesja is not None and found.used_by_id == request.user.pk and cesja.side_of(request.user):
        # Already claimed by this account: the cesja's own page says where it stands.
        return redirect("assignments:detail", pk=cesja.pk)
    registrants = account_selectors.registrants_of(request.user)
    form = JoinForm(request.POST or None, registrants=registrants)
    problem = _invitation_problem(found)
    if not problem and not services.may_claim(found, request.user):
        # Someone else's invitation (a forwarded link, or the wrong account logged in):
        # say where it went, masked, and change nothing.
        return render(
            request,
            "assignments/invitation.html",
            {
                **_invitation_context(found),
                "wrong_account": True,
                "masked_email": services.mask_email(found.email),
                "login_again": _login_then(request.path),
            },
            status=403,
        )
    if request.method == "POST" and not problem and form.is_valid():
        try:
            joined = services.join_cesja(
                cesja=cesja,
                registrant=form.cleaned_data["registrant"],
                actor=request.user,
                channel=Channel.WEB,
                token=token,
            )
        except Conflict as exc:
            problem = refusal_text(exc)
        except Refused as exc:
            form.add_error(None, refusal_text(exc))
        else:
            messages.success(request, _("You have joined the cesja: the form is ready to download."))
            return redirect("assignments:detail", pk=joined.pk)
    return render(
        request,
        "assignments/invitation.html",
        {
            **_invitation_context(found),
            "form": form,
            "problem": problem,
            "has_registrants": registrants.exists(),
        },
        status=200 if found is not None else 404,
    )


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "HEAD", "POST"])
def invitation_signup(request: HttpRequest, token: str) -> HttpResponse:
    """ "Create your account": for someone invited by e-mail who has none. The address is
    the invited one; the new customer is logged in and goes back to the invitation to
    choose or add a registrant profile and join."""
    invitation_path = reverse("assignments:invitation", kwargs={"token": token})
    if request.user.is_authenticated:
        return redirect(invitation_path)
    found = _invitation(token)
    problem = _invitation_problem(found)
    if problem:
        return render(
            request,
            "assignments/invitation.html",
            {**_invitation_context(found), "problem": problem},
            status=200 if found is not None else 404,
        )
    login_url = _login_then(invitation_path)
    if not _may_sign_up(found):
        messages.info(request, _("You already have an account at this address: log in to take part."))
        return redirect(login_url)
    form = InvitedSignUpForm(
        request.POST or None, email=found.email, initial={"language": translation.get_language()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = account_services.create_customer_account(
                username=data["username"],
                email=found.email,
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                language=data["language"],
                reason=history_text(
                    gettext_lazy("Invited by e-mail to cesja %(number)s."), number=found.cesja.number
                ),
                data={"cesja": found.cesja.number, "invitation": found.pk},
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # django-axes sits first among the backends: name the one that checks passwords.
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            with translation.override(user.language):
                messages.success(
                    request,
                    _("Your account %(username)s is ready: now add the registrant profile you take part as.")
                    % {"username": user.get_username()},
                )
            return redirect(invitation_path)
    return render(
        request,
        "assignments/invitation_signup.html",
        {**_invitation_context(found), "form": form, "login_url": login_url},
    )


# --- back office ----------------------------------------------------------------------------


@role_required(*BACK_OFFICE_READERS)
@require_safe
def verify(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_verify(request, _cesja_or_404(request.user, pk))


def _render_verify(request: HttpRequest, cesja: Cesja, **forms: Any) -> HttpResponse:
    """The verification sheet; deciding parts only for the domains team, and only while the
    cesja is in their hands."""
    user = request.user
    decides = _may_decide(user)
    context = _base_context(request, cesja)
    sheet = context["sheet"]
    verifying = cesja.state in VERIFICATION_STATES
    already_approved = any(a.approved_by_id == user.pk for a in sheet.approvals)
    checklist_complete = all(tick is not None and tick.checked for _code, _label, tick in sheet.checklist)
    context.update(
        decides=decides,
        verifying=verifying,
        checklist_complete=checklist_complete,
        already_approved=already_approved,
        second_needed=cesja.policy.needs_second_approval(cesja.domain_names()),
        checklist_errors=forms.get("checklist_errors", {}),
        can_cancel=decides and cesja.can_cancel(user),
        approve_form=forms.get("approve_form") or ApproveForm() if decides and verifying else None,
        reject_form=forms.get("reject_form") or RejectForm() if decides and verifying else None,
        correction_form=forms.get("correction_form") or CorrectionForm() if decides and verifying else None,
        paper_form=(
            forms.get("paper_form") or PaperDocumentForm(receivers=_receivers(), me=user)
            if decides and cesja.state in RECEIVING
            else None
        ),
    )
    return render(request, "assignments/verify.html", context)


def _receivers():
    return User.objects.filter(role=Role.STAFF, team=Team.DOMAINS, is_active=True).order_by(
        "last_name", "first_name", "username"
    )


def _deciding_cesja(request: HttpRequest, pk: int) -> Cesja:
    cesja = _cesja_or_404(request.user, pk)
    if not _may_decide(request.user):
        raise PermissionDenied
    return cesja


@role_required(*DECIDERS)
@require_POST
def tick(request: HttpRequest, pk: int) -> HttpResponse:
    """Tick or untick one checklist item, with a note."""
    cesja = _deciding_cesja(request, pk)
    form = TickForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a checklist item to tick or untick."))
        return redirect(reverse("assignments:verify", args=[cesja.pk]) + "#checklist")
    item = form.cleaned_data["item"]
    try:
        services.tick_checklist(
            cesja=cesja,
            item=item,
            checked=form.cleaned_data["checked"],
            note=form.cleaned_data["note"],
            actor=request.user,
            channel=Channel.WEB,
        )
    except Conflict as exc:
        messages.warning(request, refusal_text(exc))
    except Refused as exc:
        return _render_verify(request, cesja, checklist_errors={item: refusal_text(exc)})
    else:
        messages.success(
            request,
            (_("Ticked: %(item)s") if form.cleaned_data["checked"] else _("Unticked: %(item)s"))
            % {"item": ChecklistItem(item).label},
        )
    return redirect(reverse("assignments:verify", args=[cesja.pk]) + "#checklist")


def _decision(
    request: HttpRequest,
    pk: int,
    form_class: type,
    form_key: str,
    act: Any,
    success: str,
) -> HttpResponse:
    """The shape every decision shares: the form, the service, a conflict as a notice and a
    refusal in the form."""
    cesja = _deciding_cesja(request, pk)
    form = form_class(request.POST)
    if cesja.state not in VERIFICATION_STATES:
        messages.info(request, _("This cesja is not waiting for a decision."))
        return redirect("assignments:verify", pk=cesja.pk)
    if form.is_valid():
        response = _carry_out(
            request,
            lambda: act(cesja, form.cleaned_data),
            form=form,
            success=success,
            done=reverse("assignments:verify", args=[cesja.pk]),
        )
        if response is not None:
            return response
    return _render_verify(request, cesja, **{form_key: form})


@role_required(*DECIDERS)
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    def act(cesja: Cesja, data: dict) -> None:
        approved = services.approve_cesja(
            cesja=cesja, actor=request.user, channel=Channel.WEB, note=data["note"]
        )
        if approved.state == State.AWAITING_SECOND_APPROVAL:
            messages.info(request, _("A second member of the domains team must approve it too."))

    return _decision(request, pk, ApproveForm, "approve_form", act, _("Your approval is recorded."))


@role_required(*DECIDERS)
@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    def act(cesja: Cesja, data: dict) -> None:
        services.reject_cesja(cesja=cesja, reasons=data["reasons"], actor=request.user, channel=Channel.WEB)

    return _decision(
        request, pk, RejectForm, "reject_form", act, _("The cesja is rejected; the parties are told why.")
    )


@role_required(*DECIDERS)
@require_POST
def correction(request: HttpRequest, pk: int) -> HttpResponse:
    def act(cesja: Cesja, data: dict) -> None:
        services.request_correction(
            cesja=cesja, what_to_fix=data["what_to_fix"], actor=request.user, channel=Channel.WEB
        )

    return _decision(
        request,
        pk,
        CorrectionForm,
        "correction_form",
        act,
        _("The correction is requested; the parties are told what to fix."),
    )


@role_required(*DECIDERS)
@require_POST
def paper(request: HttpRequest, pk: int) -> HttpResponse:
    """Register a document that came by post, by fax or in person, with its scan."""
    cesja = _deciding_cesja(request, pk)
    form = PaperDocumentForm(request.POST, request.FILES, receivers=_receivers(), me=request.user)
    if cesja.state not in RECEIVING:
        messages.info(request, _("This cesja is not waiting for documents."))
        return redirect("assignments:verify", pk=cesja.pk)
    if form.is_valid():
        data = form.cleaned_data
        response = _carry_out(
            request,
            lambda: services.register_paper_document(
                cesja=cesja,
                uploaded_file=data["file"],
                kind=data["kind"],
                channel=data["channel"],
                received_on=data["received_on"],
                received_by=data["received_by"],
                actor=request.user,
                form_number=data["form_number"] or None,
                note=data["note"],
            ),
            refusals=(Refused, DocumentRefused),
            form=form,
            success=lambda document: (
                _("%(kind)s is registered (SHA-256 %(sha)s).")
                % {"kind": document.get_kind_display(), "sha": document.sha256}
            ),
            done=reverse("assignments:verify", args=[cesja.pk]),
        )
        if response is not None:
            return response
    return _render_verify(request, cesja, paper_form=form)
