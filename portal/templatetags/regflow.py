"""Template helpers shared by every page: the navigation of each role and small formatters."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django import template
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from registry.names import to_unicode
from workflows import readable
from workflows.access import HISTORY_READERS
from workflows.display import describe_task_status
from workflows.roles import Role, Team, team_permission

register = template.Library()


@dataclass(frozen=True)
class NavItem:
    url: str
    label: str
    active: bool


# (URL name, label, roles that see it); the home page is labelled by what it holds.
# Staff see an entry of a team's own work only in that team (URL name: team).
_TEAM_ONLY = {"domains:registry_messages": Team.DOMAINS}
_NAV = [
    ("home", _("My account"), {Role.CUSTOMER}),
    ("home", _("Queue"), {Role.STAFF}),
    ("home", _("Queue and workload"), {Role.SUPERVISOR}),
    ("check_domain", _("Check a domain"), {Role.CUSTOMER, Role.STAFF, Role.SUPERVISOR}),
    ("callers:find", _("Callers"), {Role.STAFF, Role.SUPERVISOR}),
    ("domains:registry_messages", _("Registry messages"), {Role.STAFF, Role.SUPERVISOR, Role.AUDITOR}),
    ("callers:log", _("Caller verifications"), {Role.AUDITOR, Role.SUPERVISOR}),
    ("audit:search", _("Requests"), set(HISTORY_READERS)),
    ("audit:history_search", _("History"), set(HISTORY_READERS)),
]


@register.simple_tag(takes_context=True)
def nav_items(context: dict[str, Any]) -> list[NavItem]:
    request: HttpRequest | None = context.get("request")
    if request is None or not request.user.is_authenticated:
        return []
    current = request.resolver_match.view_name if request.resolver_match else ""
    history_pages = {"audit:history_search", "audit:history_event"}
    items = []
    for url_name, label, roles in _NAV:
        if request.user.role not in roles:
            continue
        team = _TEAM_ONLY.get(url_name)
        if team and request.user.role == Role.STAFF and not request.user.has_perm(team_permission(team)):
            continue
        # The auditor's home is the history search: one entry, not two.
        if url_name == "audit:history_search" and request.user.role == Role.AUDITOR:
            active = current in {"home", *history_pages}
        else:
            active = current == url_name or (url_name == "audit:history_search" and current in history_pages)
        if url_name == "audit:search":
            # Every page of the audit but the event-level history, which has its own entry.
            active = current.startswith("audit:") and current not in history_pages
        items.append(NavItem(url=reverse(url_name), label=str(label), active=active))
    if request.user.is_staff:
        items.append(NavItem(url=reverse("admin:index"), label=str(_("Administration")), active=False))
    return items


@register.filter
def minutes(value: timedelta | None) -> int:
    """Whole minutes of a time span, rounded up, for messages like "try again in 30 minutes"."""
    if not value:
        return 0
    return -(-int(value.total_seconds()) // 60)


@register.filter
def as_json(value: Any) -> str:
    """A value from a JSON field, shown the way it is stored."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


@register.filter
def event_group(event_type: str) -> str:
    """The family of an event ("user", "registrant", "domain", "registry"), for its colour."""
    return (event_type or "").split(".", 1)[0]


@register.filter
def task_status(code: str) -> str:
    return describe_task_status(code)


@register.filter
def domain_unicode(ascii_name: str) -> str:
    """A stored A-label (xn--...) as people write it."""
    return to_unicode(ascii_name) if ascii_name else ""


def _span(value: timedelta) -> str:
    """A short length of time: whole days from a day up, hours below (at least 1 h)."""
    hours = max(int(value.total_seconds() // 3600), 1)
    if hours >= 24:
        return str(_("%(n)s d") % {"n": hours // 24})
    return str(_("%(n)s h") % {"n": hours})


@register.filter
def due_text(due) -> str:
    """A task's deadline as a badge reads: "due in 3 h", "overdue by 1 d"."""
    if due.overdue:
        return str(_("overdue by %(span)s") % {"span": _span(due.late_by)})
    return str(_("due in %(span)s") % {"span": _span(due.left)})


@register.filter
def actor_name(event) -> str:
    """Who acted in a history event, by name, or "System"."""
    return readable.actor_name(event)


@register.filter
def channel_text(event) -> str:
    """A history event's channel in words; "" for what the system did by itself."""
    return readable.channel_text(event)


@register.filter
def subject_text(event) -> str:
    """What a history event concerns, by the case's number or the record's name."""
    return readable.subject_text(event)


@register.filter
def who_and_how(event) -> str:
    return readable.who_and_how(event)
