"""Registry poll messages: each is stored and applied in one transaction, then acknowledged.

If the acknowledgement is lost (a crash, a dropped connection), the registry delivers the
same message again; its row is found by (registrar, message ID) and it is acknowledged
without being applied a second time.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import asdict
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from registry.epp.data import TransferData
from registry.epp.results import ObjectDoesNotExist, RegistryUnavailable
from registry.gateway import RegistryGateway
from registry.profiles import profiles_in_use

from . import events, services
from .models import AT_REGISTRY, Direction, PollMessage, State, Transfer

logger = logging.getLogger(__name__)

MAX_MESSAGES_PER_RUN = 200


def _jsonable(data: TransferData | None) -> dict:
    if data is None:
        return {}
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(data).items()}


def receive_and_apply(gateway: RegistryGateway) -> PollMessage | None:
    """Take the message at the head of our queue, store and apply it (once). None when the
    queue is empty. The message is not acknowledged here."""
    response = gateway.poll_request().response
    if response is None or response.msgq is None or response.code == 1300:
        return None
    msgq = response.msgq
    data = response.data if isinstance(response.data, TransferData) else None
    client_id = gateway.client.client_id
    try:
        with transaction.atomic():
            message = PollMessage.objects.create(
                registrar_client_id=client_id,
                msg_id=msgq.id,
                queued_at=msgq.queued_at,
                text=msgq.message or "",
                trn_data=_jsonable(data),
            )
            transfer = _apply(message, data, us=client_id)
            message.transfer = transfer
            message.applied_at = timezone.now()
            message.save(update_fields=["transfer", "applied_at"])
    except IntegrityError:
        # Delivered before: applied then, only to be acknowledged now.
        message = PollMessage.objects.get(registrar_client_id=client_id, msg_id=msgq.id)
        PollMessage.objects.filter(pk=message.pk).update(deliveries=message.deliveries + 1)
        logger.info("poll message %s delivered again; not applied twice", msgq.id)
    return message


def acknowledge(gateway: RegistryGateway, message: PollMessage) -> None:
    # ObjectDoesNotExist: acknowledged already (our earlier ack got through, its answer did not)
    with contextlib.suppress(ObjectDoesNotExist):
        gateway.poll_ack(message.msg_id)
    PollMessage.objects.filter(pk=message.pk).update(acked_at=timezone.now())


def process_poll_messages(limit: int = MAX_MESSAGES_PER_RUN) -> int:
    """Drain our poll queue at every registry we use; returns how many messages were taken."""
    taken = 0
    unreachable: RegistryUnavailable | None = None
    for profile in profiles_in_use():
        try:
            with RegistryGateway.for_profile(profile) as gateway:
                while taken < limit:
                    message = receive_and_apply(gateway)
                    if message is None:
                        break
                    acknowledge(gateway, message)
                    taken += 1
        except RegistryUnavailable as exc:
            # One registry's outage must not keep the others' messages waiting.
            logger.warning("poll at %s stopped: %s", profile.label, exc)
            unreachable = unreachable or exc
    if unreachable is not None:
        raise unreachable
    return taken


def _apply(message: PollMessage, data: TransferData | None, *, us: str) -> Transfer | None:
    """What the message changes; runs inside the message's transaction. Transitions that
    need the registry again or e-mail are written to the outbox by the services. ``us``: our
    registrar ID at the registry that sent it."""
    transfer = None
    if data is not None:
        if data.requested_by == us:
            transfer = _open_transfer(data.name, Direction.INCOMING)
        elif data.action_by == us:
            transfer = _open_transfer(data.name, Direction.OUTGOING)
            if transfer is None and data.is_pending:
                transfer = services.open_outgoing_transfer(data)
    events.poll_message_received(message, transfer, data.name if data else "")
    if transfer is not None and data is not None:
        services.apply_registry_status(transfer.pk, data, source=f"poll message {message.msg_id}")
    return transfer


def _open_transfer(name: str, direction: str) -> Transfer | None:
    return (
        Transfer.objects.filter(
            domain_name=name, direction=direction, state__in=(*AT_REGISTRY, State.SUBMITTING)
        )
        .order_by("-id")
        .first()
    )
