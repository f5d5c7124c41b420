"""Carrying out what a user asked of a request, and telling them how it went.

The services say no by raising an exception whose words are meant for the user. A refusal
(the rules do not allow this) goes in the form, where the user can change their answer, or
as an error on the page they go back to when there is no form. A conflict (someone else
moved the request on first) has nothing left to answer: the user is sent to the request as
it now stands, with a warning.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from .errors import Conflict, Refused

Result = TypeVar("Result")
Raised = type[Exception] | tuple[type[Exception], ...]


def refusal_text(exc: Exception) -> str:
    return str(getattr(exc, "message", "") or exc)


def carry_out(
    request: HttpRequest,
    action: Callable[[], Result],
    *,
    refusals: Raised = Refused,
    conflicts: Raised = Conflict,
    form: BaseForm | None = None,
    field: str | None = None,
    success: str | Callable[[Result], str],
    done: str,
) -> HttpResponse | None:
    """Runs ``action`` and redirects to ``done`` with a message; ``None`` when a refusal was
    put in ``form`` (on ``field``, or the form as a whole) and the view is to show it again.

    ``success`` may be a function of what the action returns. ``conflicts`` are caught first:
    the subclasses of a refusal that are to send the user back instead (by default the
    services' ``Refused`` and ``Conflict``).
    """
    try:
        result = action()
    except conflicts as exc:
        messages.warning(request, refusal_text(exc))
    except refusals as exc:
        if form is not None:
            form.add_error(field, refusal_text(exc))
            return None
        messages.error(request, refusal_text(exc))
    else:
        messages.success(request, success(result) if callable(success) else success)
    return HttpResponseRedirect(done)


def decide(
    request: HttpRequest,
    form: BaseForm,
    action: Callable[[dict[str, Any]], Result],
    *,
    otherwise: Callable[[], HttpResponse],
    **outcome: Any,
) -> HttpResponse:
    """A decision made on a form: once the form is POSTed and valid, ``action`` runs on its
    cleaned data as ``carry_out`` runs it (``outcome``: its ``success``, ``done`` …); a form
    that is not valid, or that a refusal was put in, is shown again by ``otherwise()``."""
    if request.method == "POST" and form.is_valid():
        response = carry_out(request, lambda: action(form.cleaned_data), form=form, **outcome)
        if response is not None:
            return response
    return otherwise()
