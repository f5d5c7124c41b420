"""Who the registrant of a domain we hold is: whoever the registry says.

A transfer moves a domain between registrars and never changes its registrant. When one
completes, we read the domain and its registrant contact from the registry and link the
domain to a profile of the account that brought it only if that profile is the registry's
contact; otherwise we record the registrant as the registry holds it, in a profile made from
its data and marked unconfirmed. What belongs to the registrant (the code, a cesja, the lock)
needs a verified registrant (``Domain.registrant_is_verified``): one we set at the registry
ourselves, one whose contact is the profile's, or one confirmed through the link we send to the
registrant's e-mail held at the registry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import Registrant, User
from registry.epp.data import ContactInfo, DomainInfo
from registry.epp.results import RegistryError
from registry.gateway import RegistryGateway
from registry.models import Domain, RegistrantBasis
from registry.sync import apply_domain_info
from transfers.services.checks import registry_refusal
from workflows import outbox, sealing
from workflows.cases import now
from workflows.errors import Refused

from . import events
from .models import RegistrantConfirmation

CONFIRMATION_VALIDITY = timedelta(days=7)


@dataclass(frozen=True)
class HeldRegistrant:
    """The registrant contact of a domain as the registry holds it."""

    handle: str
    name: str
    org: str
    email: str
    voice: str
    street: str
    postal_code: str
    city: str
    country: str

    @classmethod
    def from_contact(cls, contact: ContactInfo) -> HeldRegistrant:
        # The "loc" form may hold the name as written (Polish letters); "int" is its ASCII copy.
        postal = next((p for p in contact.postal_info if p.type == "loc"), None) or contact.postal_info[0]
        return cls(
            handle=contact.handle,
            name=postal.name,
            org=postal.org,
            email=contact.email,
            voice=contact.voice,
            street=", ".join(postal.address.street),
            postal_code=postal.address.postal_code,
            city=postal.address.city,
            country=postal.address.country,
        )


def read_registrant(registry: RegistryGateway, domain_name: str) -> tuple[DomainInfo, HeldRegistrant | None]:
    """The domain and its registrant contact, read as the domain's sponsor."""
    info = registry.domain_info(domain_name).data
    if not info.registrant:
        return info, None
    contact = registry.contact_info(info.registrant).data
    return info, HeldRegistrant.from_contact(contact)


def _profile_for(account: User, held: HeldRegistrant) -> tuple[Registrant, str]:
    """The account's profile that is the registry's contact, else a profile made from the
    contact (one per contact and account, kept for the next domain it holds)."""
    own = Registrant.objects.filter(account=account, registry_handle=held.handle).order_by(
        "from_registry", "pk"
    )
    profile = own.first()
    if profile is not None and not profile.from_registry:
        return profile, RegistrantBasis.MATCHED
    if profile is None:
        first, _space, last = held.name.rpartition(" ")
        profile = Registrant.objects.create(
            account=account,
            kind=Registrant.Kind.ORGANISATION if held.org else Registrant.Kind.PERSON,
            first_name="" if held.org else first,
            last_name="" if held.org else last,
            name=held.org,
            email=held.email,
            phone=held.voice,
            street=held.street,
            postal_code=held.postal_code,
            city=held.city,
            country=held.country,
            registry_handle=held.handle,
            from_registry=True,
        )
        events.registrant_profile_from_registry(profile)
    return profile, RegistrantBasis.UNCONFIRMED


def take_registrant_from_registry(*, domain_id: int, account_id: int | None) -> Domain:
    """After a transfer came in: the domain's registrant is the registry's. Registry commands
    first, then one transaction."""
    domain = Domain.objects.select_related("sponsor").get(pk=domain_id)
    with RegistryGateway.for_domain(domain.name) as registry:
        info, held = read_registrant(registry, domain.name)
    apply_domain_info(domain, info)
    with transaction.atomic():
        domain = Domain.objects.select_for_update().get(pk=domain_id)
        before = domain.registrant
        account = User.objects.filter(pk=account_id).first() if account_id else None
        if held is not None and account is not None:
            domain.registrant, domain.registrant_basis = _profile_for(account, held)
        else:
            domain.registrant, domain.registrant_basis = None, RegistrantBasis.UNCONFIRMED
        domain.save(update_fields=["registrant", "registrant_basis"])
        events.registrant_from_registry(domain, before=before, handle=held.handle if held else "")
    return domain


