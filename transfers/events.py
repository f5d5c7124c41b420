"""Every history event a transfer writes, one named function each, so that what the log says
of a transfer can be read in one place. Each is called inside the step's transaction (see
``workflows.cases``); the words are the product's own language (``history_text``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from registry.models import Domain
from workflows.history import history_text, record_event
from workflows.models import Channel, EventType, HistoryEvent

from .kind import TRANSFERS
from .models import PollMessage, Transfer, UnprocessedPollMessage


def state_changed(transfer: Transfer, before: str, summary: Any, **details: Any) -> HistoryEvent:
    """A step of the transfer's state machine; ``details`` as ``CaseKind.record`` takes them."""
    return TRANSFERS.record(transfer, summary, before=before, **details)


def domain_moved(transfer: Transfer, domain: Domain, *, sponsor_before: str | None) -> HistoryEvent:
    """The domain's own event: it joined our portfolio, or left it (in the completing step)."""
    return record_event(
        event_type=EventType.DOMAIN_UPDATED,
        summary=history_text(
            _("%(domain)s joined our portfolio by transfer.")
            if transfer.is_incoming
            else _("%(domain)s left our portfolio by transfer to %(registrar)s."),
            domain=transfer.display_name,
            registrar=domain.sponsor.name,
        ),
        channel=Channel.SYSTEM,
        subject=domain,
        domain_name=domain.name,
        changes={"sponsor": [sponsor_before, domain.sponsor.client_id]},
        data={"transfer": transfer.pk},
    )


def poll_message_received(message: PollMessage, transfer: Transfer | None, domain_name: str) -> HistoryEvent:
    return record_event(
        event_type=EventType.REGISTRY_POLL,
        summary=history_text(
            _("Registry message %(id)s: %(body)s"), id=message.msg_id, body=message.text or "-"
        ),
        channel=Channel.SYSTEM,
        subject=transfer,
        domain_name=domain_name,
        data={"msg_id": message.msg_id, "registrar": message.registrar_client_id, **message.trn_data},
    )


def poll_message_unprocessed(message: UnprocessedPollMessage) -> HistoryEvent:
    return record_event(
        event_type=EventType.REGISTRY_POLL_UNPROCESSED,
        summary=history_text(
            _("Registry message %(id)s could not be processed (%(stage)s); kept for the domains team."),
            id=message.msg_id,
            stage=message.get_stage_display(),
        ),
        channel=Channel.SYSTEM,
        subject=message,
        data={
            "msg_id": message.msg_id,
            "registrar": message.registrar_client_id,
            "stage": message.stage,
            "error": message.error,
        },
    )


def poll_message_handled(message: UnprocessedPollMessage, *, actor: Any, channel: str) -> HistoryEvent:
    return record_event(
        event_type=EventType.REGISTRY_POLL_HANDLED,
        summary=history_text(
            _("Unprocessed registry message %(id)s was handled."),
            id=message.msg_id,
        ),
        actor=actor,
        channel=channel,
        subject=message,
        reason=message.note,
        data={"msg_id": message.msg_id, "registrar": message.registrar_client_id},
    )
