"""The history log: one append-only row per change that matters.

Rows are never edited or deleted. The log is many hash chains, one per case (the event's
subject): each row names its chain, its place in it (``seq``, from 1) and carries the
SHA-256 of its predecessor's hash in that chain and of its own content, so that a changed
byte anywhere breaks its chain at that row. Signed checkpoints (``HistoryCheckpoint``) fix
every chain's head from time to time, so that the newest events cannot be cut off unseen.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64
# The events written while the log was one global chain, kept as they were: their hashes
# cover their content without the chain and place (see ``canonical_content``).
LEGACY_CHAIN = "legacy"


class Channel(models.TextChoices):
    WEB = "web", _("web")
    PHONE = "phone", _("phone")
    CHAT = "chat", _("live chat")
    EMAIL = "email", _("e-mail")
    POST = "post", _("post")
    FAX = "fax", _("fax")
    IN_PERSON = "in_person", _("in person")
    SYSTEM = "system", _("system")


class EventType(models.TextChoices):
    """What happened: the catalogue of event types and their labels. New kinds of event are
    added here, never reused for another meaning. The history column does not take these as
    its ``choices``, so a new kind needs no migration; ``event_label`` shows the label."""

    USER_LOGGED_IN = "user.logged_in", _("logged in")
    USER_LOGGED_OUT = "user.logged_out", _("logged out")
    USER_LOGIN_FAILED = "user.login_failed", _("failed login")
    USER_LANGUAGE_CHANGED = "user.language_changed", _("language changed")
    ACCOUNT_CREATED = "user.account_created", _("account created")
    REGISTRANT_CREATED = "registrant.created", _("registrant profile created")
    REGISTRANT_UPDATED = "registrant.updated", _("registrant profile changed")
    DOMAIN_CREATED = "domain.created", _("domain recorded")
    DOMAIN_SYNCED = "domain.synced", _("domain data read from the registry")
    DOMAIN_UPDATED = "domain.updated", _("domain changed")
    DOMAIN_REGISTRANT_READ = "domain.registrant_read", _("domain's registrant read from the registry")
    DOMAIN_REGISTRANT_CONFIRMATION = "domain.registrant_confirmation", _("registrant confirmation sent")
    DOMAIN_REGISTRANT_CONFIRMED = "domain.registrant_confirmed", _("registrant confirmed")
    DOMAIN_REGISTRY_DIFFERENCE = "domain.registry_difference", _("registry differs from our record")
    DOMAIN_REGISTRY_DIFFERENCE_CHECKED = "domain.difference_checked", _("registry difference checked")
    REGISTRY_COMMAND = "registry.command", _("registry command")
    REGISTRY_POLL = "registry.poll", _("registry message received")
    REGISTRY_POLL_UNPROCESSED = "registry.poll_unprocessed", _("registry message could not be processed")
    REGISTRY_POLL_HANDLED = "registry.poll_handled", _("unprocessed registry message handled")
    TRANSFER_STATE_CHANGED = "transfer.state_changed", _("transfer moved on")
    TRANSFER_REGISTRY_DELAYED = "transfer.registry_delayed", _("transfer waiting for the registry")
    AUTHINFO_ISSUED = "authinfo.issued", _("authinfo code issued")
    AUTHINFO_RESET = "authinfo.reset", _("authinfo code reset")
    DOMAIN_TRANSFER_LOCK = "domain.transfer_lock", _("transfer lock changed")
    CESJA_STATE_CHANGED = "cesja.state_changed", _("cesja moved on")
    CESJA_FORM_GENERATED = "cesja.form_generated", _("cesja form generated")
    CESJA_DOCUMENT_RECEIVED = "cesja.document_received", _("cesja document received")
    CESJA_CHECKLIST = "cesja.checklist", _("cesja checklist item ticked")
    CESJA_REMINDER = "cesja.reminder", _("cesja reminder sent")
    CESJA_PARTY_CHANGED = "cesja.party_changed", _("cesja party data corrected")
    CESJA_REGISTRY_STEP = "cesja.registry_step", _("cesja step carried out at the registry")
    CESJA_REGISTRY_DELAYED = "cesja.registry_delayed", _("cesja waiting for the registry")
    CALLER_VERIFIED = "caller.verified", _("caller verified by authorisation code")
    CALLER_VERIFICATION_FAILED = "caller.verification_failed", _("caller verification failed")
    CALLER_EMAIL_RESENT = "caller.email_resent", _("e-mail sent again for a caller")
    TASK_CLAIMED = "task.claimed", _("task taken from the queue")
    TASK_RELEASED = "task.released", _("task put back in the queue")
    TASK_REASSIGNED = "task.reassigned", _("task handed to another person")
    TASK_DEADLINE_WARNING = "task.deadline_warning", _("task deadline approaching")
    TASK_ESCALATED = "task.escalated", _("task past its deadline escalated")
    DOCUMENT_DOWNLOADED = "document.downloaded", _("document downloaded")


def event_label(value: str) -> str:
    """The label people read for an event type; a type the catalogue does not know (written
    by a newer release, or retired) shows as its raw value."""
    try:
        return EventType(value).label
    except ValueError:
        return value


class HistoryEventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: ARG002
        raise PermissionError("History events are never changed.")

    def delete(self):
        raise PermissionError("History events are never deleted.")

    def for_object(self, obj: models.Model) -> HistoryEventQuerySet:
        return self.filter(subject_type=ContentType.objects.get_for_model(obj), subject_id=str(obj.pk))


class HistoryEvent(models.Model):
    occurred_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    # A snapshot of who acted, kept even if the account is later renamed.
    actor_label = models.CharField(_("actor"), max_length=200)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    # One of EventType's values; deliberately not ``choices=`` (see EventType).
    event_type = models.CharField(_("event"), max_length=64, db_index=True)
    subject_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    subject_id = models.CharField(max_length=64, blank=True)
    domain_name = models.CharField(_("domain"), max_length=253, blank=True, db_index=True)
    summary = models.TextField(_("what happened"))
    reason = models.TextField(_("why"), blank=True)
    changes = models.JSONField(_("before and after"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    data = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    # The chain this event belongs to (``history.chain_key``) and its place there, from 1.
    chain = models.CharField(_("chain"), max_length=200, editable=False)
    seq = models.PositiveBigIntegerField(_("place in the chain"), editable=False)
    # The hash of the event before it in the same chain (GENESIS_HASH for the first).
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, unique=True, editable=False)

    objects = HistoryEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("history event")
        verbose_name_plural = _("history events")
        ordering = ["id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "id"]),
            # The auditor's "requests handled by phone" and "requests a staff member acted on"
            # read the matching requests' keys from these indexes alone.
            models.Index(fields=["channel", "subject_type", "subject_id"], name="history_channel_subject"),
            models.Index(fields=["actor", "subject_type", "subject_id"], name="history_actor_subject"),
        ]
        constraints = [
            # One event per place: also the index the chain check and the audit page walk.
            models.UniqueConstraint(fields=["chain", "seq"], name="history_one_event_per_place"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.event_label()}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise PermissionError("History events are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("History events are never deleted.")

    def event_label(self) -> str:
        """The label of this event's type (``event_label``), for templates and exports."""
        return event_label(self.event_type)

    # The name Django gave it while the column had choices; templates written against it go on working.
    get_event_type_display = event_label

    def canonical_content(self) -> bytes:
        """The bytes the hash covers: every field but the id and the hashes, in a fixed order.

        The id is left out so the hash is known before the row is written; the order of
        events is covered by each one naming its predecessor's hash, and by the chain and the
        place, which the legacy chain's events (written before there were chains) lack."""
        content = {
            "occurred_at": self.occurred_at.astimezone(UTC).isoformat(),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "channel": self.channel,
            "event_type": self.event_type,
            "subject_type_id": self.subject_type_id,
            "subject_id": self.subject_id,
            "domain_name": self.domain_name,
            "summary": self.summary,
            "reason": self.reason,
            "changes": self.changes,
            "data": self.data,
        }
        if self.chain != LEGACY_CHAIN:
            content["chain"] = self.chain
            content["seq"] = self.seq
        return json.dumps(content, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.prev_hash.encode() + self.canonical_content()).hexdigest()


