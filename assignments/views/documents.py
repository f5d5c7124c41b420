"""The signed form: downloading its current version, a new version in the other language,
and a party sending the signed copy."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from documents.sanitize import DocumentRefused
from workflows.access import role_required
from workflows.decisions import carry_out, decide
from workflows.errors import Refused
from workflows.models import Channel
from workflows.roles import Role

from .. import selectors, services
from ..forms import RegenerateForm, UploadForm
from ..models import RECEIVING
from .common import READERS, _cesja_or_404
from .parties import _render_detail


@role_required(*READERS)
@require_safe
def current_form(request: HttpRequest, pk: int) -> HttpResponse:
    """The link in the e-mails: the current version of the form, as a download."""
    cesja = _cesja_or_404(request.user, pk)
    sheet = selectors.verification_sheet(cesja)
    form = sheet.current_form
    if form is None:
        if sheet.form_pending:
            messages.info(
                request, _("The form is being prepared. This page refreshes by itself until it is ready.")
            )
        else:
            messages.info(request, _("The form is generated once both parties have joined."))
        return redirect(reverse("assignments:detail", args=[cesja.pk]) + "#form")
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
    return carry_out(
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
    return decide(
        request,
        form,
        lambda data: services.submit_signed_document(
            cesja=cesja,
            uploaded_file=data["file"],
            kind=data["kind"],
            actor=request.user,
            channel=Channel.WEB,
        ),
        refusals=(Refused, DocumentRefused),
        field="file",
        success=lambda document: (
            _("%(name)s is received (SHA-256 %(sha)s).")
            % {"name": document.original_name, "sha": document.sha256}
        ),
        done=reverse("assignments:detail", args=[cesja.pk]),
        otherwise=lambda: _render_detail(request, cesja, upload_form=form),
    )
