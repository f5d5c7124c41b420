"""Every history event of the registry layer, one named function each."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from workflows.history import history_text, record_event
from workflows.models import Channel, EventType, HistoryEvent

from .epp.commands import Command
from .models import Domain, RegistryCommand


def command_recorded(record: RegistryCommand, command: Command, actor, channel) -> HistoryEvent:
    domain_name = command.object_name if command.name.startswith("domain:") else ""
    subject = Domain.objects.filter(name=domain_name).first() if domain_name else None
    return record_event(
        event_type=EventType.REGISTRY_COMMAND,
        summary=history_text(
            _("Registry command %(command)s for %(object)s: %(outcome)s."),
            command=command.name,
            object=command.object_name,
            outcome=RegistryCommand.Outcome(record.outcome).label,
        ),
        actor=actor,
        channel=channel,
        subject=subject,
        domain_name=domain_name,
        data={
            "command": command.name,
            "object": command.object_name,
            "cl_trid": record.cl_trid,
            "sv_trid": record.sv_trid,
            "code": record.result_code,
            "outcome": record.outcome,
            "attempt": record.attempts,
            "registrar": record.registrar_client_id,
        },
    )


def domain_synced(domain: Domain, changes: dict[str, Any]) -> HistoryEvent:
    return record_event(
        event_type=EventType.DOMAIN_SYNCED,
        summary=history_text(
            _("%(domain)s read from the registry; changed: %(fields)s."),
            domain=domain.display_name,
            fields=", ".join(changes),
        ),
        channel=Channel.SYSTEM,
        subject=domain,
        domain_name=domain.name,
        changes=changes,
    )
