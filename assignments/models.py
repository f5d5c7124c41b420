"""Cesja (assignment): the rights to one or more domains pass from their registrant (the
cedent) to a new registrant (the cesjonariusz), on a form signed by both, verified by the
domains team and then carried out at the registry.

A cesja's state is a django-fsm field that only its transitions change; the services in
``assignments.services`` run each transition under a row lock and write its history event.

    awaiting_party ──join──▶ awaiting_documents ──signed form──▶ in_verification
          │                     ▲         │                      │   │   │
          │                     │         │         second needed│   │   │approve
          │              new form version │                      ▼   │   ▼
          │                     │         │      awaiting_second_approval ──approve──▶ executing
          │                     │         │                      │   │                 │     │
          │                     └─ correction_requested ◀────────┴───┘            completed  failed
          │                                │  ▲ request_correction
          ▼                                ▼
    expired / cancelled (documents deadline passed; either party or staff until approval)
    rejected (staff, from either verification state)
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from workflows.models import RegistryRetry, SavesChangedFields
from workflows.roles import AUDIT_PERMISSION

from .policy import CesjaPolicy

__all__ = [
    "Approval",
    "Cesja",
    "CesjaDomain",
    "CesjaInvitation",
    "CesjaPolicy",
    "ChecklistItem",
    "ChecklistTick",
    "DomainDispute",
    "Reason",
    "Side",
    "State",
]


class Side(models.TextChoices):
    CEDENT = "cedent", _("cedent (current registrant)")
    CESJONARIUSZ = "cesjonariusz", _("cesjonariusz (new registrant)")


class Reason(models.TextChoices):
    LEGAL_FORM_CHANGE = "legal_form_change", _("Change of legal form")
    DOMAIN_SALE = "domain_sale", _("Sale of the domain")
    BUSINESS_SALE = "business_sale", _("Sale of the firm or its shares")
    PERSON_TO_FIRM = "person_to_firm", _("A person becoming a firm")
    OTHER = "other", _("Other")


class State(models.TextChoices):
    # A context of their own: Polish says "cesja" in the feminine ("zakończona") where a
    # transfer, with the same English words, is masculine ("zakończony").
    AWAITING_PARTY = "awaiting_party", pgettext_lazy("cesja state", "waiting for the other party to join")
    AWAITING_DOCUMENTS = "awaiting_documents", pgettext_lazy("cesja state", "waiting for the signed form")
    IN_VERIFICATION = "in_verification", pgettext_lazy("cesja state", "documents being verified by our staff")
    CORRECTION_REQUESTED = "correction_requested", pgettext_lazy("cesja state", "correction requested")
    AWAITING_SECOND_APPROVAL = (
        "awaiting_second_approval",
        pgettext_lazy("cesja state", "waiting for a second approval"),
    )
    EXECUTING = "executing", pgettext_lazy("cesja state", "being carried out at the registry")
    COMPLETED = "completed", pgettext_lazy("cesja state", "completed")
    REJECTED = "rejected", pgettext_lazy("cesja state", "rejected")
    CANCELLED = "cancelled", pgettext_lazy("cesja state", "cancelled")
    EXPIRED = "expired", pgettext_lazy("cesja state", "expired")
    FAILED = "failed", pgettext_lazy("cesja state", "failed")


class ChecklistItem(models.TextChoices):
    BOTH_SIGNED = "both_signed", _("Both parties signed the form")
    NAMES_MATCH = "names_match", _("The parties' names match the form")
    IDENTIFIERS_MATCH = "identifiers_match", _("PESEL / NIP / REGON / KRS match the form")
    REPRESENTATION_OK = (
        "representation_ok",
        _("Each organisation signed by people who may represent it (KRS extract or power of attorney)"),
    )
    CURRENT_VERSION = "current_version", _("The document number is that of the current form version")


TERMINAL_STATES = frozenset({State.COMPLETED, State.REJECTED, State.CANCELLED, State.EXPIRED, State.FAILED})
OPEN_STATES = frozenset(State.values) - TERMINAL_STATES
# The parties still have to send something; the documents deadline runs.
DOCUMENT_STATES = (State.AWAITING_PARTY, State.AWAITING_DOCUMENTS, State.CORRECTION_REQUESTED)
# The domains team has the documents; the verification deadline runs.
VERIFICATION_STATES = (State.IN_VERIFICATION, State.AWAITING_SECOND_APPROVAL)
# Until the (last) approval either party may withdraw.
CANCELLABLE = (*DOCUMENT_STATES, *VERIFICATION_STATES)
# A signed copy may be received: the first, a corrected one, or more pages while staff look.
RECEIVING = (State.AWAITING_DOCUMENTS, State.CORRECTION_REQUESTED, *VERIFICATION_STATES)


class CesjaQuerySet(models.QuerySet):
    def open(self) -> CesjaQuerySet:
        return self.filter(state__in=OPEN_STATES)

    def of_account(self, user) -> CesjaQuerySet:
        return self.filter(models.Q(cedent_account=user) | models.Q(cesjonariusz_account=user))


class Cesja(ConcurrentTransitionMixin, SavesChangedFields, RegistryRetry):
    Side = Side
    Reason = Reason
    State = State

    # viewflow keeps its artifact's key in a PositiveIntegerField: keep ours an integer.
    id = models.AutoField(primary_key=True)
    number = models.CharField(_("number"), max_length=24, unique=True, null=True, blank=True)
    cedent = models.ForeignKey(
        "accounts.Registrant", on_delete=models.PROTECT, null=True, blank=True, related_name="cesje_given"
    )
    cesjonariusz = models.ForeignKey(
        "accounts.Registrant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cesje_taken",
        help_text=_("Empty until the new registrant has joined."),
    )
    cedent_account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cesjonariusz_account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    invited_email = models.EmailField(_("other party invited at"), blank=True)
    initiated_by = models.CharField(_("started by"), max_length=16, choices=Side.choices)
    cedent_joined_at = models.DateTimeField(_("cedent took part from"), null=True, blank=True)
    cesjonariusz_joined_at = models.DateTimeField(_("cesjonariusz took part from"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=24, choices=Reason.choices)
    reason_details = models.TextField(_("reason in the parties' words"), blank=True)
    policy = models.ForeignKey(
        CesjaPolicy, on_delete=models.PROTECT, related_name="cesje", verbose_name=_("decided under")
    )
    state = FSMField(_("state"), max_length=32, choices=State.choices, protected=True)
    language = models.CharField(_("language of the form"), max_length=8, default="pl")
    # What the current form says of the parties: a profile edit that changes it issues a new version.
    form_digest = models.CharField(max_length=64, blank=True, editable=False)

    created_at = models.DateTimeField(_("started"), default=timezone.now)
    documents_deadline = models.DateTimeField(_("signed documents due"), null=True, blank=True)
    reminders_sent = models.JSONField(
        _("reminders sent (days before the deadline)"), default=list, blank=True, editable=False
    )
    documents_received_at = models.DateTimeField(_("documents received"), null=True, blank=True)
    verification_deadline = models.DateTimeField(_("verify by"), null=True, blank=True)
    # Each time the documents come (back) to staff a new round starts: ticks and approvals
    # of an earlier round say nothing of the documents now on file.
    verification_round = models.PositiveIntegerField(_("verification round"), default=0)
    correction_request = models.TextField(_("what the parties must fix"), blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("ended"), null=True, blank=True)
    outcome_reason = models.TextField(_("why it ended so"), blank=True)

    # The registry contact the new registrant gets, chosen once so that a retry reuses it.
    contact_handle = models.CharField(_("new registrant's contact ID"), max_length=16, blank=True)

    objects = CesjaQuerySet.as_manager()

    class Meta:
        verbose_name = _("cesja")
        verbose_name_plural = _("cesje")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["created_at"], name="cesja_created"),
            models.Index(fields=["resolved_at"], name="cesja_resolved"),
        ]

    def __str__(self) -> str:
        return f"{self.number or self.pk} ({self.get_state_display()})"

    # ------------------------------------------------------------------ reading

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def waiting_for(self) -> str:
        """The side that has not joined yet, or ""."""
        if self.state != State.AWAITING_PARTY:
            return ""
        return Side.CESJONARIUSZ if self.initiated_by == Side.CEDENT else Side.CEDENT

    @property
    def verification_is_late(self) -> bool:
        return (
            self.state in VERIFICATION_STATES
            and self.verification_deadline is not None
            and self.verification_deadline < timezone.now()
        )

    @property
    def documents_are_late(self) -> bool:
        return (
            self.state in DOCUMENT_STATES
            and self.documents_deadline is not None
            and self.documents_deadline < timezone.now()
        )

    def side_of(self, user) -> str:
        """The side ``user``'s account stands on, or ""."""
        if user is None or not getattr(user, "is_authenticated", False):
            return ""
        if user.pk == self.cedent_account_id:
            return Side.CEDENT
        if user.pk == self.cesjonariusz_account_id:
            return Side.CESJONARIUSZ
        return ""

    def acts_for(self, user, side: str) -> bool:
        """Whether ``user``'s account is that side's (one account may be both sides)."""
        account_id = self.cedent_account_id if side == Side.CEDENT else self.cesjonariusz_account_id
        return bool(user is not None and account_id is not None and user.pk == account_id)

    def documents_visible_to(self, user) -> bool:
        """Forms and scans: both parties' accounts, back-office staff and auditors."""
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if self.side_of(user):
            return True
        return bool(getattr(user, "is_back_office", False) or user.has_perm(AUDIT_PERMISSION))

    def can_cancel(self, user) -> bool:
        return self.state in CANCELLABLE and bool(
            self.side_of(user) or getattr(user, "is_back_office", False)
        )

    def checklist_items(self) -> list[str]:
        """The checklist items that apply: the representation is checked only when a party is
        an organisation."""
        organisations = [
            party
            for party in (self.cedent, self.cesjonariusz)
            if party is not None and party.kind == party.Kind.ORGANISATION
        ]
        return [
            item for item in ChecklistItem.values if item != ChecklistItem.REPRESENTATION_OK or organisations
        ]

    def domain_names(self) -> list[str]:
        return [item.domain_name for item in self.items.all()]

    # ------------------------------------------------------------------ transitions

    @transition(field=state, source=State.AWAITING_PARTY, target=State.AWAITING_DOCUMENTS)
    def both_parties_known(self) -> None:
        pass

    @transition(
        field=state,
        source=(State.AWAITING_DOCUMENTS, State.CORRECTION_REQUESTED),
        target=State.IN_VERIFICATION,
    )
    def documents_arrived(self) -> None:
        now = timezone.now()
        self.documents_received_at = now
        self.verification_round += 1
        self.verification_deadline = now + self.policy.verification_period
        self.correction_request = ""

    @transition(
        field=state,
        source=(State.IN_VERIFICATION, State.AWAITING_SECOND_APPROVAL, State.CORRECTION_REQUESTED),
        target=State.AWAITING_DOCUMENTS,
    )
    def new_form_version(self) -> None:
        """The parties' data changed: what was signed is no longer the current form."""
        self.verification_deadline = None

    @transition(field=state, source=VERIFICATION_STATES, target=State.CORRECTION_REQUESTED)
    def ask_for_correction(self) -> None:
        self.verification_deadline = None

    @transition(field=state, source=State.IN_VERIFICATION, target=State.AWAITING_SECOND_APPROVAL)
    def first_approval(self) -> None:
        pass

    @transition(field=state, source=VERIFICATION_STATES, target=State.EXECUTING)
    def approve(self) -> None:
        self.approved_at = timezone.now()

    @transition(field=state, source=VERIFICATION_STATES, target=State.REJECTED)
    def reject(self) -> None:
        self.resolved_at = timezone.now()

    @transition(field=state, source=CANCELLABLE, target=State.CANCELLED)
    def cancel(self) -> None:
        self.resolved_at = timezone.now()

    @transition(field=state, source=DOCUMENT_STATES, target=State.EXPIRED)
    def expire(self) -> None:
        self.resolved_at = timezone.now()

    @transition(field=state, source=State.EXECUTING, target=State.COMPLETED)
    def complete(self) -> None:
        self.resolved_at = timezone.now()

    @transition(field=state, source=State.EXECUTING, target=State.FAILED)
    def fail(self) -> None:
        self.resolved_at = timezone.now()


