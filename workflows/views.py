"""Claiming, releasing and reassigning tasks from the team queue and the inbox (POST only)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from viewflow.workflow.models import Task

from . import queues
from .access import role_required
from .roles import Role


def _back(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect("home")


def _task(pk: int) -> Task:
    return get_object_or_404(queues.open_tasks().exclude(owner_permission__isnull=True), pk=pk)


@role_required(Role.STAFF, Role.SUPERVISOR)
@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(pk)
    try:
        queues.claim_task(task=task, user=request.user)
    except queues.QueueRefused as exc:
        messages.warning(request, str(exc))
    else:
        messages.success(request, _("The task is in your inbox."))
    return _back(request)


@role_required(Role.STAFF, Role.SUPERVISOR)
@require_POST
def release(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(pk)
    try:
        queues.release_task(task=task, user=request.user)
    except queues.QueueRefused as exc:
        messages.warning(request, str(exc))
    else:
        messages.success(request, _("The task is back in the team queue."))
    return _back(request)


@role_required(Role.STAFF, Role.SUPERVISOR)
@require_POST
def reassign(request: HttpRequest, pk: int) -> HttpResponse:
    task = _task(pk)
    to_user = get_user_model().objects.filter(pk=request.POST.get("to_user") or 0).first()
    if to_user is None:
        messages.warning(request, _("Choose the person to hand the task to."))
        return _back(request)
    try:
        queues.reassign_task(task=task, user=request.user, to_user=to_user)
    except queues.QueueRefused as exc:
        messages.warning(request, str(exc))
    else:
        messages.success(
            request, _("The task is handed to %(person)s.") % {"person": to_user.get_full_name() or to_user}
        )
    return _back(request)
