"""A customer's login issues a new authorisation code, replacing the one before."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import signals as auth_signals
from django.http import HttpRequest

from workflows.roles import Role


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if getattr(user, "role", None) != Role.CUSTOMER:
        return
    from . import panel, services

    issued = services.issue_code(user)
    if request is not None and hasattr(request, "session"):
        panel.keep_in_session(request, issued)


def connect() -> None:
    auth_signals.user_logged_in.connect(on_logged_in, dispatch_uid="callers.code_at_login")
