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
