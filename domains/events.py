"""Every history event of a domain we hold that this app writes, one named function each."""

from __future__ import annotations

from typing import Any

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Registrant
from registry.models import Domain, RegistrantBasis
from workflows.cases import when
from workflows.history import history_text, record_event
from workflows.models import Channel, EventType, HistoryEvent

from .models import AuthInfoCode, RegistrantConfirmation, RegistryDifference


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


def registrant_profile_from_registry(profile: Registrant) -> HistoryEvent:
    return record_event(
        event_type=EventType.REGISTRANT_CREATED,
        summary=history_text(
            _("Registrant profile %(name)s made from the registry's contact %(handle)s, not confirmed."),
            name=profile.display_name,
            handle=profile.registry_handle,
        ),
        channel=Channel.SYSTEM,
        subject=profile,
        data={"registry_handle": profile.registry_handle, "from_registry": True},
    )


def registrant_from_registry(domain: Domain, *, before: Registrant | None, handle: str) -> HistoryEvent:
    summary = (
        _("The registrant of %(domain)s as the registry holds it: %(name)s (%(basis)s).")
        if domain.registrant_id
        else _("The registry shows no registrant of %(domain)s that we can link to an account.")
    )
    return record_event(
        event_type=EventType.DOMAIN_REGISTRANT_READ,
        summary=history_text(
            summary,
            domain=domain.display_name,
            name=domain.registrant.display_name if domain.registrant_id else "",
            basis=domain.get_registrant_basis_display(),
        ),
        channel=Channel.SYSTEM,
        subject=domain,
        domain_name=domain.name,
        changes={
            "registrant": [
                before.display_name if before else None,
                domain.registrant.display_name if domain.registrant_id else None,
            ]
        },
        data={"registry_handle": handle, "basis": domain.registrant_basis},
    )


def registrant_confirmation_sent(
    domain: Domain, link: RegistrantConfirmation, *, actor: Any, channel: str
) -> HistoryEvent:
    return record_event(
        event_type=EventType.DOMAIN_REGISTRANT_CONFIRMATION,
        summary=history_text(
            _("A link confirming the registrant of %(domain)s went to %(email)s, the registry's address."),
            domain=domain.display_name,
            email=link.email,
        ),
        actor=actor,
        channel=channel,
        subject=domain,
        domain_name=domain.name,
        data={"link": link.pk, "registrant": link.registrant_id},
    )


def registrant_confirmed(
    domain: Domain, link: RegistrantConfirmation, *, representative: str = ""
) -> HistoryEvent:
    return record_event(
        event_type=EventType.DOMAIN_REGISTRANT_CONFIRMED,
        summary=history_text(
            _("The registrant of %(domain)s confirmed it through the link sent to %(email)s."),
            domain=domain.display_name,
            email=link.email,
        ),
        # The registrant may have no account here: the link is what identifies them (and, for
        # an organisation, the representative who says they followed it).
        actor_label=f"{representative} <{link.email}>" if representative else f"<{link.email}>",
        channel=Channel.WEB,
        subject=domain,
        domain_name=domain.name,
        changes={"registrant_basis": [RegistrantBasis.UNCONFIRMED, RegistrantBasis.CONFIRMED]},
        data={"link": link.pk, "registrant": link.registrant_id, "representative": representative or None},
    )


def _labels(differences: dict[str, Any]) -> list[Any]:
    from .comparison import FIELD_LABELS  # comparison writes these events

    return [FIELD_LABELS.get(field, field) for field in sorted(differences)]


def registry_difference(domain: Domain, differences: dict[str, list[Any]], *, found_by: str) -> HistoryEvent:
    return record_event(
        event_type=EventType.DOMAIN_REGISTRY_DIFFERENCE,
        summary=history_text(
            _("The registry's record of %(domain)s differs from ours (%(fields)s); for the domains team."),
            domain=domain.display_name,
            # Lazy: history_text renders them in the product's language.
            fields=format_lazy(", ".join(["{}"] * len(differences)), *_labels(differences)),
        ),
        channel=Channel.SYSTEM,
        subject=domain,
        domain_name=domain.name,
        changes=differences,
        data={"found_by": found_by},
    )


def registry_difference_checked(difference: RegistryDifference, *, actor: Any, channel: str) -> HistoryEvent:
    domain = difference.domain
    return record_event(
        event_type=EventType.DOMAIN_REGISTRY_DIFFERENCE_CHECKED,
        summary=history_text(
            _("The difference between the registry's record of %(domain)s and ours was checked."),
            domain=domain.display_name,
        ),
        actor=actor,
        channel=channel,
        subject=domain,
        domain_name=domain.name,
        reason=difference.resolution,
        data={"difference": difference.pk},
    )
