"""The invitation link: the invited party comes in, with an account they have or one they
create here (the only sign-up there is), and joins."""

from __future__ import annotations

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
from django.views.decorators.http import require_http_methods

from accounts import selectors as account_selectors
from accounts import services as account_services
from accounts.forms import InvitedSignUpForm, email_taken
from workflows.decisions import refusal_text
from workflows.errors import Conflict, Refused
from workflows.history import history_text
from workflows.models import Channel
from workflows.roles import Role

from .. import selectors, services
from ..forms import JoinForm
from ..models import CesjaInvitation, Side, State


def _invitation(token: str) -> CesjaInvitation | None:
    # Read only, by the digest the service keys it by; only the POST claims it.
    return selectors.invitation_by_token(token)


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
            messages.success(
                request,
                _(
                    "You have joined the cesja: the form is being prepared and will be ready to download "
                    "in a moment."
                ),
            )
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
