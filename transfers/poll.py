"""Registry poll messages: each is stored and applied in one transaction, then acknowledged.

If the acknowledgement is lost (a crash, a dropped connection), the registry delivers the
same message again; its row is found by (registrar, message ID) and it is acknowledged
without being applied a second time.

A message that cannot be read or applied would otherwise stay at the head of the queue and
hold up every message behind it: it is kept as it came (secrets redacted) with its error,
for the domains team, and acknowledged. A fault that may pass (the database unreachable or
busy) is not such a message: it is left in the queue for the next round.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import asdict
from datetime import datetime

from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.epp.data import AuthInfoNotice, ExpiryNotice, RegistryNotice, TransferData
from registry.epp.framelog import redact
from registry.epp.results import ObjectDoesNotExist, RegistryUnavailable, Response, ResponseDataInvalid
from registry.gateway import RegistryGateway
from registry.notices import apply_notice
from registry.profiles import profiles_in_use
from workflows.cases import is_staff
from workflows.errors import Conflict, Refused
from workflows.roles import Team

from . import events, services
from .models import AT_REGISTRY, Direction, PollMessage, State, Transfer, UnprocessedPollMessage

logger = logging.getLogger(__name__)

MAX_MESSAGES_PER_RUN = 200
# Faults of our own side that pass: the message stays in the queue and is read again.
TRANSIENT = (OperationalError, InterfaceError)

Taken = PollMessage | UnprocessedPollMessage


def _jsonable(data: TransferData | None) -> dict:
    if data is None:
        return {}
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(data).items()}


def receive_and_apply(gateway: RegistryGateway) -> Taken | None:
    """Take the message at the head of our queue, store and apply it (once). None when the
    queue is empty. A message that cannot be read or applied is set aside instead
    (``UnprocessedPollMessage``). The message is not acknowledged here."""
    try:
        response = gateway.poll_request().response
    except ResponseDataInvalid as exc:
        envelope = exc.response
        if envelope is None or envelope.msgq is None or not envelope.msgq.id:
            raise  # nothing names the message: it cannot be acknowledged either
        return _set_aside(gateway, envelope, UnprocessedPollMessage.Stage.READ, str(exc))
    if response is None or response.msgq is None or response.code == 1300:
        return None
    msgq = response.msgq
    data = response.data if isinstance(response.data, TransferData) else None
    notice = (
        response.data if isinstance(response.data, AuthInfoNotice | ExpiryNotice | RegistryNotice) else None
    )
    client_id = gateway.client.client_id
    earlier = _delivered_before(client_id, msgq.id)
    if earlier is not None:
        return earlier
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
            if notice is not None:
                apply_notice(notice, msg_id=msgq.id)
            message.transfer = transfer
            message.applied_at = timezone.now()
            message.save(update_fields=["transfer", "applied_at"])
    except TRANSIENT:
        raise
    except Exception as exc:
        # Another poller stored it first, or applying it failed for good.
        earlier = _delivered_before(client_id, msgq.id)
        if earlier is not None:
            return earlier
        logger.exception("poll message %s could not be applied", msgq.id)
        return _set_aside(
            gateway, response, UnprocessedPollMessage.Stage.APPLY, f"{type(exc).__name__}: {exc}"
        )
    return message


def _delivered_before(client_id: str, msg_id: str) -> Taken | None:
    """The row of a message delivered before (its acknowledgement was lost): it is only
    to be acknowledged now, never applied or set aside twice."""
    for model in (PollMessage, UnprocessedPollMessage):
        updated = model.objects.filter(registrar_client_id=client_id, msg_id=msg_id).update(
            deliveries=F("deliveries") + 1
        )
        if updated:
            logger.info("poll message %s delivered again; not applied twice", msg_id)
            return model.objects.get(registrar_client_id=client_id, msg_id=msg_id)
    return None


def _set_aside(gateway: RegistryGateway, response: Response, stage: str, error: str) -> Taken:
    msgq = response.msgq
    client_id = gateway.client.client_id
    # Applied (or set aside) at an earlier delivery, though unreadable this time: only acknowledged.
    earlier = _delivered_before(client_id, msgq.id)
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            message = UnprocessedPollMessage.objects.create(
                registrar_client_id=client_id,
                msg_id=msgq.id,
                queued_at=msgq.queued_at,
                text=msgq.message or "",
                frame=redact(response.frame) if response.frame else "",
                stage=stage,
                error=error[:4000],
            )
            events.poll_message_unprocessed(message)
    except IntegrityError:
        earlier = _delivered_before(client_id, msgq.id)
        if earlier is None:
            raise
        return earlier
    # ERROR: the technical team reads the logs; the domains team reads its list.
    logger.error(
        "poll message %s as %s cannot be processed (%s): %s; kept for the domains team",
        msgq.id,
        client_id,
        stage,
        error,
    )
    return message


def acknowledge(gateway: RegistryGateway, message: Taken) -> None:
    # ObjectDoesNotExist: acknowledged already (our earlier ack got through, its answer did not)
    with contextlib.suppress(ObjectDoesNotExist):
        gateway.poll_ack(message.msg_id)
    type(message).objects.filter(pk=message.pk).update(acked_at=timezone.now())


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


def mark_handled(*, message_id: int, actor, channel: str, note: str) -> UnprocessedPollMessage:
    """The domains team says what was done about a message that could not be processed."""
    if not is_staff(actor) or getattr(actor, "team", "") != Team.DOMAINS:
        raise Refused(_("Only the domains team handles registry messages."))
    note = note.strip()
    if not note:
        raise Refused(_("Say what was done about the message."))
    with transaction.atomic():
        message = UnprocessedPollMessage.objects.select_for_update().get(pk=message_id)
        if message.handled_at is not None:
            raise Conflict(_("This message was handled already."))
        message.handled_at = timezone.now()
        message.handled_by = actor
        message.note = note
        message.save(update_fields=["handled_at", "handled_by", "note"])
        events.poll_message_handled(message, actor=actor, channel=channel)
    return message