# ------------------------------------------------------------------ the registry's e-mail


def ask_registrant_to_confirm(*, domain: Domain, actor, channel: str) -> str:
    """Send the link that confirms the domain's registrant to the e-mail the registry holds
    for it (never to one we were told). Returns the address it went to."""
    if not domain.sponsor.is_us or domain.registrant_id is None:
        raise Refused(_("%(domain)s is not held with us.") % {"domain": domain.display_name})
    if domain.registrant.account_id != getattr(actor, "pk", None):
        raise Refused(
            _("Only the account holding %(domain)s can ask for this.") % {"domain": domain.display_name}
        )
    if domain.registrant_is_verified:
        raise Refused(
            _("The registrant of %(domain)s is already confirmed.") % {"domain": domain.display_name}
        )
    try:
        with RegistryGateway.for_domain(domain.name) as registry:
            info, held = read_registrant(registry, domain.name)
    except RegistryError as exc:
        raise registry_refusal(exc) from None
    if held is None or held.handle != domain.registrant.registry_handle or not held.email:
        raise Refused(
            _("The registry shows another registrant of %(domain)s than we have; our domains team checks it.")
            % {"domain": domain.display_name}
        )
    token = sealing.new_token()
    with transaction.atomic():
        link = RegistrantConfirmation.objects.create(
            domain=domain,
            registrant=domain.registrant,
            email=held.email,
            token_digest=sealing.token_digest(token),
            expires_at=now() + CONFIRMATION_VALIDITY,
            requested_by=actor,
        )
        events.registrant_confirmation_sent(domain, link, actor=actor, channel=channel)
        outbox.emit(
            "domains.registrant_confirmation", {"link": link.pk}, case=domain, sealed=sealing.seal(token)
        )
    return held.email


def find_confirmation(token: str) -> RegistrantConfirmation | None:
    return (
        RegistrantConfirmation.objects.select_related("domain", "registrant")
        .filter(token_digest=sealing.token_digest(token))
        .first()
    )


def confirm_registrant(*, token: str, representative: str = "") -> Domain:
    """The registrant followed the link sent to their e-mail at the registry. For an
    organisation, one of its representatives confirms, and says who they are."""
    representative = " ".join(representative.split())
    with transaction.atomic():
        found = find_confirmation(token)
        if found is None:
            raise Refused(_("This link is not valid."))
        domain = Domain.objects.select_for_update().get(pk=found.domain_id)
        link = RegistrantConfirmation.objects.select_for_update().get(pk=found.pk)
        if not link.usable:
            raise Refused(_("This link was used already or has expired."))
        if domain.registrant_id != link.registrant_id:
            raise Refused(
                _("The registrant of %(domain)s has changed since this link was sent.")
                % {"domain": domain.display_name}
            )
        if link.registrant.kind == Registrant.Kind.ORGANISATION and not representative:
            raise Refused(_("Say who you are: one of the organisation's representatives confirms for it."))
        link.used_at = now()
        link.save(update_fields=["used_at"])
        domain.registrant_basis = RegistrantBasis.CONFIRMED
        domain.save(update_fields=["registrant_basis"])
        events.registrant_confirmed(domain, link, representative=representative)
    return domain


def check_verified_registrant(domain: Domain) -> None:
    """The code, a cesja and the lock belong to a verified registrant, whoever asks for them."""
    if not domain.registrant_is_verified:
        raise Refused(
            _(
                "We do not yet know that %(domain)s is held by you: the registry holds its registrant as "
                "%(name)s. Ask for the confirmation we send to the registrant's e-mail at the registry."
            )
            % {"domain": domain.display_name, "name": domain.registrant or "—"}
        )
