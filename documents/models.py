"""Documents a case is decided on: the forms we generate (each version kept, with its
SHA-256) and the documents that reach us (uploads, post, fax, in person), checked by their
content and stored with their SHA-256. Nothing here is ever deleted: an auditor may need it.

A document belongs to a case (a cesja, a transfer) through ``case_type`` / ``case_id``, so
that this app knows nothing of the kinds of case that use it.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from workflows.models import Channel


class CaseDocumentQuerySet(models.QuerySet):
    def for_case(self, case: models.Model):
        return self.filter(case_type=ContentType.objects.get_for_model(case), case_id=case.pk)


class GeneratedDocument(models.Model):
    """One version of a form we generated, e.g. a cesja declaration."""

    class Kind(models.TextChoices):
        CESJA_DECLARATION = "cesja_declaration", _("Cesja declaration")
        HISTORY_REPORT = "history_report", _("History report")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    case_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    case_id = models.PositiveBigIntegerField()
    # The number printed on the form; each version has its own (e.g. CES/2026/000123/2).
    number = models.CharField(_("document number"), max_length=40, unique=True)
    version = models.PositiveIntegerField(_("version"))
    language = models.CharField(_("language"), max_length=8)
    # A short code printed on the form: staff type it to check a paper copy is ours.
    verification_code = models.CharField(_("verification code"), max_length=16)
    file = models.FileField(_("file"), upload_to="generated/%Y/%m/")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    size = models.PositiveIntegerField(_("size in bytes"))
    pages = models.PositiveIntegerField(_("pages"))
    created_at = models.DateTimeField(_("generated"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    superseded_at = models.DateTimeField(_("superseded"), null=True, blank=True)
    superseded_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes"
    )

    objects = CaseDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("generated document")
        verbose_name_plural = _("generated documents")
        ordering = ["case_type", "case_id", "kind", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["case_type", "case_id", "kind", "version"], name="one_version_number"
            ),
            # At most one current (not superseded) version of a kind per case.
            models.UniqueConstraint(
                fields=["case_type", "case_id", "kind"],
                condition=models.Q(superseded_at__isnull=True),
                name="one_current_version",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None


class ReceivedDocument(models.Model):
    """A document that reached us: a customer's upload, or paper registered by staff."""

    class Kind(models.TextChoices):
        SIGNED_FORM = "signed_form", _("Signed form (scan or photo)")
        KRS_EXTRACT = "krs_extract", _("KRS extract")
        POWER_OF_ATTORNEY = "power_of_attorney", _("Power of attorney")
        OTHER = "other", _("Other document")

    class CodeCheck(models.TextChoices):
        """What the code read off the stored file says it is, against its case."""

        CURRENT = "current", _("the current form of this case")
        SUPERSEDED = "superseded", _("an earlier version of this case's form")
        OTHER_CASE = "other_case", _("the form of another case")
        NONE = "none", _("no code read")

    case_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    case_id = models.PositiveBigIntegerField()
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    channel = models.CharField(_("came through"), max_length=16, choices=Channel.choices)
    # For paper: the day it arrived and who took it in; for uploads the upload time and uploader.
    received_on = models.DateField(_("received on"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    # The generated form this is a signed copy of, when the sender says so.
    form = models.ForeignKey(
        GeneratedDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="signed_copies"
    )
    # What the sender called it; never used to decide what it is.
    original_name = models.CharField(_("file name given"), max_length=255)
    # What its content says it is, after checking and cleaning.
    content_type = models.CharField(_("type"), max_length=64)
    file = models.FileField(_("file"), upload_to="received/%Y/%m/")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    original_sha256 = models.CharField(_("SHA-256 as received"), max_length=64)
    size = models.PositiveIntegerField(_("size in bytes"))
    pages = models.PositiveIntegerField(_("pages"))
    cleaning = models.JSONField(_("what cleaning removed"), default=dict, blank=True)
    # What the file really is, read off its QR code (or its text): the label staff see says
    # this, never what the case expected. Both blank for documents received before reading.
    code_number = models.CharField(_("document number read"), max_length=40, blank=True)
    code_check = models.CharField(
        _("what its code says"), max_length=16, choices=CodeCheck.choices, blank=True
    )
    note = models.TextField(_("note"), blank=True)

    objects = CaseDocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("received document")
        verbose_name_plural = _("received documents")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.original_name})"

    @property
    def code_flagged(self) -> bool:
        """Whether staff must look twice: a form of another case or an earlier version, or a
        signed form whose code could not be read."""
        if self.code_check in (self.CodeCheck.SUPERSEDED, self.CodeCheck.OTHER_CASE):
            return True
        return self.kind == self.Kind.SIGNED_FORM and self.code_check == self.CodeCheck.NONE
