"""What follows a step of a cesja, as the outbox relay carries it out (``workflows.outbox``):
e-mails to the parties, the invitation link, the form once both parties are known, and the
change of registrant at the registry.

Each handler is idempotent: the registry commands carry idempotency keys and the execution
finds the cesja moved on if it arrives late; a mail is sent at least once."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from registry.epp.results import RegistryUnavailable
from workflows import sealing
from workflows.models import OutboxMessage
from workflows.outbox import RetryLater, handles

from . import emails, services
from .models import Cesja, CesjaInvitation, Side
from .services.steps import fresh, side_account


@handles("assignments.execute")
def execute_at_registry(message: OutboxMessage) -> None:
    cesja_id = message.payload["cesja"]
    try:
        services.execute_cesja(cesja_id)
    except RegistryUnavailable:
        retry_at = Cesja.objects.filter(pk=cesja_id).values_list("retry_at", flat=True).first()
        raise RetryLater(retry_at, "the registry cannot be reached") from None


@handles("assignments.mail", local=True)
def mail_parties(message: OutboxMessage) -> None:
    cesja = fresh(message.payload["cesja"])
    extra = dict(message.payload.get("extra") or {})
    # Words and moments are rendered in each reader's language and as the case stands now.
    if "who" in extra:
        who = extra["who"]
        extra["who"] = Side(who).label if who in Side.values else _("our staff")
    extra.setdefault("deadline", cesja.documents_deadline)
    emails.to_parties(cesja, message.payload["kind"], only=message.payload.get("side"), **extra)


@handles("assignments.invitation", local=True)
def mail_invitation(message: OutboxMessage) -> None:
    token = sealing.unseal(message.sealed)
    if token is None:
        raise ValueError("the invitation token of this message cannot be unsealed")
    invitation = CesjaInvitation.objects.get(pk=message.payload["invitation"])
    cesja = fresh(invitation.cesja_id)
    account = side_account(cesja, invitation.side)
    emails.send(
        "invitation",
        to=invitation.email,
        language=emails.language_of(account),
        context={
            "cesja": cesja,
            "side": invitation.side,
            "link": emails.invitation_url(token),
            "domains": [item.display_name for item in cesja.items.all()],
            "deadline": cesja.documents_deadline,
            "has_account": account is not None,
        },
    )


@handles("assignments.refresh_forms", local=True)
def refresh_forms(message: OutboxMessage) -> None:
    """A party's profile changed: every open cesja of theirs gets the form as it now stands.
    Tried first by the process that saved the profile, so the party sees the new version at
    once, as they expect after correcting their data."""
    actor_id = message.payload.get("actor")
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    services.refresh_forms_of(message.payload["registrant"], actor=actor, channel=message.payload["channel"])


@handles("assignments.issue_form", background=True)
def issue_form(message: OutboxMessage) -> None:
    """Both parties are known: the form is rendered here, not in the request of the party who
    joined (a few seconds of WeasyPrint), who sees "the form is being prepared" meanwhile."""
    actor_id = message.payload.get("actor")
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    services.issue_awaited_form(message.payload["cesja"], actor=actor, channel=message.payload["channel"])
