"""Reading transfers for the pages: who may see which, the timeline, the next step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Case, CharField, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from workflows.display import tone_map
from workflows.models import EventType, HistoryEvent
from workflows.paging import KeysFirst
from workflows.selectors import TimelineEntry, visible_to
from workflows.selectors import timeline as case_timeline

from .models import TERMINAL_STATES, State, Transfer, UnprocessedPollMessage


def transfers_for_account(user) -> QuerySet[Transfer]:
    """Customers see their own requests; back-office staff and auditors see all."""
    transfers = Transfer.objects.select_related("tld", "other_registrar", "account", "policy")
    return visible_to(user, transfers, Q(account=user))


def transfer_for_user(user, pk: int) -> Transfer:
    """The transfer, or 404 (also when it exists but is someone else's)."""
    return get_object_or_404(transfers_for_account(user), pk=pk)


# The registry's own messages and our commands, in the registry's words: staff and auditors
# read them; the customer reads the step each of them led to, told in plain words.
REGISTRY_EVENT_TYPES = (EventType.REGISTRY_POLL, EventType.REGISTRY_COMMAND)


def timeline(transfer: Transfer, *, for_customer: bool = False) -> list[TimelineEntry]:
    """Every recorded step of the transfer, oldest first, with time, actor and channel."""
    return case_timeline(transfer, leave_out=REGISTRY_EVENT_TYPES if for_customer else ())


def next_step(transfer: Transfer) -> str:
    """What the customer should do (or wait for) now, in plain words, in the active language."""
    state = transfer.state
    if state == State.PENDING and transfer.subscriber_confirms_at_registry:
        return str(_registry_asks_registrant(transfer))
    if transfer.is_incoming:
        steps = {
            State.REVIEW: _(
                "Our staff are checking the request. You need not do anything; we will write to you."
            ),
            State.AWAITING_CONFIRMATION: _(
                "The registrant must confirm the transfer with the link we sent to %(email)s."
            )
            % {"email": transfer.confirmation_email},
            State.SUBMITTING: _(
                "Waiting for the registry. We keep trying until it answers; you need not do anything."
            ),
            State.AUTHINFO_INVALID: _(
                "The registry refused the transfer code. Enter the correct code (ask the current registrar "
                "for a new one if needed); you do not have to start again."
            ),
            State.PENDING: _(
                "The request is at the registry. The current registrar may approve or reject it; if it does "
                "nothing, the registry approves it by itself."
            ),
            State.CANCELLING: _("Waiting for the registry to confirm the cancellation."),
            State.COMPLETED: _("Done: the domain is now among your domains."),
            State.REJECTED: _(
                "The transfer was rejected. Ask the current registrar why; once resolved, "
                "you may start a new request."
            ),
            State.CANCELLED: _("The request was cancelled. You may start a new one at any time."),
            State.EXPIRED: _(
                "The registrant did not confirm in time. Start a new request if you still want the transfer."
            ),
            State.FAILED: _("The transfer could not be carried out: %(why)s You may start a new request.")
            % {"why": transfer.outcome_reason},
        }
    else:
        steps = {
            State.PENDING: _(
                "Another registrar asked for this domain. Approve it now to speed it up, or do nothing: the "
                "registry completes it when its waiting period ends."
            ),
            State.APPROVING: _("Waiting for the registry to confirm your approval."),
            State.REJECTING: _("Waiting for the registry to confirm the rejection."),
            State.COMPLETED: _("The domain has moved to the other registrar."),
            State.REJECTED: _("The transfer was stopped by our staff: %(why)s")
            % {"why": transfer.outcome_reason},
            State.CANCELLED: _("The other registrar withdrew its request. The domain stays with us."),
            State.EXPIRED: _(
                "The registrant did not confirm the transfer at the registry. The domain stays with us."
            ),
            State.FAILED: _("The transfer did not take place: %(why)s") % {"why": transfer.outcome_reason},
        }
    return str(steps.get(state, ""))


def _registry_asks_registrant(transfer: Transfer) -> str:
    """NASK's way: the registry itself e-mails the registrant, who alone can complete it."""
    if transfer.is_incoming:
        return _(
            "The registry (NASK) e-mailed the domain's registrant a confirmation link, to the address "
            "it holds for them. The transfer completes when the registrant opens the link and confirms; "
            "nobody else can do it for them. No e-mail? Ask the registry to send it again below."
        )
    return _(
        "Another registrar asked the registry (NASK) for this domain. NASK e-mailed the registrant a "
        "link: the domain moves only if the registrant confirms. If you do not want the transfer, "
        "do nothing; the request expires by itself."
    )


# --- the customer's list of requests ------------------------------------------------------


_TRANSFER_TONES = tone_map(
    warning=(State.REVIEW, State.AWAITING_CONFIRMATION, State.AUTHINFO_INVALID),
    info=(State.SUBMITTING, State.PENDING, State.CANCELLING, State.APPROVING, State.REJECTING),
)


def transfer_tone(state: str) -> str:
    return _TRANSFER_TONES.get(state, "neutral")


@dataclass(frozen=True)
class TransferRow:
    transfer: Transfer
    tone: str
    next_step: Any
    last_change: datetime


def customer_transfers(user) -> KeysFirst:
    """The customer's transfer requests, open ones first, then by their last recorded change;
    a page's keys are read first, then those transfers with what their rows show."""
    transfer_type = ContentType.objects.get_for_model(Transfer)
    last_event = (
        HistoryEvent.objects.filter(
            subject_type=transfer_type, subject_id=Cast(OuterRef("pk"), output_field=CharField())
        )
        .order_by("-id")
        .values("occurred_at")[:1]
    )
    last_change = Coalesce(Subquery(last_event), "created_at")
    keys = (
        visible_to(user, Transfer.objects.all(), Q(account=user))
        .annotate(
            last_change=last_change,
            is_closed=Case(
                When(state__in=sorted(TERMINAL_STATES), then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by("is_closed", "-last_change", "-id")
    )
    rows = transfers_for_account(user).select_related("other_registrar").annotate(last_change=last_change)
    return KeysFirst(keys, rows)


def transfer_rows(transfers) -> list[TransferRow]:
    """Rows for the transfer table, each with its next step; ``transfers`` come from
    ``customer_transfers`` (a page of it, or the first few)."""
    return [
        TransferRow(
            transfer=transfer,
            tone=transfer_tone(transfer.state),
            next_step=next_step(transfer),
            last_change=transfer.last_change,
        )
        for transfer in transfers
    ]


def unprocessed_poll_messages() -> QuerySet[UnprocessedPollMessage]:
    """Registry messages that could not be processed and that nobody has handled yet."""
    return UnprocessedPollMessage.objects.filter(handled_at__isnull=True)
