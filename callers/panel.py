"""The customer's side: the code kept sealed in their session so the panel can show it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.http import HttpRequest

from . import codes, services

SESSION_CODE_KEY = "callers.code"
# Staff: the caller session they act in.
SESSION_CALLER_KEY = "callers.session_id"


def keep_in_session(request: HttpRequest, issued: services.IssuedCode) -> None:
    request.session[SESSION_CODE_KEY] = {"id": issued.code.pk, "sealed": codes.seal(issued.clear)}


@dataclass(frozen=True)
class ShownCode:
    display: str
    expires_at: datetime


def code_to_show(request: HttpRequest) -> ShownCode | None:
    """The code from this session, while it is still the customer's valid current code.

    A login on another device replaces it; then this session has nothing to show and the
    panel offers a new code instead.
    """
    kept = request.session.get(SESSION_CODE_KEY)
    if not isinstance(kept, dict):
        return None
    current = services.current_code(request.user)
    if current is None or current.pk != kept.get("id") or not current.is_valid():
        return None
    clear = codes.unseal(kept.get("sealed", ""))
    if clear is None or not codes.matches(current.code_digest, request.user.pk, clear):
        return None
    return ShownCode(display=codes.display(clear), expires_at=current.expires_at)