class CesjaDomain(models.Model):
    """A domain of the cesja and what the registry answered for it."""

    cesja = models.ForeignKey(Cesja, on_delete=models.CASCADE, related_name="items")
    domain = models.ForeignKey("registry.Domain", on_delete=models.PROTECT, related_name="cesja_items")
    domain_name = models.CharField(_("domain name"), max_length=253)
    # True while the cesja is open: the unique constraint keeps a domain in one open cesja.
    active = models.BooleanField(default=True, editable=False)
    cl_trid = models.CharField(_("client transaction ID of the change"), max_length=64, blank=True)
    sv_trid = models.CharField(_("server transaction ID of the change"), max_length=64, blank=True)
    done_at = models.DateTimeField(_("registrant changed at the registry"), null=True, blank=True)

    class Meta:
        verbose_name = _("domain of a cesja")
        verbose_name_plural = _("domains of a cesja")
        ordering = ["domain_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["domain"], condition=models.Q(active=True), name="one_open_cesja_per_domain"
            )
        ]

    def __str__(self) -> str:
        return self.domain_name

    @property
    def display_name(self) -> str:
        from registry.names import to_unicode

        return to_unicode(self.domain_name)


class ChecklistTick(models.Model):
    """One tick (or untick) of a verification item; the latest per item and round counts."""

    cesja = models.ForeignKey(Cesja, on_delete=models.CASCADE, related_name="ticks")
    round = models.PositiveIntegerField(_("verification round"))
    item = models.CharField(_("item"), max_length=24, choices=ChecklistItem.choices)
    checked = models.BooleanField(_("checked"))
    ticked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ticked_at = models.DateTimeField(_("when"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("checklist tick")
        verbose_name_plural = _("checklist ticks")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_item_display()}: {'✓' if self.checked else '✗'}"


class Approval(models.Model):
    cesja = models.ForeignKey(Cesja, on_delete=models.CASCADE, related_name="approvals")
    round = models.PositiveIntegerField(_("verification round"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("when"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["cesja", "round", "approved_by"], name="one_approval_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.approved_by} {self.approved_at:%Y-%m-%d %H:%M}"


class CesjaInvitation(models.Model):
    """The link that brings the other party in. Only a keyed digest of the token is kept;
    the e-mail carries the token itself."""

    cesja = models.ForeignKey(Cesja, on_delete=models.CASCADE, related_name="invitations")
    side = models.CharField(_("invited as"), max_length=16, choices=Side.choices)
    email = models.EmailField(_("sent to"))
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("valid until"))
    used_at = models.DateTimeField(_("used"), null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("cesja invitation")
        verbose_name_plural = _("cesja invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation to cesja {self.cesja_id} ({self.email})"


class DomainDispute(models.Model):
    """A dispute over a domain (court, arbitration, a complaint): while one is open no cesja
    of the domain may start. Recorded by staff."""

    domain = models.ForeignKey("registry.Domain", on_delete=models.PROTECT, related_name="disputes")
    reference = models.CharField(_("case reference"), max_length=100, blank=True)
    note = models.TextField(_("what it is about"), blank=True)
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("domain dispute")
        verbose_name_plural = _("domain disputes")
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.domain} {self.reference}".strip()

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
