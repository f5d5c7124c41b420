"""Every history event of a domain we hold that this app writes, one named function each."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from registry.models import Domain
from workflows.cases import when
from workflows.history import history_text, record_event
from workflows.models import Channel, EventType, HistoryEvent

from .models import AuthInfoCode


def authinfo_issued(domain: Domain, issued: AuthInfoCode, *, actor: Any, channel: str) -> HistoryEvent:
    return record_event(
        event_type=EventType.AUTHINFO_ISSUED,
        summary=history_text(
            _("A new authinfo code for %(domain)s was issued, valid until %(until)s."),
            domain=domain.display_name,
            until=when(issued.expires_at),
        ),
        actor=actor,
        channel=channel,
        subject=domain,
        domain_name=domain.name,
        data={"code_id": issued.pk, "policy_version": issued.policy.version},
    )


def authinfo_reset(issued: AuthInfoCode) -> HistoryEvent:
    return record_event(
        event_type=EventType.AUTHINFO_RESET,
        summary=history_text(
            _("The authinfo code of %(domain)s expired and was replaced at the registry."),
            domain=issued.domain.display_name,
        ),
        channel=Channel.SYSTEM,
        subject=issued.domain,
        domain_name=issued.domain.name,
        data={"code_id": issued.pk, "reason": AuthInfoCode.ResetReason.EXPIRED},
    )


def transfer_lock_changed(
    domain: Domain, *, locked: bool, before: list[str], actor: Any, channel: str
) -> HistoryEvent:
    return record_event(
        event_type=EventType.DOMAIN_TRANSFER_LOCK,
        summary=history_text(
            _("Transfers of %(domain)s locked.") if locked else _("Transfers of %(domain)s unlocked."),
            domain=domain.display_name,
        ),
        actor=actor,
        channel=channel,
        subject=domain,
        domain_name=domain.name,
        changes={"statuses": [before, domain.statuses]},
    )
