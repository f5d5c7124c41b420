"""The caller banner on every back-office page and the code card in the customer's panel."""

from __future__ import annotations

from typing import Any

from django import template

from callers import panel, services

register = template.Library()


@register.inclusion_tag("callers/_banner.html", takes_context=True)
def caller_banner(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    session = None
    if user is not None and getattr(user, "is_back_office", False):
        session = services.open_session(user, request.session.get(panel.SESSION_CALLER_KEY))
    return {"caller_session": session, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("callers/_code_card.html", takes_context=True)
def caller_code_card(context: dict[str, Any]) -> dict[str, Any]:
    request = context["request"]
    return {"shown": panel.code_to_show(request), "csrf_token": context.get("csrf_token")}
