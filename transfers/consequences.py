"""What follows a step of a transfer, as the outbox relay carries it out (``workflows.outbox``):
e-mails to the customer and the registrant, and our commands to the registry.

Each handler is idempotent: a registry command carries an idempotency key and finds the
transfer moved on if it arrives late; a mail is sent at least once."""

from __future__ import annotations

from registry.epp.results import RegistryUnavailable
from workflows import sealing
from workflows.models import OutboxMessage
from workflows.outbox import RetryLater, handles

from . import emails, services
from .models import Transfer

COMMANDS = {
    "request": services.send_transfer_request,
    "cancel": services.cancel_at_registry,
    "approve": services.approve_at_registry,
    "reject": services.reject_at_registry,
    "resend": services.resend_at_registry,
}


@handles("transfers.registry")
def send_registry_command(message: OutboxMessage) -> None:
    transfer_id = message.payload["transfer"]
    try:
        COMMANDS[message.payload["command"]](transfer_id)
    except RegistryUnavailable:
        retry_at = Transfer.objects.filter(pk=transfer_id).values_list("retry_at", flat=True).first()
        raise RetryLater(retry_at, "the registry cannot be reached") from None


@handles("transfers.mail", local=True)
def mail_customer(message: OutboxMessage) -> None:
    transfer = Transfer.objects.select_related("account").get(pk=message.payload["transfer"])
    emails.to_customer(transfer, message.payload["kind"])


@handles("transfers.confirmation", local=True)
def mail_confirmation_link(message: OutboxMessage) -> None:
    token = sealing.unseal(message.sealed)
    if token is None:
        raise ValueError("the confirmation token of this message cannot be unsealed")
    transfer = Transfer.objects.select_related("account", "registrant").get(pk=message.payload["transfer"])
    emails.send(
        "confirm",
        to=message.payload["to"],
        language=emails.language_of(transfer.account),
        context={
            "transfer": transfer,
            "link": emails.confirmation_url(token),
            "deadline": transfer.confirmation_deadline,
            "customer": transfer.account,
        },
    )
