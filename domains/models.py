"""The authinfo codes we issue for domains we hold."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuthInfoCode(models.Model):
    """An authinfo code we issued for a domain we hold. Only its keyed digest is kept."""

    class ResetReason(models.TextChoices):
        EXPIRED = "expired", _("its validity ended")
        TRANSFERRED = "transferred", _("the domain was transferred")
        REPLACED = "replaced", _("a new code was issued")
        ASSIGNED = "assigned", _("the domain changed hands by cesja")

    domain = models.ForeignKey("registry.Domain", on_delete=models.PROTECT, related_name="authinfo_codes")
    code_digest = models.CharField(max_length=64, editable=False)
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    expires_at = models.DateTimeField(_("valid until"), db_index=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The transfer policy of the TLD says how long a code is valid.
    policy = models.ForeignKey("transfers.TransferPolicy", on_delete=models.PROTECT, related_name="+")
    reset_at = models.DateTimeField(_("reset"), null=True, blank=True)
    reset_reason = models.CharField(_("why reset"), max_length=16, choices=ResetReason.choices, blank=True)

    class Meta:
        # The table it has had since the codes were part of transfers.
        db_table = "transfers_authinfocode"
        verbose_name = _("authinfo code")
        verbose_name_plural = _("authinfo codes")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return f"code for {self.domain} issued {self.issued_at:%Y-%m-%d}"

    @property
    def is_valid(self) -> bool:
        return self.reset_at is None and self.expires_at > timezone.now()


class RegistrantConfirmation(models.Model):
    """The link that confirms a domain's registrant, sent to the registrant's e-mail as the
    registry holds it. Only a keyed digest of the token is kept."""

    domain = models.ForeignKey("registry.Domain", on_delete=models.PROTECT, related_name="+")
    registrant = models.ForeignKey("accounts.Registrant", on_delete=models.PROTECT, related_name="+")
    email = models.EmailField(_("sent to"))
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    requested_at = models.DateTimeField(_("sent"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField(_("valid until"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)

    class Meta:
        verbose_name = _("registrant confirmation link")
        verbose_name_plural = _("registrant confirmation links")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"confirmation of the registrant of {self.domain}"

    @property
    def usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()


class RegistryDifference(models.Model):
    """A difference between the registry's record of a domain we hold and ours, before the
    domains team until someone has looked at it. Our record already holds the registry's
    values; the team decides what else follows (a call to the customer, a correction)."""

    domain = models.ForeignKey(
        "registry.Domain", on_delete=models.PROTECT, related_name="registry_differences"
    )
    found_at = models.DateTimeField(_("found"), default=timezone.now)
    found_by = models.CharField(_("found by"), max_length=32)
    # {field: [ours, the registry's]}, the latest comparison's
    changes = models.JSONField(_("differences"), default=dict)
    resolved_at = models.DateTimeField(_("checked"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.TextField(_("what was done"), blank=True)

    class Meta:
        verbose_name = _("registry difference")
        verbose_name_plural = _("registry differences")
        ordering = ["-found_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain"], condition=models.Q(resolved_at__isnull=True), name="one_open_difference"
            )
        ]

    def __str__(self) -> str:
        return f"registry difference of {self.domain}"

    @property
    def domain_name(self) -> str:
        return self.domain.name

    @classmethod
    def open_for(cls, domain, changes: dict, *, found_by: str) -> RegistryDifference:
        """The domain's open difference, with the latest changes, or a new one in the domains
        team's queue. In the caller's transaction, which holds the domain's row."""
        current = cls.objects.filter(domain=domain, resolved_at__isnull=True).first()
        if current is not None:
            current.changes = {**current.changes, **changes}
            current.save(update_fields=["changes"])
            return current
        difference = cls.objects.create(domain=domain, changes=changes, found_by=found_by)
        from .flows import RegistryDifferenceFlow  # the flow refers to this model

        RegistryDifferenceFlow.start.run(difference=difference)
        return difference
