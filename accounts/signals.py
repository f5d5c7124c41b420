"""Logins, logouts and failed logins go into the history, whichever page they came from; and
the signal other apps hear a registrant profile's change by."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import signals as auth_signals
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from workflows.history import history_text, record_event
from workflows.models import Channel, EventType

# Sent inside the transaction that changed a registrant profile, with ``registrant``, ``actor``
# and ``channel``: what must follow the change is written there, and committed with it.
registrant_changed = Signal()

# The longest username Django accepts; anything longer typed into the form is cut, so that a
# pasted password or a junk payload does not end up whole in an append-only log.
USERNAME_LIMIT = 150


def _client(request: HttpRequest | None) -> dict[str, str]:
    """Where the request came from, as far as the server can tell."""
    if request is None:
        return {}
    found = {
        "ip": request.META.get("REMOTE_ADDR", ""),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200],
    }
    return {key: value for key, value in found.items() if value}


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record_event(
        event_type=EventType.USER_LOGGED_IN,
        summary=history_text(_("%(user)s logged in."), user=user.get_username()),
        actor=user,
        channel=Channel.WEB,
        subject=user,
        data=_client(request),
    )


def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None or not user.is_authenticated:
        return  # a logout without a session: nobody to name
    record_event(
        event_type=EventType.USER_LOGGED_OUT,
        summary=history_text(_("%(user)s logged out."), user=user.get_username()),
        actor=user,
        channel=Channel.WEB,
        subject=user,
        data=_client(request),
    )


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Nobody is proven to have acted, so the event has no actor and comes through the system
    # channel, as record_event requires; the page the attempt came from is kept in its data.
    # Django has already replaced the password in ``credentials``; only the username is kept.
    username = str(credentials.get("username") or "")[:USERNAME_LIMIT]
    data: dict[str, Any] = {"username": username, "via": Channel.WEB.value, **_client(request)}
    if request is not None and getattr(request, "axes_locked_out", False):
        data["locked_out"] = True
    record_event(
        event_type=EventType.USER_LOGIN_FAILED,
        summary=history_text(_("Failed login as “%(username)s”."), username=username),
        actor=None,
        channel=Channel.SYSTEM,
        data=data,
    )


def connect() -> None:
    auth_signals.user_logged_in.connect(on_logged_in, dispatch_uid="accounts.history.logged_in")
    auth_signals.user_logged_out.connect(on_logged_out, dispatch_uid="accounts.history.logged_out")
    auth_signals.user_login_failed.connect(on_login_failed, dispatch_uid="accounts.history.login_failed")
