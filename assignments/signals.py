"""A party who edits their registrant profile while a cesja waits for signatures gets a new
form version: the form must never show data the profile no longer has."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from workflows.models import EventType, HistoryEvent


def on_history_event(sender: Any, instance: HistoryEvent, created: bool, **kwargs: Any) -> None:
    if not created or instance.event_type != EventType.REGISTRANT_UPDATED:
        return
    registrant_id = (instance.data or {}).get("registrant_id")
    if not registrant_id:
        return
    from .models import RECEIVING, Cesja

    # A quick look first: nearly every profile edit concerns no cesja at all.
    involved = Cesja.objects.filter(state__in=RECEIVING).filter(
        cedent_id=registrant_id
    ) | Cesja.objects.filter(state__in=RECEIVING, cesjonariusz_id=registrant_id)
    if not involved.exists():
        return
    actor_id, channel = instance.actor_id, instance.channel

    def refresh() -> None:
        from .services import refresh_forms_of

        actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
        refresh_forms_of(registrant_id, actor=actor, channel=channel)

    # After the profile itself is committed, and never for an edit that was rolled back.
    transaction.on_commit(refresh)
