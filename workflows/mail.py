"""The record of every mail we send about a case, shared by the apps that send them."""

from __future__ import annotations

import hashlib

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import SentEmail


def record_sent_email(
    *,
    kind: str,
    recipient: str,
    subject: str,
    body: str,
    language: str,
    case: models.Model | None = None,
    domain_name: str = "",
) -> SentEmail:
    """Note that a mail went out; only a digest of ``body`` is kept (it may hold a code)."""
    return SentEmail.objects.create(
        case_type=ContentType.objects.get_for_model(case) if case is not None else None,
        case_id=str(case.pk) if case is not None else "",
        domain_name=domain_name or getattr(case, "domain_name", "") or "",
        kind=kind,
        recipient=recipient,
        subject=subject[:255],
        language=language,
        body_sha256=hashlib.sha256(body.encode()).hexdigest(),
    )
