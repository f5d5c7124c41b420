"""The rules a cesja is decided under, as data.

A policy is a versioned row (``CesjaPolicy``); a new version is a new row with the moment it
takes effect, so that every cesja can say under which rules it was decided. Unlike transfer
rules they are ours, not a registry's, so there is one line of versions for every TLD.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Version 1, used when no row exists yet (and seeded by the migration).
DEFAULT_POLICY: dict = {
    "documents_period": timedelta(days=30),
    "reminder_days": [7, 2],
    "verification_period": timedelta(days=3),
    "correction_period": timedelta(days=14),
    "second_approval_domains": [],
}


class CesjaPolicy(models.Model):
    """One version of the cesja rules. Rows are never edited once used: a change is a new
    version with the moment it takes effect."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    documents_period = models.DurationField(
        _("signed documents due within"), help_text=_("Counted from the start of the cesja.")
    )
    reminder_days = models.JSONField(
        _("remind this many days before the documents are due"),
        default=list,
        help_text=_("Whole days, e.g. [7, 2]."),
    )
    verification_period = models.DurationField(_("staff verify within"))
    correction_period = models.DurationField(
        _("corrected documents due within"),
        help_text=_("After staff ask for a correction, the parties have at least this long."),
    )
    second_approval_domains = models.JSONField(
        _("domains needing a second approval"),
        default=list,
        blank=True,
        help_text=_("High-value domains (A-label names): their cesja is approved by two staff members."),
    )
    note = models.TextField(_("why this version"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("cesja policy")
        verbose_name_plural = _("cesja policies")
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"v{self.version}"

    def clean(self) -> None:
        super().clean()
        days = self.reminder_days or []
        if not isinstance(days, list) or not all(isinstance(d, int) and d > 0 for d in days):
            raise ValidationError({"reminder_days": _("A list of whole numbers of days, e.g. [7, 2].")})
        if any(timedelta(days=d) >= self.documents_period for d in days):
            raise ValidationError(
                {"reminder_days": _("A reminder must come after the start, within the period.")}
            )

    @classmethod
    def current(cls, at: datetime | None = None) -> CesjaPolicy:
        """The version in force at ``at`` (now); version 1 is made from DEFAULT_POLICY if no
        version exists at all."""
        at = at or timezone.now()
        policy = cls.objects.filter(valid_from__lte=at).order_by("-valid_from", "-version").first()
        if policy is not None:
            return policy
        policy, _created = cls.objects.get_or_create(
            version=1,
            defaults={
                **DEFAULT_POLICY,
                "valid_from": datetime(2000, 1, 1, tzinfo=UTC),
                "note": "initial rules",
            },
        )
        return policy

    def reminders(self) -> list[int]:
        """Days before the deadline, furthest first."""
        return sorted({int(d) for d in self.reminder_days or []}, reverse=True)

    def needs_second_approval(self, domain_names: list[str]) -> bool:
        flagged = {name.lower() for name in self.second_approval_domains or []}
        return any(name.lower() in flagged for name in domain_names)