class HistoryChainHead(models.Model):
    """The last link of one chain; its row lock serialises the writers of that chain only, so
    each chain stays linear while other cases write on."""

    chain = models.CharField(max_length=200, unique=True)
    seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)
    last_event_id = models.BigIntegerField(null=True)
    # How far the latest checkpoint has fixed this chain; a head ahead of it is in the next one.
    checkpointed_seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("history chain head")

    def __str__(self) -> str:
        return f"chain {self.chain} at event {self.last_event_id} ({self.seq})"


class HistoryCheckpoint(models.Model):
    """A signed statement of the chain heads at one moment, chained to the checkpoint before
    it (as Certificate Transparency's signed tree heads): ``heads`` lists the chains that
    moved since that checkpoint as ``[chain, seq, hash]``, so the checkpoints together fix the
    head of every chain. Appended by the checkpoint round; never changed or deleted."""

    created_at = models.DateTimeField(default=timezone.now)
    heads = models.JSONField(default=list)
    prev_hash = models.CharField(max_length=64, unique=True)  # unique: the checkpoints never fork
    hash = models.CharField(max_length=64, unique=True)
    signature = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("history checkpoint")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"checkpoint {self.pk} ({len(self.heads)} chains)"

    def canonical_content(self) -> bytes:
        content = {"created_at": self.created_at.astimezone(UTC).isoformat(), "heads": self.heads}
        return json.dumps(content, sort_keys=True, ensure_ascii=False).encode()

    def compute_hash(self) -> str:
        return hashlib.sha256(self.prev_hash.encode() + self.canonical_content()).hexdigest()


