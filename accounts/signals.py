"""Logins, logouts and failed logins go into the history, whichever page they came from; and
the signal other apps hear a registrant profile's change by."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import signals as auth_signals
from django.dispatch import Signal
from django.http import HttpRequest

from workflows.models import Channel

from . import events

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
    events.logged_in(user, _client(request))


def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is None or not user.is_authenticated:
        return  # a logout without a session: nobody to name
    events.logged_out(user, _client(request))


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # Django has already replaced the password in ``credentials``; only the username is kept.
    username = str(credentials.get("username") or "")[:USERNAME_LIMIT]
    data: dict[str, Any] = {"username": username, "via": Channel.WEB.value, **_client(request)}
    if request is not None and getattr(request, "axes_locked_out", False):
        data["locked_out"] = True
    events.login_failed(username, data)


def connect() -> None:
    auth_signals.user_logged_in.connect(on_logged_in, dispatch_uid="accounts.history.logged_in")
    auth_signals.user_logged_out.connect(on_logged_out, dispatch_uid="accounts.history.logged_out")
    auth_signals.user_login_failed.connect(on_login_failed, dispatch_uid="accounts.history.login_failed")
