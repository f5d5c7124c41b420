"""What other apps hear of a cesja, and what a cesja hears of other apps.

A party who edits their registrant profile while a cesja waits for signatures gets a new
form version: the form must never show data the profile no longer has.

Heard through ``accounts.signals.registrant_changed``, sent in the transaction that changed
the profile; the new version is an outbox message of that transaction, so it follows the
change once committed, and never a change that was rolled back."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.dispatch import Signal

from accounts.models import Registrant
from workflows import outbox

from .models import RECEIVING, Cesja

# A cesja completed: ``cesja`` and the ``domains`` that changed hands. Sent in the completing
# step's transaction, so what its receivers change commits with it.
cesja_completed = Signal()


def on_registrant_changed(
    sender: Any, registrant: Registrant, actor: Any, channel: str, **kwargs: Any
) -> None:
    # A quick look first: nearly every profile edit concerns no cesja at all.
    involved = Cesja.objects.filter(Q(cedent=registrant) | Q(cesjonariusz=registrant), state__in=RECEIVING)
    if not involved.exists():
        return
    outbox.emit(
        "assignments.refresh_forms",
        {"registrant": registrant.pk, "actor": actor.pk if actor is not None else None, "channel": channel},
        case=registrant,
    )