class SentEmail(models.Model):
    """A record that a mail went out: to whom, what about, and a SHA-256 of its body.

    The body itself is never kept: a mail may carry an authinfo code we issued, and a code
    must live nowhere but in the registrant's mailbox. The digest lets an auditor check a
    copy the recipient produces against what we sent."""

    case_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    case_id = models.CharField(max_length=64, blank=True)
    domain_name = models.CharField(_("domain"), max_length=253, blank=True, db_index=True)
    kind = models.CharField(_("kind"), max_length=64)
    recipient = models.EmailField(_("recipient"))
    subject = models.CharField(_("subject"), max_length=255)
    language = models.CharField(_("language"), max_length=8)
    body_sha256 = models.CharField(_("SHA-256 of the body"), max_length=64)
    sent_at = models.DateTimeField(_("sent"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("sent e-mail")
        verbose_name_plural = _("sent e-mails")
        ordering = ["id"]
        indexes = [models.Index(fields=["case_type", "case_id", "id"])]

    def __str__(self) -> str:
        return f"{self.sent_at:%Y-%m-%d %H:%M} {self.kind} → {self.recipient}"


class TaskDeadline(models.Model):
    """How long a kind of human task may wait, and how early staff are warned."""

    # The flow task's reference as viewflow stores it, e.g. "transfers/flows.IncomingTransferFlow.review".
    flow_task = models.CharField(_("task type"), max_length=255, unique=True)
    label = models.CharField(_("name"), max_length=200, blank=True)
    hours = models.PositiveIntegerField(_("deadline (hours)"))
    warning_before = models.PositiveIntegerField(_("warning before the deadline (hours)"))

    class Meta:
        verbose_name = _("task deadline")
        verbose_name_plural = _("task deadlines")
        ordering = ["flow_task"]

    def __str__(self) -> str:
        return self.label or self.flow_task


class TaskDeadlineState(models.Model):
    """What the deadline sweep has already done for one task, so each step happens once."""

    task_id = models.BigIntegerField(primary_key=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"task {self.task_id}"


class SavesChangedFields(models.Model):
    """A case row that, saved whole, writes only the columns that changed since it was read.

    A step reads its case under a lock, changes a few fields and saves it; writing all of a
    transfer's forty columns back costs more to build than the rest of the step's statements.
    JSON values are copied when read, since a step may change a list or a dict in place."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        as_read = getattr(self, "_as_read", None)
        whole = not args and kwargs.get("update_fields") is None
        if as_read is not None and whole and not self._state.adding:
            changed = [
                field.name
                for field in self._meta.concrete_fields
                if field.attname in as_read and getattr(self, field.attname) != as_read[field.attname]
            ]
            # Nothing changed, or a row read in part: a whole save, as before.
            if changed and len(as_read) == len(self._meta.concrete_fields):
                kwargs["update_fields"] = changed
        super().save(*args, **kwargs)
        self._as_read = _as_read((f.attname, getattr(self, f.attname)) for f in self._meta.concrete_fields)

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._as_read = _as_read(zip(field_names, values, strict=True))
        return instance


def _as_read(pairs) -> dict[str, Any]:
    return {name: copy.deepcopy(value) if isinstance(value, dict | list) else value for name, value in pairs}


class RegistryRetry(models.Model):
    """What a case shows while a registry command of its waits for the registry: how many
    tries failed, when the next one goes, and the last problem in words for the customer."""

    registry_tries = models.PositiveSmallIntegerField(_("failed tries at the registry"), default=0)
    retry_at = models.DateTimeField(_("try the registry again at"), null=True, blank=True)
    registry_error = models.TextField(_("last registry problem"), blank=True)

    class Meta:
        abstract = True

    def registry_answered(self) -> None:
        self.registry_tries = 0
        self.retry_at = None
        self.registry_error = ""


class OutboxMessage(models.Model):
    """Something that must follow a committed step of a case: a registry command, an e-mail.

    Written in the step's own transaction, so that the step and what follows it are committed
    together or not at all; the relay (``workflows.outbox``) then carries it out at least once,
    retrying after any failure, and marks it sent. Rows are kept after sending: they say what
    followed each step and when. A secret a message needs (a link's token, a code we issued)
    travels sealed in ``sealed`` and is wiped once the message is sent."""

    kind = models.CharField(_("kind"), max_length=64)
    # Names one consequence, so that a step run twice cannot ask for it twice.
    key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    payload = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    sealed = models.TextField(blank=True, editable=False)
    case_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    case_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("written"), default=timezone.now)
    available_at = models.DateTimeField(_("due"), default=timezone.now)
    # A deliverer holds the message until then; past it, a deliverer that died is presumed dead.
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last problem"), blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["available_at", "id"], name="outbox_due", condition=models.Q(sent_at__isnull=True)
            ),
            models.Index(fields=["case_type", "case_id", "id"], name="outbox_case"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
