"""What the registry's own messages (NASK's poll notices) change here, besides transfers.

- ``expData``: these domains expire at this moment: the expiry of each one we hold follows it.
- ``pollAuthInfo``: the registry set a domain's code itself (NASK hands codes out for domains
  it serviced, or replaces one): for a domain we hold, every code we gave out is void
  (``authinfo_set_by_registry``; the domains app voids them). The code itself is never kept.
- anything else (auto-renewal, a blocked domain, the account's balance): a history event, so
  the domains team sees it beside the domain.

Each runs inside the poll message's transaction (``transfers.poll``).
"""

from __future__ import annotations

from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _

from workflows.history import history_text, record_event
from workflows.models import Channel, EventType

from .epp.data import AuthInfoNotice, ExpiryNotice, RegistryNotice
from .models import Domain

# sender=Domain, domain=the Domain we hold whose code the registry set
authinfo_set_by_registry = Signal()

Notice = AuthInfoNotice | ExpiryNotice | RegistryNotice


def apply_notice(notice: Notice, *, msg_id: str) -> list[Domain]:
    """The domains the notice changed (or concerns), each with its history event."""
    if isinstance(notice, ExpiryNotice):
        return _expiry(notice, msg_id)
    if isinstance(notice, AuthInfoNotice):
        return _authinfo(notice, msg_id)
    return _noted(notice, msg_id)


def _ours(names) -> list[Domain]:
    return list(Domain.objects.held_by_us().select_for_update().filter(name__in=[n.lower() for n in names]))


def _expiry(notice: ExpiryNotice, msg_id: str) -> list[Domain]:
    changed = []
    for domain in _ours(notice.names):
        before = domain.expires_at
        if before == notice.expires_at:
            continue
        domain.expires_at = notice.expires_at
        domain.save(update_fields=["expires_at"])
        record_event(
            event_type=EventType.DOMAIN_SYNCED,
            summary=history_text(
                _("The registry says %(domain)s expires on %(when)s."),
                domain=domain.display_name,
                when=notice.expires_at.date().isoformat(),
            ),
            channel=Channel.SYSTEM,
            subject=domain,
            domain_name=domain.name,
            changes={"expires_at": [before.isoformat() if before else None, notice.expires_at.isoformat()]},
            data={"msg_id": msg_id},
        )
        changed.append(domain)
    return changed


def _authinfo(notice: AuthInfoNotice, msg_id: str) -> list[Domain]:
    found = _ours([notice.name])
    for domain in found:
        record_event(
            event_type=EventType.DOMAIN_UPDATED,
            summary=history_text(
                _("The registry set a new transfer code for %(domain)s; earlier codes no longer work."),
                domain=domain.display_name,
            ),
            channel=Channel.SYSTEM,
            subject=domain,
            domain_name=domain.name,
            data={"msg_id": msg_id},
        )
        authinfo_set_by_registry.send(sender=Domain, domain=domain)
    return found


def _noted(notice: RegistryNotice, msg_id: str) -> list[Domain]:
    found = _ours(notice.names)
    for domain in found:
        record_event(
            event_type=EventType.REGISTRY_POLL,
            summary=history_text(
                _("Registry notice about %(domain)s: %(kind)s."), domain=domain.display_name, kind=notice.kind
            ),
            channel=Channel.SYSTEM,
            subject=domain,
            domain_name=domain.name,
            data={"msg_id": msg_id, "kind": notice.kind},
        )
    return found
