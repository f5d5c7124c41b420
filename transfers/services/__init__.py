"""What customers, staff and background jobs do with transfers, by stage of the trade:
``incoming`` (a domain comes to us), ``outgoing`` (a domain leaves us), ``registry`` (our
commands and the registry's answers). The authinfo code and the transfer lock of a domain we
hold are the ``domains`` app's. Every step runs on ``workflows.cases``: one transaction with its event,
its flow's bookkeeping and the outbox rows of what follows it."""

from .incoming import (
    cancel_transfer,
    confirm_transfer,
    expire_confirmation,
    resubmit_authinfo,
    review_transfer,
    start_incoming_transfer,
)
from .outgoing import approve_outgoing, open_outgoing_transfer, reject_outgoing
from .registry import (
    apply_registry_status,
    approve_at_registry,
    ask_registry_to_resend,
    cancel_at_registry,
    reconcile_transfer,
    reject_at_registry,
    resend_at_registry,
    send_transfer_request,
)
from .steps import mail_customer

__all__ = [
    "apply_registry_status",
    "approve_at_registry",
    "approve_outgoing",
    "ask_registry_to_resend",
    "cancel_at_registry",
    "cancel_transfer",
    "confirm_transfer",
    "expire_confirmation",
    "mail_customer",
    "open_outgoing_transfer",
    "reconcile_transfer",
    "reject_at_registry",
    "reject_outgoing",
    "resend_at_registry",
    "resubmit_authinfo",
    "review_transfer",
    "send_transfer_request",
    "start_incoming_transfer",
]
