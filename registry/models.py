"""What we know of the registries: registrars, the TLDs we serve, domains, and every EPP
command we have sent (so that a retry never does a thing twice and an auditor can match
our record with the registry's)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .names import parse_domain_name, to_unicode


class Registrar(models.Model):
    name = models.CharField(_("name"), max_length=200)
    client_id = models.CharField(_("registry client ID"), max_length=16, unique=True)
    is_us = models.BooleanField(_("this is us"), default=False)

    class Meta:
        verbose_name = _("registrar")
        verbose_name_plural = _("registrars")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_us"], condition=models.Q(is_us=True), name="one_registrar_is_us"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def us(cls) -> Registrar:
        return cls.objects.get(is_us=True)


class Tld(models.Model):
    """A top-level domain we serve, with the registry that runs it."""

    name = models.CharField(_("TLD"), max_length=63, unique=True, help_text=_("Without the dot, e.g. pl"))
    registry_name = models.CharField(_("registry"), max_length=100)
    active = models.BooleanField(_("served"), default=True)

    class Meta:
        verbose_name = _("TLD")
        verbose_name_plural = _("TLDs")
        ordering = ["name"]

    def __str__(self) -> str:
        return f".{self.name}"


class DomainQuerySet(models.QuerySet):
    def held_by_us(self) -> DomainQuerySet:
        return self.filter(sponsor__is_us=True)

    def of_account(self, user) -> DomainQuerySet:
        return self.filter(registrant__account=user)


class RegistrantBasis(models.TextChoices):
    """Why we take the domain's registrant profile to be the registrant the registry holds.
    Only a verified registrant may have the code, a cesja or the lock (``is_verified``)."""

    OURS = "ours", _("set by us at the registry")
    MATCHED = "matched", _("the registry's contact is this profile's")
    CONFIRMED = "confirmed", _("confirmed from the registrant's e-mail at the registry")
    UNCONFIRMED = "unconfirmed", _("as the registry holds it, not confirmed")
    READING = "reading", _("being read from the registry")

    @classmethod
    def verified(cls) -> frozenset[str]:
        return frozenset({cls.OURS, cls.MATCHED, cls.CONFIRMED})


class Domain(models.Model):
    name = models.CharField(_("domain name"), max_length=253, unique=True, help_text=_("A-label form"))
    tld = models.ForeignKey(Tld, on_delete=models.PROTECT, related_name="domains")
    sponsor = models.ForeignKey(
        Registrar, on_delete=models.PROTECT, related_name="domains", verbose_name=_("sponsoring registrar")
    )
    registrant = models.ForeignKey(
        "accounts.Registrant",
        on_delete=models.PROTECT,
        related_name="domains",
        null=True,
        blank=True,
        verbose_name=_("registrant"),
    )
    registrant_basis = models.CharField(
        _("registrant known by"), max_length=16, choices=RegistrantBasis.choices, default=RegistrantBasis.OURS
    )
    statuses = models.JSONField(_("EPP statuses"), default=list, blank=True)
    registry_roid = models.CharField(_("registry object ID"), max_length=89, blank=True)
    created_at = models.DateTimeField(_("registered"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_transfer_at = models.DateTimeField(_("last transferred"), null=True, blank=True)
    synced_at = models.DateTimeField(_("last read from the registry"), null=True, blank=True)

    objects = DomainQuerySet.as_manager()

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return to_unicode(self.name)

    def clean(self) -> None:
        super().clean()
        try:
            parsed = parse_domain_name(self.name)
        except ValidationError as exc:
            raise ValidationError({"name": exc.messages}) from None
        self.name = parsed.ascii
        if self.tld_id and self.tld.name != parsed.tld:
            raise ValidationError({"tld": _("The TLD does not match the name.")})

    @property
    def holder(self):
        """The customer account of the domain's registrant, if it has one."""
        return self.registrant.account if self.registrant_id else None

    @property
    def registrant_is_verified(self) -> bool:
        return self.registrant_id is not None and self.registrant_basis in RegistrantBasis.verified()

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class RegistryCommand(models.Model):
    """One EPP command: its client transaction ID is unique and stored before it is sent,
    so that a retry can look up what happened instead of doing the thing twice.

    A business operation that may be retried (a transfer request, say) gives an
    idempotency key; the retry finds this row by it and never sends a second, different
    command. A resend after a lost answer reuses the row and its clTRID."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("sent, no answer yet")
        SUCCESS = "success", _("succeeded")
        ERROR = "error", _("refused by the registry")
        FAILED = "failed", _("not delivered (connection)")
        UNKNOWN = "unknown", _("sent, answer lost")

    cl_trid = models.CharField(_("client transaction ID"), max_length=64, unique=True)
    sv_trid = models.CharField(_("server transaction ID"), max_length=64, blank=True)
    idempotency_key = models.CharField(
        _("idempotency key"),
        max_length=128,
        blank=True,
        help_text=_("Set by a business operation that may be retried; unique when set."),
    )
    registrar_client_id = models.CharField(_("as registrar"), max_length=16)
    command = models.CharField(_("command"), max_length=48)
    object_name = models.CharField(_("object"), max_length=253, blank=True, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    result_code = models.PositiveIntegerField(_("result code"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("times sent"), default=0)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("registry command")
        verbose_name_plural = _("registry commands")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="registry_command_idempotency_key_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.command} {self.object_name} [{self.cl_trid}]"


class RegistrySessionSlot(models.Model):
    """One of the EPP sessions a registrar may hold at once (``REGISTRY["MAX_SESSIONS"]``),
    taken by whichever worker process opens a session and renewed while the session lives.

    The registry counts our sessions across all our machines; these rows are how the workers
    agree on the count. A slot whose heartbeat stopped (the worker was killed) is taken over
    once it is stale."""

    registrar_client_id = models.CharField(_("as registrar"), max_length=16)
    slot = models.PositiveSmallIntegerField(_("slot"))
    holder = models.CharField(_("held by"), max_length=200, help_text=_("host:process:session"))
    claimed_at = models.DateTimeField(_("taken"))
    heartbeat_at = models.DateTimeField(_("last renewed"))
    # Set by a worker that found every slot taken: holders with an idle session give one back.
    wanted_at = models.DateTimeField(_("wanted by another worker"), null=True, blank=True)

    class Meta:
        verbose_name = _("registry session slot")
        verbose_name_plural = _("registry session slots")
        constraints = [
            models.UniqueConstraint(
                fields=["registrar_client_id", "slot"], name="registry_session_slot_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.registrar_client_id} #{self.slot} ({self.holder})"
