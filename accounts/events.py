"""Every history event of people and their registrant profiles, one named function each."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from workflows.history import diff, history_text, record_event
from workflows.models import Channel, EventType, HistoryEvent
from workflows.roles import Role

from .models import Registrant, User


def registrant_recorded(
    registrant: Registrant, *, created: bool, changes: dict[str, Any], actor: User, channel: str
) -> HistoryEvent:
    """A registrant profile was created, or changed (``changes``: before and after)."""
    if created:
        event_type = EventType.REGISTRANT_CREATED
        summary = history_text(_("Registrant profile “%(name)s” created."), name=registrant.display_name)
    else:
        event_type = EventType.REGISTRANT_UPDATED
        summary = history_text(_("Registrant profile “%(name)s” changed."), name=registrant.display_name)
    return record_event(
        event_type=event_type,
        summary=summary,
        actor=actor,
        channel=channel,
        subject=registrant,
        changes=changes,
        data={"registrant_id": registrant.pk, "kind": registrant.kind},
    )


def language_changed(user: User, old: str, new: str) -> HistoryEvent:
    return record_event(
        event_type=EventType.USER_LANGUAGE_CHANGED,
        summary=history_text(
            _("%(user)s changed the panel language to %(language)s."),
            user=user.get_username(),
            language=dict(settings.LANGUAGES)[new],
        ),
        actor=user,
        subject=user,
        changes=diff({"language": old}, {"language": new}),
    )


def account_created(user: User, *, channel: str, reason: Any, data: dict[str, Any] | None) -> HistoryEvent:
    return record_event(
        event_type=EventType.ACCOUNT_CREATED,
        summary=history_text(_("Customer account %(user)s created."), user=user.get_username()),
        actor=user,
        channel=channel,
        subject=user,
        reason=history_text(reason),
        changes=diff({}, {"username": user.username, "email": user.email, "language": user.language}),
        data={"role": Role.CUSTOMER, **(data or {})},
    )


def logged_in(user: User, client: dict[str, str]) -> HistoryEvent:
    return record_event(
        event_type=EventType.USER_LOGGED_IN,
        summary=history_text(_("%(user)s logged in."), user=user.get_username()),
        actor=user,
        channel=Channel.WEB,
        subject=user,
        data=client,
    )


def logged_out(user: User, client: dict[str, str]) -> HistoryEvent:
    return record_event(
        event_type=EventType.USER_LOGGED_OUT,
        summary=history_text(_("%(user)s logged out."), user=user.get_username()),
        actor=user,
        channel=Channel.WEB,
        subject=user,
        data=client,
    )


def login_failed(username: str, data: dict[str, Any]) -> HistoryEvent:
    # Nobody is proven to have acted, so the event has no actor and comes through the system
    # channel, as record_event requires; the page the attempt came from is kept in its data.
    return record_event(
        event_type=EventType.USER_LOGIN_FAILED,
        summary=history_text(_("Failed login as “%(username)s”."), username=username),
        actor=None,
        channel=Channel.SYSTEM,
        data=data,
    )
