"""The checks before a cesja starts: the domains may change hands, the parties' data is
complete and valid, the reason is given."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.models import Registrant
from domains.registrants import check_verified_registrant
from registry.models import Domain
from registry.names import parse_domain_name, to_unicode
from transfers.models import Transfer
from workflows.errors import Refused
from workflows.roles import Role

from ..models import CesjaDomain, DomainDispute, Reason, Side


def as_domains(domains: Iterable[Domain | str]) -> list[Domain]:
    found: list[Domain] = []
    for entry in domains:
        if isinstance(entry, Domain):
            domain = Domain.objects.select_related("sponsor", "registrant").get(pk=entry.pk)
        else:
            name = (entry or "").strip().lower()
            domain = Domain.objects.select_related("sponsor", "registrant").filter(name=name).first()
            if domain is None:
                try:
                    name = parse_domain_name(name).ascii
                except ValidationError:
                    raise Refused(_("“%(name)s” is not a domain name.") % {"name": entry}) from None
                domain = Domain.objects.select_related("sponsor", "registrant").filter(name=name).first()
            if domain is None:
                raise Refused(_("%(domain)s is not held with us.") % {"domain": to_unicode(name)})
        if domain.pk not in {d.pk for d in found}:
            found.append(domain)
    if not found:
        raise Refused(_("Choose at least one domain."))
    return found


def check_domains(domains: Sequence[Domain], cedent: Registrant) -> None:
    """Every domain may change hands now, or Refused naming the first that may not."""
    for domain in domains:
        name = domain.display_name
        if not domain.sponsor.is_us:
            raise Refused(_("%(domain)s is not held with us.") % {"domain": name})
        if domain.registrant_id != cedent.pk:
            raise Refused(
                _("%(domain)s is not held by %(cedent)s; only its registrant can hand it over.")
                % {"domain": name, "cedent": cedent.display_name}
            )
        check_verified_registrant(domain)
        if domain.is_expired:
            raise Refused(_("%(domain)s has expired. Renew it first.") % {"domain": name})
        if "pendingDelete" in (domain.statuses or []):
            raise Refused(_("%(domain)s is being deleted.") % {"domain": name})
        if Transfer.objects.open().filter(domain_name=domain.name).exists():
            raise Refused(
                _("A transfer of %(domain)s is in progress; a cesja can start once it has ended.")
                % {"domain": name}
            )
        if CesjaDomain.objects.filter(domain=domain, active=True).exists():
            raise Refused(_("%(domain)s is already in an open cesja.") % {"domain": name})
        if DomainDispute.objects.filter(domain=domain, closed_at__isnull=True).exists():
            raise Refused(
                _("%(domain)s is subject to a dispute; its registrant cannot change until it is resolved.")
                % {"domain": name}
            )


def check_party(registrant: Registrant, side: str) -> None:
    """The party's identifiers are valid and an organisation names who represents it."""
    label = Side(side).label
    try:
        # On a copy: clean() writes the compact identifiers back.
        copy.copy(registrant).clean()
    except ValidationError as exc:
        raise Refused(
            _("The data of the %(side)s is not complete or not valid: %(problems)s")
            % {"side": label, "problems": " ".join(exc.messages)}
        ) from None
    if registrant.kind == Registrant.Kind.ORGANISATION:
        count = registrant.representatives.count()
        needed = 1 if registrant.representation == Registrant.Representation.ALONE else 2
        if count < needed:
            raise Refused(
                _(
                    "%(name)s (the %(side)s) must name the people who represent it "
                    "(%(rule)s): at least %(count)s."
                )
                % {
                    "name": registrant.display_name,
                    "side": label,
                    "rule": registrant.get_representation_display(),
                    "count": needed,
                }
            )


def check_reason(reason: str, details: str) -> None:
    if reason not in Reason.values:
        raise Refused(_("Choose the reason for the cesja."))
    if reason == Reason.OTHER and not (details or "").strip():
        raise Refused(_("Describe the reason for the cesja."))


def customer_with_email(email: str):
    return (
        get_user_model()
        .objects.filter(email__iexact=email.strip(), role=Role.CUSTOMER, is_active=True)
        .order_by("pk")
        .first()
    )
