"""What a domain's codes hear of other apps' steps, in those steps' transactions."""

from __future__ import annotations

from typing import Any

from registry.models import Domain
from workflows.cases import now

from .models import AuthInfoCode


def codes_die_with_the_transfer(sender: Any, transfer: Any, domain: Domain, **kwargs: Any) -> None:
    """A domain that left us by transfer has a code from the registry nobody knows: every code
    we issued for it is void, in the same transaction as the completed transfer."""
    if transfer.is_incoming:
        return
    AuthInfoCode.objects.filter(domain=domain, reset_at__isnull=True).update(
        reset_at=now(), reset_reason=AuthInfoCode.ResetReason.TRANSFERRED
    )
