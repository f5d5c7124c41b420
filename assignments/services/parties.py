"""Starting a cesja and the other party joining it: by invitation to an e-mail address,
claimed only by the account of that address."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Registrant
from domains.comparison import check_against_registry
from registry.models import Domain
from workflows import outbox, sealing
from workflows.cases import is_staff, now
from workflows.errors import Refused

from .. import events
from ..kind import CESJE
from ..models import Cesja, CesjaDomain, CesjaInvitation, CesjaPolicy, Reason, Side, State
from .checks import as_domains, check_domains, check_party, check_reason, customer_with_email
from .forms import issue_form, issue_form_later
from .steps import fresh, side_account


def _invite(cesja: Cesja, side: str, email: str) -> None:
    """A new invitation link, in the caller's transaction; the link goes out by the outbox,
    its token sealed until the mail is sent (we keep only the token's digest)."""
    token = sealing.new_token()
    invitation = CesjaInvitation.objects.create(
        cesja=cesja,
        side=side,
        email=email,
        token_digest=sealing.token_digest(f"cesja:{token}"),
        expires_at=cesja.documents_deadline,
    )
    outbox.emit(
        "assignments.invitation", {"invitation": invitation.pk}, case=cesja, sealed=sealing.seal(token)
    )


def start_cesja(
    *,
    initiator,
    side: str,
    domains: Iterable[Domain | str],
    cedent_registrant: Registrant | None = None,
    cesjonariusz_registrant: Registrant | None = None,
    other_party_email: str | None = None,
    reason: str,
    reason_details: str = "",
    actor,
    channel: str,
) -> Cesja:
    """Open a cesja. The cedent starts it for domains they hold and names the cesjonariusz
    (one of their own profiles, another customer's, or an e-mail address to invite), or the
    cesjonariusz starts it for domains held by someone else, who is asked to join.
    Once both parties are known the form is generated."""
    if side not in Side.values:
        raise Refused(_("Say whether you hand the domains over or take them over."))
    if initiator is None or not (actor is not None and (actor.pk == initiator.pk or is_staff(actor))):
        raise Refused(_("A cesja is started by a party to it, or by our staff for them."))
    check_reason(reason, reason_details)
    chosen = as_domains(domains)
    other_email = (other_party_email or "").strip()
    cedent_account = cesjonariusz_account = None
    invited_email = ""

    if side == Side.CEDENT:
        if cedent_registrant is None or cedent_registrant.account_id != initiator.pk:
            raise Refused(_("Choose one of your own registrant profiles as the cedent."))
        cedent, cedent_account = cedent_registrant, initiator
        cesjonariusz = None
        if cesjonariusz_registrant is not None:
            if cesjonariusz_registrant.pk == cedent.pk:
                raise Refused(_("The cedent and the cesjonariusz must be different registrants."))
            if cesjonariusz_registrant.account_id == initiator.pk:
                cesjonariusz = cesjonariusz_registrant  # e.g. a person and their own new firm
            cesjonariusz_account = cesjonariusz_registrant.account
        elif other_email:
            try:
                validate_email(other_email)
            except ValidationError:
                raise Refused(_("Enter the cesjonariusz's e-mail address correctly.")) from None
            cesjonariusz_account = customer_with_email(other_email)
            if cesjonariusz_account is not None and cesjonariusz_account.pk == initiator.pk:
                raise Refused(_("Choose the new registrant profile from your own profiles instead."))
            invited_email = other_email
        else:
            raise Refused(_("Name the cesjonariusz: a customer of ours or an e-mail address to invite."))
    else:
        if cesjonariusz_registrant is None or cesjonariusz_registrant.account_id != initiator.pk:
            raise Refused(_("Choose one of your own registrant profiles as the cesjonariusz."))
        holders = {d.registrant_id for d in chosen}
        if None in holders or len(holders) != 1:
            raise Refused(
                _("The domains must all be held by one registrant of ours; start one cesja per registrant.")
            )
        cedent = chosen[0].registrant
        if cedent_registrant is not None and cedent_registrant.pk != cedent.pk:
            raise Refused(_("These domains are not held by the registrant you named."))
        if cedent.pk == cesjonariusz_registrant.pk:
            raise Refused(_("You already hold these domains."))
        cedent_account = cedent.account
        cesjonariusz, cesjonariusz_account = cesjonariusz_registrant, initiator

    check_domains(chosen, cedent)
    for domain in chosen:
        # The registry still holds each as we do: registry commands before the transaction.
        check_against_registry(domain, found_by="cesja")
    check_party(cedent, Side.CEDENT)
    if cesjonariusz is not None:
        check_party(cesjonariusz, Side.CESJONARIUSZ)
    both_known = (
        cedent is not None
        and cesjonariusz is not None
        and (side == Side.CEDENT or cedent_account.pk == initiator.pk)
    )
    policy = CesjaPolicy.current()
    moment = now()
    try:
        with transaction.atomic():
            cesja = Cesja(
                cedent=cedent,
                cesjonariusz=cesjonariusz,
                cedent_account=cedent_account,
                cesjonariusz_account=cesjonariusz_account,
                invited_email=invited_email,
                initiated_by=side,
                cedent_joined_at=moment if side == Side.CEDENT or both_known else None,
                cesjonariusz_joined_at=moment if side == Side.CESJONARIUSZ or both_known else None,
                reason=reason,
                reason_details=(reason_details or "").strip(),
                policy=policy,
                state=State.AWAITING_DOCUMENTS if both_known else State.AWAITING_PARTY,
                # The form is Polish unless a party asks for another language (regenerate_form):
                # the initiator's panel language says nothing of what the other party reads.
                language=settings.LANGUAGE_CODE,
                created_at=moment,
                documents_deadline=moment + policy.documents_period,
            )
            cesja.save()
            cesja.number = f"CES/{timezone.localdate().year}/{cesja.pk:06d}"
            cesja.save(update_fields=["number"])
            for domain in chosen:
                CesjaDomain.objects.create(cesja=cesja, domain=domain, domain_name=domain.name)
            waiting = "" if both_known else (Side.CESJONARIUSZ if side == Side.CEDENT else Side.CEDENT)
            if waiting:
                account = side_account(cesja, waiting)
                _invite(cesja, waiting, account.email if account is not None else invited_email)
            events.state_changed(
                cesja,
                _("Cesja %(number)s of %(domains)s started by the %(side)s; %(next)s"),
                actor=actor,
                channel=channel,
                reason=f"{Reason(reason).label}: {cesja.reason_details}"
                if cesja.reason_details
                else Reason(reason).label,
                before="",
                data={
                    "initiated_by": side,
                    "reason": reason,
                    "cedent": cedent.pk,
                    "cesjonariusz": cesjonariusz.pk if cesjonariusz else None,
                    "invited": bool(waiting),
                    "documents_deadline": cesja.documents_deadline,
                },
                side=Side(side).label,
                next=_("the other party is asked to join.") if waiting else _("both parties are known."),
            )
            if both_known:
                issue_form(cesja, actor=actor, channel=channel, reason=_("Both parties are known."))
            CESJE.start_flow(cesja, new=True)
    except IntegrityError:
        raise Refused(_("One of these domains is already in an open cesja.")) from None
    return cesja


def _invitation_for(token: str) -> CesjaInvitation:
    invitation = CesjaInvitation.objects.filter(
        token_digest=sealing.token_digest(f"cesja:{token or ''}")
    ).first()
    if invitation is None:
        raise Refused(_("This invitation link is not valid."))
    return invitation


def mask_email(address: str) -> str:
    """ "j***@example.pl": enough for its owner to recognise, too little to give it away."""
    local, at, domain = (address or "").strip().partition("@")
    if not at:
        return "***"
    return f"{local[:1]}***@{domain}"


def may_claim(invitation: CesjaInvitation, user) -> bool:
    """Only the account of the invited address takes the invitation (letter case aside);
    when that side already has an account, only that account."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    cesja = invitation.cesja
    account_id = cesja.cedent_account_id if invitation.side == Side.CEDENT else cesja.cesjonariusz_account_id
    if account_id is not None and account_id != user.pk:
        return False
    email = (user.email or "").strip().lower()
    return bool(email) and email == (invitation.email or "").strip().lower()


def wrong_account(invitation: CesjaInvitation) -> Refused:
    return Refused(
        _(
            "This invitation was sent to %(email)s. Log in with the account of that address, "
            "or ask the other party to invite the address of this account."
        )
        % {"email": mask_email(invitation.email)}
    )


def claim_invitation(*, token: str, actor, channel: str) -> Cesja:
    """The person invited by e-mail has logged in (or just created an account) and followed
    the link: their account becomes that side's; they join with a profile next. Only the
    account of the invited address may take it: a link passed on to someone else, or opened
    while logged in as another customer, changes nothing."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Refused(_("Log in or create an account first, then open the invitation link again."))
    found = _invitation_for(token)
    with CESJE.step(found.cesja_id) as cesja:
        invitation = CesjaInvitation.objects.select_for_update().get(pk=found.pk)
        if invitation.used_at is not None:
            if invitation.used_by_id == actor.pk:
                return cesja  # a second click shows where it stands
            raise Refused(_("This invitation has already been used."))
        if cesja.state != State.AWAITING_PARTY or invitation.expires_at <= now():
            raise Refused(_("This invitation has expired or the cesja has moved on."))
        other = cesja.cesjonariusz_account if invitation.side == Side.CEDENT else cesja.cedent_account
        if other is not None and other.pk == actor.pk:
            raise Refused(_("You cannot be both parties to a cesja."))
        invitation.cesja = cesja  # as locked
        if not may_claim(invitation, actor):
            raise wrong_account(invitation)
        invitation.used_at = now()
        invitation.used_by = actor
        invitation.save(update_fields=["used_at", "used_by"])
        if invitation.side == Side.CEDENT:
            cesja.cedent_account = actor
        else:
            cesja.cesjonariusz_account = actor
        cesja.save()
        events.invitation_accepted(cesja, invitation, actor=actor, channel=channel)
    return cesja


def join_cesja(
    *, cesja: Cesja, registrant: Registrant, actor, channel: str, token: str | None = None
) -> Cesja:
    """The other side takes part with one of their registrant profiles; the form follows.
    ``token``: the invitation link's, for someone who has not claimed it yet."""
    if token:
        cesja = claim_invitation(token=token, actor=actor, channel=channel)
    current = fresh(cesja.pk)
    side = current.waiting_for
    if not side:
        raise CESJE.conflict(current)
    account = side_account(current, side)
    if not (is_staff(actor) or (account is not None and actor is not None and actor.pk == account.pk)):
        raise Refused(_("Only the invited party can join this cesja."))
    if account is None or registrant.account_id != account.pk:
        raise Refused(_("Choose one of your own registrant profiles."))
    if side == Side.CEDENT:
        if registrant.pk != current.cedent_id:
            raise Refused(_("The domains are held by another of your profiles; choose that one."))
        check_party(registrant, Side.CEDENT)
    else:
        if registrant.pk == current.cedent_id:
            raise Refused(_("The cedent and the cesjonariusz must be different registrants."))
        check_party(registrant, Side.CESJONARIUSZ)
    with CESJE.step(current.pk) as locked:
        if locked.state != State.AWAITING_PARTY:
            raise CESJE.conflict(locked)
        if side == Side.CEDENT:
            # The domains may have changed hands since the start.
            for item in locked.items.select_related("domain"):
                if item.domain.registrant_id != registrant.pk:
                    raise Refused(
                        _("%(domain)s is no longer held by %(cedent)s.")
                        % {"domain": item.display_name, "cedent": registrant.display_name}
                    )
            locked.cedent = registrant
            locked.cedent_joined_at = now()
        else:
            locked.cesjonariusz = registrant
            locked.cesjonariusz_joined_at = now()
        before = CESJE.move(locked, "both_parties_known")
        locked.save()
        CesjaInvitation.objects.filter(cesja=locked, used_at__isnull=True).update(
            used_at=now(), used_by=actor
        )
        events.state_changed(
            locked,
            _("The %(side)s joined cesja %(number)s as %(party)s."),
            actor=actor,
            channel=channel,
            reason=_("The invited party agreed to take part."),
            before=before,
            data={"side": side, "registrant": registrant.pk},
            side=Side(side).label,
            party=registrant.display_name,
        )
        # Rendering takes seconds: the party who joined is not kept waiting for it.
        issue_form_later(locked, actor=actor, channel=channel)
    return locked
