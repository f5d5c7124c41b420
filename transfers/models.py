"""Transfers between registrars, incoming and outgoing, and what they leave behind: the
confirmation links, the authinfo codes we issue, every wrong-code attempt and every registry
poll message we applied.

A transfer's state is a django-fsm field that only its transitions change; the services in
``transfers.services`` run each transition under a row lock and write its history event.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from workflows.models import RegistryRetry, SavesChangedFields

from .policy import RejectionReason, TransferPolicy

__all__ = [
    "AuthInfoAttempt",
    "ConfirmationToken",
    "PollMessage",
    "UnprocessedPollMessage",
    "RejectionReason",
    "Transfer",
    "TransferPolicy",
]


class Direction(models.TextChoices):
    INCOMING = "incoming", _("to us")
    OUTGOING = "outgoing", _("away from us")


class State(models.TextChoices):
    REVIEW = "review", _("being checked by our staff")
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("waiting for the registrant's confirmation")
    SUBMITTING = "submitting", _("waiting for the registry")
    AUTHINFO_INVALID = "authinfo_invalid", _("transfer code refused by the registry")
    PENDING = "pending", _("pending at the registry")
    CANCELLING = "cancelling", _("cancellation sent to the registry")
    APPROVING = "approving", _("approval sent to the registry")
    REJECTING = "rejecting", _("rejection sent to the registry")
    COMPLETED = "completed", _("completed")
    REJECTED = "rejected", _("rejected")
    CANCELLED = "cancelled", _("cancelled")
    EXPIRED = "expired", _("expired")
    FAILED = "failed", _("failed")


TERMINAL_STATES = frozenset({State.COMPLETED, State.REJECTED, State.CANCELLED, State.EXPIRED, State.FAILED})
OPEN_STATES = frozenset(State.values) - TERMINAL_STATES
# A command of ours is on its way to the registry, or will be retried until it gets there.
REGISTRY_WAIT_STATES = frozenset({State.SUBMITTING, State.CANCELLING, State.APPROVING, State.REJECTING})
# Before the request reaches the registry a cancellation is ours alone.
CANCELLABLE_LOCALLY = (State.REVIEW, State.AWAITING_CONFIRMATION, State.AUTHINFO_INVALID, State.SUBMITTING)
# The registry may settle a transfer while a command of ours about it is still on its way.
AT_REGISTRY = (State.PENDING, State.CANCELLING, State.APPROVING, State.REJECTING)


class TransferQuerySet(models.QuerySet):
    def open(self) -> TransferQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def incoming(self) -> TransferQuerySet:
        return self.filter(direction=Direction.INCOMING)

    def outgoing(self) -> TransferQuerySet:
        return self.filter(direction=Direction.OUTGOING)


class Transfer(ConcurrentTransitionMixin, SavesChangedFields, RegistryRetry):
    Direction = Direction
    State = State

    # viewflow keeps its artifact's key in a PositiveIntegerField: keep ours an integer.
    id = models.AutoField(primary_key=True)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    domain_name = models.CharField(_("domain name"), max_length=253, help_text=_("A-label form"))
    tld = models.ForeignKey("registry.Tld", on_delete=models.PROTECT, related_name="+")
    domain = models.ForeignKey(
        "registry.Domain", on_delete=models.SET_NULL, null=True, blank=True, related_name="transfers"
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers",
        verbose_name=_("customer"),
    )
    registrant = models.ForeignKey(
        "accounts.Registrant", on_delete=models.PROTECT, null=True, blank=True, related_name="transfers"
    )
    other_registrar = models.ForeignKey(
        "registry.Registrar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("other registrar"),
        help_text=_("The losing registrar of an incoming transfer, the gaining one of an outgoing."),
    )
    policy = models.ForeignKey(
        TransferPolicy, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("decided under")
    )
    state = FSMField(_("state"), max_length=24, choices=State.choices, protected=True)

    created_at = models.DateTimeField(_("started"), default=timezone.now)
    confirmation_deadline = models.DateTimeField(_("confirm by"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("sent to the registry"), null=True, blank=True)
    requested_at = models.DateTimeField(_("requested at the registry (reDate)"), null=True, blank=True)
    action_date = models.DateTimeField(_("registry action date (acDate)"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)

    registry_status = models.CharField(_("registry transfer status"), max_length=24, blank=True)
    outcome_reason = models.TextField(_("why it ended so"), blank=True)
    rejection_reason = models.CharField(
        _("rejection reason"), max_length=32, choices=RejectionReason.choices, blank=True
    )
    review_required = models.BooleanField(_("needs a staff review"), default=False)
    review_reasons = models.JSONField(_("why it needs a review"), default=list, blank=True)
    confirmation_email = models.EmailField(_("confirmation sent to"), blank=True)
    confirmation_email_source = models.CharField(
        _("address taken from"),
        max_length=16,
        blank=True,
        choices=[("registry", _("the registry's registrant data")), ("profile", _("the customer's profile"))],
    )

    # The code the customer entered, sealed, until the registry has answered the request.
    authinfo_sealed = models.TextField(blank=True, editable=False)
    authinfo_digest = models.CharField(max_length=64, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(
        _("codes tried"), default=1, help_text=_("Each new code is a new request to the registry.")
    )
    next_check_at = models.DateTimeField(_("ask the registry at"), null=True, blank=True, db_index=True)

    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open request per domain, whichever way it goes.
            models.UniqueConstraint(
                fields=["domain_name"],
                condition=models.Q(state__in=sorted(OPEN_STATES)),
                name="one_open_transfer_per_domain",
            )
        ]
        indexes = [
            # Newest first in every list, periods in the auditor's search, weeks in the
            # supervisor's chart of time to resolution.
            models.Index(fields=["created_at"], name="transfer_created"),
            models.Index(fields=["resolved_at"], name="transfer_resolved"),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.display_name} ({self.get_state_display()})"

    @property
    def display_name(self) -> str:
        from registry.names import to_unicode

        return to_unicode(self.domain_name)

    @property
    def is_incoming(self) -> bool:
        return self.direction == Direction.INCOMING

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def waiting_for_registry(self) -> bool:
        return self.state in REGISTRY_WAIT_STATES

    @property
    def registry_profile(self):
        """The profile of the registry that keeps the domain (registry/profiles.py)."""
        from registry.profiles import profile_for

        return profile_for(self.domain_name)

    @property
    def subscriber_confirms_at_registry(self) -> bool:
        """The registry asks the registrant itself and the losing registrar has no say (NASK)."""
        return self.registry_profile.transfer.subscriber_confirms_at_registry

    def can_resend_confirmation(self, user) -> bool:
        """Whether ``user`` may ask the registry to e-mail the registrant its confirmation again."""
        if not self.is_incoming or self.state != State.PENDING or not self.subscriber_confirms_at_registry:
            return False
        return bool(user and (user.pk == self.account_id or getattr(user, "is_back_office", False)))

    def can_cancel(self, user) -> bool:
        if not self.is_incoming or self.state not in (*CANCELLABLE_LOCALLY, State.PENDING):
            return False
        return bool(user and (user.pk == self.account_id or getattr(user, "is_back_office", False)))

    def can_decide(self, user) -> bool:
        """Whether ``user`` may approve (registrant) or reject (staff) this outgoing transfer.
        Nobody may where the losing registrar has no say (NASK: the registrant answers NASK)."""
        if self.is_incoming or self.state != State.PENDING or user is None:
            return False
        if not self.registry_profile.transfer.losing_registrar_decides:
            return False
        return user.pk == self.account_id or getattr(user, "is_back_office", False)

    # ------------------------------------------------------------------ transitions

    @transition(field=state, source=State.REVIEW, target=State.AWAITING_CONFIRMATION)
    def pass_review(self) -> None:
        pass

    @transition(field=state, source=State.REVIEW, target=State.REJECTED)
    def refuse_after_review(self) -> None:
        self.resolved_at = timezone.now()

    @transition(field=state, source=State.AWAITING_CONFIRMATION, target=State.SUBMITTING)
    def confirm(self) -> None:
        self.confirmed_at = timezone.now()

    @transition(field=state, source=State.AWAITING_CONFIRMATION, target=State.EXPIRED)
    def expire(self) -> None:
        self.resolved_at = timezone.now()

    @transition(field=state, source=State.SUBMITTING, target=State.PENDING)
    def accept_request(self) -> None:
        self.submitted_at = self.submitted_at or timezone.now()

    @transition(field=state, source=State.SUBMITTING, target=State.AUTHINFO_INVALID)
    def refuse_authinfo(self) -> None:
        pass

    @transition(field=state, source=State.AUTHINFO_INVALID, target=State.SUBMITTING)
    def resubmit(self) -> None:
        self.attempts += 1

    @transition(field=state, source=CANCELLABLE_LOCALLY, target=State.CANCELLED)
    def cancel(self) -> None:
        self.resolved_at = timezone.now()

    @transition(field=state, source=State.PENDING, target=State.CANCELLING)
    def request_cancel(self) -> None:
        pass

    @transition(field=state, source=State.PENDING, target=State.APPROVING)
    def request_approve(self) -> None:
        pass

    @transition(field=state, source=State.PENDING, target=State.REJECTING)
    def request_reject(self) -> None:
        pass

    @transition(
        field=state, source=(State.CANCELLING, State.APPROVING, State.REJECTING), target=State.PENDING
    )
    def back_to_pending(self) -> None:
        """Our command could not be carried out while the transfer is still pending."""

    @transition(field=state, source=AT_REGISTRY, target=State.COMPLETED)
    def complete(self) -> None:
        self.resolved_at = timezone.now()

    @transition(field=state, source=AT_REGISTRY, target=State.REJECTED)
    def reject(self) -> None:
        self.resolved_at = timezone.now()

    @transition(field=state, source=AT_REGISTRY, target=State.CANCELLED)
    def cancelled_at_registry(self) -> None:
        self.resolved_at = timezone.now()

    @transition(field=state, source=AT_REGISTRY, target=State.EXPIRED)
    def lapse_at_registry(self) -> None:
        """The registry's own confirmation window closed unanswered (NASK: serverCancelled)."""
        self.resolved_at = timezone.now()

    @transition(field=state, source=(State.SUBMITTING, *AT_REGISTRY), target=State.FAILED)
    def fail(self) -> None:
        self.resolved_at = timezone.now()


