"""Authorisation codes customers read out over the phone or chat, and the caller sessions
they open for back-office staff."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workflows.models import Channel

# Only the channels on which somebody reads a code out to us.
CALLER_CHANNELS = (Channel.PHONE, Channel.CHAT)


class AuthorisationCodeQuerySet(models.QuerySet):
    def current(self) -> AuthorisationCodeQuerySet:
        """The code not yet replaced by a newer one (it may still have expired)."""
        return self.filter(replaced_at__isnull=True)


class AuthorisationCode(models.Model):
    """The code shown in a customer's panel. Only its keyed digest is kept: the clear code
    lives in the customer's session, sealed, and on their screen."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="authorisation_codes",
        verbose_name=_("account"),
    )
    code_digest = models.CharField(max_length=64, editable=False)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    expires_at = models.DateTimeField(_("valid until"))
    replaced_at = models.DateTimeField(_("replaced"), null=True, blank=True)

    objects = AuthorisationCodeQuerySet.as_manager()

    class Meta:
        verbose_name = _("authorisation code")
        verbose_name_plural = _("authorisation codes")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account"],
                condition=models.Q(replaced_at__isnull=True),
                name="callers_one_current_code_per_account",
            )
        ]

    def __str__(self) -> str:
        return f"code of {self.account_id} until {self.expires_at:%Y-%m-%d %H:%M}"

    def is_valid(self, now=None) -> bool:
        return self.replaced_at is None and self.expires_at > (now or timezone.now())


class VerificationAttempt(models.Model):
    """One code a staff member typed for a caller, right or wrong (never the code itself).
    Wrong ones count towards the limits on guessing."""

    class Outcome(models.TextChoices):
        VERIFIED = "verified", _("verified")
        WRONG = "wrong", _("wrong code")
        EXPIRED = "expired", _("expired code")
        REPLACED = "replaced", _("code replaced by a newer one")
        NO_CODE = "no_code", _("the customer has no code")
        LOCKED = "locked", _("refused: too many wrong codes")

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff member")
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    attempted_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("verification attempt")
        verbose_name_plural = _("verification attempts")
        ordering = ["-attempted_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "attempted_at"]),
            models.Index(fields=["staff", "attempted_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.attempted_at:%Y-%m-%d %H:%M}"


class CallerSession(models.Model):
    """A staff member may act for a verified caller until the code they read out expires."""

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="caller_sessions",
        verbose_name=_("staff member"),
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    code = models.ForeignKey(AuthorisationCode, on_delete=models.PROTECT, related_name="caller_sessions")
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    verified_at = models.DateTimeField(_("verified"), default=timezone.now)
    expires_at = models.DateTimeField(_("valid until"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("caller session")
        verbose_name_plural = _("caller sessions")
        ordering = ["-verified_at", "-id"]

    def __str__(self) -> str:
        return f"{self.staff_id} for {self.customer_id} ({self.channel})"

    def is_open(self, now=None) -> bool:
        return self.ended_at is None and self.expires_at > (now or timezone.now())
