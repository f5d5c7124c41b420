"""Changes to accounts and registrant profiles, each written together with its history event."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.forms import BaseInlineFormSet, ModelForm
from django.utils.translation import gettext_lazy as _

from workflows.history import diff
from workflows.models import Channel
from workflows.roles import Role

from . import events
from .models import Registrant, User
from .signals import registrant_changed

REGISTRANT_FIELDS = (
    "kind",
    "first_name",
    "last_name",
    "pesel",
    "name",
    "legal_form",
    "nip",
    "regon",
    "krs",
    "representation",
    "street",
    "postal_code",
    "city",
    "country",
    "email",
    "phone",
)
REPRESENTATIVE_FIELDS = ("first_name", "last_name", "function", "pesel")


def registrant_snapshot(registrant: Registrant | None) -> dict[str, Any]:
    """The profile as stored, with its representatives, for a before/after comparison."""
    if registrant is None or registrant.pk is None:
        return {}
    snapshot: dict[str, Any] = {field: getattr(registrant, field) for field in REGISTRANT_FIELDS}
    snapshot["representatives"] = [
        {field: getattr(rep, field) for field in REPRESENTATIVE_FIELDS}
        for rep in registrant.representatives.order_by("id")
    ]
    return snapshot


def record_registrant_change(
    registrant: Registrant,
    *,
    before: dict[str, Any],
    actor: User,
    channel: Channel = Channel.WEB,
) -> bool:
    """Write REGISTRANT_CREATED or REGISTRANT_UPDATED; return False when nothing changed."""
    after = registrant_snapshot(registrant)
    changes = diff(before, after)
    if not changes:
        return False
    created = not before
    events.registrant_recorded(registrant, created=created, changes=changes, actor=actor, channel=channel)
    if not created:
        registrant_changed.send(sender=Registrant, registrant=registrant, actor=actor, channel=channel)
    return True


@transaction.atomic
def save_registrant(
    form: ModelForm, representatives: BaseInlineFormSet | None, *, actor: User
) -> tuple[Registrant, bool]:
    """Save a validated profile form and its representatives as one unit, with its event.

    Returns the profile and whether anything changed. Any failure rolls back the profile,
    every representative and the event alike, so no half-saved profile is ever left.
    """
    existing = form.instance.pk
    before = registrant_snapshot(Registrant.objects.get(pk=existing)) if existing else {}
    registrant = form.save(commit=False)
    if not existing:
        registrant.account = actor
    registrant.save()
    if representatives is not None:
        representatives.instance = registrant
        representatives.save()
    changed = record_registrant_change(registrant, before=before, actor=actor)
    return registrant, changed


@transaction.atomic
def change_language(user: User, language: str) -> bool:
    """Save the language of the panel; return False when it was already the chosen one."""
    old = user.language
    if old == language:
        return False
    user.language = language
    user.save(update_fields=["language"])
    events.language_changed(user, old, language)
    return True


def create_customer_account(
    *,
    username: str,
    email: str,
    password: str,
    first_name: str,
    last_name: str,
    language: str,
    reason: str,
    channel: Channel = Channel.WEB,
    data: dict[str, Any] | None = None,
) -> User:
    """A new customer account with its ACCOUNT_CREATED event, as one unit.

    Only an invitation leads here (there is no open sign-up): ``reason`` says which, and
    ``data`` may name it. The password must already have passed the validators (the form
    checks it against the names and the address too). A username or an address that some
    account already uses is refused with a ValidationError for that field.
    """
    username = (username or "").strip()
    email = (email or "").strip()
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": _("Choose Polish or English.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is already taken; choose another.")})
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            {"email": _("An account with this address already exists: log in with it instead.")}
        )
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username,
                email=email,
                password=password,
                first_name=(first_name or "").strip(),
                last_name=(last_name or "").strip(),
                role=Role.CUSTOMER,
                language=language,
            )
            events.account_created(user, channel=channel, reason=reason, data=data)
    except IntegrityError:
        # Someone took the username between the check and the insert.
        raise ValidationError({"username": _("This username is already taken; choose another.")}) from None
    return user
