"""The back office: the verification sheet, the checklist, the domains team's decisions, and
documents that came by post, by fax or in person."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.models import User
from documents.sanitize import DocumentRefused
from workflows.access import role_required
from workflows.decisions import carry_out, decide, refusal_text
from workflows.errors import Conflict, Refused
from workflows.models import Channel
from workflows.roles import Role, Team

from .. import services
from ..forms import ApproveForm, CorrectionForm, PaperDocumentForm, RejectForm, TickForm
from ..models import RECEIVING, VERIFICATION_STATES, Cesja, ChecklistItem, State
from .common import BACK_OFFICE_READERS, DECIDERS, _base_context, _cesja_or_404, _may_decide


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
    return decide(
        request,
        form,
        lambda data: act(cesja, data),
        success=success,
        done=reverse("assignments:verify", args=[cesja.pk]),
        otherwise=lambda: _render_verify(request, cesja, **{form_key: form}),
    )


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
        response = carry_out(
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
