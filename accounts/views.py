"""Login, logout, the language switch and the customer's registrant profiles."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from workflows.access import role_required
from workflows.roles import Role

from . import login_notes, services
from .forms import LoginForm, RegistrantForm, RepresentativeFormSet
from .models import Registrant


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Someone sent here from a link (an invitation to a cesja) sees what waits for them.
        context["login_note"] = login_notes.note_for(self.get_redirect_url())
        return context


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    """Django's own switch (cookie and redirect), and for a logged-in user the saved choice."""
    language = request.POST.get("language", "")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.change_language(request.user, language)
    return set_language(request)


@role_required(Role.CUSTOMER)
def registrant_create(request: HttpRequest, kind: str) -> HttpResponse:
    return _registrant_form(request, Registrant(kind=kind))


@role_required(Role.CUSTOMER)
def registrant_edit(request: HttpRequest, pk: int) -> HttpResponse:
    # Another customer's profile is "not found", not "forbidden": we do not confirm it exists.
    registrant = get_object_or_404(Registrant, pk=pk, account=request.user)
    return _registrant_form(request, registrant)


def _next_url(request: HttpRequest) -> str:
    """Where the customer came from (?next=, e.g. the invitation to a cesja), if it is a
    page of ours; "" otherwise, and then the form leads home."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else ""


def _registrant_form(request: HttpRequest, registrant: Registrant) -> HttpResponse:
    next_url = _next_url(request)
    is_organisation = registrant.kind == Registrant.Kind.ORGANISATION
    data = request.POST if request.method == "POST" else None
    form = RegistrantForm(data, instance=registrant, kind=registrant.kind)
    formset = RepresentativeFormSet(data, instance=registrant, prefix="reps") if is_organisation else None
    if data is not None:
        # Both are validated, so that every mistake is shown at once.
        form_ok = form.is_valid()
        reps_ok = True
        if formset is not None:
            formset.representation = form.cleaned_data.get("representation", "")
            reps_ok = formset.is_valid()
        if form_ok and reps_ok:
            saved, changed = services.save_registrant(form, formset, actor=request.user)
            if changed:
                messages.success(request, _("The profile “%(name)s” is saved.") % {"name": saved})
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect(next_url or "home")
        messages.error(request, _("The profile is not saved yet: please correct the marked fields."))
    return render(
        request,
        "accounts/registrant_form.html",
        {
            "form": form,
            "formset": formset,
            "registrant": registrant,
            "is_organisation": is_organisation,
            "next": next_url,
        },
    )
