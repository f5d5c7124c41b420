"""What follows a step of a domain we hold, as the outbox relay carries it out: the mail that
brings the registrant the code we issued (the code sealed until then), and the unsetting of
every code at the registry when the domain changes hands."""

from __future__ import annotations

from django.urls import reverse

from registry.epp.results import RegistryUnavailable
from registry.models import Domain
from workflows import sealing
from workflows.mail import absolute
from workflows.models import OutboxMessage
from workflows.outbox import RetryLater, handles

from . import emails, registrants, services
from .models import AuthInfoCode, RegistrantConfirmation


@handles("domains.authinfo_issued", local=True)
def mail_issued_code(message: OutboxMessage) -> None:
    issued = AuthInfoCode.objects.select_related("domain__registrant__account").get(
        pk=message.payload["code"]
    )
    code = sealing.unseal(message.sealed)
    if code is None:
        raise ValueError("the code of this message cannot be unsealed")
    if issued.reset_at is not None:
        return  # replaced or reset before the mail went: the code no longer works
    domain = issued.domain
    registrant = domain.registrant
    emails.send(
        "authinfo_issued",
        to=registrant.email if registrant else "",
        language=emails.language_of(registrant.account if registrant else None),
        context={"domain": domain, "code": code, "expires_at": issued.expires_at},
    )


@handles("domains.unset_authinfo")
def unset_authinfo(message: OutboxMessage) -> None:
    domain = Domain.objects.select_related("sponsor").get(pk=message.payload["domain"])
    if not domain.sponsor.is_us:
        return  # it left us meanwhile: its code is its new registrar's business
    try:
        services.unset_at_registry(domain, idempotency_key=f"authinfo:{domain.pk}:void:{message.pk}")
    except RegistryUnavailable:
        raise RetryLater(reason="the registry cannot be reached") from None


@handles("domains.registrant_from_registry", local=True)
def registrant_from_registry(message: OutboxMessage) -> None:
    # Local: the process that completed the transfer reads at once, so the domain shows in
    # the customer's list as soon as the completion does.
    domain = Domain.objects.select_related("sponsor").get(pk=message.payload["domain"])
    if not domain.sponsor.is_us:
        return  # it left again meanwhile
    try:
        registrants.take_registrant_from_registry(domain_id=domain.pk, account_id=message.payload["account"])
    except RegistryUnavailable:
        raise RetryLater(reason="the registry cannot be reached") from None


@handles("domains.registrant_confirmation", local=True)
def mail_registrant_confirmation(message: OutboxMessage) -> None:
    link = RegistrantConfirmation.objects.select_related("domain", "registrant__account").get(
        pk=message.payload["link"]
    )
    token = sealing.unseal(message.sealed)
    if token is None:
        raise ValueError("the token of this message cannot be unsealed")
    if not link.usable:
        return
    emails.send(
        "registrant_confirmation",
        to=link.email,
        language=emails.language_of(link.registrant.account),
        context={
            "domain": link.domain,
            "registrant": link.registrant,
            "account": link.registrant.account,
            "url": absolute(reverse("domains:confirm_registrant", args=[token])),
            "expires_at": link.expires_at,
        },
    )
