"""The rules each TLD's registry sets for transfers, as data.

A policy is a versioned row per TLD (``TransferPolicy``); a new version is a new row with the
moment it takes effect, so that every transfer can say under which rules it was decided.
The catalogue of reasons a losing registrar may give for rejecting a transfer lives here
too; each policy lists which of them its TLD allows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RejectionReason(models.TextChoices):
    """Reasons a losing registrar may reject a transfer (ICANN Transfer Policy I.A.3.7). At
    NASK (.pl) the losing registrar cannot reject at all: the registrant answers NASK."""

    FRAUD = "fraud", _("Evidence of fraud")
    COURT_ORDER = "court_order", _("A court order or an order of a competent authority")
    DISPUTE = "dispute", _("A pending dispute over the domain (UDRP, court or arbitration)")
    IDENTITY_DISPUTE = "identity_dispute", _("A reasonable dispute over the identity of the registrant")
    REGISTRANT_OBJECTED = "registrant_objected", _("The registrant objected to the transfer in writing")
    UNPAID = "unpaid", _("The registration period was not paid for")


# NASK (docs/registries/nask-epp.md): the registrant confirms by NASK's e-mail within about 30
# days, the losing registrar has no say, so there is nothing it could reject for.
PL_RULES = {
    "authinfo_validity": timedelta(days=30),  # NASK: a code is valid for 30 days
    "registration_lock": timedelta(days=5),
    "transfer_lock": timedelta(days=5),
    "pending_window": timedelta(days=30),
    "confirmation_validity": timedelta(days=7),
    # the registrant may confirm any day: ask daily, besides NASK's messages
    "reconcile_after": timedelta(days=1),
    "reconcile_every": timedelta(hours=12),
    "rejection_reasons": [],
}

# The rules each TLD started with (version 1). Later versions are rows added in the admin;
# this table is only read when a TLD has no policy row yet.
DEFAULT_POLICIES: dict[str, dict] = {
    "pl": PL_RULES,
    **{
        gtld: {
            "authinfo_validity": timedelta(days=14),  # ICANN Transfer Policy (2026): 14 days
            "registration_lock": timedelta(days=60),
            "transfer_lock": timedelta(days=60),
            "pending_window": timedelta(days=5),
            "confirmation_validity": timedelta(days=5),
            "reconcile_after": timedelta(days=5, hours=1),
            "reconcile_every": timedelta(hours=12),
            "rejection_reasons": [
                RejectionReason.FRAUD,
                RejectionReason.COURT_ORDER,
                RejectionReason.DISPUTE,
                RejectionReason.IDENTITY_DISPUTE,
                RejectionReason.REGISTRANT_OBJECTED,
                RejectionReason.UNPAID,
            ],
        }
        for gtld in ("com", "net")
    },
    "eu": {
        "authinfo_validity": timedelta(days=40),  # EURid: an auth code lives 40 days
        "registration_lock": timedelta(0),
        "transfer_lock": timedelta(0),
        "pending_window": timedelta(days=5),
        "confirmation_validity": timedelta(days=7),
        "reconcile_after": timedelta(days=5, hours=1),
        "reconcile_every": timedelta(hours=12),
        "rejection_reasons": [RejectionReason.FRAUD, RejectionReason.COURT_ORDER, RejectionReason.DISPUTE],
    },
}


class TransferPolicy(models.Model):
    """One version of a TLD's transfer rules. Rows are never edited once used: a change is a
    new version with the moment it takes effect."""

    tld = models.ForeignKey("registry.Tld", on_delete=models.PROTECT, related_name="transfer_policies")
    version = models.PositiveIntegerField(_("version"))
    valid_from = models.DateTimeField(_("valid from"), default=timezone.now)
    authinfo_validity = models.DurationField(_("authinfo code valid for"))
    registration_lock = models.DurationField(_("no transfer this long after registration"))
    transfer_lock = models.DurationField(_("no transfer this long after a transfer"))
    pending_window = models.DurationField(_("losing registrar's window"))
    confirmation_validity = models.DurationField(_("confirmation link valid for"))
    reconcile_after = models.DurationField(
        _("ask the registry after"), help_text=_("How long a request may stay pending before we ask.")
    )
    reconcile_every = models.DurationField(_("then ask again every"), default=timedelta(hours=12))
    rejection_reasons = models.JSONField(
        _("allowed rejection reasons"), default=list, help_text=_("Codes from the rejection catalogue.")
    )
    note = models.TextField(_("why this version"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("transfer policy")
        verbose_name_plural = _("transfer policies")
        ordering = ["tld__name", "-version"]
        constraints = [models.UniqueConstraint(fields=["tld", "version"], name="transfer_policy_version")]

    def __str__(self) -> str:
        return f".{self.tld.name} v{self.version}"

    def clean(self) -> None:
        super().clean()
        unknown = set(self.rejection_reasons or []) - set(RejectionReason.values)
        if unknown:
            raise ValidationError(
                {
                    "rejection_reasons": _("Not in the catalogue: %(codes)s")
                    % {"codes": ", ".join(sorted(unknown))}
                }
            )

    @classmethod
    def current_for(cls, tld, at: datetime | None = None) -> TransferPolicy | None:
        """The version in force at ``at`` (now); the TLD's first version is made from
        DEFAULT_POLICIES if it has none yet. None for a TLD we have no rules for."""
        at = at or timezone.now()
        policy = cls.objects.filter(tld=tld, valid_from__lte=at).order_by("-valid_from", "-version").first()
        if policy is not None or tld.name not in DEFAULT_POLICIES:
            return policy
        if cls.objects.filter(tld=tld).exists():
            return None  # only future versions exist: nothing is in force yet
        policy, _created = cls.objects.get_or_create(
            tld=tld,
            version=1,
            defaults={
                **DEFAULT_POLICIES[tld.name],
                "valid_from": datetime(2000, 1, 1, tzinfo=UTC),
                "note": "initial rules",
            },
        )
        return policy

    def allows_rejection(self, reason_code: str) -> bool:
        return reason_code in (self.rejection_reasons or [])

    def rejection_choices(self) -> list[tuple[str, str]]:
        return [
            (code, RejectionReason(code).label)
            for code in self.rejection_reasons
            if code in RejectionReason.values
        ]