class ConfirmationToken(models.Model):
    """The registrant's confirmation link (the Form of Authorization). Only a keyed digest
    of the token is kept; the link in the e-mail carries the token itself."""

    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="confirmation_tokens")
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    email = models.EmailField(_("sent to"))
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("valid until"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("confirmation link")
        verbose_name_plural = _("confirmation links")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"confirmation of transfer {self.transfer_id}"


class AuthInfoAttempt(models.Model):
    """Every code a customer entered, without the code: for the rate limit and the record."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("accepted by the registry")
        WRONG = "wrong", _("refused by the registry as wrong")
        NOT_CHECKED = "not_checked", _("not checked (the request was refused before)")

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    domain_name = models.CharField(_("domain name"), max_length=253, db_index=True)
    code_digest = models.CharField(max_length=64, editable=False)
    transfer = models.ForeignKey(Transfer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    attempted_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("authinfo attempt")
        verbose_name_plural = _("authinfo attempts")
        ordering = ["-attempted_at"]

    def __str__(self) -> str:
        return f"{self.domain_name} {self.outcome} {self.attempted_at:%Y-%m-%d %H:%M}"


class PollMessage(models.Model):
    """A registry poll message, stored and applied in one transaction, then acknowledged.
    A message delivered again (its acknowledgement was lost) finds its row and is not
    applied a second time."""

    registrar_client_id = models.CharField(_("as registrar"), max_length=16)
    msg_id = models.CharField(_("registry message ID"), max_length=64)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    queued_at = models.DateTimeField(_("queued at the registry (qDate)"), null=True, blank=True)
    text = models.TextField(_("message"), blank=True)
    trn_data = models.JSONField(_("transfer data"), default=dict, blank=True)
    transfer = models.ForeignKey(Transfer, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    acked_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    deliveries = models.PositiveSmallIntegerField(_("times delivered"), default=1)

    class Meta:
        verbose_name = _("registry poll message")
        verbose_name_plural = _("registry poll messages")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["registrar_client_id", "msg_id"], name="poll_message_once")
        ]

    def __str__(self) -> str:
        return f"{self.registrar_client_id}#{self.msg_id}: {self.text}"


class UnprocessedPollMessage(models.Model):
    """A registry poll message we could not read or apply: kept as it came (secrets
    redacted), with the error, and acknowledged so that the queue behind it moves on. The
    domains team looks at it and marks it handled with a note; it is never deleted."""

    class Stage(models.TextChoices):
        READ = "read", _("its content could not be read")
        APPLY = "apply", _("it could not be applied")

    registrar_client_id = models.CharField(_("as registrar"), max_length=16)
    msg_id = models.CharField(_("registry message ID"), max_length=64)
    received_at = models.DateTimeField(_("received"), default=timezone.now)
    queued_at = models.DateTimeField(_("queued at the registry (qDate)"), null=True, blank=True)
    text = models.TextField(_("message"), blank=True)
    # The frame's XML with every password and authInfo replaced (registry.epp.framelog.redact).
    frame = models.TextField(_("the message as received"), blank=True)
    stage = models.CharField(_("what failed"), max_length=8, choices=Stage.choices)
    error = models.TextField(_("error"))
    deliveries = models.PositiveSmallIntegerField(_("times delivered"), default=1)
    acked_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True, db_index=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("what was done"), blank=True)

    class Meta:
        verbose_name = _("unprocessed registry message")
        verbose_name_plural = _("unprocessed registry messages")
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["registrar_client_id", "msg_id"], name="unprocessed_poll_message_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.registrar_client_id}#{self.msg_id} (unprocessed)"
