"""Generated documents: issuing a new version of a form, finding the current one, and
checking a number that comes back on paper.

Every version is kept with its SHA-256; a new version supersedes the previous one, and a
signed copy must match the current version (see :func:`form_for_signed_copy`). History
events are the caller's to write: it knows the actor, the channel and why it regenerated.
"""

from __future__ import annotations

import hashlib
import io
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone
from pypdf import PdfReader

from .models import GeneratedDocument

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: staff read the code off a fax or a phone call.
VERIFICATION_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
VERIFICATION_LENGTH = 8
_NUMBER_RE = re.compile(r"^(?P<prefix>[A-Z]+)/(?P<year>\d{4})/(?P<case_id>\d+)/(?P<version>\d+)$")


class FormNotFound(LookupError):
    """No form has this number (or the verification code does not match it)."""


class FormSuperseded(Exception):
    """The form was replaced by a newer version; a signed copy of it is not accepted."""

    def __init__(self, form: GeneratedDocument, current: GeneratedDocument | None) -> None:
        self.form, self.current = form, current
        newer = f"; the current version is {current.number}" if current else ""
        super().__init__(f"Form {form.number} was superseded on {form.superseded_at:%Y-%m-%d}{newer}.")


@dataclass(frozen=True)
class NumberParts:
    prefix: str
    year: int
    case_id: int
    version: int


def format_number(prefix: str, year: int, case_id: int, version: int) -> str:
    return f"{prefix}/{year}/{case_id:06d}/{version}"


def parse_number(number: str) -> NumberParts:
    match = _NUMBER_RE.match(normalise_number(number))
    if not match:
        raise ValueError(f"Not a document number: {number!r}")
    return NumberParts(match["prefix"], int(match["year"]), int(match["case_id"]), int(match["version"]))


def normalise_number(number: str) -> str:
    # As typed off paper: spaces around the slashes, lower case, a trailing full stop.
    return re.sub(r"\s+", "", number).strip(".").upper()


def new_verification_code() -> str:
    code = "".join(secrets.choice(VERIFICATION_ALPHABET) for _ in range(VERIFICATION_LENGTH))
    return f"{code[:4]}-{code[4:]}"


def normalise_verification_code(code: str) -> str:
    raw = re.sub(r"[\s-]+", "", code).upper()
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == VERIFICATION_LENGTH else raw


def _case_filter(case: models.Model, kind: str) -> dict[str, object]:
    return {"case_type": ContentType.objects.get_for_model(case), "case_id": case.pk, "kind": kind}


def issue_form_version(
    *,
    case: models.Model,
    kind: str,
    render: Callable[[str, str], bytes],
    language: str,
    actor=None,
    number_prefix: str = "CES",
) -> GeneratedDocument:
    """Generate and store the next version of a form for ``case``; the previous current
    version, if any, is marked superseded by it.

    ``render(number, verification_code)`` returns the PDF bytes. It runs inside the
    transaction, after the case is locked, so that two corrections at once cannot both
    become version 2; a render error leaves nothing behind. The returned document carries
    what the caller's history event needs: number, version, verification code, sha256, size,
    pages, and the version it superseded (``previous_version(document)``).
    """
    with transaction.atomic():
        # Lock the case row: it serialises issuing even for the first version, when there is
        # no document row yet to lock.
        type(case)._default_manager.select_for_update().filter(pk=case.pk).exists()
        filters = _case_filter(case, kind)
        existing = list(GeneratedDocument.objects.select_for_update().filter(**filters).order_by("version"))
        previous = next((doc for doc in reversed(existing) if doc.superseded_at is None), None)
        version = (existing[-1].version if existing else 0) + 1
        number = format_number(number_prefix, timezone.localdate().year, case.pk, version)
        code = new_verification_code()
        pdf = render(number, code)
        if not pdf.startswith(b"%PDF-"):
            raise ValueError("The render function did not return a PDF.")
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
        now = timezone.now()
        if previous is not None:
            # The one-current-version constraint is checked per statement: clear this first.
            previous.superseded_at = now
            previous.save(update_fields=["superseded_at"])
        document = GeneratedDocument(
            **filters,
            number=number,
            version=version,
            language=language,
            verification_code=code,
            sha256=hashlib.sha256(pdf).hexdigest(),
            size=len(pdf),
            pages=pages,
            created_by=actor,
        )
        document.file.save(f"{number.replace('/', '-')}.pdf", ContentFile(pdf), save=False)
        try:
            document.save(force_insert=True)
            if previous is not None:
                previous.superseded_by = document
                previous.save(update_fields=["superseded_by"])
        except BaseException:
            # Nothing of a failed issue is kept: the file would belong to no row.
            document.file.storage.delete(document.file.name)
            raise
    return document


def previous_version(document: GeneratedDocument) -> GeneratedDocument | None:
    """The version ``document`` superseded, if any."""
    return GeneratedDocument.objects.filter(superseded_by=document).first()


def current_form(case: models.Model, kind: str) -> GeneratedDocument | None:
    return GeneratedDocument.objects.filter(**_case_filter(case, kind), superseded_at__isnull=True).first()


def form_versions(case: models.Model, kind: str) -> list[GeneratedDocument]:
    return list(GeneratedDocument.objects.filter(**_case_filter(case, kind)).order_by("version"))


def form_by_number(number: str) -> GeneratedDocument | None:
    return GeneratedDocument.objects.filter(number=normalise_number(number)).first()


def form_for_signed_copy(number: str, verification_code: str | None = None) -> GeneratedDocument:
    """The form a signed copy claims to be, if that copy may be accepted.

    Raises :class:`FormNotFound` for an unknown number or a wrong verification code, and
    :class:`FormSuperseded` when the parties' data was corrected after that version: the
    signatures are then on data that is no longer the case's.
    """
    form = form_by_number(number)
    if form is None:
        raise FormNotFound(f"No form has the number {number!r}.")
    if verification_code is not None and not secrets.compare_digest(
        normalise_verification_code(verification_code), form.verification_code
    ):
        raise FormNotFound(f"The verification code does not match form {form.number}.")
    if form.superseded_at is not None:
        current = GeneratedDocument.objects.filter(
            case_type=form.case_type, case_id=form.case_id, kind=form.kind, superseded_at__isnull=True
        ).first()
        raise FormSuperseded(form, current)
    return form


def verify_stored_file(document: GeneratedDocument) -> bool:
    """Whether the stored file still has the SHA-256 recorded when it was issued."""
    with document.file.open("rb") as handle:
        digest = hashlib.sha256()
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest() == document.sha256
