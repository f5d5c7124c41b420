"""Carrying out an approved cesja at the registry: the new registrant's contact, then each
domain's registrant. The relay (``assignments.consequences``) runs it; every command has an
idempotency key of its own, so a retry after any failure repeats nothing that took effect."""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from accounts.models import Registrant
from registry.epp.data import ContactData
from registry.epp.results import EppError, ObjectDoesNotExist, RegistryUnavailable
from registry.gateway import CommandResult, RegistryGateway, RegistryGateways
from registry.messages import message_for
from registry.models import Domain
from workflows import sealing
from workflows.cases import now
from workflows.locks import lock_rows

from .. import events
from ..kind import CESJE
from ..models import Cesja, CesjaDomain, State
from ..signals import cesja_completed
from .steps import close_items, mail

# A registry contact's phone, as EPP carries it (RFC 5733 e164): +CC.NUMBER
EPP_PHONE = re.compile(r"^\+\d{1,3}\.\d{1,14}$")


def _contact_data(registrant: Registrant, handle: str) -> ContactData:
    organisation = registrant.kind == Registrant.Kind.ORGANISATION
    phone = (registrant.phone or "").replace(" ", "")
    return ContactData(
        handle=handle,
        name=registrant.display_name,
        org=registrant.name if organisation else "",
        street=tuple(line for line in [registrant.street] if line),
        city=registrant.city,
        postal_code=registrant.postal_code,
        country=(registrant.country or "PL").upper(),
        email=registrant.email,
        voice=phone if EPP_PHONE.match(phone) else "",
        individual=not organisation,
    )


def _ensure_contact(registry: RegistryGateway, cesja_id: int, registrant: Registrant, handle: str) -> None:
    """The new registrant's contact exists at this registry: made here unless it is there.
    A contact lives at each registry of its own (a cesja may cover .pl and .com domains)."""
    if registrant.registry_handle:
        try:
            registry.contact_info(handle)
            return
        except ObjectDoesNotExist:
            pass
    result = registry.contact_create(
        _contact_data(registrant, handle),
        sealing.new_authinfo(),
        idempotency_key=f"cesja:{cesja_id}:contact:{registry.profile.key}:{handle}",
    )
    _contact_created(cesja_id, registrant.pk, handle, result)
    registrant.registry_handle = handle


def _registry_delayed(cesja_id: int, exc: RegistryUnavailable) -> None:
    CESJE.registry_delayed(cesja_id, exc, str(message_for(exc)))


def _contact_created(cesja_id: int, registrant_id: int, handle: str, result: CommandResult) -> None:
    with CESJE.step(cesja_id) as current:
        registrant = Registrant.objects.select_for_update().get(pk=registrant_id)
        if not registrant.registry_handle:
            registrant.registry_handle = handle
            registrant.save(update_fields=["registry_handle"])
        events.contact_created(current, registrant, handle, result)


def _domain_changed(cesja_id: int, item_id: int, handle: str, result: CommandResult) -> None:
    with CESJE.step(cesja_id) as current:
        item = CesjaDomain.objects.select_for_update().get(pk=item_id)
        if item.done_at is not None:
            return
        item.cl_trid = result.record.cl_trid
        item.sv_trid = result.record.sv_trid
        item.done_at = now()
        item.save(update_fields=["cl_trid", "sv_trid", "done_at"])
        events.registrant_changed_at_registry(current, item, handle, result)


def _fail(cesja_id: int, exc: EppError) -> None:
    why = str(message_for(exc))
    with CESJE.step(cesja_id) as current:
        if current.state != State.EXECUTING:
            return
        before = CESJE.move(current, "fail")
        current.outcome_reason = why
        current.registry_error = why
        current.retry_at = None
        current.save()
        close_items(current)
        events.state_changed(
            current,
            _("The registry refused the change of registrant for cesja %(number)s: %(why)s"),
            reason=why,
            before=before,
            data={"code": exc.code},
            why=why,
        )
        mail(current, "failed", why=why)


def _complete(cesja_id: int, handle: str) -> Cesja | None:
    with CESJE.step(cesja_id) as current:
        if current.state != State.EXECUTING:
            return None
        before = CESJE.move(current, "complete")
        current.registry_answered()
        current.save()
        new_holder = current.cesjonariusz
        trids = {}
        moved = []
        items = list(current.items.order_by("domain_name"))
        lock_rows(Domain.objects.filter(pk__in=[item.domain_id for item in items]))
        for item in items:
            domain = Domain.objects.get(pk=item.domain_id)
            old = domain.registrant_id
            domain.registrant = new_holder
            domain.save(update_fields=["registrant"])
            trids[item.domain_name] = item.cl_trid
            moved.append(domain)
            # In the same transaction: whoever sees "completed" sees the domain moved too.
            events.domain_passed(current, domain, item, old_registrant=old, handle=handle)
        close_items(current)
        cesja_completed.send(sender=Cesja, cesja=current, domains=moved)
        events.state_changed(
            current,
            _("Cesja %(number)s completed: %(domains)s now held by %(party)s."),
            reason=_("Every change was confirmed by the registry."),
            before=before,
            data={"cl_trids": trids, "registry_handle": handle},
            party=new_holder.display_name,
        )
        mail(current, "completed")
    return current


def execute_cesja(cesja_id: int) -> str:
    """Carry out an approved cesja: create the new registrant's contact if the registry
    has none, then change each domain's registrant. Each command has an idempotency key of
    its own, so a retry after any failure repeats nothing that already took effect."""
    cesja = Cesja.objects.select_related("cesjonariusz").filter(pk=cesja_id).first()
    if cesja is None:
        return "unknown"
    if cesja.state != State.EXECUTING:
        return "stale"
    registrant = cesja.cesjonariusz
    handle = registrant.registry_handle or cesja.contact_handle
    # the registries (by profile) where the new registrant's contact is known to exist
    ready: set[str] = set()
    try:
        with RegistryGateways() as registries:
            for item in cesja.items.filter(done_at__isnull=True).order_by("domain_name"):
                registry = registries.for_domain(item.domain_name)
                if registry.profile.key not in ready:
                    _ensure_contact(registry, cesja_id, registrant, handle)
                    ready.add(registry.profile.key)
                result = registry.update_domain(
                    item.domain_name,
                    registrant=handle,
                    idempotency_key=f"cesja:{cesja_id}:registrant:{item.domain_id}:{handle}",
                )
                _domain_changed(cesja_id, item.pk, handle, result)
    except RegistryUnavailable as exc:
        _registry_delayed(cesja_id, exc)
        raise
    except EppError as exc:
        _fail(cesja_id, exc)
        return "refused"
    return "completed" if _complete(cesja_id, handle) is not None else "stale"
