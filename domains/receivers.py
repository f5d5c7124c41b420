"""What a domain's codes hear of other apps' steps, in those steps' transactions."""

from __future__ import annotations

from typing import Any

from registry.models import Domain, RegistrantBasis
from workflows import outbox

from . import services
from .models import AuthInfoCode


def codes_die_with_the_transfer(sender: Any, transfer: Any, domain: Domain, **kwargs: Any) -> None:
    """A domain changed hands by transfer: every code issued before is void, in the same
    transaction as the completed transfer. One that came to us is also unset at the registry:
    we do not rely on the registry having replaced the code the customer brought."""
    services.void_codes(domain, AuthInfoCode.ResetReason.TRANSFERRED, at_registry=transfer.is_incoming)


def codes_die_with_the_cesja(sender: Any, cesja: Any, domains: list[Domain], **kwargs: Any) -> None:
    """A domain changed hands by cesja: the previous registrant's codes are void here and at
    the registry, in the same transaction as the completed cesja."""
    for domain in domains:
        services.void_codes(domain, AuthInfoCode.ResetReason.ASSIGNED, at_registry=True)


def registrant_is_read_from_the_registry(sender: Any, transfer: Any, domain: Domain, **kwargs: Any) -> None:
    """A transfer never changes the registrant: a domain that came to us is held by whoever the
    registry says, read after the commit (``domains.registrants``); until then it has none."""
    if not transfer.is_incoming:
        return
    domain.registrant = None
    domain.registrant_basis = RegistrantBasis.READING
    domain.save(update_fields=["registrant", "registrant_basis"])
    outbox.emit(
        "domains.registrant_from_registry",
        {"domain": domain.pk, "account": transfer.account_id, "transfer": transfer.pk},
        case=domain,
    )


def codes_replaced_by_the_registry(sender: Any, domain: Domain, **kwargs: Any) -> None:
    """The registry set the domain's code itself (NASK's pollAuthInfo): the codes we gave out
    no longer work there, so they are void here too; nothing is sent to the registry."""
    services.void_codes(domain, AuthInfoCode.ResetReason.REPLACED, at_registry=False)
